package broker

// Heartbeat, versions 0-4 (Kafka 2.4.1: 0-4; v4 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleHeartbeat(ctx context.Context, c *conn, req *kmsg.HeartbeatRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}
