// Package logfmt is a logrus formatter that writes Kafka's log4j layout,
// `[%d] %p %m (%c)%n`, so Samsa's logs read like Kafka 2.4's:
//
//	[2026-11-25 08:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)
//
// The bracketed prefix (Kafka's logIdent) comes from the entry's "prefix"
// field, the trailing class from its "logger" field; both are optional.
// Other fields follow the message as sorted k=v pairs. An error under
// logrus.ErrorKey is printed on the next line, where log4j prints the
// exception of an event.
package logfmt
