package main

import (
	"reflect"
	"testing"
)

func TestDescribeLines(t *testing.T) {
	minISR := 2
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"topic line", topicDescription{topic: "test", partitions: 3, replicationFactor: 2,
			configs: []configEntry{{"cleanup.policy", "compact"}, {"retention.ms", "1000"}}}.line(),
			"Topic: test\tPartitionCount: 3\tReplicationFactor: 2\tConfigs: cleanup.policy=compact,retention.ms=1000"},
		{"topic line without configs, marked", topicDescription{topic: "t", partitions: 1, replicationFactor: 1, markedForDeletion: true}.line(),
			"Topic: t\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \tMarkedForDeletion: true"},
		{"partition line", partitionDescription{topic: "test", partition: 0, leader: 1, replicas: []int32{1, 2}, isr: []int32{1, 2}}.line(),
			"\tTopic: test\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2"},
		{"partition without leader", partitionDescription{topic: "test", partition: 2, leader: -1, replicas: []int32{3}, minISR: &minISR}.line(),
			"\tTopic: test\tPartition: 2\tLeader: none\tReplicas: 3\tIsr: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got  %q\nwant %q", tc.got, tc.want)
			}
		})
	}
}

func TestDescribeFilters(t *testing.T) {
	minISR := 2
	live := map[int32]bool{1: true, 2: true}
	healthy := partitionDescription{leader: 1, replicas: []int32{1, 2}, isr: []int32{1, 2}, minISR: &minISR}
	under := partitionDescription{leader: 1, replicas: []int32{1, 2}, isr: []int32{1}, minISR: &minISR}
	deadLeader := partitionDescription{leader: 3, replicas: []int32{3}, isr: []int32{3}}
	noLeader := partitionDescription{leader: -1, replicas: []int32{3}}
	tests := []struct {
		name string
		opts describeOptions
		want []bool // healthy, under, deadLeader, noLeader
	}{
		{"plain describe prints all", describeOptions{live: live}, []bool{true, true, true, true}},
		{"under-replicated", describeOptions{underReplicated: true, live: live}, []bool{false, true, false, true}},
		{"unavailable", describeOptions{unavailable: true, live: live}, []bool{false, false, true, true}},
		{"under-min-isr", describeOptions{underMinISR: true, live: live}, []bool{false, true, false, true}},
		{"at-min-isr", describeOptions{atMinISR: true, live: live}, []bool{true, false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []bool
			for _, p := range []partitionDescription{healthy, under, deadLeader, noLeader} {
				got = append(got, tc.opts.shouldPrint(p))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// topicConfigNames24 is the order a 2.4 broker returns topic configs in
// (LogConfig's definition order).
var topicConfigNames24 = []string{
	"compression.type", "leader.replication.throttled.replicas", "message.downconversion.enable",
	"min.insync.replicas", "segment.jitter.ms", "cleanup.policy", "flush.ms",
	"follower.replication.throttled.replicas", "segment.bytes", "retention.ms", "flush.messages",
	"message.format.version", "file.delete.delay.ms", "max.compaction.lag.ms", "max.message.bytes",
	"min.compaction.lag.ms", "message.timestamp.type", "preallocate", "min.cleanable.dirty.ratio",
	"index.interval.bytes", "unclean.leader.election.enable", "retention.bytes", "delete.retention.ms",
	"segment.ms", "message.timestamp.difference.max.ms", "segment.index.bytes",
}

func TestJavaHashOrder(t *testing.T) {
	// Kafka 2.4 prints __consumer_offsets' overrides in ZooKeeper mode as
	// "compression.type=producer,cleanup.policy=compact,segment.bytes=104857600"
	// (before 2.2 it printed the Properties' Hashtable order instead,
	// "segment.bytes=...,cleanup.policy=...,compression.type=...").
	got := javaHashOrder([]string{"cleanup.policy", "compression.type", "segment.bytes"})
	if want := []string{"compression.type", "cleanup.policy", "segment.bytes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("three configs: got %v, want %v", got, want)
	}
	// In bootstrap mode all topic configs are in the map, which changes the
	// table size and so the order: "compression.type=producer,cleanup.policy=compact,segment.bytes=104857600".
	var filtered []string
	for _, n := range javaHashOrder(topicConfigNames24) {
		if n == "cleanup.policy" || n == "compression.type" || n == "segment.bytes" {
			filtered = append(filtered, n)
		}
	}
	if want := []string{"compression.type", "cleanup.policy", "segment.bytes"}; !reflect.DeepEqual(filtered, want) {
		t.Errorf("all configs: got %v, want %v", filtered, want)
	}
	if h := javaStringHash("hello"); h != 99162322 {
		t.Errorf("hash(hello) = %d, want 99162322", h)
	}
}
