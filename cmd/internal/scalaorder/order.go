package scalaorder

import (
	"sort"
	"strconv"
)

// TopicPartition is org.apache.kafka.common.TopicPartition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String is TopicPartition.toString: "topic-partition".
func (tp TopicPartition) String() string {
	return tp.Topic + "-" + strconv.Itoa(int(tp.Partition))
}

// Hash is TopicPartition.hashCode, which Scala's ## returns for it.
func (tp TopicPartition) Hash() int32 {
	return 31*(31+tp.Partition) + StringHash(tp.Topic)
}

// StringHash is java.lang.String.hashCode over UTF-16 code units.
func StringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + 0xD800 + (r >> 10)
			h = 31*h + 0xDC00 + (r & 0x3FF)
			continue
		}
		h = 31*h + r
	}
	return h
}

// IntHash is Int's ##: the value itself.
func IntHash(i int32) int32 { return i }

// distinct keeps the first occurrence of each item: adding an element a set
// already holds (or updating a key a map holds) keeps its position.
func distinct[T comparable](items []T) []T {
	seen := make(map[T]bool, len(items))
	out := make([]T, 0, len(items))
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}

// Immutable returns the iteration order of a scala.collection.immutable.Set
// (or the keys of an immutable.Map) built by adding items in order: up to
// four elements keep insertion order (Set1..Set4), more live in a CHAMP
// trie whose order depends only on the hashes.
func Immutable[T comparable](items []T, hash func(T) int32) []T {
	d := distinct(items)
	if len(d) <= 4 {
		return d
	}
	return Champ(d, hash)
}

// Champ returns the iteration order of an immutable.HashMap or HashSet
// (always a trie, as groupBy's result is) holding items.
func Champ[T comparable](items []T, hash func(T) int32) []T {
	d := distinct(items)
	es := make([]champEntry[T], len(d))
	for i, it := range d {
		es[i] = champEntry[T]{item: it, hash: improve(uint32(hash(it))), seq: i}
	}
	out := make([]T, 0, len(d))
	champWalk(es, 0, &out)
	return out
}

type champEntry[T any] struct {
	item T
	hash uint32
	seq  int // insertion position: the order within a full-hash collision node
}

// improve is scala.collection.Hashing.improve, applied to keys' hashes by
// the CHAMP collections.
func improve(h uint32) uint32 {
	h += ^(h << 9)
	h ^= h >> 14
	h += h << 4
	return h ^ (h >> 10)
}

// champWalk appends a node's order: the entries alone at their 5-bit
// position first (its payload, by position), then the sub-nodes by position,
// each depth first. Insert-only tries are canonical, so this is the order
// whatever the insertion history.
func champWalk[T any](es []champEntry[T], shift uint, out *[]T) {
	if shift >= 35 {
		sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
		for _, e := range es {
			*out = append(*out, e.item)
		}
		return
	}
	var groups [32][]champEntry[T]
	for _, e := range es {
		m := (e.hash >> shift) & 31
		groups[m] = append(groups[m], e)
	}
	for _, g := range groups {
		if len(g) == 1 {
			*out = append(*out, g[0].item)
		}
	}
	for _, g := range groups {
		if len(g) > 1 {
			champWalk(g, shift+5, out)
		}
	}
}

// Mutable returns the iteration order of a scala.collection.mutable.HashSet
// (or the keys of a mutable.HashMap) of default capacity built by adding
// items in order: by bucket (the spread hash masked by the table size, which
// doubles as the set grows past its 0.75 load factor), and within a bucket
// by spread hash, as Scala 2.13 keeps bucket lists sorted.
func Mutable[T comparable](items []T, hash func(T) int32) []T {
	d := distinct(items)
	size := 16
	for n := 1; n <= len(d); n++ {
		// addElem grows before inserting when the new size reaches the
		// threshold (table length * 0.75).
		if float64(n) >= float64(size)*0.75 {
			size *= 2
		}
	}
	type entry struct {
		item T
		hash int32
	}
	es := make([]entry, len(d))
	for i, it := range d {
		h := hash(it)
		es[i] = entry{it, h ^ int32(uint32(h)>>16)}
	}
	mask := int32(size - 1)
	sort.SliceStable(es, func(i, j int) bool {
		bi, bj := es[i].hash&mask, es[j].hash&mask
		if bi != bj {
			return bi < bj
		}
		return es[i].hash < es[j].hash
	})
	out := make([]T, len(es))
	for i, e := range es {
		out[i] = e.item
	}
	return out
}
