package broker

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func TestAlterPartitionReassignments(t *testing.T) {
	type part struct {
		code int16
		msg  string
	}
	noneInProgress := fmt.Errorf("No partition reassignment is in progress.: %w", coordinator.ErrNoReassignmentInProgress)
	invalid := fmt.Errorf("Replica assignment is invalid.: %w", coordinator.ErrInvalidReplicaAssignment)
	unknown := fmt.Errorf("The partition does not exist.: %w", coordinator.ErrTopicNotFound)
	tests := []struct {
		name       string
		controller bool
		top        int16
		topMsg     string
		want       map[string]map[int32]part
	}{
		{"not controller", false, kerr.NotController.Code, "This is not the correct controller for this cluster.", nil},
		{"per partition", true, 0, "", map[string]map[int32]part{
			"a": {0: {0, ""}, 1: {kerr.NoReassignmentInProgress.Code, noneInProgress.Error()}},
			"b": {0: {kerr.InvalidReplicaAssignment.Code, invalid.Error()}, 7: {kerr.UnknownTopicOrPartition.Code, unknown.Error()}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.node.setController(tt.controller)
			h.node.mu.Lock()
			h.node.reassignErr = map[coordinator.TopicPartition]error{
				{Topic: "a", Partition: 1}: noneInProgress,
				{Topic: "b", Partition: 0}: invalid,
				{Topic: "b", Partition: 7}: unknown,
			}
			h.node.mu.Unlock()
			c := h.dial()
			req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
			req.TimeoutMillis = 30000
			for _, tp := range []struct {
				topic    string
				p        int32
				replicas []int32
			}{{"a", 0, []int32{2, 3}}, {"a", 1, nil}, {"b", 0, []int32{}}, {"b", 7, []int32{1}}} {
				if len(req.Topics) == 0 || req.Topics[len(req.Topics)-1].Topic != tp.topic {
					rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
					rt.Topic = tp.topic
					req.Topics = append(req.Topics, rt)
				}
				rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
				rp.Partition, rp.Replicas = tp.p, tp.replicas
				rt := &req.Topics[len(req.Topics)-1]
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp := c.do(req, 0).(*kmsg.AlterPartitionAssignmentsResponse)
			topMsg := "<null>" // Kafka sends "" on success
			if resp.ErrorMessage != nil {
				topMsg = *resp.ErrorMessage
			}
			if resp.ErrorCode != tt.top || topMsg != tt.topMsg {
				t.Fatalf("top level %d %q, want %d %q", resp.ErrorCode, topMsg, tt.top, tt.topMsg)
			}
			var got map[string]map[int32]part
			for _, rt := range resp.Topics {
				if got == nil {
					got = map[string]map[int32]part{}
				}
				got[rt.Topic] = map[int32]part{}
				for _, rp := range rt.Partitions {
					p := part{code: rp.ErrorCode}
					if rp.ErrorMessage != nil {
						p.msg = *rp.ErrorMessage
					}
					got[rt.Topic][rp.Partition] = p
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
			if !tt.controller {
				return
			}
			// Null replicas (cancel) and an empty list stay apart.
			h.node.mu.Lock()
			defer h.node.mu.Unlock()
			byTP := map[coordinator.TopicPartition][]int32{}
			for _, r := range h.node.reassigned {
				byTP[r.Partition] = r.Replicas
			}
			if r := byTP[coordinator.TopicPartition{Topic: "a", Partition: 1}]; r != nil {
				t.Errorf("cancel reached the controller as %v", r)
			}
			if r := byTP[coordinator.TopicPartition{Topic: "b", Partition: 0}]; r == nil || len(r) != 0 {
				t.Errorf("empty replica list reached the controller as %v", r)
			}
		})
	}
}
