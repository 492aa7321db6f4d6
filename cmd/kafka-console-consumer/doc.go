// Command kafka-console-consumer is Kafka 2.4.1's ConsoleConsumer: it
// consumes a topic (--topic), the topics matching a regular expression
// (--whitelist) or one partition (--partition with --offset) and prints each
// record with DefaultMessageFormatter's layout, then "Processed a total of
// N messages" on standard error when it stops (signal, --max-messages,
// --timeout-ms).
//
// Without --group it joins a fresh group console-consumer-<0..99999> with
// auto-commit off, as Kafka does; with --group offsets are auto-committed,
// but only for records actually printed (Kafka seeks back over unprinted
// ones before closing). The franz-go client is configured like the 2.4 Java
// consumer: range assignor, 10 s session timeout, auto topic creation
// allowed in metadata requests.
//
// Beyond 2.4, the formatter also understands print.partition and
// print.offset (Kafka 2.7's "Partition:N" and "Offset:N" columns); both are
// off by default, so 2.4 output is unchanged.
package main
