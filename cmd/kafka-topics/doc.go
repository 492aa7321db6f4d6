// Command kafka-topics is Kafka 2.4.1's TopicCommand: create, list,
// describe, alter and delete topics, either directly in ZooKeeper
// (--zookeeper, through the coordinator package's admin methods, exactly the
// znodes AdminZkClient writes) or through a broker (--bootstrap-server,
// CreateTopics/DeleteTopics/CreatePartitions/Metadata/DescribeConfigs with
// franz-go).
//
// Output lines, error texts and exit codes are TopicCommand's: for example
// "Created topic test." (ZooKeeper mode only; 2.4 prints nothing in
// bootstrap mode), "Error while executing topic command : <message>" on
// stdout followed by an ERROR log line on stderr and exit status 1, and the
// tab-separated describe lines. Where Kafka's output order comes from a Java
// HashMap (describe's config list, bootstrap describe's topic order) the
// same order is computed (see javaHashOrder).
package main
