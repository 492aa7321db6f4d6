package broker

// DeleteGroups, versions 0-2 (Kafka 2.4.1: 0-2; v2 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// Split by partition like DescribeGroups.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleDeleteGroups(ctx context.Context, c *conn, req *kmsg.DeleteGroupsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
	order, byPart := s.groups.splitByPartition(req.Groups)
	for _, p := range order {
		sub := *req
		sub.Groups = byPart[p]
		r, err := s.groups.call(ctx, c, p, &sub, func() kmsg.Response {
			out := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
			for _, g := range byPart[p] {
				rg := kmsg.NewDeleteGroupsResponseGroup()
				rg.Group, rg.ErrorCode = g, notCoordinator()
				out.Groups = append(out.Groups, rg)
			}
			return out
		})
		if err != nil {
			return nil, err
		}
		resp.Groups = append(resp.Groups, r.(*kmsg.DeleteGroupsResponse).Groups...)
	}
	return resp, nil
}
