// Command kafka-producer-perf-test is Kafka 2.4.1's ProducerPerformance
// (bin/kafka-producer-perf-test.sh): it sends --num-records records of
// --record-size bytes (or payloads picked from --payload-file) as fast as
// --throughput allows and prints, every five seconds and at the end, the
// same lines as the Java tool:
//
//	N records sent, R records/sec (X MB/sec), A ms avg latency, M ms max latency.
//	N records sent, R records/sec (X MB/sec), A ms avg latency, M ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.
//
// MB is 1024*1024 bytes of payload; latency runs from the send call to the
// acknowledgement callback, in whole milliseconds, and the percentiles come
// from at most 500,000 sampled latencies, exactly as in the Java tool.
// The producer underneath is franz-go configured with the Java producer's
// 2.4 defaults (acks=1, linger.ms=0, batch.size=16384, buffer.memory 32 MiB,
// sticky partitioning, no idempotence). As in the Java tool a failed send
// counts in the figures and prints its exception to stderr; a last stderr
// line sums the failures up.
//
// Differs: batches stay within the topic's max.message.bytes (read with
// DescribeConfigs; 1000012 when it cannot be read) whatever batch.size
// says. The Java producer sends batches up to batch.size and splits one
// the broker refuses as too large; franz-go cannot split, and would fail
// the records of such a batch.
package main
