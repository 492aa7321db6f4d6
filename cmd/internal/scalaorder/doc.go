// Package scalaorder reproduces the iteration order and toString of the
// Scala 2.13 collections that Kafka 2.4.1's admin tools print (the tools run
// on Scala 2.13): immutable Set and Map (Set1..Set4 and Map1..Map4 keep
// insertion order, larger ones are CHAMP hash tries) and mutable HashSet and
// HashMap (bucket arrays). Samsa's leadership and reassignment tools print
// partition lists in exactly the order Kafka's do, so their output diffs
// clean against Kafka's.
package scalaorder
