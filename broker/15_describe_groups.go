package broker

// DescribeGroups, versions 0-5 (Kafka 2.4.1: 0-5; v5 is flexible).
//
// Groups are split by __consumer_offsets partition (groups.go
// splitByPartition), each part answered by its broker/group shard
// (NOT_COORDINATOR where we do not lead it), answers merged in the order the
// partitions first appear in the request.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleDescribeGroups(ctx context.Context, c *conn, req *kmsg.DescribeGroupsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
	order, byPart := s.groups.splitByPartition(req.Groups)
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
