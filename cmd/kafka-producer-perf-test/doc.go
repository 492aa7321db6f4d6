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
// sticky partitioning, no idempotence).
package main
