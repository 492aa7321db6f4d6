// Package benchreport collects the figures of a benchmark that runs the
// same scenarios against Samsa and Apache Kafka brokers, and writes them as
// JSON, Markdown tables and a PNG chart.
//
// A figure is one measured quantity of one scenario ("S1", "produce
// throughput", "records/s"); each run of each broker kind adds one value
// with Add. Results turns the runs into min/median/max per broker kind, the
// Samsa/Kafka ratio of the medians and, where the caller set a physical
// limit for the figure (a disk or loopback probe taken the same minute),
// the ratio of each kind's median to that limit. The report keeps no
// numbers of its own: everything it prints comes from Add, SetLimit and
// AddProbe.
package benchreport
