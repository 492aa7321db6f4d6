// Package chaos is a Go port of the design of Jepsen's Kafka "queue"
// workload and checker, run against real Samsa brokers and a real
// ZooKeeper ensemble while faults are injected.
//
// Workers each own one idempotent acks=all producer and one consumer. They
// send unique integer values to keys (one key per partition) and poll, by
// assign or by subscribe (consumer group). Every operation and what it
// observed goes into a History; Check then looks for Jepsen's anomalies:
// lost-write, duplicate, inconsistent-offsets, nonmonotonic-send,
// nonmonotonic-poll, poll-skip and unseen, with Jepsen's rules for which are
// allowed (poll-skip and nonmonotonic-poll under subscribe, where a rebalance
// may move partitions between consumers unseen by the client).
//
// Nemeses: kill -9 and restart of a broker or of the controller, SIGSTOP
// of a broker past the ZooKeeper session timeout, the loss and return of a
// ZooKeeper follower, of the ZooKeeper leader and of a ZooKeeper majority,
// network partitions on loopback (a broker cut from the other brokers, a
// partition leader cut from ZooKeeper while clients still reach it, the
// clients cut from one partition leader, random halves), and a skewed wall
// clock on the ZooKeeper leader. Partitions use
// iptables' owner match on processes that each run under a uid of their
// own (see Firewall); the clock skew preloads libfaketime into the
// ZooKeeper JVMs (see Clocks). Each is skipped, with the reason logged,
// when the test is not root, iptables refuses or libfaketime is missing.
// Full disks and the loss of unsynced bytes are not covered here.
//
// The tests live in this package: TestQueueUnderFaults runs a short workload
// by default and a long one when SAMSA_CHAOS_DURATION is set;
// SAMSA_CHAOS_FAULTS (comma-separated fault keys) runs only those faults.
package chaos
