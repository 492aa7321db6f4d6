// Command kafka-consumer-perf-test is Kafka 2.4.1's ConsumerPerformance
// (bin/kafka-consumer-perf-test.sh): one group consumer reads --messages
// records of --topic from the earliest offset (or the latest with
// --from-latest) and prints the Java tool's CSV:
//
//	start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
//
// MB is 1024*1024 bytes of keys plus values; rebalance.time.ms is the time
// spent joining the group, and the fetch.* columns exclude it. As in the
// Java tool, CRC checks on fetched batches are off (check.crcs=false).
// --broker-list is the 2.4 name of the bootstrap option; --bootstrap-server
// (its name from Kafka 2.5 on) is accepted too.
package main
