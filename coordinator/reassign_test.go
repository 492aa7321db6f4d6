package coordinator

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator/zktest"
)

// TestReassignmentLeaderAndISRCarriesReplicaChanges: while a partition
// moves from [1,2] to [2,3], every LeaderAndIsr for it names adding [3] and
// removing [1], as Kafka 2.4's controller sends them from its context.
func TestReassignmentLeaderAndISRCarriesReplicaChanges(t *testing.T) {
	srv := zktest.Start(t)
	_, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	z := zks[1]
	if err := z.CreateTopic(ctx, "rc", map[int32][]int32{0: {1, 2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "rc", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	if _, err := z.Create(ctx, ReassignPartitionsPath, EncodeReassignment([]Reassignment{{TopicPartition: tp, Replicas: []int32{2, 3}}}), ModePersistent); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr string
		new  bool
	}{
		{"127.0.0.1:9093", false}, // broker 1, being removed
		{"127.0.0.1:9094", false}, // broker 2, staying
		{"127.0.0.1:9095", true},  // broker 3, being added
	}
	for _, tt := range tests {
		waitFor(t, "LeaderAndIsr of the move to "+tt.addr, func() bool {
			for _, s := range tr.requests() {
				r, ok := s.req.(*kmsg.LeaderAndISRRequest)
				if !ok || s.addr != tt.addr {
					continue
				}
				for _, ts := range r.TopicStates {
					if ts.Topic != "rc" || !slices.Equal(ts.PartitionStates[0].Replicas, []int32{2, 3, 1}) {
						continue
					}
					p := ts.PartitionStates[0]
					if p.IsNew != tt.new || !slices.Equal(p.AddingReplicas, []int32{3}) || !slices.Equal(p.RemovingReplicas, []int32{1}) {
						t.Errorf("to %s: is_new %v adding %v removing %v, want %v [3] [1]", tt.addr, p.IsNew, p.AddingReplicas, p.RemovingReplicas, tt.new)
					}
					return true
				}
			}
			return false
		})
	}
}
