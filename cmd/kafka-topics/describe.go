package main

import (
	"sort"
	"strconv"
	"strings"
)

// topicDescription is TopicCommand.TopicDescription.
type topicDescription struct {
	topic             string
	partitions        int
	replicationFactor int
	configs           []configEntry // already filtered to non-defaults, in print order
	markedForDeletion bool
}

type configEntry struct{ name, value string }

// line renders the topic line of --describe.
func (d topicDescription) line() string {
	var b strings.Builder
	b.WriteString("Topic: " + d.topic)
	b.WriteString("\tPartitionCount: " + strconv.Itoa(d.partitions))
	b.WriteString("\tReplicationFactor: " + strconv.Itoa(d.replicationFactor))
	b.WriteString("\tConfigs: ")
	for i, e := range d.configs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e.name + "=" + e.value)
	}
	if d.markedForDeletion {
		b.WriteString("\tMarkedForDeletion: true")
	}
	return b.String()
}

// partitionDescription is TopicCommand.PartitionDescription.
type partitionDescription struct {
	topic             string
	partition         int32
	leader            int32 // -1: none
	replicas, isr     []int32
	minISR            *int // from the topic's config (bootstrap mode only)
	markedForDeletion bool
}

func (d partitionDescription) hasLeader() bool { return d.leader >= 0 }

func (d partitionDescription) underReplicated() bool { return len(d.isr) < len(d.replicas) }

func (d partitionDescription) underMinISR() bool {
	return !d.hasLeader() || d.minISR != nil && len(d.isr) < *d.minISR
}

func (d partitionDescription) atMinISR() bool { return d.minISR != nil && len(d.isr) == *d.minISR }

func (d partitionDescription) unavailable(live map[int32]bool) bool {
	return !d.hasLeader() || !live[d.leader]
}

// line renders a partition line of --describe.
func (d partitionDescription) line() string {
	var b strings.Builder
	b.WriteString("\tTopic: " + d.topic)
	b.WriteString("\tPartition: " + strconv.Itoa(int(d.partition)))
	if d.hasLeader() {
		b.WriteString("\tLeader: " + strconv.Itoa(int(d.leader)))
	} else {
		b.WriteString("\tLeader: none")
	}
	b.WriteString("\tReplicas: " + joinInts(d.replicas, ","))
	b.WriteString("\tIsr: " + joinInts(d.isr, ","))
	if d.markedForDeletion {
		b.WriteString("\tMarkedForDeletion: true")
	}
	return b.String()
}

// describeOptions is TopicCommand.DescribeOptions.
type describeOptions struct {
	underReplicated, unavailable, underMinISR, atMinISR, overrides bool
	live                                                           map[int32]bool
}

func (c *command) describeOptions(live map[int32]bool) describeOptions {
	o := c.o
	return describeOptions{
		underReplicated: o.has(o.underReplicated), unavailable: o.has(o.unavailable),
		underMinISR: o.has(o.underMinISR), atMinISR: o.has(o.atMinISR),
		overrides: o.has(o.topicsWithOverrides), live: live,
	}
}

func (d describeOptions) describeConfigs() bool {
	return !d.unavailable && !d.underReplicated && !d.underMinISR && !d.atMinISR
}

func (d describeOptions) describePartitions() bool { return !d.overrides }

func (d describeOptions) shouldPrint(p partitionDescription) bool {
	return d.describeConfigs() ||
		d.underReplicated && p.underReplicated() ||
		d.unavailable && p.unavailable(d.live) ||
		d.underMinISR && p.underMinISR() ||
		d.atMinISR && p.atMinISR()
}

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

// javaHashOrder returns keys in the iteration order of a java.util.HashMap
// created with new HashMap<>(len(keys)) and filled with keys in the given
// order: Kafka's describe output inherits this order for config entries
// (org.apache.kafka.clients.admin.Config) and for topics in bootstrap mode
// (DescribeTopicsResult.all). Buckets are visited in index order, and a
// bucket keeps insertion order (HashMap splits buckets preserving order on
// resize, so the final table decides).
func javaHashOrder(keys []string) []string {
	n := len(keys)
	capacity := 1
	for capacity < n {
		capacity <<= 1 // tableSizeFor(initialCapacity)
	}
	// The table doubles whenever size exceeds its threshold, (int)(capacity * 0.75f).
	for n > int(float32(capacity)*0.75) {
		capacity <<= 1
	}
	type item struct {
		key          string
		bucket, rank int
	}
	items := make([]item, n)
	for i, k := range keys {
		h := uint32(javaStringHash(k))
		h ^= h >> 16
		items[i] = item{key: k, bucket: int(h & uint32(capacity-1)), rank: i}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].bucket < items[j].bucket })
	out := make([]string, n)
	for i, it := range items {
		out[i] = it.key
	}
	return out
}

// configsInJavaOrder returns name=value entries in Config.entries() order.
// The insertion order Kafka uses (a Scala map's) only matters inside a
// bucket; names sorted is our stand-in for it.
func configsInJavaOrder(cfg map[string]string) []configEntry {
	names := make([]string, 0, len(cfg))
	for k := range cfg {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []configEntry
	for _, k := range javaHashOrder(names) {
		out = append(out, configEntry{k, cfg[k]})
	}
	return out
}
