// Package coordinator is everything a Samsa broker does in ZooKeeper, the
// way Apache Kafka 2.4 does it, so that Samsa and Kafka brokers can share a
// cluster: the znode layout and its JSON, broker registration and the
// broker epoch, the cluster id, controller election with epoch fencing, the
// controller itself, topic creation and deletion, ISR updates by
// compare-and-set, ISR change notifications and producer id blocks.
//
// # Pieces
//
//   - ZK (zk.go, zkops.go): a go-zookeeper session with contexts, Kafka's
//     "host:port,host:port/chroot" connect strings, typed session events
//     that are never dropped (go-zookeeper's event channel drops when full,
//     so events are taken from its callback into an unbounded queue), and
//     errors that match ErrNoNode, ErrNodeExists, ErrBadVersion, ... with
//     errors.Is.
//   - Codecs (codec.go): byte-compatible encoders of every znode Kafka 2.4
//     writes, with the key order a real cluster shows, and tolerant decoders
//     (older versions, numbers as strings, unknown keys).
//   - Admin (admin.go, assign.go): AdminZkClient — what kafka-topics
//     --zookeeper and the CreateTopics/DeleteTopics APIs do — with Kafka's
//     replica assignment and Kafka's error messages, which the tools print.
//   - Node (node.go, ctrl.go, sender.go, isr.go, shutdown.go): one broker's
//     membership and, while it is elected, the controller. The decisions of
//     the controller (elections, ISR shrink, request batching) live in the
//     I/O-free subpackage controller.
//
// # Usage
//
//	z, err := coordinator.Dial(ctx, "zk1:2181,zk2:2181/kafka", 18*time.Second, log)
//	n := coordinator.NewNode(z, coordinator.NodeConfig{BrokerID: 1, Endpoints: eps,
//		InterBrokerListener: "PLAINTEXT", DeleteTopicEnable: true}, transport, log)
//	clusterID, err := n.Prepare(ctx)   // persistent paths, /cluster/id
//	epoch, err := n.Register(ctx)      // /brokers/ids/1; runs for controller
//	...
//	n.ControlledShutdown(ctx)
//	n.Close()                          // resigns, deregisters
//	z.Close()
//
// # Null data
//
// Kafka creates its persistent paths, partition parents and deletion
// requests with null data (the Java client sends length -1). go-zookeeper
// sends a nil []byte as length -1 as well and reads null back as nil, so
// ZK.Create(ctx, p, nil, mode) writes a null znode exactly like Kafka;
// []byte{} writes an empty one (what /brokers/seqid holds after an id was
// generated). Decoders treat null and empty alike where Kafka does.
//
// # Session expiry
//
// go-zookeeper reconnects by itself after an expiry, with a new session.
// ZK reports SessionExpired, then SessionConnected with NewSession set. The
// Node resigns on the first and, on the second, registers again (a new
// czxid, hence a new broker epoch) and runs for controller again, like
// Kafka's RegisterBrokerAndReelect.
//
// See DESIGN.md for the event loop, fencing and invariants.
package coordinator
