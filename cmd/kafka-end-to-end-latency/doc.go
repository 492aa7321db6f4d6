// Command kafka-end-to-end-latency is Kafka 2.4.1's
// kafka.tools.EndToEndLatency (bin/kafka-run-class.sh
// kafka.tools.EndToEndLatency ...): it measures how long one message takes
// to travel producer -> broker -> consumer, one message in flight at a time.
//
//	kafka-end-to-end-latency broker_list topic num_messages producer_acks message_size_bytes [properties_file]
//
// For each message it generates message_size_bytes random capital letters
// (the same sequence as the Java tool: java.util.Random seeded with 0),
// sends it synchronously with acks 1 or all and linger.ms=0, then polls a
// consumer assigned to every partition of the topic, positioned at the log
// end, until that message arrives. Output is the Java tool's: every
// 1000th round trip "i<TAB>latency-in-ms", then
//
//	Avg latency: 1.2345 ms
//
//	Percentiles: 50th = 1, 99th = 3, 99.9th = 7
//
// where, as in 2.4.1, the percentiles are whole milliseconds (each round
// trip truncated to ms before sorting). A missing topic is created with one
// partition and replication factor 1, as the Java tool does.
//
// Samsa addition: when SAMSA_LATENCY_FILE names a file, every round trip's
// latency is also written there in nanoseconds, one per line, so a
// benchmark can report sub-millisecond percentiles without changing the
// tool's standard output.
//
// The clients are franz-go. Java's consumer polls with fetch.max.wait.ms=0;
// franz-go's lowest allowed wait is 10 ms, which adds no latency because a
// fetch waiting for data is answered as soon as the message is appended
// (or, with acks=all, committed).
package main
