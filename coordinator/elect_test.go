package coordinator

import (
	"errors"
	"reflect"
	"testing"

	"github.com/samsa-broker/samsa/coordinator/zktest"
)

// TestElectLeaders drives admin elections through the controller: the
// partitions' leadership is first bent (a non-preferred leader, a preferred
// replica out of the ISR, a partition whose only ISR member died) and each
// step checks the per-partition results and the state znodes.
func TestElectLeaders(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, _ := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	var a, b int32 // the two other brokers
	for id := int32(1); id <= 3; id++ {
		if id != ctrl {
			if a == 0 {
				a = id
			} else {
				b = id
			}
		}
	}
	z := zks[ctrl]
	tp := func(p int32) TopicPartition { return TopicPartition{Topic: "el", Partition: p} }
	// 0: drifts to b; 1: preferred a drops out of the ISR; 2: leader a dies
	// alone in the ISR; 3: untouched.
	if err := z.CreateTopic(ctx, "el", map[int32][]int32{0: {a, b}, 1: {a, b}, 2: {a, b}, 3: {ctrl, a}}, nil); err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < 4; p++ {
		waitFor(t, "state", func() bool { return readStateJSON(t, z, tp(p)) != "" })
	}
	bend := func(p int32, f func(*PartitionState)) {
		t.Helper()
		cur, err := z.PartitionState(ctx, tp(p))
		if err != nil {
			t.Fatal(err)
		}
		f(&cur)
		if _, err := nodes[a].UpdateLeaderAndISR(ctx, tp(p), cur); err != nil {
			t.Fatal(err)
		}
		nodes[a].NotifyISRChange(tp(p))
	}
	bend(0, func(s *PartitionState) { s.Leader, s.LeaderEpoch = b, s.LeaderEpoch+1 })
	bend(1, func(s *PartitionState) { s.Leader, s.LeaderEpoch, s.ISR = b, s.LeaderEpoch+1, []int32{b} })
	bend(2, func(s *PartitionState) { s.ISR = []int32{a} })
	if err := nodes[a].FlushISRChanges(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "notifications processed", func() bool {
		kids, err := z.Children(ctx, ISRChangeNotificationPath)
		return err == nil && len(kids) == 0
	})

	type want struct {
		err    error // sentinel; nil = elected
		msg    string
		leader int32
	}
	steps := []struct {
		name  string
		node  int32
		kill  int32 // broker to stop before the step
		typ   ElectionType
		tps   []TopicPartition
		err   error
		wants map[TopicPartition]want
	}{
		{name: "not controller", node: a, typ: ElectionPreferred, tps: []TopicPartition{tp(0)}, err: ErrNotController},
		{name: "invalid type", node: ctrl, typ: 7, tps: []TopicPartition{tp(0)}, err: ErrInvalidElectionType},
		{name: "preferred", node: ctrl, typ: ElectionPreferred, tps: []TopicPartition{tp(0), tp(1), tp(3), tp(3), tp(9), {Topic: "none"}}, wants: map[TopicPartition]want{
			tp(0):           {leader: a},
			tp(1):           {err: ErrPreferredLeaderNotAvailable, msg: "Failed to elect leader for partition el-1 under strategy PreferredReplicaPartitionLeaderElectionStrategy", leader: -1},
			tp(3):           {err: ErrElectionNotNeeded, msg: "Leader election not needed for topic partition", leader: ctrl},
			tp(9):           {err: ErrTopicNotFound, msg: "The partition does not exist.", leader: -1},
			{Topic: "none"}: {err: ErrTopicNotFound, msg: "The partition does not exist.", leader: -1},
		}},
		{name: "unclean with live leaders", node: ctrl, typ: ElectionUnclean, tps: []TopicPartition{tp(0)}, wants: map[TopicPartition]want{
			tp(0): {err: ErrElectionNotNeeded, msg: "Leader election not needed for topic partition", leader: a},
		}},
		{name: "unclean after the only in-sync replica died", node: ctrl, kill: a, typ: ElectionUnclean, tps: []TopicPartition{tp(2)}, wants: map[TopicPartition]want{
			tp(2): {leader: b},
		}},
		{name: "all partitions, preferred", node: ctrl, typ: ElectionPreferred, wants: map[TopicPartition]want{
			tp(0): {err: ErrPreferredLeaderNotAvailable, msg: "Failed to elect leader for partition el-0 under strategy PreferredReplicaPartitionLeaderElectionStrategy", leader: -1},
			tp(1): {err: ErrPreferredLeaderNotAvailable, msg: "Failed to elect leader for partition el-1 under strategy PreferredReplicaPartitionLeaderElectionStrategy", leader: -1},
			tp(2): {err: ErrPreferredLeaderNotAvailable, msg: "Failed to elect leader for partition el-2 under strategy PreferredReplicaPartitionLeaderElectionStrategy", leader: -1},
			tp(3): {err: ErrElectionNotNeeded, msg: "Leader election not needed for topic partition", leader: ctrl},
		}},
	}
	for _, st := range steps {
		if st.kill != 0 {
			zks[st.kill].Close()
			delete(nodes, st.kill)
			// The controller's own offline election must fail: the dead
			// broker was the only in-sync replica.
			waitFor(t, "partition offline", func() bool {
				s, err := z.PartitionState(ctx, tp(2))
				return err == nil && s.Leader == -1
			})
		}
		results, err := nodes[st.node].ElectLeaders(ctx, st.typ, st.tps)
		if !errors.Is(err, st.err) {
			t.Fatalf("%s: error %v, want %v", st.name, err, st.err)
		}
		if err != nil {
			continue
		}
		got := map[TopicPartition]want{}
		for _, r := range results {
			w := want{leader: r.Leader}
			if r.Err != nil {
				w.msg = r.Err.Error()
				for _, s := range []error{ErrElectionNotNeeded, ErrPreferredLeaderNotAvailable, ErrEligibleLeadersNotAvailable, ErrTopicNotFound, ErrInvalidTopic} {
					if errors.Is(r.Err, s) {
						w.err = s
					}
				}
			}
			got[r.Partition] = w
		}
		if !reflect.DeepEqual(got, st.wants) {
			t.Fatalf("%s:\n got %+v\nwant %+v", st.name, got, st.wants)
		}
		for p, w := range st.wants {
			if w.err != nil {
				continue
			}
			s, err := z.PartitionState(ctx, p)
			if err != nil || s.Leader != w.leader || s.ControllerEpoch != controllerEpoch(t, z) {
				t.Fatalf("%s: %s state %+v (%v), want leader %d", st.name, p, s, err, w.leader)
			}
		}
	}
	if s, _ := z.PartitionState(ctx, tp(2)); !reflect.DeepEqual(s.ISR, []int32{b}) {
		t.Errorf("unclean election ISR %v, want [%d]", s.ISR, b)
	}
}

// TestElectPreferredAfterStaleISR: a leader put the preferred replica back
// into the ISR in ZooKeeper, and the controller has not heard of it yet
// (no isr_change_notification). The election must decide on the znode, as
// Kafka's reads the partition states before electing, not fail on the
// controller's cached ISR.
func TestElectPreferredAfterStaleISR(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, _ := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	var a, b int32
	for id := int32(1); id <= 3; id++ {
		switch {
		case id == ctrl:
		case a == 0:
			a = id
		default:
			b = id
		}
	}
	z := zks[ctrl]
	tp := TopicPartition{Topic: "stale", Partition: 0}
	if err := z.CreateTopic(ctx, "stale", map[int32][]int32{0: {a, b}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	update := func(notify bool, f func(*PartitionState)) {
		t.Helper()
		cur, err := z.PartitionState(ctx, tp)
		if err != nil {
			t.Fatal(err)
		}
		f(&cur)
		if _, err := nodes[b].UpdateLeaderAndISR(ctx, tp, cur); err != nil {
			t.Fatal(err)
		}
		if notify {
			nodes[b].NotifyISRChange(tp)
			if err := nodes[b].FlushISRChanges(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "notification processed", func() bool {
				kids, err := z.Children(ctx, ISRChangeNotificationPath)
				return err == nil && len(kids) == 0
			})
		}
	}
	// The controller learns that b leads alone, then misses a's return.
	update(true, func(s *PartitionState) { s.Leader, s.LeaderEpoch, s.ISR = b, s.LeaderEpoch+1, []int32{b} })
	update(false, func(s *PartitionState) { s.ISR = []int32{b, a} })

	results, err := nodes[ctrl].ElectLeaders(ctx, ElectionPreferred, []TopicPartition{tp})
	if err != nil || len(results) != 1 || results[0].Err != nil || results[0].Leader != a {
		t.Fatalf("preferred election: %+v %v, want leader %d elected", results, err, a)
	}
	if s, err := z.PartitionState(ctx, tp); err != nil || s.Leader != a || !reflect.DeepEqual(s.ISR, []int32{b, a}) {
		t.Fatalf("state after the election: %+v %v, want leader %d, ISR [%d %d]", s, err, a, b, a)
	}
}
