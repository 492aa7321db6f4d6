package coordinator

import (
	"errors"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator/zktest"
)

// TestAlterPartitionReassignments runs reassignments through the API on a
// controller of three brokers and checks, after each step, the results,
// the topic znode, the listing and /admin/reassign_partitions.
func TestAlterPartitionReassignments(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	other := ctrl%3 + 1
	z := zks[ctrl]
	if err := z.CreateTopic(ctx, "ra", map[int32][]int32{0: {1, 2}, 1: {1, 2}, 2: {1, 2}, 3: {1, 2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := func(p int32) TopicPartition { return TopicPartition{Topic: "ra", Partition: p} }
	for p := int32(0); p < 4; p++ {
		waitFor(t, "state", func() bool { return readStateJSON(t, z, tp(p)) != "" })
	}
	// A reassignment of partition 3 submitted through the znode, to be
	// overridden by the API.
	if _, err := z.Create(ctx, ReassignPartitionsPath, EncodeReassignment([]Reassignment{{TopicPartition: tp(3), Replicas: []int32{1, 3}}}), ModePersistent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "znode reassignment started", func() bool {
		a, err := readTopic(t, z, "ra")
		return err == nil && reflect.DeepEqual(a.Adding[3], []int32{3})
	})

	type outcome struct {
		err error
		msg string
	}
	invalid := outcome{ErrInvalidReplicaAssignment, "Replica assignment is invalid."}
	steps := []struct {
		name     string
		node     int32
		reqs     []ReassignmentRequest
		err      error
		want     map[TopicPartition]outcome
		replicas map[int32][]int32 // topic znode afterwards
		listing  []PartitionReassignment
	}{
		{name: "not controller", node: other, reqs: []ReassignmentRequest{{tp(0), []int32{2, 3}}}, err: ErrNotController},
		{
			name: "start, refuse and override",
			node: ctrl,
			reqs: []ReassignmentRequest{
				{tp(0), []int32{2, 3}},
				{tp(1), nil},
				{tp(2), []int32{1, 1}},
				{tp(2), []int32{4}},
				{tp(3), []int32{1, 2}},
				{tp(9), []int32{1}},
				{tp(9), []int32{-1}},
				{TopicPartition{Topic: "none"}, nil},
			},
			want: map[TopicPartition]outcome{
				tp(0): {}, tp(1): {ErrNoReassignmentInProgress, "No partition reassignment is in progress."},
				tp(2): invalid, tp(3): {}, tp(9): invalid,
				{Topic: "none"}: {ErrNoReassignmentInProgress, "No partition reassignment is in progress."},
			},
			replicas: map[int32][]int32{0: {2, 3, 1}, 1: {1, 2}, 2: {1, 2}, 3: {1, 2}},
			listing:  []PartitionReassignment{{tp(0), []int32{2, 3, 1}, []int32{3}, []int32{1}}},
		},
		{
			name:     "cancel and reorder",
			node:     ctrl,
			reqs:     []ReassignmentRequest{{tp(0), nil}, {tp(1), []int32{2, 1}}, {tp(9), []int32{1}}},
			want:     map[TopicPartition]outcome{tp(0): {}, tp(1): {}, tp(9): {ErrTopicNotFound, "The partition does not exist."}},
			replicas: map[int32][]int32{0: {2, 1}, 1: {2, 1}, 2: {1, 2}, 3: {1, 2}},
		},
		{
			name:     "move away from the leader",
			node:     ctrl,
			reqs:     []ReassignmentRequest{{tp(2), []int32{3}}},
			want:     map[TopicPartition]outcome{tp(2): {}},
			replicas: map[int32][]int32{0: {2, 1}, 1: {2, 1}, 2: {3, 1, 2}, 3: {1, 2}},
			listing:  []PartitionReassignment{{tp(2), []int32{3, 1, 2}, []int32{3}, []int32{1, 2}}},
		},
	}
	for _, st := range steps {
		results, err := nodes[st.node].AlterPartitionReassignments(ctx, st.reqs)
		if !errors.Is(err, st.err) {
			t.Fatalf("%s: error %v, want %v", st.name, err, st.err)
		}
		if err != nil {
			continue
		}
		got := map[TopicPartition]outcome{}
		for _, r := range results {
			var o outcome
			if r.Err != nil {
				o.msg = r.Err.Error()
				for _, s := range []error{ErrInvalidReplicaAssignment, ErrNoReassignmentInProgress, ErrTopicNotFound} {
					if errors.Is(r.Err, s) {
						o.err = s
					}
				}
			}
			got[r.Partition] = o
		}
		if !reflect.DeepEqual(got, st.want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", st.name, got, st.want)
		}
		a, err := readTopic(t, z, "ra")
		if err != nil || !reflect.DeepEqual(a.Partitions, st.replicas) {
			t.Fatalf("%s: topic znode %+v (%v), want %v", st.name, a.Partitions, err, st.replicas)
		}
		listing, err := nodes[ctrl].ListPartitionReassignments(ctx, nil)
		if err != nil || !reflect.DeepEqual(listing, st.listing) {
			t.Fatalf("%s: listing %+v (%v), want %+v", st.name, listing, err, st.listing)
		}
		if ok, _, _ := z.Exists(ctx, ReassignPartitionsPath); ok {
			t.Fatalf("%s: /admin/reassign_partitions still there", st.name)
		}
	}
	// Named listing: only partitions being reassigned are listed.
	if l, err := nodes[ctrl].ListPartitionReassignments(ctx, []TopicPartition{tp(0), tp(2), tp(2), {Topic: "none"}}); err != nil || len(l) != 1 || l[0].Partition != tp(2) {
		t.Fatalf("named listing %+v (%v)", l, err)
	}
	if _, err := nodes[other].ListPartitionReassignments(ctx, nil); !errors.Is(err, ErrNotController) {
		t.Fatalf("listing on another broker: %v", err)
	}
	// The cancelled new replica was deleted.
	waitFor(t, "StopReplica with delete for the cancelled replica ra-0 on broker 3", func() bool {
		for _, s := range tr.requests() {
			if r, ok := s.req.(*kmsg.StopReplicaRequest); ok && s.addr == "127.0.0.1:9095" && r.DeletePartitions {
				for _, tt := range r.Topics {
					if tt.Topic == "ra" && reflect.DeepEqual(tt.Partitions, []int32{0}) {
						return true
					}
				}
			}
		}
		return false
	})
	// Partition 2 completes once broker 3 is in the ISR; the leader moves.
	cur, _ := z.PartitionState(ctx, tp(2))
	grown := cur
	grown.ISR = []int32{1, 2, 3}
	if _, err := nodes[cur.Leader].UpdateLeaderAndISR(ctx, tp(2), grown); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reassignment completed", func() bool {
		a, err := readTopic(t, z, "ra")
		return err == nil && reflect.DeepEqual(a.Partitions[2], []int32{3}) && len(a.Adding) == 0 && len(a.Removing) == 0
	})
	s, _ := z.PartitionState(ctx, tp(2))
	if s.Leader != 3 || !reflect.DeepEqual(s.ISR, []int32{3}) {
		t.Errorf("state after the move %+v", s)
	}
	if l, err := nodes[ctrl].ListPartitionReassignments(ctx, nil); err != nil || len(l) != 0 {
		t.Errorf("listing after completion %+v (%v)", l, err)
	}
}

// readTopic decodes a topic znode with its reassignment lists.
func readTopic(t *testing.T, z *ZK, topic string) (TopicAssignment, error) {
	t.Helper()
	data, _, err := z.Get(testCtx(t), TopicPath(topic))
	if err != nil {
		return TopicAssignment{}, err
	}
	return DecodeTopicAssignment(data)
}

// TestAPIReassignmentSurvivesFailover: an API reassignment lives in the
// topic znode, so the next controller lists it and completes it.
func TestAPIReassignmentSurvivesFailover(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, _ := threeBrokers(t, srv)
	ctx := testCtx(t)
	first := controllerOf(nodes)
	var a, b int32
	for id := int32(1); id <= 3; id++ {
		if id != first {
			if a == 0 {
				a = id
			} else {
				b = id
			}
		}
	}
	z := zks[a]
	if err := z.CreateTopic(ctx, "fo", map[int32][]int32{0: {a}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "fo", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	rs, err := nodes[first].AlterPartitionReassignments(ctx, []ReassignmentRequest{{tp, []int32{a, b}}})
	if err != nil || len(rs) != 1 || rs[0].Err != nil {
		t.Fatalf("alter: %+v %v", rs, err)
	}
	zks[first].Close()
	delete(nodes, first)
	waitFor(t, "new controller", func() bool { return controllerOf(nodes) > 0 })
	want := []PartitionReassignment{{tp, []int32{a, b}, []int32{b}, []int32{}}}
	var got []PartitionReassignment
	waitFor(t, "the new controller lists the reassignment", func() bool {
		ctrl := controllerOf(nodes)
		if ctrl <= 0 {
			return false
		}
		got, err = nodes[ctrl].ListPartitionReassignments(ctx, nil)
		return err == nil && reflect.DeepEqual(got, want)
	})
	cur, _ := z.PartitionState(ctx, tp)
	grown := cur
	grown.ISR = []int32{a, b}
	if _, err := nodes[a].UpdateLeaderAndISR(ctx, tp, grown); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reassignment completed by the new controller", func() bool {
		ta, err := readTopic(t, z, "fo")
		return err == nil && reflect.DeepEqual(ta.Partitions[0], []int32{a, b}) && len(ta.Adding) == 0
	})
}
