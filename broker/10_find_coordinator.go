package broker

// FindCoordinator, versions 0-3 (Kafka 2.4.1: 0-3; v3 is flexible).
//
// A group's coordinator is the leader of its __consumer_offsets partition
// (abs(hash(group)) % offsets.topic.num.partitions), answered with its
// endpoint on the listener of the request. The first request creates
// __consumer_offsets (COORDINATOR_NOT_AVAILABLE until it has leaders), as
// Kafka does. Differs: transaction coordinators (key type 1) do not exist:
// COORDINATOR_NOT_AVAILABLE.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleFindCoordinator(ctx context.Context, c *conn, req *kmsg.FindCoordinatorRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	resp.NodeID, resp.Port = -1, -1
	fail := func(e *kerr.Error) (kmsg.Response, error) {
		resp.ErrorCode = e.Code
		if req.Version >= 1 {
			resp.ErrorMessage = kmsg.StringPtr(e.Description)
		}
		return resp, nil
	}
	if req.CoordinatorType != 0 {
		return fail(kerr.CoordinatorNotAvailable)
	}
	if !s.meta.hasTopic(offsetsTopic) {
		if err := s.createOffsetsTopic(ctx); err != nil && !errorIs(err, kerr.LeaderNotAvailable) {
			s.apiLog.Warnf("Creating %s failed: %v", offsetsTopic, err)
		}
		return fail(kerr.CoordinatorNotAvailable)
	}
	p, ok := s.meta.partition(storage.TopicPartition{Topic: offsetsTopic, Partition: s.groups.partitionFor(req.CoordinatorKey)})
	if !ok || p.leader < 0 {
		return fail(kerr.CoordinatorNotAvailable)
	}
	b, ok := s.meta.broker(p.leader)
	if !ok {
		return fail(kerr.CoordinatorNotAvailable)
	}
	ep, ok := b.endpoints[c.listener.Name]
	if !ok {
		return fail(kerr.CoordinatorNotAvailable)
	}
	resp.NodeID, resp.Host, resp.Port = b.id, ep.host, ep.port
	if req.Version >= 1 {
		resp.ErrorMessage = kmsg.StringPtr("NONE")
	}
	return resp, nil
}
