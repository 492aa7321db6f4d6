package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// next prints the tutorial's test commands with this cluster's addresses.
func next(ctx context.Context, o options) error {
	c, err := loadCluster(o)
	if err != nil {
		return err
	}
	printNext(o.stdout, nodesOf(c), rel(c.RunDir), o.bin)
	return nil
}

func printNext(w io.Writer, nodes []node, runDir, binDir string) {
	first := nodes[0]
	zkFirst := first.zkClient
	var zks, brokers []string
	for _, n := range nodes {
		zks = append(zks, n.zkClient)
		brokers = append(brokers, fmt.Sprintf("%s (broker %d)", n.brokerAddr, n.BrokerID))
	}
	b := strings.TrimSuffix(binDir, "/")
	fmt.Fprintf(w, `
The cluster runs: ZooKeeper on %s
                  brokers on %s

The tutorial's test, with %s playing kafka1:
  %s/kafka-topics.sh --create --zookeeper %s --replication-factor 1 --partitions 1 --topic test
  %s/kafka-topics.sh --list --zookeeper %s
`, strings.Join(zks, ", "), strings.Join(brokers, ", "), first.Address, b, zkFirst, b, zkFirst)
	for _, n := range nodes[1:] {
		fmt.Fprintf(w, "  %s/kafka-topics.sh --list --zookeeper %s\n", b, n.zkClient)
	}
	fmt.Fprintf(w, `  %s/kafka-console-producer.sh --broker-list %s -topic test
  %s/kafka-console-consumer.sh --bootstrap-server %s --topic test
  %s/kafka-topics.sh --delete --zookeeper %s --topic test

Look around:
  %s/zookeeper-shell.sh %s ls /brokers/ids
  kcat -b %s -L
  make status
Logs: %s/<node>/logs/ (server.log, kafkaServer.out, zookeeper.out)
Stop with: make stop (the data stays in %s/; make run starts on it again)
`, b, first.brokerAddr, b, first.brokerAddr, b, zkFirst,
		b, zkFirst, first.brokerAddr, runDir, runDir)
}
