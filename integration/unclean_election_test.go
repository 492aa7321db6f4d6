package integration

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestDynamicUncleanElection: a partition whose only in-sync replica is
// down stays offline while unclean election is off. Turning
// unclean.leader.election.enable on as a dynamic cluster-wide broker config
// (kafka-configs --entity-type brokers --entity-default) makes the
// controller elect the out-of-sync replica at once, as Kafka's
// enableDefaultUncleanLeaderElection does, without any other broker change.
func TestDynamicUncleanElection(t *testing.T) {
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	props := map[string]string{"unclean.leader.election.enable": "false", "offsets.topic.replication.factor": "1"}
	b1 := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zkConnect, Props: props})
	b2 := harness.StartBroker(t, harness.BrokerOpts{ID: 2, ZK: zkConnect, Props: props})
	harness.WaitCluster(t, zkConnect, 1, 2)

	const topic = "unclean"
	if r := samsaTool(t, "", "kafka-topics", "--zookeeper", zkConnect, "--create", "--topic", topic,
		"--replica-assignment", "1:2"); r.ExitCode != 0 {
		t.Fatalf("kafka-topics --create: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	leaderOf := func(seed string) (int32, error) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(seed))
		if err != nil {
			return -1, err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		md, err := kadm.NewClient(cl).Metadata(ctx, topic)
		if err != nil {
			return -1, err
		}
		p, ok := md.Topics[topic].Partitions[0]
		if !ok {
			return -1, fmt.Errorf("%s-0 not in the metadata", topic)
		}
		return p.Leader, nil
	}
	eventually(t, 30*time.Second, "broker 1 leads", func() error {
		if l, err := leaderOf(b1.Addr()); err != nil || l != 1 {
			return fmt.Errorf("leader %d: %v", l, err)
		}
		return nil
	})

	// Broker 2 leaves the ISR, then broker 1, the last in-sync replica,
	// goes down too: the partition is offline.
	if err := b2.Stop(); err != nil {
		t.Fatal(err)
	}
	b1.Kill(syscall.SIGKILL)
	b2.Restart()
	// Once broker 1's session expired, broker 2 is the controller and
	// finds no live in-sync replica.
	eventually(t, 60*time.Second, "the partition offline", func() error {
		if l, err := leaderOf(b2.Addr()); err != nil || l != -1 {
			return fmt.Errorf("leader %d: %v", l, err)
		}
		return nil
	})
	time.Sleep(2 * time.Second)
	if l, err := leaderOf(b2.Addr()); err != nil || l != -1 {
		t.Fatalf("with unclean election off, %s-0 has leader %d (%v), want none", topic, l, err)
	}

	if r := samsaTool(t, "", "kafka-configs", "--bootstrap-server", b2.Addr(), "--entity-type", "brokers",
		"--entity-default", "--alter", "--add-config", "unclean.leader.election.enable=true"); r.ExitCode != 0 {
		t.Fatalf("kafka-configs: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	eventually(t, 30*time.Second, "broker 2 elected uncleanly", func() error {
		if l, err := leaderOf(b2.Addr()); err != nil || l != 2 {
			return fmt.Errorf("leader %d: %v", l, err)
		}
		return nil
	})
}
