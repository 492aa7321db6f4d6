// Command kafka-consumer-groups is Kafka 2.4.1's kafka.admin.ConsumerGroupCommand
// (bin/kafka-consumer-groups.sh): it lists, describes and deletes consumer
// groups, resets their committed offsets and deletes offsets of single
// topics, through the Admin API of any Kafka 2.4-compatible cluster.
//
// Flags, messages, column layouts and exit codes follow the Scala tool:
// tables go to standard output with Kafka's widths (each variable column is
// at least 15 wide and grows to its longest value), notes such as "Consumer
// group 'g' has no active members." go to standard error, and failures of the
// requested operation are printed as "Error: ..." lines on standard output
// with exit status 0, as the Scala main does. Usage errors exit with 1.
//
// Where Kafka's output order depends on a Java hash map (members with equal
// partition counts, partitions without a member, reset plans) this tool sorts
// by topic and partition so that output is deterministic.
package main
