package broker

// JoinGroup, versions 0-6 (Kafka 2.4.1: 0-6; v6 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// Parks until the rebalance's join phase ends (KIP-394 MEMBER_ID_REQUIRED
// for v4+, static members KIP-345); the connection stays muted meanwhile.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleJoinGroup(ctx context.Context, c *conn, req *kmsg.JoinGroupRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode, resp.Generation, resp.MemberID = notCoordinator(), -1, req.MemberID
		return resp
	})
}
