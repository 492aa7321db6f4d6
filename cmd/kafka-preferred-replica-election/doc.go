// Command kafka-preferred-replica-election is Kafka 2.4.1's deprecated
// PreferredReplicaLeaderElectionCommand: it moves the leadership of the
// partitions in --path-to-json-file (default: all) back to their preferred
// replicas, either by writing /admin/preferred_replica_election
// (--zookeeper), which the controller processes, or with the ElectLeaders
// API (--bootstrap-server). Messages, partition order and exit codes are
// Kafka's.
package main
