package broker

// ListOffsets, versions 0-5 (Kafka 2.4.1: 0-5).
//
// As Kafka: timestamp -1 (latest) is the high watermark for consumers
// (read_committed: the last stable offset, equal without transactions) and
// the log end for replicas; -2 (earliest) the log start offset; any other
// timestamp the first offset whose timestamp is at least it, below the
// high watermark for consumers, else offset -1 and timestamp -1. Only the
// leader answers (replica id -2, Kafka's debugging id, may ask a follower).
// v4+ checks current_leader_epoch. Differs: v0's max_num_offsets is
// answered with the single offset found; the leader epoch of a timestamp
// lookup is not reported (-1).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleListOffsets(_ context.Context, _ *conn, req *kmsg.ListOffsetsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := s.listOffset(req, storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}, p)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

func (s *Server) listOffset(req *kmsg.ListOffsetsRequest, tp storage.TopicPartition, p kmsg.ListOffsetsRequestTopicPartition) kmsg.ListOffsetsResponseTopicPartition {
	rp := kmsg.NewListOffsetsResponseTopicPartition()
	rp.Partition = p.Partition
	rp.Timestamp, rp.Offset, rp.LeaderEpoch = -1, -1, -1
	fail := func(e *kerr.Error) kmsg.ListOffsetsResponseTopicPartition {
		rp.ErrorCode = e.Code
		return rp
	}
	part, ok := s.parts.get(tp)
	if !ok {
		if _, known := s.meta.partition(tp); known {
			return fail(kerr.NotLeaderForPartition)
		}
		return fail(kerr.UnknownTopicOrPartition)
	}
	snap := part.snapshot()
	if !snap.isLeader && req.ReplicaID != -2 {
		return fail(kerr.NotLeaderForPartition)
	}
	if req.Version >= 4 && p.CurrentLeaderEpoch != -1 {
		switch {
		case p.CurrentLeaderEpoch < snap.leaderEpoch:
			return fail(kerr.FencedLeaderEpoch)
		case p.CurrentLeaderEpoch > snap.leaderEpoch:
			return fail(kerr.UnknownLeaderEpoch)
		}
	}
	// Consumers see only what is committed.
	lastFetchable := snap.hw
	if req.ReplicaID >= 0 {
		lastFetchable = part.log.LogEndOffset()
	}
	switch p.Timestamp {
	case -1:
		rp.Offset = lastFetchable
		rp.LeaderEpoch = snap.leaderEpoch
	case -2:
		rp.Offset = part.log.LogStartOffset()
	default:
		off, ts, found, err := part.log.OffsetForTimestamp(p.Timestamp)
		if err != nil {
			rp.ErrorCode = errorCode(err)
			return rp
		}
		if found && off < lastFetchable {
			rp.Offset, rp.Timestamp = off, ts
		}
	}
	if req.Version == 0 {
		rp.OldStyleOffsets = nil
		if rp.Offset >= 0 {
			rp.OldStyleOffsets = []int64{rp.Offset}
		}
	}
	return rp
}
