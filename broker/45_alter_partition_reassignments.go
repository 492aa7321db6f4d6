package broker

// AlterPartitionReassignments, version 0 (Kafka 2.4.1: 0).
//
// As KafkaApis.handleAlterPartitionReassignmentsRequest: the coordinator's
// controller starts, changes or cancels (null replicas) each partition's
// reassignment in its event queue and answers per partition
// (INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS,
// UNKNOWN_TOPIC_OR_PARTITION with Kafka's messages). Any broker but the
// active controller answers a top-level NOT_CONTROLLER with Kafka's default
// message. The answer does not wait for the moves: they complete when the
// new replicas join the ISR, as ListPartitionReassignments shows.
// Kafka ignores timeout_ms here; the wait for the controller is bounded by
// the later of timeout_ms and controllerWaitFloor (REQUEST_TIMED_OUT).

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleAlterPartitionAssignments(ctx context.Context, c *conn, req *kmsg.AlterPartitionAssignmentsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.AlterPartitionAssignmentsResponse)
	var reqs []coordinator.ReassignmentRequest
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			reqs = append(reqs, coordinator.ReassignmentRequest{
				Partition: coordinator.TopicPartition{Topic: t.Topic, Partition: p.Partition},
				Replicas:  p.Replicas,
			})
		}
	}
	cctx, cancel := controllerCallContext(ctx, c, req.TimeoutMillis)
	defer cancel()
	results, err := s.deps.Node.AlterPartitionReassignments(cctx, reqs)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = s.controllerCallError(err)
		return resp, nil
	}
	// Kafka's response data defaults the top-level message to "", not null.
	resp.ErrorMessage = kmsg.StringPtr("")
	sort.SliceStable(results, func(i, j int) bool { return results[i].Partition.Topic < results[j].Partition.Topic })
	for _, r := range results {
		if n := len(resp.Topics); n == 0 || resp.Topics[n-1].Topic != r.Partition.Topic {
			rt := kmsg.NewAlterPartitionAssignmentsResponseTopic()
			rt.Topic = r.Partition.Topic
			resp.Topics = append(resp.Topics, rt)
		}
		rp := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
		rp.Partition = r.Partition.Partition
		if r.Err != nil {
			rp.ErrorCode = errorFor(r.Err).Code
			rp.ErrorMessage = errorMessage(r.Err)
		}
		t := &resp.Topics[len(resp.Topics)-1]
		t.Partitions = append(t.Partitions, rp)
	}
	return resp, nil
}

// controllerWaitFloor is the least time a request waits for the
// controller's answer, whatever its timeout_ms: Kafka does not bound the
// controller event by it (only ElectLeaders' wait for the new leaders), so
// a short timeout must not turn a quick answer into REQUEST_TIMED_OUT; the
// floor only keeps a stuck controller from holding the connection forever.
const controllerWaitFloor = 30 * time.Second

// controllerCallContext bounds a call into the controller by the later of
// the request's deadline and the floor.
func controllerCallContext(ctx context.Context, c *conn, timeoutMs int32) (context.Context, context.CancelFunc) {
	deadline := c.deadline(timeoutMs)
	if floor := time.Now().Add(controllerWaitFloor); floor.After(deadline) {
		deadline = floor
	}
	return context.WithDeadline(ctx, deadline)
}

// controllerCallError is the top-level error of a request the controller
// did not answer: NOT_CONTROLLER on other brokers (with Kafka's default
// message, as ApiError(Errors.NOT_CONTROLLER) carries it), REQUEST_TIMED_OUT
// past the timeout.
func (s *Server) controllerCallError(err error) (int16, *string) {
	switch {
	case errors.Is(err, coordinator.ErrNotController), errors.Is(err, coordinator.ErrClosed):
		return kerr.NotController.Code, kmsg.StringPtr("This is not the correct controller for this cluster.")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return kerr.RequestTimedOut.Code, kmsg.StringPtr("The request timed out.")
	}
	s.apiLog.WithError(err).Warn("controller request failed")
	return kerr.UnknownServerError.Code, kmsg.StringPtr("The server experienced an unexpected error when processing the request.")
}
