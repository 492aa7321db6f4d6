package broker

// DeleteRecords, versions 0-1 (Kafka 2.4.1: 0-1).
//
// As Kafka's ReplicaManager.deleteRecords on the leader: offset -1 means
// the high watermark; an offset above the high watermark or below zero is
// OFFSET_OUT_OF_RANGE; the log start offset is raised (segments below it go
// at the next retention pass) and the new low watermark answered.
// Differs: Kafka waits in a purgatory until every follower's log start
// offset has followed (the low watermark across replicas); we answer with
// the leader's at once, and followers do not raise theirs yet.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleDeleteRecords(_ context.Context, _ *conn, req *kmsg.DeleteRecordsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDeleteRecordsResponseTopicPartition()
			rp.Partition, rp.LowWatermark = p.Partition, -1
			low, err := s.deleteRecords(storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}, p.Offset)
			rp.ErrorCode = errorCode(err)
			if err == nil {
				rp.LowWatermark = low
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

func (s *Server) deleteRecords(tp storage.TopicPartition, offset int64) (int64, error) {
	if isInternalTopic(tp.Topic) {
		return 0, kerr.InvalidTopicException
	}
	if s.parts.isOffline(tp) {
		return 0, kerr.KafkaStorageError
	}
	part, ok := s.parts.get(tp)
	if !ok {
		if _, known := s.meta.partition(tp); known {
			return 0, kerr.NotLeaderForPartition
		}
		return 0, kerr.UnknownTopicOrPartition
	}
	snap := part.snapshot()
	if !snap.isLeader {
		return 0, kerr.NotLeaderForPartition
	}
	if offset == -1 {
		offset = snap.hw
	}
	if offset < 0 || offset > snap.hw {
		return 0, kerr.OffsetOutOfRange
	}
	low, err := part.log.DeleteRecordsBefore(offset)
	if err != nil {
		return 0, err
	}
	s.parts.log.Infof("Deleted records of %s-%d before offset %d: log start offset now %d", tp.Topic, tp.Partition, offset, low)
	return low, nil
}
