// Command kafka-reassign-partitions is Kafka 2.4.1's ReassignPartitionsCommand
// over ZooKeeper:
//
//	--generate --topics-to-move-json-file f --broker-list 1,2,3
//	    prints the current assignment of the topics and a proposal
//	--execute --reassignment-json-file f [--throttle B/s]
//	    prints the current assignment (to keep for rollback), sets the
//	    throttles and writes /admin/reassign_partitions, which the
//	    controller carries out
//	--verify --reassignment-json-file f
//	    prints each partition's status and removes the throttles once all
//	    have completed
//
// Messages, JSON and the order partitions are printed in are Kafka's (the
// scalaorder package reproduces the Scala collections' iteration order).
// As in Kafka 2.4, a failed action prints "Partitions reassignment failed
// due to ..." and exits 0; bad options and an unreachable ZooKeeper exit 1.
// Moving replicas between log directories (absolute "log_dirs") is not
// supported.
package main
