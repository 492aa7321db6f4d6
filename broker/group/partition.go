package group

import "unicode/utf16"

// OffsetsTopic is the internal topic holding group metadata and committed offsets.
const OffsetsTopic = "__consumer_offsets"

// PartitionFor returns the __consumer_offsets partition that owns groupID, exactly as Kafka's
// GroupMetadataManager.partitionFor: Utils.abs(groupId.hashCode) % numPartitions, where
// String.hashCode runs over UTF-16 code units and Utils.abs maps MinInt32 to 0.
func PartitionFor(groupID string, numPartitions int32) int32 {
	if numPartitions <= 0 {
		return 0
	}
	h := javaStringHashCode(groupID)
	if h == -1<<31 {
		h = 0 // Utils.abs(Integer.MIN_VALUE) == 0, unlike Math.abs
	} else if h < 0 {
		h = -h
	}
	return h % numPartitions
}

// javaStringHashCode is java.lang.String.hashCode: s[0]*31^(n-1) + ... over UTF-16 code
// units with int32 overflow. Invalid UTF-8 decodes to U+FFFD, as Java's decoder does.
func javaStringHashCode(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + hi
			h = 31*h + lo
			continue
		}
		h = 31*h + r
	}
	return h
}

// utf16Len is Java's String.length() of s, used where Kafka limits sizes in chars.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
