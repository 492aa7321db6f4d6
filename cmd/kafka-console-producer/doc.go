// Command kafka-console-producer is Kafka 2.4.1's ConsoleProducer: it reads
// standard input line by line, printing the ">" prompt before each read, and
// sends every line as one record. Options, defaults and messages follow
// kafka.tools.ConsoleProducer; --bootstrap-server is also accepted as a
// synonym of --broker-list (Kafka added it in 2.5).
//
// Producer properties come, lowest precedence first, from --producer.config,
// then --producer-property, then the dedicated options (which, as in Kafka,
// override a property only when given explicitly, and otherwise only fill in
// what is unset). They are translated to the franz-go client:
// acks, linger.ms, compression.type, retries, retry.backoff.ms,
// request.timeout.ms, delivery.timeout.ms, max.request.size,
// metadata.max.age.ms, max.in.flight.requests.per.connection,
// enable.idempotence and client.id (always "console-producer", as in Kafka).
package main
