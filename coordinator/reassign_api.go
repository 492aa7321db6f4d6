package coordinator

import (
	"context"
	"errors"
	"sort"

	"github.com/sirupsen/logrus"
)

// The controller's side of the AlterPartitionReassignments and
// ListPartitionReassignments APIs (KIP-455 in Kafka 2.4:
// processApiPartitionReassignment, processListPartitionReassignments).
// API reassignments live in the controller's memory and in the topic
// znode's adding_replicas/removing_replicas, never in
// /admin/reassign_partitions; an API call for a partition that the znode
// lists takes it out of the znode (the latest request wins) and leaves
// the znode's other partitions alone.

// ErrNoReassignmentInProgress: a cancellation for a partition that is not
// being reassigned (Kafka's NO_REASSIGNMENT_IN_PROGRESS).
var ErrNoReassignmentInProgress = errors.New("coordinator: no partition reassignment in progress")

// ReassignmentRequest is one partition of AlterPartitionReassignments.
type ReassignmentRequest struct {
	Partition TopicPartition
	// Replicas is the target replica set, in preference order; nil cancels
	// the reassignment in progress (back to the original replicas).
	Replicas []int32
}

// ReassignmentResult is one partition's outcome: nil Err means the
// reassignment was started, changed or cancelled.
type ReassignmentResult struct {
	Partition TopicPartition
	Err       error
}

// PartitionReassignment is a reassignment in progress: the full replica
// set during the move and the replicas being added and removed.
type PartitionReassignment struct {
	Partition                  TopicPartition
	Replicas, Adding, Removing []int32
}

// AlterPartitionReassignments starts, changes or cancels reassignments on
// the controller's event goroutine and returns one result per distinct
// partition (a repeated partition: the last request wins), sorted. Errors
// carry Kafka's messages and match ErrInvalidReplicaAssignment,
// ErrNoReassignmentInProgress or ErrTopicNotFound. ErrNotController when
// this node is not the active controller.
func (n *Node) AlterPartitionReassignments(ctx context.Context, reqs []ReassignmentRequest) ([]ReassignmentResult, error) {
	return onController(ctx, n, "ApiPartitionReassignment", func(ctx context.Context) ([]ReassignmentResult, error) {
		return n.alterReassignments(ctx, reqs)
	})
}

// ListPartitionReassignments lists the reassignments in progress among tps
// (nil: all of them), sorted; partitions not being reassigned, known or
// not, are left out. ErrNotController when this node is not the active
// controller.
func (n *Node) ListPartitionReassignments(ctx context.Context, tps []TopicPartition) ([]PartitionReassignment, error) {
	return onController(ctx, n, "ListPartitionReassignments", func(context.Context) ([]PartitionReassignment, error) {
		c := n.ctrl
		if tps == nil {
			for tp := range c.reassigning {
				tps = append(tps, tp)
			}
		}
		var out []PartitionReassignment
		for _, tp := range distinctTPs(tps) {
			r, ok := c.reassigning[tp]
			if !ok || !r.beingReassigned() {
				continue
			}
			out = append(out, PartitionReassignment{
				Partition: tp,
				Replicas:  append([]int32{}, c.replicas(tp)...),
				Adding:    append([]int32{}, r.adding...),
				Removing:  append([]int32{}, r.removing...),
			})
		}
		return out, nil
	})
}

// alterReassignments is processApiPartitionReassignment.
func (n *Node) alterReassignments(ctx context.Context, reqs []ReassignmentRequest) ([]ReassignmentResult, error) {
	c := n.ctrl
	last := map[TopicPartition][]int32{}
	for _, r := range reqs {
		last[r.Partition] = r.Replicas
	}
	errs := map[TopicPartition]error{}
	targets := map[TopicPartition][]int32{}
	for tp, replicas := range last {
		switch {
		case replicas != nil && !c.replicasValid(tp, replicas):
			errs[tp] = kafkaErrorf(ErrInvalidReplicaAssignment, "Replica assignment is invalid.")
		case replicas != nil:
			targets[tp] = replicas
		case c.reassigning[tp].beingReassigned():
			targets[tp] = c.origin(tp) // cancel: back to the original replicas
		default:
			errs[tp] = kafkaErrorf(ErrNoReassignmentInProgress, "No partition reassignment is in progress.")
		}
	}
	// The latest reassignment wins over one submitted through the znode.
	if err := n.dropFromReassignZnode(ctx, func(z Reassignment) bool {
		_, ok := targets[z.TopicPartition]
		return ok
	}); err != nil {
		return nil, err
	}
	start := make([]TopicPartition, 0, len(targets))
	for tp := range targets {
		start = append(start, tp)
	}
	sortTPs(start)
	for _, tp := range start {
		// maybeTriggerPartitionReassignment
		if c.toDelete[tp.Topic] || len(c.replicas(tp)) == 0 {
			errs[tp] = kafkaErrorf(ErrTopicNotFound, "The partition does not exist.")
			continue
		}
		err := n.reassign(ctx, tp, targets[tp])
		if errors.Is(err, ErrControllerMoved) {
			return nil, err
		}
		if err != nil {
			n.log.WithField("partition", tp.String()).WithError(err).Error("reassignment failed")
			errs[tp] = err
		}
	}
	out := make([]ReassignmentResult, 0, len(last))
	for tp := range last {
		out = append(out, ReassignmentResult{Partition: tp, Err: errs[tp]})
	}
	sort.Slice(out, func(i, j int) bool { return tpLess(out[i].Partition, out[j].Partition) })
	n.log.WithFields(logrus.Fields{"partitions": len(out), "started": len(start)}).Info("partition reassignment requested through the admin API")
	return out, nil
}

// replicasValid is replicasAreValid: a non-empty target without duplicates
// or negative ids, whose new replicas are all live brokers.
func (c *controllerState) replicasValid(tp TopicPartition, replicas []int32) bool {
	if len(replicas) == 0 || hasDuplicates(replicas) {
		return false
	}
	for _, r := range replicas {
		if r < 0 {
			return false
		}
	}
	_, moving := plan(c.origin(tp), replicas)
	for _, r := range moving.adding {
		if !c.isLive(r) {
			return false
		}
	}
	return true
}

func tpLess(a, b TopicPartition) bool {
	if a.Topic != b.Topic {
		return a.Topic < b.Topic
	}
	return a.Partition < b.Partition
}
