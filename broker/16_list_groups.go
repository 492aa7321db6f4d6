package broker

// ListGroups, versions 0-3 (Kafka 2.4.1: 0-3; v3 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// Every shard lists its groups; the first shard error (such as
// COORDINATOR_LOAD_IN_PROGRESS) becomes the response's error, as Kafka.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleListGroups(ctx context.Context, c *conn, req *kmsg.ListGroupsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ListGroupsResponse)
	s.groups.mu.Lock()
	parts := make([]int32, 0, len(s.groups.shards))
	for p := range s.groups.shards {
		parts = append(parts, p)
	}
	s.groups.mu.Unlock()
	for _, p := range parts {
		r, err := s.groups.call(ctx, c, p, req, func() kmsg.Response { return req.ResponseKind() })
		if err != nil {
			return nil, err
		}
		lr := r.(*kmsg.ListGroupsResponse)
		if lr.ErrorCode != 0 && resp.ErrorCode == 0 {
			resp.ErrorCode = lr.ErrorCode
		}
		resp.Groups = append(resp.Groups, lr.Groups...)
	}
	return resp, nil
}
