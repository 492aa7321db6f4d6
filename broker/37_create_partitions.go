package broker

// CreatePartitions, versions 0-1 (Kafka 2.4.1: 0-1).
//
// As Kafka's AdminManager.createPartitions: controller only
// (NOT_CONTROLLER); the new count must exceed the current one
// (INVALID_PARTITIONS with Kafka's messages); a given assignment must cover
// exactly the new partitions with the topic's replication factor, else the
// new partitions are assigned over the live brokers starting after the
// first replica of partition 0; validate_only stops before writing. The
// request then waits until the new partitions have leaders, like
// CreateTopics.

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleCreatePartitions(ctx context.Context, c *conn, req *kmsg.CreatePartitionsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
	type pending struct {
		idx   int
		count int32
	}
	var waits []pending
	counts := map[string]int{}
	for _, t := range req.Topics {
		counts[t.Topic]++
	}
	for _, t := range req.Topics {
		rt := kmsg.NewCreatePartitionsResponseTopic()
		rt.Topic = t.Topic
		var err error
		switch {
		case !s.deps.Node.IsController():
			err = kerr.NotController
		case counts[t.Topic] > 1:
			err = newAPIError(kerr.InvalidRequest, "Duplicate topic in request.")
		default:
			err = s.createPartitions(ctx, t, req.ValidateOnly)
		}
		rt.ErrorCode = errorCode(err)
		rt.ErrorMessage = errorMessage(err)
		if err == nil && !req.ValidateOnly {
			waits = append(waits, pending{idx: len(resp.Topics), count: t.Count})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if len(waits) == 0 || req.TimeoutMillis <= 0 {
		return resp, nil
	}
	ready := func() bool {
		for _, w := range waits {
			if !s.meta.hasLeaders(resp.Topics[w.idx].Topic, w.count) {
				return false
			}
		}
		return true
	}
	if !waitUntil(ctx, c.deadline(req.TimeoutMillis), []*waitList{&s.meta.changed}, ready) {
		for _, w := range waits {
			if !s.meta.hasLeaders(resp.Topics[w.idx].Topic, w.count) {
				resp.Topics[w.idx].ErrorCode = kerr.RequestTimedOut.Code
				resp.Topics[w.idx].ErrorMessage = kmsg.StringPtr("Operation timed out.")
			}
		}
	}
	return resp, nil
}

func (s *Server) createPartitions(ctx context.Context, t kmsg.CreatePartitionsRequestTopic, validateOnly bool) error {
	existing, err := s.deps.Admin.TopicAssignment(ctx, t.Topic)
	if err != nil {
		if errors.Is(err, coordinator.ErrNoNode) || errors.Is(err, coordinator.ErrTopicNotFound) {
			return newAPIError(kerr.UnknownTopicOrPartition, fmt.Sprintf("The topic '%s' does not exist.", t.Topic))
		}
		return err
	}
	if len(existing) == 0 {
		return newAPIError(kerr.UnknownTopicOrPartition, fmt.Sprintf("The topic '%s' does not exist.", t.Topic))
	}
	if err := s.deps.Admin.TopicBeingReassigned(ctx, t.Topic); err != nil {
		return err
	}
	current := int32(len(existing))
	switch {
	case t.Count < current:
		return newAPIError(kerr.InvalidPartitions, fmt.Sprintf("Topic currently has %d partitions, which is higher than the requested %d.", current, t.Count))
	case t.Count == current:
		return newAPIError(kerr.InvalidPartitions, fmt.Sprintf("Topic already has %d partitions.", current))
	}
	add := t.Count - current
	first := existing[0]
	rf := int32(len(first))
	var assignment map[int32][]int32
	if t.Assignment != nil {
		if int32(len(t.Assignment)) != add {
			return newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Increasing the number of partitions by %d but %d assignments provided.", add, len(t.Assignment)))
		}
		assignment = make(map[int32][]int32, add)
		for i, a := range t.Assignment {
			p := current + int32(i)
			if int32(len(a.Replicas)) != rf {
				return newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Inconsistent replication factor between partitions, partition 0 has %d while partition %d has replicas %v", rf, p, a.Replicas))
			}
			seen := map[int32]bool{}
			for _, r := range a.Replicas {
				if seen[r] {
					return newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Duplicate brokers not allowed in replica assignment: %v for partition id %d.", a.Replicas, p))
				}
				seen[r] = true
				if _, ok := s.meta.broker(r); !ok {
					return newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Unknown broker(s) in replica assignment: %d.", r))
				}
			}
			assignment[p] = a.Replicas
		}
	} else {
		start := int32(-1)
		if len(first) > 0 {
			for i, b := range s.meta.liveBrokers() {
				if b.id >= first[0] {
					start = int32(i)
					break
				}
			}
		}
		assignment, err = s.assign(add, rf, start, current)
		if err != nil {
			return err
		}
	}
	if validateOnly {
		return nil
	}
	// New partition ids only: the coordinator merges them into the
	// assignment znode with a conditional write.
	return s.deps.Admin.AddPartitions(ctx, t.Topic, assignment)
}
