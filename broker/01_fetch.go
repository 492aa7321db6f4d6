package broker

// Fetch, versions 0-11 (Kafka 2.4.1: 0-11).
//
// v0-3 can only carry magic 0 (v0, v1) or magic 1 (v2, v3) message sets:
// the stored magic 2 batches are down-converted for them
// (convert_fetch.go), unless the topic's message.downconversion.enable is
// false, which answers a consumer UNSUPPORTED_VERSION, as
// KafkaApis.maybeConvertFetchedData does. v0-2 have no response max_bytes
// and no "at least one batch" rule (KIP-74 came with v3).
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
// Sessions (KIP-227, v7+): fetch_session.go is Kafka's FetchSessionCache;
// a full request may create a session, an incremental one reads every
// partition of its session and answers only those that changed. Requests
// below v7 and requests with session epoch -1 (our followers) are
// sessionless. A topic whose compression.type is zstd answers
// UNSUPPORTED_COMPRESSION_TYPE to fetches below v10, as
// KafkaApis.maybeConvertFetchedData does.
// Differs: no fetching from followers (v11 rack): preferred_read_replica
// is always -1. Partitions unknown to the metadata cache stay in request
// order instead of moving to the end of the response. From v4 on, the
// records are whole batches, where Kafka cuts the last one at
// partition_max_bytes; below v4 they are cut as Kafka cuts them
// (legacyFetchSlice), since the down-conversion sizes its output by them.
// Records are not copied from v4 on: the response is written as encoded
// bytes interleaved with the log's file regions (Records.WriteTo, sendfile
// on plaintext TCP); see streamedFetch.

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
	// Before v7 there are no session fields: Kafka reads such a request
	// as FetchMetadata.LEGACY (no session, final epoch).
	sessionID, epoch := int32(0), int32(fetchFinalEpoch)
	if req.Version >= 7 {
		sessionID, epoch = req.SessionID, req.SessionEpoch
	}
	parts, forgotten := fetchRequestPartitions(req)
	fc := s.fetchSessions.newContext(sessionID, epoch, parts, forgotten, req.ReplicaID >= 0, time.Now().UnixMilli())
	resp := &streamedFetch{FetchResponse: req.ResponseKind().(*kmsg.FetchResponse)}
	if fc.kind == fetchSessionError {
		resp.ErrorCode = fc.errorCode
		return resp, nil
	}
	if fc.closed != 0 {
		s.apiLog.Debugf("Fetch from %s closed fetch session %d", c.clientID, fc.closed)
	}
	deadline := c.deadline(req.MaxWaitMillis)
	var lists []*waitList
	for _, p := range fc.parts {
		if part, ok := s.parts.get(p.tp); ok {
			lists = append(lists, &part.changed)
		}
	}
	var (
		reads       []partitionRead
		marks, now  []fetchMark
		read, stale bool
	)
	readAll := func() bool {
		releaseReads(reads)
		var bytes int64
		var hasError bool
		marks = s.fetchMarks(fc.parts, marks)
		reads, bytes, hasError = s.readFetch(req, fc.parts)
		read, stale = true, false
		return len(fc.parts) == 0 || hasError || bytes >= int64(req.MinBytes) || req.MaxWaitMillis <= 0
	}
	done := func() bool {
		if !read {
			return readAll()
		}
		// A wake (fetch_wake.go): read again only if it may complete.
		now = s.fetchMarks(fc.parts, now)
		switch compareFetchMarks(marks, now, req.ReplicaID >= 0) {
		case wakeRead:
			return readAll()
		case wakeStale:
			stale = true
		}
		return false
	}
	waitUntil(ctx, deadline, lists, done)
	if stale {
		readAll()
	}

	outcomes := make([]fetchOutcome, len(reads))
	for i, r := range reads {
		outcomes[i] = r.outcome()
	}
	code, id, send := s.fetchSessions.respond(fc, outcomes, time.Now().UnixMilli())
	if fc.kind == fetchFull && id != 0 {
		s.apiLog.Debugf("Created fetch session %d with %d partition(s) for %s", id, len(fc.parts), c.clientID)
	}
	resp.ErrorCode, resp.SessionID = code, id
	s.shapeFetchResponse(ctx, req, resp, reads, send)
	return resp, nil
}

// fetchRequestPartitions lists the request's partitions in order (a
// partition named twice keeps its first place and its last parameters, as
// the LinkedHashMap of Kafka's FetchRequest) and its forgotten partitions.
func fetchRequestPartitions(req *kmsg.FetchRequest) ([]fetchPartition, []storage.TopicPartition) {
	var parts []fetchPartition
	seen := map[storage.TopicPartition]int{}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			fp := fetchPartition{
				tp:          storage.TopicPartition{Topic: t.Topic, Partition: p.Partition},
				fetchOffset: p.FetchOffset, logStartOffset: p.LogStartOffset,
				maxBytes: p.PartitionMaxBytes, currentLeaderEpoch: -1,
			}
			if req.Version >= 9 {
				fp.currentLeaderEpoch = p.CurrentLeaderEpoch
			}
			if i, dup := seen[fp.tp]; dup {
				parts[i] = fp
				continue
			}
			seen[fp.tp] = len(parts)
			parts = append(parts, fp)
		}
	}
	var forgotten []storage.TopicPartition
	if req.Version >= 7 {
		for _, t := range req.ForgottenTopics {
			for _, p := range t.Partitions {
				forgotten = append(forgotten, storage.TopicPartition{Topic: t.Topic, Partition: p})
			}
		}
	}
	return parts, forgotten
}

// partitionRead is one partition's response and records (nil for none,
// released by whoever drops them).
type partitionRead struct {
	tp          storage.TopicPartition
	fetchOffset int64
	rp          kmsg.FetchResponseTopicPartition
	records     Records
}

func (r partitionRead) outcome() fetchOutcome {
	return fetchOutcome{
		errorCode: r.rp.ErrorCode, highWatermark: r.rp.HighWatermark, lastStableOffset: r.rp.LastStableOffset,
		logStartOffset: r.rp.LogStartOffset, hasRecords: r.records != nil && r.records.Size() > 0,
		preferredReadReplica: r.rp.PreferredReadReplica,
	}
}

func releaseReads(reads []partitionRead) {
	for _, r := range reads {
		if r.records != nil {
			r.records.Release()
		}
	}
}

// readFetch reads every partition once; the records stay in the log
// until the response is written.
func (s *Server) readFetch(req *kmsg.FetchRequest, parts []fetchPartition) ([]partitionRead, int64, bool) {
	reads := make([]partitionRead, 0, len(parts))
	remaining := int64(req.MaxBytes)
	if remaining <= 0 {
		remaining = int64(^uint32(0) >> 1)
	}
	var total int64
	hasError := false
	for _, p := range parts {
		limit := min(int64(p.maxBytes), remaining)
		// KIP-74's "at least one batch" starts with v3; older versions
		// have a hard limit (ReplicaManager's hardMaxBytesLimit).
		rp, r := s.readPartition(req, p, int32(max(limit, 0)), total == 0 && req.Version >= 3)
		if rp.ErrorCode != 0 {
			hasError = true
		}
		var n int64
		if r != nil {
			n = int64(r.Size())
		}
		total += n
		remaining -= n
		reads = append(reads, partitionRead{tp: p.tp, fetchOffset: p.fetchOffset, rp: rp, records: r})
	}
	return reads, total, hasError
}

// shapeFetchResponse puts the partitions chosen by the session into resp,
// topic by topic (consecutive partitions of one topic share an entry, as
// FetchRequest.TopicAndPartitionData.batchByTopic groups them), and
// releases the records of the others. Below v10 a zstd topic's partitions
// become UNSUPPORTED_COMPRESSION_TYPE.
func (s *Server) shapeFetchResponse(ctx context.Context, req *kmsg.FetchRequest, resp *streamedFetch, reads []partitionRead, send []int) {
	sent := make([]bool, len(reads))
	codecs := map[string]string{}
	for _, i := range send {
		sent[i] = true
		r := reads[i]
		if req.Version < 10 {
			codec, ok := codecs[r.tp.Topic]
			if !ok {
				codec = s.fetchTopicCompression(ctx, r.tp)
				codecs[r.tp.Topic] = codec
			}
			if codec == "zstd" {
				if r.records != nil {
					r.records.Release()
				}
				r.records = nil
				r.rp = fetchErrorPartition(r.tp.Partition, kerr.UnsupportedCompressionType)
			}
		}
		if req.Version < 4 {
			r = s.downConvertRead(req, r)
		}
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != r.tp.Topic {
			rt := kmsg.NewFetchResponseTopic()
			rt.Topic = r.tp.Topic
			resp.Topics = append(resp.Topics, rt)
			resp.records = append(resp.records, nil)
		}
		last := len(resp.Topics) - 1
		resp.Topics[last].Partitions = append(resp.Topics[last].Partitions, r.rp)
		resp.records[last] = append(resp.records[last], r.records)
	}
	for i, r := range reads {
		if !sent[i] && r.records != nil {
			r.records.Release()
		}
	}
}

// fetchErrorPartition is KafkaApis' errorResponse: the error with invalid
// offsets and no records.
func fetchErrorPartition(partition int32, e *kerr.Error) kmsg.FetchResponseTopicPartition {
	rp := kmsg.NewFetchResponseTopicPartition()
	rp.Partition, rp.ErrorCode = partition, e.Code
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
	rp.PreferredReadReplica = -1
	return rp
}

// readPartition reads one partition; partition problems are error codes.
// The records (nil for none) must be released by the caller.
func (s *Server) readPartition(req *kmsg.FetchRequest, p fetchPartition, maxBytes int32, minOneBatch bool) (kmsg.FetchResponseTopicPartition, Records) {
	tp := p.tp
	rp := kmsg.NewFetchResponseTopicPartition()
	rp.Partition = tp.Partition
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = -1, -1, -1
	rp.PreferredReadReplica = -1
	if s.parts.isOffline(tp) {
		rp.ErrorCode = kerr.KafkaStorageError.Code
		return rp, nil
	}
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
	if p.currentLeaderEpoch != -1 {
		switch {
		case p.currentLeaderEpoch < snap.leaderEpoch:
			rp.ErrorCode = kerr.FencedLeaderEpoch.Code
			return rp, nil
		case p.currentLeaderEpoch > snap.leaderEpoch:
			rp.ErrorCode = kerr.UnknownLeaderEpoch.Code
			return rp, nil
		}
	}
	follower := req.ReplicaID >= 0
	logStart, leo := part.log.LogStartOffset(), part.log.LogEndOffset()
	if p.fetchOffset < logStart || p.fetchOffset > leo {
		rp.ErrorCode = kerr.OffsetOutOfRange.Code
		rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
		return rp, nil
	}
	if follower {
		if ch := part.followerFetched(req.ReplicaID, p.fetchOffset, time.Now()); ch != nil {
			s.expandISR(part, ch)
		}
		snap = part.snapshot()
	}
	rp.HighWatermark, rp.LastStableOffset, rp.LogStartOffset = snap.hw, snap.hw, logStart
	maxOffset := snap.hw
	if follower {
		maxOffset = leo
	}
	if p.fetchOffset >= maxOffset || maxBytes <= 0 && !minOneBatch {
		return rp, nil
	}
	recs, err := part.log.Read(p.fetchOffset, maxOffset, maxBytes, minOneBatch)
	if err != nil {
		rp.ErrorCode = errorCode(err)
		return rp, nil
	}
	if req.Version < 4 && !follower && maxBytes > 0 {
		recs, _ = legacyFetchSlice(part.log, recs, p.fetchOffset, maxOffset, maxBytes)
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

// fetchTopicCompression is the compression.type of a topic this broker
// hosts tp of ("" when it does not, as Kafka's getLogConfig is then None):
// the live value its log's config carries.
func (s *Server) fetchTopicCompression(_ context.Context, tp storage.TopicPartition) string {
	p, ok := s.parts.get(tp)
	if !ok {
		return ""
	}
	return s.compressionTypeOf(p)
}
