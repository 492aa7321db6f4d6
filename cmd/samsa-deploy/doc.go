// Command samsa-deploy runs a local Samsa cluster from a cluster topology
// file (deploy/cluster.toml): three ZooKeeper nodes and three brokers on
// loopback addresses that play the tutorial's kafka1, kafka2 and kafka3.
// The Makefile's run, stop and status targets drive it; it can be used alone:
//
//	samsa-deploy render       --cluster deploy/cluster.toml
//	samsa-deploy zk-start     --cluster deploy/cluster.toml
//	samsa-deploy zk-status    --cluster deploy/cluster.toml
//	samsa-deploy broker-start --cluster deploy/cluster.toml
//	samsa-deploy wait-cluster --cluster deploy/cluster.toml
//	samsa-deploy next         --cluster deploy/cluster.toml
//	samsa-deploy status       --cluster deploy/cluster.toml
//	samsa-deploy broker-stop  --cluster deploy/cluster.toml
//	samsa-deploy zk-stop      --cluster deploy/cluster.toml
//	samsa-deploy dist-config  --out dist/samsa-x/config
//
// --run (or --out) replaces the cluster file's run_dir.
//
// # Layout
//
// conf decides the data directories; the files around them sit next to them:
//
//	run/kafka1/config/zoo.cfg            ZooKeeper's configuration
//	run/kafka1/config/server.properties  the broker's
//	run/kafka1/zookeeper/                ZooKeeper's dataDir, with myid
//	run/kafka1/kafka-logs/               the broker's log.dirs
//	run/kafka1/logs/                     zookeeper.out, server.log, kafkaServer.out
//	run/kafka1/zookeeper.pid, kafka.pid
//
// render rewrites only configuration files: the data directories survive,
// so starting again resumes the same cluster. The stop commands stop only
// the processes whose pid files they find, after checking that each pid
// still belongs to the process that was started.
//
// ZooKeeper runs as Apache ZooKeeper's QuorumPeerMain from the jars of
// Debian's zookeeper package (/usr/share/java, or $ZOOKEEPER_JARS); brokers
// are started with bin/kafka-server-start.sh -daemon, as an operator would.
package main
