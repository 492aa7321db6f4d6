package broker

// ListOffsets, versions 0-5 (Kafka 2.4.1: 0-5).
//
// As Kafka: timestamp -1 (latest) is the high watermark for consumers
// (read_committed: the last stable offset, equal without transactions) and
// the log end for replicas; -2 (earliest) the log start offset; any other
// timestamp the first offset whose timestamp is at least it, below the
// high watermark for consumers, else offset -1 and timestamp -1. Only the
// leader answers (replica id -2, Kafka's debugging id, may ask a follower).
// Only consumers (replica id -1) are bounded by the high watermark; other
// replica ids see up to the log end, as Kafka's isolation level None.
// v4+ checks current_leader_epoch and reports the leader epoch of the
// offset found (Log.fetchOffsetByTimestamp): for earliest the epoch the
// epoch cache records at the log start offset, for latest the partition's
// current leader epoch, for a timestamp that of the batch holding the
// offset (from the epoch cache); -1 where none is known. A consumer asking
// a new leader whose high watermark has not yet reached the start of its
// epoch gets OFFSET_NOT_AVAILABLE (v5+; LEADER_NOT_AVAILABLE before) for
// latest and for timestamps not found below the high watermark, as
// Partition.fetchOffsetForTimestamp. Differs: v0's max_num_offsets is
// answered with the single offset found; a partition named twice is
// answered twice instead of once with INVALID_REQUEST.

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
	if s.parts.isOffline(tp) {
		return fail(kerr.KafkaStorageError)
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
	client := req.ReplicaID == -1
	lastFetchable := snap.hw
	if !client {
		lastFetchable = part.log.LogEndOffset()
	}
	// A new leader's high watermark may lag behind the offsets it already
	// has from its own epoch start until the followers catch up.
	lagging := func() *kerr.Error {
		start, leader := part.leaderEpochStart()
		if req.Version == 0 || !client || !leader || start <= snap.hw {
			return nil
		}
		if req.Version >= 5 {
			return kerr.OffsetNotAvailable
		}
		return kerr.LeaderNotAvailable
	}
	switch p.Timestamp {
	case -1:
		if e := lagging(); e != nil {
			return fail(e)
		}
		rp.Offset = lastFetchable
		rp.LeaderEpoch = snap.leaderEpoch
	case -2:
		rp.Offset = part.log.LogStartOffset()
		rp.LeaderEpoch = epochForOffset(part.log, rp.Offset)
	default:
		off, ts, found, err := part.log.OffsetForTimestamp(p.Timestamp)
		if err != nil {
			rp.ErrorCode = errorCode(err)
			return rp
		}
		if found && off < lastFetchable {
			rp.Offset, rp.Timestamp = off, ts
			rp.LeaderEpoch = epochForOffset(part.log, off)
		} else if e := lagging(); e != nil {
			return fail(e)
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

// epochForOffset is the leader epoch recorded for offset, -1 when unknown
// or when the log cannot say (storage.Log can; test fakes may not).
func epochForOffset(l PartitionLog, offset int64) int32 {
	el, ok := l.(interface{ EpochForOffset(int64) (int32, bool) })
	if !ok {
		return -1
	}
	if e, found := el.EpochForOffset(offset); found {
		return e
	}
	return -1
}

// leaderEpochStart is the log end offset at which this broker's current
// leader epoch began (Kafka's leaderEpochStartOffsetOpt); false when it is
// not the leader.
func (p *partition) leaderEpochStart() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader != p.localID || p.mu.stopped {
		return 0, false
	}
	return p.mu.leaderEpochStartOffset, true
}
