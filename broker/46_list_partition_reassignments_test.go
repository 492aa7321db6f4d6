package broker

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func TestListPartitionReassignments(t *testing.T) {
	type part struct{ replicas, adding, removing []int32 }
	moving := []coordinator.PartitionReassignment{
		{Partition: coordinator.TopicPartition{Topic: "b", Partition: 1}, Replicas: []int32{3, 1}, Adding: []int32{3}, Removing: []int32{1}},
		{Partition: coordinator.TopicPartition{Topic: "a", Partition: 2}, Replicas: []int32{2, 1}, Removing: []int32{1}},
		{Partition: coordinator.TopicPartition{Topic: "a", Partition: 0}, Replicas: []int32{1, 2, 3}, Adding: []int32{3}},
	}
	all := map[string]map[int32]part{
		"a": {0: {[]int32{1, 2, 3}, []int32{3}, []int32{}}, 2: {[]int32{2, 1}, []int32{}, []int32{1}}},
		"b": {1: {[]int32{3, 1}, []int32{3}, []int32{1}}},
	}
	tests := []struct {
		name       string
		controller bool
		topics     map[string][]int32 // nil: all
		top        int16
		want       map[string]map[int32]part
	}{
		{"not controller", false, nil, kerr.NotController.Code, nil},
		{"all", true, nil, 0, all},
		{"named", true, map[string][]int32{"b": {0, 1}}, 0, map[string]map[int32]part{"b": all["b"]}},
		{"none named", true, map[string][]int32{}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.node.setController(tt.controller)
			h.node.mu.Lock()
			h.node.reassigning = moving
			h.node.mu.Unlock()
			c := h.dial()
			req := kmsg.NewPtrListPartitionReassignmentsRequest()
			req.TimeoutMillis = 30000
			if tt.topics != nil {
				req.Topics = []kmsg.ListPartitionReassignmentsRequestTopic{}
				for name, ps := range tt.topics {
					rt := kmsg.NewListPartitionReassignmentsRequestTopic()
					rt.Topic, rt.Partitions = name, ps
					req.Topics = append(req.Topics, rt)
				}
			}
			resp := c.do(req, 0).(*kmsg.ListPartitionReassignmentsResponse)
			if resp.ErrorCode != tt.top {
				t.Fatalf("top-level code %d, want %d", resp.ErrorCode, tt.top)
			}
			var got map[string]map[int32]part
			for _, rt := range resp.Topics {
				if got == nil {
					got = map[string]map[int32]part{}
				}
				got[rt.Topic] = map[int32]part{}
				for _, rp := range rt.Partitions {
					for _, l := range []*[]int32{&rp.Replicas, &rp.AddingReplicas, &rp.RemovingReplicas} {
						if *l == nil {
							*l = []int32{} // the arrays are not nullable: empty decodes as nil
						}
					}
					got[rt.Topic][rp.Partition] = part{rp.Replicas, rp.AddingReplicas, rp.RemovingReplicas}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
			for i := 1; i < len(resp.Topics); i++ {
				if resp.Topics[i-1].Topic >= resp.Topics[i].Topic {
					t.Fatalf("topics out of order: %s before %s", resp.Topics[i-1].Topic, resp.Topics[i].Topic)
				}
			}
		})
	}
}
