package main

import (
	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
)

// tpMap is an immutable Scala Map[TopicPartition, Seq[Int]] in its
// iteration order. hashed says whether it is a HashMap (a trie whatever
// its size, as groupBy and operations on a HashMap return) rather than
// Map1..Map4, which matters when it is filtered.
type tpMap struct {
	entries []assignment
	hashed  bool
}

// buildTPMap is toMap (or a Map builder) fed entries in order: a later
// value for a key replaces the earlier one in its place.
func buildTPMap(entries []assignment) tpMap {
	keys := make([]tp, len(entries))
	vals := make(map[tp][]int32, len(entries))
	for i, e := range entries {
		keys[i] = e.tp
		vals[e.tp] = e.replicas
	}
	order := scalaorder.Immutable(keys, tpHash)
	m := tpMap{hashed: len(order) > 4}
	for _, k := range order {
		m.entries = append(m.entries, assignment{k, vals[k]})
	}
	return m
}

// hashMapOf is an immutable.HashMap holding entries.
func hashMapOf(entries []assignment) tpMap {
	m := buildTPMap(entries)
	keys := make([]tp, len(m.entries))
	vals := make(map[tp][]int32, len(m.entries))
	for i, e := range m.entries {
		keys[i] = e.tp
		vals[e.tp] = e.replicas
	}
	out := tpMap{hashed: true}
	for _, k := range scalaorder.Champ(keys, tpHash) {
		out.entries = append(out.entries, assignment{k, vals[k]})
	}
	return out
}

// filter is Map.filter: a small map keeps its order, a HashMap re-forms
// its trie around the remaining keys.
func (m tpMap) filter(keep func(assignment) bool) tpMap {
	var kept []assignment
	for _, e := range m.entries {
		if keep(e) {
			kept = append(kept, e)
		}
	}
	if m.hashed {
		return hashMapOf(kept)
	}
	return tpMap{entries: kept}
}

func (m tpMap) get(t tp) ([]int32, bool) {
	for _, e := range m.entries {
		if e.tp == t {
			return e.replicas, true
		}
	}
	return nil, false
}

// topicsOf is map(_.topic).toSeq.distinct over keys in order.
func topicsOf(keys []tp) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if !seen[k.Topic] {
			seen[k.Topic] = true
			out = append(out, k.Topic)
		}
	}
	return out
}

func keysOf(as []assignment) []tp {
	out := make([]tp, len(as))
	for i, a := range as {
		out[i] = a.tp
	}
	return out
}

// duplicates is CoreUtils.duplicates: the items seen more than once, in
// the order of the HashMap groupBy builds.
func duplicates[T comparable](items []T, hash func(T) int32) []T {
	count := map[T]int{}
	for _, it := range items {
		count[it]++
	}
	var dups []T
	for _, it := range items {
		if count[it] > 1 {
			dups = append(dups, it)
		}
	}
	return scalaorder.Champ(dups, hash)
}

func equalReplicas(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
