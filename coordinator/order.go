package coordinator

import (
	"sort"
	"strconv"
)

// Kafka serializes some znode maps from hash-ordered collections, so the
// key order a real cluster shows is that hash order. Readers ignore order;
// these functions only make zkCli output look the same as Kafka's.

// javaStringHash is java.lang.String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			// Surrogate pair, as Java's UTF-16 sees it.
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// scalaMutableHashOrder returns keys in the iteration order of a Scala 2.13
// collection.mutable.HashMap holding them: buckets hash^(hash>>>16) &
// (size-1) iterated upwards, each bucket ordered by (signed) hash, the table 16
// slots doubled whenever an insert would reach 0.75 of it. Kafka 2.4.1 as
// built for Scala 2.13 (kafka_2.13-2.4.1) serializes broker registrations
// and the partition maps of topic znodes from such maps; the order does not
// depend on insertion order. (Scala 2.12 builds of the same release order
// keys differently; Kafka's readers ignore the order.)
func scalaMutableHashOrder(keys []string) []string {
	size := 16
	for n := 0; n < len(keys); n++ {
		if n+1 >= size*3/4 {
			size *= 2
		}
	}
	type entry struct {
		key  string
		hash uint32
	}
	es := make([]entry, len(keys))
	for i, k := range keys {
		h := uint32(javaStringHash(k))
		es[i] = entry{k, h ^ h>>16}
	}
	mask := uint32(size - 1)
	sort.SliceStable(es, func(a, b int) bool {
		ia, ib := es[a].hash&mask, es[b].hash&mask
		if ia != ib {
			return ia < ib
		}
		// Scala compares the Int hashes: signed.
		return int32(es[a].hash) < int32(es[b].hash)
	})
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.key
	}
	return out
}

// partitionKeyOrder orders partition ids as a topic znode written by Kafka
// shows them (ids inserted in ascending order).
func partitionKeyOrder(ids []int32) []string {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	keys := make([]string, len(ids))
	for i, p := range ids {
		keys[i] = strconv.Itoa(int(p))
	}
	return scalaMutableHashOrder(keys)
}
