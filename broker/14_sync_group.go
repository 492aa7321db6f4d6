package broker

// SyncGroup, versions 0-4 (Kafka 2.4.1: 0-4; v4 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// The leader's assignment is stored (appended with acks -1) before the
// members are answered.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleSyncGroup(ctx context.Context, c *conn, req *kmsg.SyncGroupRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.SyncGroupResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}
