// Package election holds what kafka-leader-election and
// kafka-preferred-replica-election --bootstrap-server share: the JSON file
// of partitions both read, and the ElectLeaders call of the Java
// AdminClient with its results sorted into the Scala collections the
// tools print (elected, already elected, failed).
package election
