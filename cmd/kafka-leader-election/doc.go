// Command kafka-leader-election is Kafka 2.4.1's LeaderElectionCommand: it
// asks the controller (ElectLeaders) to elect the preferred replica, or an
// unclean leader where a partition has none, for one partition (--topic and
// --partition), the partitions of a JSON file or all partitions, and prints
// the outcome as Kafka's tool does:
//
//	Successfully completed leader election (PREFERRED) for partitions t-0, t-1
//	Valid replica already elected for partitions ...
//	Error completing leader election (PREFERRED) for partition: t-2: <exception>
//
// (the second line lists the elected partitions, as Kafka 2.4's does).
// Failed partitions make it exit 1 with Kafka's exception.
package main
