package main

import "sort"

// Kafka's tool prints some partition lists in the iteration order of a
// java.util.HashMap keyed by TopicPartition (the admin client collects
// committed offsets into one). These functions reproduce that order so that
// both tools print the same lines in the same order.

// javaStringHash is java.lang.String.hashCode over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// hashCode is org.apache.kafka.common.TopicPartition.hashCode.
func (t tp) hashCode() int32 {
	result := int32(31 + t.partition)
	return 31*result + javaStringHash(t.topic)
}

// javaHashMapOrder sorts tps into the order a HashMap of default initial
// capacity holding exactly them iterates in: by bucket (spread hash masked
// by the table size, which doubles past a 0.75 load factor), ties by
// topic and partition (the order they would have been inserted in).
func javaHashMapOrder(tps []tp) {
	capacity := 16
	for float64(len(tps)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	bucket := func(t tp) int {
		h := uint32(t.hashCode())
		return int((h ^ (h >> 16)) & uint32(capacity-1))
	}
	sortTPs(tps)
	sort.SliceStable(tps, func(i, j int) bool { return bucket(tps[i]) < bucket(tps[j]) })
}
