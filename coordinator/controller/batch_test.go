package controller

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBatchReassigningReplicas: LeaderAndIsr carries a reassigned
// partition's adding and removing replicas on the wire (v4), empty lists for
// other partitions, and a built batch forgets them.
func TestBatchReassigningReplicas(t *testing.T) {
	moving := TopicPartition{"t", 0}
	still := TopicPartition{"t", 1}
	state := PartitionState{Leader: 1, LeaderEpoch: 2, ControllerEpoch: 3, ISR: []int32{1, 2}}
	c := Cluster{
		ControllerID: 1, ControllerEpoch: 3, Listener: "PLAINTEXT",
		Brokers: map[int32]Broker{
			1: {ID: 1, Epoch: 100, Endpoints: []Endpoint{{"PLAINTEXT", "h1", 9092, "PLAINTEXT"}}},
			3: {ID: 3, Epoch: 300, Endpoints: []Endpoint{{"PLAINTEXT", "h3", 9092, "PLAINTEXT"}}},
		},
		Partition: func(TopicPartition) (PartitionState, []int32, bool, bool) {
			return state, []int32{3, 1, 2}, false, true
		},
	}
	tests := []struct {
		name                   string
		tp                     TopicPartition
		changes                *ReplicaChanges
		wantAdding, wantRemove []int32
	}{
		{"reassigning", moving, &ReplicaChanges{Adding: []int32{3}, Removing: []int32{2}}, []int32{3}, []int32{2}},
		{"only adding", moving, &ReplicaChanges{Adding: []int32{3}}, []int32{3}, []int32{}},
		{"not reassigning", still, nil, []int32{}, []int32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBatch()
			if tt.changes != nil {
				b.SetReassigning(tt.tp, *tt.changes)
			}
			b.AddLeaderAndISR([]int32{1, 3}, tt.tp, state, []int32{3, 1, 2}, false, []int32{1, 3})
			out := b.Build(c)
			var lais int
			for _, o := range out {
				req, ok := o.Request.(*kmsg.LeaderAndISRRequest)
				if !ok {
					continue
				}
				lais++
				// What the broker decodes, not just what was set.
				got := kmsg.NewPtrLeaderAndISRRequest()
				got.SetVersion(req.Version)
				if err := got.ReadFrom(req.AppendTo(nil)); err != nil {
					t.Fatal(err)
				}
				p := got.TopicStates[0].PartitionStates[0]
				if p.Partition != tt.tp.Partition || !slices.Equal(p.AddingReplicas, tt.wantAdding) || !slices.Equal(p.RemovingReplicas, tt.wantRemove) {
					t.Errorf("to broker %d: partition %d adding %v removing %v, want %v %v",
						o.Broker, p.Partition, p.AddingReplicas, p.RemovingReplicas, tt.wantAdding, tt.wantRemove)
				}
			}
			if lais != 2 {
				t.Fatalf("%d LeaderAndIsr requests, want 2", lais)
			}
			// The batch is reset: the next LeaderAndIsr is not reassigning.
			b.AddLeaderAndISR([]int32{1}, tt.tp, state, []int32{3, 1, 2}, false, nil)
			p := b.Build(c)[0].Request.(*kmsg.LeaderAndISRRequest).TopicStates[0].PartitionStates[0]
			if len(p.AddingReplicas) != 0 || len(p.RemovingReplicas) != 0 {
				t.Errorf("after Build: adding %v removing %v, want none", p.AddingReplicas, p.RemovingReplicas)
			}
		})
	}
}
