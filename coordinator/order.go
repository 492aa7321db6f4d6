package coordinator

import (
	"math/bits"
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

// scalaMutableHashOrder returns keys in the iteration order of a Scala 2.12
// collection.mutable.HashMap filled in the given order (HashTable: initial
// capacity 16, load factor 0.75, byteswap32-improved hash rotated by the
// table size's bit count, buckets iterated from the last, chains
// newest-first). It reproduces what real clusters show, e.g.
// {"2":..,"1":..,"0":..,"3":..} for a 4-partition topic znode and the key
// order of a broker registration.
func scalaMutableHashOrder(keys []string) []string {
	size := 16
	table := make([][]string, size)
	index := func(k string, size int) int {
		ones := uint32(size - 1)
		seed := uint(bits.OnesCount32(ones))
		// scala.util.hashing.byteswap32, multiplier 0x9e3775cd.
		hc := javaStringHash(k) * -1640532531
		hc = int32(bits.ReverseBytes32(uint32(hc))) * -1640532531
		improved := uint32(hc)
		rotated := improved>>(seed%32) | improved<<(32-seed%32)
		return int(rotated >> uint(bits.LeadingZeros32(ones)) & ones)
	}
	count := 0
	for _, k := range keys {
		i := index(k, size)
		table[i] = append([]string{k}, table[i]...)
		count++
		if count > size*3/4 {
			old := table
			size *= 2
			table = make([][]string, size)
			for j := len(old) - 1; j >= 0; j-- {
				for _, k := range old[j] {
					ni := index(k, size)
					table[ni] = append([]string{k}, table[ni]...)
				}
			}
		}
	}
	out := make([]string, 0, len(keys))
	for j := size - 1; j >= 0; j-- {
		out = append(out, table[j]...)
	}
	return out
}

// javaHashtableOrder returns keys in the iteration order of a
// java.util.Hashtable (java.util.Properties) filled in the given order:
// capacity 11, rehash to 2n+1 when the count reaches 0.75n, buckets
// iterated from the last, chains newest-first.
func javaHashtableOrder(keys []string) []string {
	capacity := 11
	table := make([][]string, capacity)
	index := func(k string, c int) int { return int(uint32(javaStringHash(k))&0x7FFFFFFF) % c }
	count := 0
	for _, k := range keys {
		if count >= capacity*3/4 {
			old := table
			capacity = capacity*2 + 1
			table = make([][]string, capacity)
			for i := len(old) - 1; i >= 0; i-- {
				for _, k := range old[i] {
					ni := index(k, capacity)
					table[ni] = append([]string{k}, table[ni]...)
				}
			}
		}
		i := index(k, capacity)
		table[i] = append([]string{k}, table[i]...)
		count++
	}
	out := make([]string, 0, len(keys))
	for i := capacity - 1; i >= 0; i-- {
		out = append(out, table[i]...)
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
