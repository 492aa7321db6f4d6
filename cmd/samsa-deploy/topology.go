package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	"github.com/samsa-broker/samsa/conf"
)

// node is one machine of the local cluster (a ZooKeeper server and a
// broker on one address) with the places of its files. conf decides the
// data directories (dataDir, log.dirs); the files around them, which only
// this tool uses, sit next to them:
//
//	<run>/<node>/config/zoo.cfg, server.properties
//	<run>/<node>/zookeeper/          ZooKeeper's dataDir, with myid
//	<run>/<node>/kafka-logs/         the broker's log.dirs
//	<run>/<node>/logs/               zookeeper.out, server.log, kafkaServer.out
//	<run>/<node>/zookeeper.pid, kafka.pid
type node struct {
	conf.Node
	dir        string // <run>/<node>
	zkDataDir  string
	logDirs    []string
	zkClient   string // host:port of ZooKeeper's client port
	zkConnect  string // the brokers' zookeeper.connect
	brokerAddr string // host:port of the PLAINTEXT listener
}

func (n node) configDir() string            { return filepath.Join(n.dir, "config") }
func (n node) zooCfgPath() string           { return filepath.Join(n.configDir(), "zoo.cfg") }
func (n node) myidPath() string             { return filepath.Join(n.zkDataDir, "myid") }
func (n node) serverPropertiesPath() string { return filepath.Join(n.configDir(), "server.properties") }
func (n node) logDir() string               { return filepath.Join(n.dir, "logs") }
func (n node) zkLogPath() string            { return filepath.Join(n.logDir(), "zookeeper.out") }
func (n node) brokerConsolePath() string    { return filepath.Join(n.logDir(), "kafkaServer.out") }
func (n node) startOutPath() string         { return filepath.Join(n.logDir(), "kafka-server-start.out") }
func (n node) zkPidPath() string            { return filepath.Join(n.dir, "zookeeper.pid") }
func (n node) brokerPidPath() string        { return filepath.Join(n.dir, "kafka.pid") }

// loadCluster reads the topology; --run (or --out) replaces its run_dir.
func loadCluster(o options) (*conf.Cluster, error) {
	c, err := conf.LoadCluster(o.cluster)
	if err != nil {
		return nil, err
	}
	if o.run != "" {
		abs, err := filepath.Abs(o.run)
		if err != nil {
			return nil, err
		}
		c.RunDir = abs
	}
	return c, nil
}

// loadNodes returns the topology's nodes in file order.
func loadNodes(o options) ([]node, error) {
	c, err := loadCluster(o)
	if err != nil {
		return nil, err
	}
	return nodesOf(c), nil
}

func nodesOf(c *conf.Cluster) []node {
	var nodes []node
	for _, n := range c.Nodes {
		nodes = append(nodes, node{
			Node:       n,
			dir:        c.NodeDir(n),
			zkDataDir:  c.ZooKeeperDataDir(n),
			logDirs:    []string{c.LogDir(n)},
			zkClient:   net.JoinHostPort(n.Address, strconv.Itoa(c.ZooKeeper.ClientPort)),
			zkConnect:  c.ZooKeeperConnect(),
			brokerAddr: net.JoinHostPort(n.Address, strconv.Itoa(c.Kafka.Port)),
		})
	}
	return nodes
}

func (n node) String() string { return fmt.Sprintf("%s (%s)", n.Name, n.Address) }
