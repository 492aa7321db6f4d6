// Package harness starts the real things integration tests run against: a
// ZooKeeper ensemble (Apache ZooKeeper's QuorumPeerMain from the system's
// jars), Samsa broker processes built from this tree, and Apache Kafka's own
// Java tools from the jar cache that `make kafka-jars` fills.
//
// # Addresses
//
// Tests never take `make run`'s addresses (127.0.0.11-13 with the standard
// ports), so the tests pass while a local cluster is up. Ensemble node i
// listens on 127.0.0.(21+i) and brokers default to 127.0.0.(30+id%10), all
// on free ports chosen at start.
//
// # One ensemble per test package
//
// An ensemble takes seconds to elect a leader, so a test package starts one
// in TestMain and every test works under its own chroot:
//
//	var ensemble *harness.Ensemble
//
//	func TestMain(m *testing.M) {
//		os.Exit(harness.RunWithEnsemble(m, 3, &ensemble))
//	}
//
//	func TestSomething(t *testing.T) {
//		zk := ensemble.Connect() + harness.Chroot(t)
//		b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk})
//		harness.WaitCluster(t, zk, 1) // registered, controller elected
//		run := harness.KafkaTool(t, "kafka.admin.TopicCommand",
//			"--list", "--bootstrap-server", b.Addr())
//		...
//	}
//
// A test that kills ZooKeeper nodes starts its own with StartEnsemble(t, n),
// which is stopped when the test ends.
//
// # Binaries
//
// Bin(t, name) returns the path of a Samsa binary. If SAMSA_BIN_DIR is set
// (the Makefile sets it to build/bin after `make build`) the binary is taken
// from there; otherwise it is built from ./cmd/<name> with `go build` into a
// cache directory, so `go test ./integration/...` works without make.
//
// # Brokers
//
// StartBroker runs Samsa's kafka-server-start on a rendered
// server.properties (BrokerOpts.Props adds or overrides keys) and waits until
// it listens; Kill, Stop, Restart and Exited drive and observe it. Its output
// and server.log stay in the test's temporary directory and the last 50
// lines are printed when the test fails. StartKafkaBroker does the same with
// Apache Kafka's own broker, for side-by-side and mixed-cluster tests.
//
// A test running as root can start a broker under a uid of its own
// (BrokerOpts.UID) and ZooKeeper nodes likewise (StartEnsembleOpts with
// EnsembleOpts.UIDs); their directories then belong to that uid. Every
// loopback connection leaves from 127.0.0.1, so the uid is what lets
// iptables' owner match cut the links of one process (integration/chaos).
//
// # Kafka's tools
//
// KafkaTool and KafkaCommand run `java -cp '<libs>/*' <class> args...` with
// the jars in SAMSA_KAFKA_LIBS, or in $HOME/.cache/samsa/kafka-2.4.1/libs
// where `make kafka-jars` puts them. Kcat runs librdkafka's kcat.
package harness
