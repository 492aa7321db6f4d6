package broker

// DescribeGroups, versions 0-5 (Kafka 2.4.1: 0-5; v5 is flexible).
//
// Routed to the broker/group shard of the group's __consumer_offsets
// partition (groups.go); NOT_COORDINATOR when we do not lead it.
// Groups are split by __consumer_offsets partition, each part answered by
// its shard (NOT_COORDINATOR where we do not lead it), answers merged in
// request order of the partitions.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleDescribeGroups(ctx context.Context, c *conn, req *kmsg.DescribeGroupsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
	byPart := map[int32][]string{}
	var order []int32
	for _, g := range req.Groups {
		p := s.groups.partitionFor(g)
		if _, ok := byPart[p]; !ok {
			order = append(order, p)
		}
		byPart[p] = append(byPart[p], g)
	}
	for _, p := range order {
		sub := *req
		sub.Groups = byPart[p]
		r, err := s.groups.call(ctx, c, p, &sub, func() kmsg.Response {
			out := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
			for _, g := range byPart[p] {
				rg := kmsg.NewDescribeGroupsResponseGroup()
				rg.Group, rg.ErrorCode = g, notCoordinator()
				out.Groups = append(out.Groups, rg)
			}
			return out
		})
		if err != nil {
			return nil, err
		}
		resp.Groups = append(resp.Groups, r.(*kmsg.DescribeGroupsResponse).Groups...)
	}
	return resp, nil
}
