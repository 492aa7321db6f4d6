// Command kafka-delete-records is Kafka 2.4.1's DeleteRecordsCommand:
// it moves the log start offset of the partitions in --offset-json-file
// ({"partitions":[{"topic":"foo","partition":1,"offset":1}],"version":1})
// up to the given offsets (-1: the high watermark) with DeleteRecords, and
// prints each partition's new low watermark:
//
//	Executing records delete operation
//	Records delete operation completed:
//	partition: foo-1	low_watermark: 1
//
// Partitions are printed in the order of the Java HashMap Kafka's tool
// iterates; a failed partition prints "partition: foo-1	error: <exception>".
package main
