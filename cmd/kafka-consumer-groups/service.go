package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// tp is a TopicPartition.
type tp struct {
	topic     string
	partition int32
}

func (t tp) String() string { return fmt.Sprintf("%s-%d", t.topic, t.partition) }

func sortTPs(tps []tp) {
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].topic != tps[j].topic {
			return tps[i].topic < tps[j].topic
		}
		return tps[i].partition < tps[j].partition
	})
}

// listGroups is adminClient.listConsumerGroups: groups of protocol type
// "consumer" or none (groups that only commit offsets).
func (c *command) listGroups(ctx context.Context) ([]string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	listed, err := c.adm.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, g := range listed {
		if g.ProtocolType == "consumer" || g.ProtocolType == "" {
			names = append(names, g.Group)
		}
	}
	sort.Strings(names)
	return names, nil
}

// groupIDs are the groups an action applies to: --all-groups or --group.
func (c *command) groupIDs(ctx context.Context) ([]string, error) {
	if c.o.has(c.o.allGroups) {
		return c.listGroups(ctx)
	}
	return c.o.s.Values(c.o.group), nil
}

// describeConsumerGroups returns the descriptions by group; the first
// group-level error fails the call, as future.get does in Kafka's tool.
func (c *command) describeConsumerGroups(ctx context.Context, ids []string) (map[string]kadm.DescribedGroup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	described, err := c.adm.DescribeGroups(ctx, ids...)
	if err != nil && len(described) == 0 {
		return nil, err
	}
	for _, id := range ids {
		g, ok := described[id]
		if !ok {
			return nil, fmt.Errorf("kafka-consumer-groups: group %s: %w", id, kerr.CoordinatorNotAvailable)
		}
		if g.Err != nil {
			return nil, g.Err
		}
	}
	return described, nil
}

// committedOffsets is listConsumerGroupOffsets: the group's committed
// offsets, without partitions that have none.
func (c *command) committedOffsets(ctx context.Context, group string) (map[tp]int64, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	resp, err := c.adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, err
	}
	if err := resp.Error(); err != nil {
		return nil, err
	}
	out := make(map[tp]int64)
	resp.Each(func(r kadm.OffsetResponse) {
		if r.At >= 0 {
			out[tp{r.Topic, r.Partition}] = r.At
		}
	})
	return out, nil
}

// logOffsets lists the start or end offsets of tps; a partition whose
// offset cannot be had is absent (LogOffsetResult.Unknown).
func (c *command) logOffsets(ctx context.Context, tps []tp, end bool) (map[tp]int64, error) {
	out := make(map[tp]int64)
	if len(tps) == 0 {
		return out, nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	list := c.adm.ListStartOffsets
	if end {
		list = c.adm.ListEndOffsets
	}
	listed, err := list(ctx, topicsOf(tps)...)
	if err != nil && len(listed) == 0 {
		return nil, err
	}
	for _, t := range tps {
		if o, ok := listed.Lookup(t.topic, t.partition); ok && o.Err == nil && o.Offset >= 0 {
			out[t] = o.Offset
		}
	}
	return out, nil
}

func topicsOf(tps []tp) []string {
	seen := map[string]bool{}
	var topics []string
	for _, t := range tps {
		if !seen[t.topic] {
			seen[t.topic] = true
			topics = append(topics, t.topic)
		}
	}
	return topics
}

// partitionsFor lists the partitions of a topic (consumer.partitionsFor).
func (c *command) partitionsFor(ctx context.Context, topic string) ([]tp, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	details, err := c.adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, err
	}
	d, ok := details[topic]
	if !ok || d.Err != nil {
		if ok {
			return nil, d.Err
		}
		return nil, kerr.UnknownTopicOrPartition
	}
	var out []tp
	for _, p := range d.Partitions.Sorted() {
		out = append(out, tp{topic, p.Partition})
	}
	return out, nil
}
