package broker

// Produce, versions 0-8 (Kafka 2.4.1: 0-8).
//
// v0-2 carry message sets of magic 0 (v0, v1) or 1 (v2); they are
// up-converted to one magic 2 batch before the checks below
// (convert_produce.go), as Kafka does with message.format.version 2.4.
// v0-2 partition data that holds a magic 2 batch is taken as it is, as
// Kafka does for clients that send the wrong format; v0-2 partition data
// without one complete message closes the connection, as Kafka fails to
// parse such a request.
// As Kafka: acks outside {0, 1, -1} is INVALID_REQUIRED_ACKS for every
// partition; each partition's batches are validated (magic, lengths,
// CRC-32C, record counts, codec for the version: CORRUPT_MESSAGE,
// UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD) and checked against the
// topic's max.message.bytes (MESSAGE_TOO_LARGE); internal topics refuse
// clients (INVALID_TOPIC_EXCEPTION); a partition we do not lead answers
// NOT_LEADER_FOR_PARTITION, one nobody knows UNKNOWN_TOPIC_OR_PARTITION.
// acks=-1 needs min.insync.replicas in the ISR before appending
// (NOT_ENOUGH_REPLICAS) and waits in the purgatory until the high
// watermark passes the last appended offset, or timeout_ms
// (REQUEST_TIMED_OUT). acks=0 gets no response; an error then closes the
// connection so the client notices, as Kafka does.
// Idempotent batches are checked against the partition's producer state
// (partition.checkProducersLocked); a retried duplicate is answered with
// its first offsets. Batches are converted to the topic's compression.type
// when it names a codec other than the batch's (recompress.go). Differs:
// transactional batches are refused (no transaction coordinator).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleProduce(ctx context.Context, c *conn, req *kmsg.ProduceRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	validAcks := req.Acks == 0 || req.Acks == 1 || req.Acks == -1
	type appended struct {
		part     *partition
		ti, pi   int   // where its response is
		required int64 // high watermark that completes acks=-1
		epoch    int32 // leader epoch the records were appended in
	}
	var waits []appended
	now := s.now()
	failed := false
	for _, t := range req.Topics {
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewProduceResponseTopicPartition()
			rp.Partition = p.Partition
			rp.BaseOffset, rp.LogAppendTime, rp.LogStartOffset = -1, -1, -1
			var err error
			var part *partition
			var res storage.AppendResult
			if !validAcks {
				err = kerr.InvalidRequiredAcks
			} else {
				part, res, err = s.produceOne(storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}, p.Records, req.Acks, req.Version, now)
			}
			if errors.Is(err, errNoCompleteMessage) {
				// Kafka cannot even parse such a request
				// (ProduceRequest.setFlags) and closes the connection.
				return nil, fmt.Errorf("broker: produce v%d from %s: %s-%d: %w", req.Version, c.clientAddr(), t.Topic, p.Partition, err)
			}
			if err != nil {
				failed = true
				rp.ErrorCode = errorCode(err)
				if req.Version >= 8 {
					rp.ErrorMessage = errorMessage(err)
				}
			} else {
				rp.BaseOffset, rp.LogAppendTime, rp.LogStartOffset = res.FirstOffset, res.LogAppendTime, res.LogStartOffset
			}
			rt.Partitions = append(rt.Partitions, rp)
			if err == nil && req.Acks == -1 {
				waits = append(waits, appended{part: part, ti: len(resp.Topics), pi: len(rt.Partitions) - 1, required: res.LastOffset + 1,
					epoch: part.snapshot().leaderEpoch})
			}
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if req.Acks == 0 {
		if failed {
			return nil, fmt.Errorf("broker: closing connection due to an error during a produce request with acks=0 from %s", c.clientAddr())
		}
		return nil, nil
	}
	if len(waits) == 0 {
		return resp, nil
	}
	lists := make([]*waitList, len(waits))
	for i, w := range waits {
		lists[i] = &w.part.changed
	}
	done := func() bool {
		for _, w := range waits {
			if snap := w.part.snapshot(); !snap.stopped && snap.isLeader && snap.leaderEpoch == w.epoch && snap.hw < w.required {
				return false
			}
		}
		return true
	}
	waitUntil(ctx, c.deadline(req.TimeoutMillis), lists, done)
	for _, w := range waits {
		snap := w.part.snapshot()
		rp := &resp.Topics[w.ti].Partitions[w.pi]
		switch {
		case snap.stopped, !snap.isLeader, snap.leaderEpoch != w.epoch:
			// A leader that lost its leadership (to a LeaderAndIsr, or
			// fenced after its session expired) must not answer from a
			// high watermark that now counts someone else's records:
			// Kafka's DelayedProduce answers NOT_LEADER_FOR_PARTITION.
			rp.ErrorCode = kerr.NotLeaderForPartition.Code
		case snap.hw < w.required:
			rp.ErrorCode = kerr.RequestTimedOut.Code
		case int32(snap.isrSize) < snap.minISR:
			rp.ErrorCode = kerr.NotEnoughReplicasAfterAppend.Code
		}
	}
	return resp, nil
}

// produceOne validates and appends one partition's records.
func (s *Server) produceOne(tp storage.TopicPartition, records []byte, acks, version int16, now time.Time) (*partition, storage.AppendResult, error) {
	var none storage.AppendResult
	if isInternalTopic(tp.Topic) {
		return nil, none, newAPIError(kerr.InvalidTopicException, fmt.Sprintf("Cannot append to internal topic %s", tp.Topic))
	}
	if s.parts.isOffline(tp) {
		return nil, none, kerr.KafkaStorageError
	}
	p, ok := s.parts.get(tp)
	if !ok {
		if _, known := s.meta.partition(tp); known {
			return nil, none, kerr.NotLeaderForPartition
		}
		return nil, none, kerr.UnknownTopicOrPartition
	}
	if version < 3 && isLegacyMessageSet(records) {
		// Kafka converts on the leader only, so a follower answers
		// NOT_LEADER_FOR_PARTITION before any conversion error.
		if !p.snapshot().isLeader {
			return nil, none, kerr.NotLeaderForPartition
		}
		u := upConversion{tp: tp, cfg: p.log.Config(), now: now}
		converted, err := u.convert(records)
		if err != nil {
			return nil, none, err
		}
		if converted == nil {
			return nil, none, errNoCompleteMessage
		}
		records = converted
	}
	headers, err := protocol.ValidateProduceBatches(records, version)
	if err != nil {
		return nil, none, err
	}
	maxBytes := p.log.Config().MaxMessageBytes
	for _, h := range headers {
		if h.Transactional() {
			return nil, none, newAPIError(kerr.TransactionalIDAuthorizationFailed, "transactions are not supported by this broker")
		}
		if size := int64(h.Length) + 12; size > int64(maxBytes) {
			return nil, none, newAPIError(kerr.MessageTooLarge,
				fmt.Sprintf("The request included a message larger than the max message size the server will accept: batch of %d bytes, max.message.bytes %d", size, maxBytes))
		}
	}
	// Converted outside the partition lock: recompression is the costly
	// part of a produce and needs nothing the lock guards. Kafka converts
	// only on the leader, so a follower answers NOT_LEADER_FOR_PARTITION
	// before spending the CPU (appendAsLeader checks again under the lock).
	rc := recompression{tp: tp, compressionType: s.compressionTypeOf(p), maxMessageBytes: maxBytes}
	if rc.needed(headers) {
		if !p.snapshot().isLeader {
			return nil, none, kerr.NotLeaderForPartition
		}
		if records, err = rc.apply(records, headers); err != nil {
			return nil, none, err
		}
	}
	res, err := p.appendAsLeader(records, acks, now)
	return p, res, err
}
