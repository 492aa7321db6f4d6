// Package broker is the running Kafka 2.4-compatible server: listeners and
// connections, the dispatch table of supported APIs (one file per API, named
// by its key), the metadata cache that only UpdateMetadata fills, the
// partitions this broker hosts as leader or follower, the purgatory where
// acks=all produces and long-poll fetches wait, the replica fetcher and ISR
// maintenance, the group coordinator's plumbing around broker/group, and the
// single table from domain errors to Kafka error codes.
//
// The broker is a library: cmd/kafka-server-start fills a Config, wires the
// concrete coordinator and storage types into Deps and calls
//
//	s, err := broker.New(cfg, deps, log)
//	if err := s.Start(ctx); err != nil { ... }
//	<-signal
//	s.Close(ctxWithDeadline)
//
// Start follows KafkaServer.startup: cluster id from ZooKeeper, meta.properties
// checked against it, listeners bound, broker registered (its epoch is the
// registration znode's czxid), then requests are served. DESIGN.md has the
// request flow, the lock order and the invariants.
package broker
