// Command kafka-log-dirs is Kafka 2.4.1's LogDirsCommand: it asks brokers
// (--broker-list, or every broker of the cluster) for their log dirs with
// DescribeLogDirs and prints them as Kafka's tool does:
//
//	Querying brokers for log directories information
//	Received log directory information from brokers 1,2,3
//	{"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/data/kafka-logs","error":null,"partitions":[...]}]}]}
//
// Log dirs and partitions appear in the order of the Java HashMaps Kafka's
// admin client fills (see javaHashMapOrder).
package main
