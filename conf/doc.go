// Package conf owns user-facing configuration: Java .properties files read
// with java.util.Properties' exact rules, Kafka 2.4's broker and topic
// configuration keys with their defaults, types and validation, and the
// local cluster's topology file with the files rendered from it.
//
// It imports nothing else of this module; cmd translates a BrokerConfig into
// the Config structs of broker, storage and coordinator.
//
// # Broker configuration
//
//	cfg, warnings, err := conf.LoadBrokerConfig("config/server.properties", overrides...)
//
// reads server.properties, applies kafka-server-start.sh's --override
// key=value arguments (ParseOverrides), fills in Kafka 2.4's defaults for
// every key KafkaConfig defines, and derives what Kafka derives: log.dirs
// from log.dir, retention from log.retention.ms/.minutes/.hours, roll and
// jitter times, listeners (default PLAINTEXT://:9092) and
// advertised.listeners, the inter-broker listener,
// zookeeper.connection.timeout.ms from the session timeout, and the parsed
// zookeeper.connect (servers and chroot). Values Kafka would refuse are
// errors that name file, line, key and value, for example
//
//	conf: server.properties:21: invalid value "1 ##21行 修改" for broker.id: not a number (int). In a .properties file '#' starts a comment only at the beginning of a line, ...
//
// all of them at once (errors.Join, in file order). Cross-key rules
// (KafkaConfig.validateValues) carry Kafka's own messages. Unknown keys are
// not errors but Warnings, with a suggestion when a known key is one or two
// edits away.
//
// The typed fields of BrokerConfig cover what a broker runs on; Get, Lookup
// and Entries reach every key in Kafka's string form for DescribeConfigs.
//
// # Comments after values
//
// In a .properties file '#' and '!' start a comment only as the first
// non-blank character of a line. "broker.id=1 # first broker" gives broker.id
// the value "1 # first broker", and Kafka fails to start. Because people
// write such lines, a value that looks like it ends in a comment is refused
// with a message that explains the rule and shows the fix. For text keys
// (listeners, log.dirs, ...) a '#' counts only after whitespace; passwords
// are never second-guessed.
//
// # Topic configuration
//
// ValidateTopicConfig is LogConfig.validate for CreateTopics and
// AlterConfigs, with Kafka's messages (TopicConfigError.Message).
// BrokerConfig.TopicDefaults and TopicConfig apply the broker's settings the
// way KafkaServer.copyKafkaConfigToLog does; TopicConfigSynonym maps a topic
// key to its broker key and BrokerSynonyms lists a broker key's synonyms.
//
// # Local cluster
//
// LoadCluster reads deploy/cluster.toml: nodes with a name, a loopback
// address, a broker id and a ZooKeeper id, plus ports and ZooKeeper timings.
// ZooCfg, Myid and ServerProperties render each node's files;
// DistServerProperties renders the release archive's config/server.properties
// with Kafka 2.4.1's shipped settings.
//
// # Deliberate differences from Java
//
//   - Input that is valid UTF-8 is decoded as UTF-8 (Java's
//     Properties.load(InputStream) reads ISO-8859-1), so non-ASCII text shows
//     up in messages as written. Other input is read as ISO-8859-1.
//   - The parser follows Java 9 and later where Java 8 differs: a
//     continuation line that starts an otherwise empty logical line may be a
//     comment.
//   - Class-typed values are checked for the form of a Java class name only.
//   - Listener ports outside 0..65535 are refused at load time rather than
//     at bind time.
//
// The parser is checked against a JVM by a differential test:
// go test -tags javadiff -run TestJavaDiff ./conf (needs javac and java).
package conf
