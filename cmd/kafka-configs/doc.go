// Command kafka-configs is Kafka 2.4.1's ConfigCommand: describe and alter
// the config overrides of topics, brokers, users and clients.
//
// With --zookeeper it reads and writes /config/<type>/<name> directly and
// announces every change with a /config/changes/config_change_<seq>
// notification, exactly as AdminZkClient.changeConfigs does, so brokers
// (ours or Kafka's) apply the change live. With --bootstrap-server, as in
// 2.4.1, only brokers and broker-loggers are accepted, through
// DescribeConfigs and AlterConfigs.
//
// Output and errors are ConfigCommand's: "Completed Updating config for
// entity: topic 'test'.", "Configs for topic 'test' are retention.ms=1000";
// IllegalArgumentException, InvalidConfigurationException and option
// errors print their message on stderr; anything else prints "Error while
// executing config command with args '...'" and the exception. Exit status
// 1 on any error.
//
// Listing all entities of a type follows ZooKeeper's (hash) child order and
// config pairs follow java.util.Properties' order on Java 9 and later, as
// Kafka's tool prints them there.
//
// With --zookeeper, broker configs other than the replication quotas may
// be written only while the broker (for <default>: every broker) is down,
// as in Kafka; with --bootstrap-server the broker validates and stores them.
// --describe with --bootstrap-server prints the dynamic entries in the
// order the Java AdminClient's HashMap yields them.
//
// Differs: SCRAM credentials for users and, with --zookeeper, password
// broker configs (which Kafka encrypts with password.encoder.secret) are
// refused; with --zookeeper, broker config values are checked for their
// type but not their range.
package main
