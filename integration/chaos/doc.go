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
// Nemeses act on processes only: kill -9 and restart of a broker, SIGSTOP of
// a broker past the ZooKeeper session timeout, and the loss and return of a
// ZooKeeper follower or of the ZooKeeper leader. Network partitions, clock
// skew and full disks are not covered.
//
// The tests live in this package: TestQueueUnderFaults runs a short workload
// by default and a long one when SAMSA_CHAOS_DURATION is set.
package chaos
