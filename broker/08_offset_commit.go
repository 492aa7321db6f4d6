package broker

// OffsetCommit, versions 0-8 (Kafka 2.4.1: 0-8; v8 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// Commits are records appended to __consumer_offsets with acks -1; the
// answer waits for the high watermark. Differs: v0 commits go to
// __consumer_offsets, not ZooKeeper (group package).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleOffsetCommit(ctx context.Context, c *conn, req *kmsg.OffsetCommitRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, notCoordinator()
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	})
}
