package broker

// ListPartitionReassignments, version 0 (Kafka 2.4.1: 0).
//
// As KafkaApis.handleListPartitionReassignmentsRequest: the coordinator's
// controller lists the reassignments in progress, all of them (null topics)
// or among the named partitions (names of partitions not being reassigned,
// or unknown, are left out without an error), each with its full replica
// set and the replicas being added and removed. Any broker but the active
// controller answers a top-level NOT_CONTROLLER.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleListPartitionReassignments(ctx context.Context, c *conn, req *kmsg.ListPartitionReassignmentsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse)
	var tps []coordinator.TopicPartition
	if req.Topics != nil {
		tps = []coordinator.TopicPartition{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				tps = append(tps, coordinator.TopicPartition{Topic: t.Topic, Partition: p})
			}
		}
	}
	cctx, cancel := controllerCallContext(ctx, c, req.TimeoutMillis)
	defer cancel()
	list, err := s.deps.Node.ListPartitionReassignments(cctx, tps)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = s.controllerCallError(err)
		return resp, nil
	}
	// Kafka's response data defaults the top-level message to "", not null.
	resp.ErrorMessage = kmsg.StringPtr("")
	sortReassignments(list)
	for _, r := range list {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != r.Partition.Topic {
			rt := kmsg.NewListPartitionReassignmentsResponseTopic()
			rt.Topic = r.Partition.Topic
			resp.Topics = append(resp.Topics, rt)
		}
		rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
		rp.Partition = r.Partition.Partition
		rp.Replicas, rp.AddingReplicas, rp.RemovingReplicas = r.Replicas, r.Adding, r.Removing
		t := &resp.Topics[len(resp.Topics)-1]
		t.Partitions = append(t.Partitions, rp)
	}
	return resp, nil
}

func sortReassignments(list []coordinator.PartitionReassignment) {
	tps := make([]coordinator.TopicPartition, len(list))
	byTP := make(map[coordinator.TopicPartition]coordinator.PartitionReassignment, len(list))
	for i, r := range list {
		tps[i] = r.Partition
		byTP[r.Partition] = r
	}
	sortPartitions(tps)
	for i, tp := range tps {
		list[i] = byTP[tp]
	}
}
