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
// Records are not copied: the response is written as encoded bytes
// interleaved with the log's file regions (Records.WriteTo, sendfile on
// plaintext TCP); see streamedFetch.

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
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
	var resp *streamedFetch
	done := func() bool {
		if resp != nil {
			resp.release()
		}
		var bytes int64
		var hasError bool
		resp, bytes, hasError = s.readFetch(req)
		return hasError || bytes >= int64(req.MinBytes) || req.MaxWaitMillis <= 0
	}
	waitUntil(ctx, deadline, lists, done)
	return resp, nil
}

// readFetch reads every requested partition once and builds the response;
// the records stay in the log until the response is written.
func (s *Server) readFetch(req *kmsg.FetchRequest) (*streamedFetch, int64, bool) {
	resp := &streamedFetch{FetchResponse: req.ResponseKind().(*kmsg.FetchResponse)}
	remaining := int64(req.MaxBytes)
	if remaining <= 0 {
		remaining = int64(^uint32(0) >> 1)
	}
	var total int64
	hasError := false
	for _, t := range req.Topics {
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic = t.Topic
		recs := make([]Records, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			tp := storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}
			limit := min(int64(p.PartitionMaxBytes), remaining)
			rp, r := s.readPartition(req, tp, p, int32(max(limit, 0)), total == 0)
			if rp.ErrorCode != 0 {
				hasError = true
			}
			var n int64
			if r != nil {
				n = int64(r.Size())
			}
			total += n
			remaining -= n
			rt.Partitions = append(rt.Partitions, rp)
			recs = append(recs, r)
		}
		resp.Topics = append(resp.Topics, rt)
		resp.records = append(resp.records, recs)
	}
	return resp, total, hasError
}

// readPartition reads one partition; partition problems are error codes.
// The records (nil for none) must be released by the caller.
func (s *Server) readPartition(req *kmsg.FetchRequest, tp storage.TopicPartition, p kmsg.FetchRequestTopicPartition, maxBytes int32, minOneBatch bool) (kmsg.FetchResponseTopicPartition, Records) {
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
		return rp, nil
	}
	snap := part.snapshot()
	if !snap.isLeader {
		rp.ErrorCode = kerr.NotLeaderForPartition.Code
		return rp, nil
	}
	if req.Version >= 9 && p.CurrentLeaderEpoch != -1 {
		switch {
		case p.CurrentLeaderEpoch < snap.leaderEpoch:
			rp.ErrorCode = kerr.FencedLeaderEpoch.Code
			return rp, nil
		case p.CurrentLeaderEpoch > snap.leaderEpoch:
			rp.ErrorCode = kerr.UnknownLeaderEpoch.Code
			return rp, nil
		}
	}
	follower := req.ReplicaID >= 0
	logStart, leo := part.log.LogStartOffset(), part.log.LogEndOffset()
	if p.FetchOffset < logStart || p.FetchOffset > leo {
		rp.ErrorCode = kerr.OffsetOutOfRange.Code
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
		return rp, nil
	}
	if follower {
		if ch := part.followerFetched(req.ReplicaID, p.FetchOffset, time.Now()); ch != nil {
			s.expandISR(part, ch)
		}
		snap = part.snapshot()
	}
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
	maxOffset := snap.hw
	if follower {
		maxOffset = leo
	}
	if p.FetchOffset >= maxOffset || maxBytes <= 0 && !minOneBatch {
		return rp, nil
	}
	recs, err := part.log.Read(p.FetchOffset, maxOffset, maxBytes, minOneBatch)
	if err != nil {
		rp.ErrorCode = errorCode(err)
		return rp, nil
	}
	if recs.Size() == 0 {
		recs.Release()
		return rp, nil
	}
	return rp, recs
}

// streamedFetch is a Fetch response whose records are still in the log:
// records[t][p] belongs to Topics[t].Partitions[p] (nil = none). It is a
// kmsg.Response (for tests and any code that encodes it the usual way
// after copyRecords); the connection writes it with frame.
type streamedFetch struct {
	*kmsg.FetchResponse
	records [][]Records
}

func (f *streamedFetch) release() {
	for _, t := range f.records {
		for _, r := range t {
			if r != nil {
				r.Release()
			}
		}
	}
	f.records = nil
}

// copyRecords moves the records into RecordBatches (pread) and releases
// them; the response is then an ordinary kmsg response.
func (f *streamedFetch) copyRecords() error {
	defer f.release()
	for ti, t := range f.records {
		for pi, r := range t {
			if r == nil {
				continue
			}
			b, err := r.AppendTo(make([]byte, 0, r.Size()))
			if err != nil {
				return err
			}
			f.Topics[ti].Partitions[pi].RecordBatches = b
		}
	}
	return nil
}

// frame encodes the response around its records. kmsg has no way to
// leave a field's bytes out of its encoding, so versions 4-11 (never
// flexible) are encoded here field by field, exactly as kmsg would; the
// records of each partition are its last field, so each one becomes a
// file region between two byte runs. TestStreamedFetchMatchesKmsg checks
// this against kmsg byte for byte.
func (f *streamedFetch) frame(hdr protocol.RequestHeader) *outFrame {
	v := f.Version
	if hdr.Flexible || v < 4 || v > 11 {
		if err := f.copyRecords(); err != nil {
			f.ErrorCode = kerr.KafkaStorageError.Code
		}
		return bytesFrame(protocol.AppendResponse(nil, hdr, f.FetchResponse))
	}
	out := &outFrame{}
	b := make([]byte, 8, 256)
	binary.BigEndian.PutUint32(b[4:], uint32(hdr.CorrelationID))
	i32 := func(x int32) { b = binary.BigEndian.AppendUint32(b, uint32(x)) }
	i16 := func(x int16) { b = binary.BigEndian.AppendUint16(b, uint16(x)) }
	i64 := func(x int64) { b = binary.BigEndian.AppendUint64(b, uint64(x)) }
	i32(f.ThrottleMillis)
	if v >= 7 {
		i16(f.ErrorCode)
		i32(f.SessionID)
	}
	i32(int32(len(f.Topics)))
	total := 0
	for ti, t := range f.Topics {
		i16(int16(len(t.Topic)))
		b = append(b, t.Topic...)
		i32(int32(len(t.Partitions)))
		for pi, p := range t.Partitions {
			i32(p.Partition)
			i16(p.ErrorCode)
			i64(p.HighWatermark)
			i64(p.LastStableOffset)
			if v >= 5 {
				i64(p.LogStartOffset)
			}
			if p.AbortedTransactions == nil {
				i32(-1)
			} else {
				i32(int32(len(p.AbortedTransactions)))
				for _, a := range p.AbortedTransactions {
					i64(a.ProducerID)
					i64(a.FirstOffset)
				}
			}
			if v >= 11 {
				i32(p.PreferredReadReplica)
			}
			var r Records
			if ti < len(f.records) && pi < len(f.records[ti]) {
				r = f.records[ti][pi]
			}
			switch {
			case r != nil:
				i32(r.Size())
				total += len(b) + int(r.Size())
				out.bufs = append(out.bufs, b)
				out.records = append(out.records, r)
				b = make([]byte, 0, 256)
			case p.RecordBatches != nil:
				i32(int32(len(p.RecordBatches)))
				b = append(b, p.RecordBatches...)
			default:
				// Kafka sends empty records, not null, when there is no data.
				i32(0)
			}
		}
	}
	total += len(b)
	out.bufs = append(out.bufs, b)
	binary.BigEndian.PutUint32(out.bufs[0], uint32(total-4))
	f.records = nil // owned by the frame now
	return out
}
