package broker

// Fetch, versions 4-11 (Kafka 2.4.1: 0-11).
//
// v0-3 can only carry magic 0/1 message sets, which Kafka produces by
// down-converting; we serve only the stored magic 2 batches, so versions
// below 4 are not advertised (every 2.x client fetches with v4+).
// Consumers (replica_id -1) read up to the high watermark (read_committed
// too: without transactions the last stable offset is the high watermark);
// followers (replica_id >= 0) read up to the log end and their fetch offset
// is recorded so the leader's high watermark can advance. The response
// waits in the purgatory until min_bytes are available, a partition has an
// error, or max_wait_ms passes; appends and high watermark advances wake
// it. max_bytes bounds the response and partition_max_bytes each
// partition, except that the first partition with data returns at least
// one whole batch (KIP-74). v9+ current_leader_epoch is checked
// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
// Differs: no incremental fetch sessions (KIP-227): we answer session id
// 0, so clients stay with full fetches, which Kafka clients support; a
// request naming a session gets FETCH_SESSION_ID_NOT_FOUND. No fetching
// from followers (v11 rack): preferred_read_replica is always -1.
// TODO(sendfile): records are copied (pread) into the response; streaming
// them with Records.WriteTo needs a response writer that interleaves
// encoded bytes and file regions.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleFetch(ctx context.Context, c *conn, req *kmsg.FetchRequest) (kmsg.Response, error) {
	if req.Version >= 7 && req.SessionID != 0 {
		resp := req.ResponseKind().(*kmsg.FetchResponse)
		resp.ErrorCode = kerr.FetchSessionIDNotFound.Code
		return resp, nil
	}
	deadline := c.deadline(req.MaxWaitMillis)
	var lists []*waitList
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			if part, ok := s.parts.get(storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}); ok {
				lists = append(lists, &part.changed)
			}
		}
	}
	var resp *kmsg.FetchResponse
	var err error
	done := func() bool {
		var bytes int64
		var hasError bool
		resp, bytes, hasError, err = s.readFetch(req)
		return err != nil || hasError || bytes >= int64(req.MinBytes) || req.MaxWaitMillis <= 0
	}
	waitUntil(ctx, deadline, lists, done)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// readFetch reads every requested partition once and builds the response.
func (s *Server) readFetch(req *kmsg.FetchRequest) (*kmsg.FetchResponse, int64, bool, error) {
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	remaining := int64(req.MaxBytes)
	if remaining <= 0 {
		remaining = int64(^uint32(0) >> 1)
	}
	var total int64
	hasError := false
	for _, t := range req.Topics {
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			tp := storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}
			limit := min(int64(p.PartitionMaxBytes), remaining)
			rp, n, err := s.readPartition(req, tp, p, int32(max(limit, 0)), total == 0)
			if err != nil {
				return nil, 0, false, err
			}
			if rp.ErrorCode != 0 {
				hasError = true
			}
			total += n
			remaining -= n
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, total, hasError, nil
}

// readPartition reads one partition. A returned error is a Go failure of
// the response itself (copying records); partition problems are codes.
func (s *Server) readPartition(req *kmsg.FetchRequest, tp storage.TopicPartition, p kmsg.FetchRequestTopicPartition, maxBytes int32, minOneBatch bool) (kmsg.FetchResponseTopicPartition, int64, error) {
	rp := kmsg.NewFetchResponseTopicPartition()
	rp.Partition = p.Partition
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
	rp.PreferredReadReplica = -1
	part, ok := s.parts.get(tp)
	if !ok {
		if _, known := s.meta.partition(tp); known {
			rp.ErrorCode = kerr.NotLeaderForPartition.Code
		} else {
			rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
		}
		return rp, 0, nil
	}
	snap := part.snapshot()
	if !snap.isLeader {
		rp.ErrorCode = kerr.NotLeaderForPartition.Code
		return rp, 0, nil
	}
	if req.Version >= 9 && p.CurrentLeaderEpoch != -1 {
		switch {
		case p.CurrentLeaderEpoch < snap.leaderEpoch:
			rp.ErrorCode = kerr.FencedLeaderEpoch.Code
			return rp, 0, nil
		case p.CurrentLeaderEpoch > snap.leaderEpoch:
			rp.ErrorCode = kerr.UnknownLeaderEpoch.Code
			return rp, 0, nil
		}
	}
	follower := req.ReplicaID >= 0
	logStart, leo := part.log.LogStartOffset(), part.log.LogEndOffset()
	if p.FetchOffset < logStart || p.FetchOffset > leo {
		rp.ErrorCode = kerr.OffsetOutOfRange.Code
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
		return rp, 0, nil
	}
	if follower {
		part.followerFetched(req.ReplicaID, p.FetchOffset)
		snap = part.snapshot()
	}
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
	maxOffset := snap.hw
	if follower {
		maxOffset = leo
	}
	if p.FetchOffset >= maxOffset || maxBytes <= 0 && !minOneBatch {
		return rp, 0, nil
	}
	recs, err := part.log.Read(p.FetchOffset, maxOffset, maxBytes, minOneBatch)
	if err != nil {
		rp.ErrorCode = errorCode(err)
		return rp, 0, nil
	}
	defer recs.Release()
	n := recs.Size()
	if n == 0 {
		return rp, 0, nil
	}
	buf, err := recs.AppendTo(make([]byte, 0, n))
	if err != nil {
		// The read failed after the batches were located: a disk error.
		s.parts.log.Errorf("Error reading %s-%d at offset %d: %v", tp.Topic, tp.Partition, p.FetchOffset, err)
		rp.ErrorCode = kerr.KafkaStorageError.Code
		return rp, 0, nil
	}
	rp.RecordBatches = buf
	return rp, int64(len(buf)), nil
}
