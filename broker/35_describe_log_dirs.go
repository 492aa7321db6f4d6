package broker

// DescribeLogDirs, versions 0-1 (Kafka 2.4.1: 0-1).
//
// As ReplicaManager.describeLogDirs: every configured log dir by absolute
// path; an offline dir answers KAFKA_STORAGE_ERROR with no partitions; each
// hosted log of the requested partitions (all when topics is null) with its
// size and offset lag (high watermark minus log end offset, at least 0; -1
// when the partition is not hosted by the replica manager). No future
// replicas exist (no intra-broker log dir moves), so IsFuture is false.
// Differs: only with the storage manager in production; a Logs without
// log dirs (test fakes) answers no dirs.

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleDescribeLogDirs(_ context.Context, _ *conn, req *kmsg.DescribeLogDirsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DescribeLogDirsResponse)
	m, ok := s.deps.Logs.(managerLogs)
	if !ok {
		return resp, nil
	}
	var want map[storage.TopicPartition]bool
	if req.Topics != nil {
		want = map[storage.TopicPartition]bool{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				want[storage.TopicPartition{Topic: t.Topic, Partition: p}] = true
			}
		}
	}
	offline := map[string]bool{}
	for _, d := range m.OfflineDirs() {
		offline[absPath(d)] = true
	}
	byDir := map[string][]*storage.Log{}
	for _, l := range m.All() {
		if want != nil && !want[l.TopicPartition()] {
			continue
		}
		d := absPath(filepath.Dir(l.Dir()))
		byDir[d] = append(byDir[d], l)
	}
	for _, d := range m.LogDirs() {
		abs := absPath(d)
		rd := kmsg.NewDescribeLogDirsResponseDir()
		rd.Dir = abs
		if offline[abs] {
			rd.ErrorCode = kerr.KafkaStorageError.Code
			resp.Dirs = append(resp.Dirs, rd)
			continue
		}
		topics := map[string]*kmsg.DescribeLogDirsResponseDirTopic{}
		var names []string
		for _, l := range byDir[abs] {
			tp := l.TopicPartition()
			rt, ok := topics[tp.Topic]
			if !ok {
				t := kmsg.NewDescribeLogDirsResponseDirTopic()
				t.Topic = tp.Topic
				rt = &t
				topics[tp.Topic] = rt
				names = append(names, tp.Topic)
			}
			rp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
			rp.Partition, rp.Size, rp.OffsetLag = tp.Partition, l.Size(), -1
			if p, ok := s.parts.get(tp); ok {
				rp.OffsetLag = max(p.highWatermark()-l.LogEndOffset(), 0)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		sort.Strings(names)
		for _, n := range names {
			rt := topics[n]
			sort.Slice(rt.Partitions, func(i, j int) bool { return rt.Partitions[i].Partition < rt.Partitions[j].Partition })
			rd.Topics = append(rd.Topics, *rt)
		}
		resp.Dirs = append(resp.Dirs, rd)
	}
	return resp, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
