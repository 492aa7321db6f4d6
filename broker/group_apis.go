package broker

// The group APIs, versions as Kafka 2.4.1: OffsetCommit 0-8 (8),
// OffsetFetch 0-6 (9), JoinGroup 0-6 (11), Heartbeat 0-4 (12), LeaveGroup
// 0-4 (13), SyncGroup 0-4 (14), DescribeGroups 0-5 (15), ListGroups 0-3
// (16), DeleteGroups 0-2 (42), OffsetDelete 0 (47).
//
// They are answered by the group package's shard of the group's
// __consumer_offsets partition (see groups.go); this file routes them.
// A group whose partition we do not lead is NOT_COORDINATOR, as in Kafka.
// Requests naming several groups (DescribeGroups, DeleteGroups) are split
// by partition and the answers merged; ListGroups asks every shard.
// Differs from Kafka (group package): see broker/group/doc.go.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func errorIs(err error, target *kerr.Error) bool { return errors.Is(err, target) }

func notCoordinator() int16 { return kerr.NotCoordinator.Code }

func (s *Server) handleJoinGroup(ctx context.Context, c *conn, req *kmsg.JoinGroupRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode, resp.Generation, resp.MemberID = notCoordinator(), -1, req.MemberID
		return resp
	})
}

func (s *Server) handleSyncGroup(ctx context.Context, c *conn, req *kmsg.SyncGroupRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.SyncGroupResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}

func (s *Server) handleHeartbeat(ctx context.Context, c *conn, req *kmsg.HeartbeatRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}

func (s *Server) handleLeaveGroup(ctx context.Context, c *conn, req *kmsg.LeaveGroupRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.LeaveGroupResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}

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

func (s *Server) handleOffsetFetch(ctx context.Context, c *conn, req *kmsg.OffsetFetchRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
		resp.ErrorCode = notCoordinator()
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition, rp.Offset, rp.ErrorCode = p, -1, notCoordinator()
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	})
}

func (s *Server) handleOffsetDelete(ctx context.Context, c *conn, req *kmsg.OffsetDeleteRequest) (kmsg.Response, error) {
	return s.groups.call(ctx, c, s.groups.partitionFor(req.Group), req, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
		resp.ErrorCode = notCoordinator()
		return resp
	})
}

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

func (s *Server) handleDeleteGroups(ctx context.Context, c *conn, req *kmsg.DeleteGroupsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
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
