package coordinator

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator/zktest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// threeBrokers starts nodes 1-3 sharing one recording transport and returns
// them once one is controller.
func threeBrokers(t *testing.T, srv *zktest.Server) (map[int32]*Node, map[int32]*ZK, *fakeTransport) {
	t.Helper()
	tr := &fakeTransport{}
	nodes, zks := map[int32]*Node{}, map[int32]*ZK{}
	for id := int32(1); id <= 3; id++ {
		nodes[id], zks[id] = newTestNode(t, srv, id, tr)
		if _, err := nodes[id].Register(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a controller", func() bool {
		for _, n := range nodes {
			if n.IsController() {
				return true
			}
		}
		return false
	})
	return nodes, zks, tr
}

func controllerOf(nodes map[int32]*Node) int32 {
	for id, n := range nodes {
		if n.IsController() {
			return id
		}
	}
	return -1
}

func readStateJSON(t *testing.T, z *ZK, tp TopicPartition) string {
	t.Helper()
	data, _, err := z.Get(testCtx(t), PartitionStatePath(tp.Topic, tp.Partition))
	if err != nil {
		return ""
	}
	return string(data)
}

func TestTopicLifecycle(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	z := zks[ctrl]
	epoch := controllerEpoch(t, z)
	ep := string(EncodeControllerEpoch(epoch))

	assignment := map[int32][]int32{0: {1, 2}, 1: {2, 3}, 2: {3, 1}}
	if err := z.CreateTopic(ctx, "t", assignment, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	if data, _, _ := z.Get(ctx, TopicPath("t")); string(data) != `{"version":2,"partitions":{"0":[1,2],"1":[2,3],"2":[3,1]},"adding_replicas":{},"removing_replicas":{}}` {
		t.Errorf("topic znode %s", data)
	}
	if data, _, _ := z.Get(ctx, TopicConfigPath("t")); string(data) != `{"version":1,"config":{"cleanup.policy":"compact"}}` {
		t.Errorf("config znode %s", data)
	}
	want := map[int32]string{
		0: `{"controller_epoch":` + ep + `,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`,
		1: `{"controller_epoch":` + ep + `,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3]}`,
		2: `{"controller_epoch":` + ep + `,"leader":3,"version":1,"leader_epoch":0,"isr":[3,1]}`,
	}
	for p, w := range want {
		tp := TopicPartition{Topic: "t", Partition: p}
		waitFor(t, "state of "+tp.String(), func() bool { return readStateJSON(t, z, tp) != "" })
		if got := readStateJSON(t, z, tp); got != w {
			t.Errorf("%s state %s, want %s", tp, got, w)
		}
	}
	states, err := z.PartitionStates(ctx, "t")
	if err != nil || len(states) != 3 || states[1].Leader != 2 || states[1].ZkVersion != 0 {
		t.Errorf("PartitionStates %+v %v", states, err)
	}

	// LeaderAndIsr (isNew) went to each ISR member, UpdateMetadata to all.
	type laiKey struct {
		addr string
		p    int32
	}
	waitFor(t, "LeaderAndIsr and UpdateMetadata", func() bool {
		lai := map[laiKey]bool{}
		um := map[string]bool{}
		for _, s := range tr.requests() {
			switch r := s.req.(type) {
			case *kmsg.LeaderAndISRRequest:
				for _, ts := range r.TopicStates {
					for _, ps := range ts.PartitionStates {
						if ts.Topic == "t" && ps.IsNew && ps.Leader == assignment[ps.Partition][0] && r.Version == 4 && r.ControllerEpoch == epoch && r.ControllerID == ctrl {
							lai[laiKey{s.addr, ps.Partition}] = true
						}
					}
				}
			case *kmsg.UpdateMetadataRequest:
				for _, ts := range r.TopicStates {
					if ts.Topic == "t" && len(ts.PartitionStates) == 3 && r.Version == 6 && len(r.LiveBrokers) == 3 {
						um[s.addr] = true
					}
				}
			}
		}
		for p, reps := range assignment {
			for _, r := range reps {
				if !lai[laiKey{"127.0.0.1:" + itoa(9092+r), p}] {
					return false
				}
			}
		}
		return len(um) == 3
	})

	// Admin errors, with Kafka's messages.
	for _, tt := range []struct {
		topic    string
		sentinel error
		msg      string
	}{
		{"t", ErrTopicExists, "Topic 't' already exists."},
		{"a b", ErrInvalidTopic, `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
	} {
		err := z.CreateTopic(ctx, tt.topic, map[int32][]int32{0: {1}}, nil)
		if !errors.Is(err, tt.sentinel) || err.Error() != tt.msg {
			t.Errorf("create %q: %v", tt.topic, err)
		}
	}
	if err := z.CreateTopic(ctx, "x.y", map[int32][]int32{0: {1}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := z.CreateTopic(ctx, "x_y", map[int32][]int32{0: {1}}, nil); !errors.Is(err, ErrInvalidTopic) || err.Error() != "Topic 'x_y' collides with existing topics: x.y" {
		t.Errorf("collision: %v", err)
	}
	if err := z.MarkTopicForDeletion(ctx, "nope"); !errors.Is(err, ErrTopicNotFound) {
		t.Errorf("delete unknown: %v", err)
	}

	// Add a partition: the controller creates its state.
	if err := z.AddPartitions(ctx, "t", map[int32][]int32{3: {2, 1}}); err != nil {
		t.Fatal(err)
	}
	tp3 := TopicPartition{Topic: "t", Partition: 3}
	waitFor(t, "state of the added partition", func() bool { return readStateJSON(t, z, tp3) != "" })
	if got, _ := z.TopicAssignment(ctx, "t"); !reflect.DeepEqual(got[3], []int32{2, 1}) {
		t.Errorf("assignment after add %v", got)
	}

	// A follower dies: leaders it held move, ISRs shrink with a new epoch.
	victim := int32(1)
	if victim == ctrl {
		victim = 2
	}
	zks[victim].Close()
	delete(nodes, victim)
	for p, reps := range assignment {
		tp := TopicPartition{Topic: "t", Partition: p}
		waitFor(t, "ISR without the dead broker", func() bool {
			s, err := z.PartitionState(ctx, tp)
			return err == nil && !contains32(s.ISR, victim)
		})
		s, _ := z.PartitionState(ctx, tp)
		wantEpoch := int32(0)
		if contains32(reps, victim) {
			wantEpoch = 1
		}
		if s.LeaderEpoch != wantEpoch || s.Leader == victim || (reps[0] != victim && s.Leader != reps[0]) {
			t.Errorf("%s after broker %d died: %+v", tp, victim, s)
		}
	}

	// Deletion waits while a replica is offline (Kafka's "ineligible"
	// topics), and resumes when the broker is back: UpdateMetadata with
	// leader -2, StopReplica with delete, then the znodes go.
	if err := z.MarkTopicForDeletion(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if err := z.MarkTopicForDeletion(ctx, "t"); !errors.Is(err, ErrMarkedForDeletion) || err.Error() != "topic t is already marked for deletion" {
		t.Errorf("second deletion request: %v", err)
	}
	if ts, _ := z.TopicsMarkedForDeletion(ctx); !reflect.DeepEqual(ts, []string{"t"}) {
		t.Errorf("marked for deletion %v", ts)
	}
	if err := z.CreateTopic(ctx, "t", map[int32][]int32{0: {1}}, nil); !errors.Is(err, ErrMarkedForDeletion) || !errors.Is(err, ErrTopicExists) {
		t.Errorf("create while marked: %v", err)
	}
	back, _ := newTestNode(t, srv, victim, tr)
	if _, err := back.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "topic znodes deleted", func() bool {
		for _, p := range []string{TopicPath("t"), TopicConfigPath("t"), DeleteTopicPath("t")} {
			if ok, _, _ := z.Exists(ctx, p); ok {
				return false
			}
		}
		return true
	})
	sawDelete, sawMinus2 := false, false
	for _, s := range tr.requests() {
		switch r := s.req.(type) {
		case *kmsg.StopReplicaRequest:
			if r.DeletePartitions && r.Version == 2 && r.Topics[0].Topic == "t" {
				sawDelete = true
			}
		case *kmsg.UpdateMetadataRequest:
			for _, ts := range r.TopicStates {
				if ts.Topic == "t" && ts.PartitionStates[0].Leader == -2 {
					sawMinus2 = true
				}
			}
		}
	}
	if !sawDelete || !sawMinus2 {
		t.Errorf("StopReplica(delete) %v, UpdateMetadata leader -2 %v", sawDelete, sawMinus2)
	}
	if ts, _ := z.Topics(ctx); !reflect.DeepEqual(ts, []string{"x.y"}) {
		t.Errorf("topics after deletion %v", ts)
	}
}

func itoa(i int32) string {
	return string(appendInt(nil, int64(i)))
}

func appendInt(b []byte, i int64) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

func TestLeaderISRUpdateAndNotification(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	z := zks[1]
	if err := z.CreateTopic(ctx, "isr", map[int32][]int32{0: {1, 2, 3}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "isr", Partition: 0}
	waitFor(t, "partition state", func() bool { return readStateJSON(t, z, tp) != "" })
	cur, err := z.PartitionState(ctx, tp)
	if err != nil {
		t.Fatal(err)
	}
	leader := nodes[cur.Leader]
	shrunk := cur
	shrunk.ISR = []int32{cur.Leader}
	v, err := leader.UpdateLeaderAndISR(ctx, tp, shrunk)
	if err != nil || v != cur.ZkVersion+1 {
		t.Fatalf("CAS: %d %v", v, err)
	}
	// Retrying the same write with the old version reads back our own data.
	if v2, err := leader.UpdateLeaderAndISR(ctx, tp, shrunk); err != nil || v2 != v {
		t.Errorf("idempotent retry: %d %v", v2, err)
	}
	// A conflicting write with a stale version fails.
	other := cur
	other.ISR = []int32{1, 2}
	if _, err := leader.UpdateLeaderAndISR(ctx, tp, other); !errors.Is(err, ErrBadVersion) {
		t.Errorf("stale CAS: %v", err)
	}
	before := len(tr.requests())
	leader.NotifyISRChange(tp)
	if err := leader.FlushISRChanges(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "notification processed", func() bool {
		kids, err := z.Children(ctx, ISRChangeNotificationPath)
		return err == nil && len(kids) == 0
	})
	waitFor(t, "UpdateMetadata with the new ISR", func() bool {
		for _, s := range tr.requests()[before:] {
			if r, ok := s.req.(*kmsg.UpdateMetadataRequest); ok {
				for _, ts := range r.TopicStates {
					if ts.Topic == "isr" && reflect.DeepEqual(ts.PartitionStates[0].ISR, shrunk.ISR) && ts.PartitionStates[0].ZKVersion == v {
						return true
					}
				}
			}
		}
		return false
	})
}

func TestProducerIDBlocks(t *testing.T) {
	srv := zktest.Start(t)
	n, z := newTestNode(t, srv, 4, nil)
	ctx := testCtx(t)
	for i, want := range [][2]int64{{0, 999}, {1000, 1999}} {
		s, e, err := n.NewProducerIDBlock(ctx)
		if err != nil || s != want[0] || e != want[1] {
			t.Fatalf("block %d: [%d,%d] %v", i, s, e, err)
		}
	}
	data, _, _ := z.Get(ctx, ProducerIDBlockPath)
	if string(data) != `{"version":1,"broker":4,"block_start":"1000","block_end":"1999"}` {
		t.Errorf("znode %s", data)
	}
}

func TestControlledShutdown(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	byAddr := map[string]*Node{}
	for id, n := range nodes {
		byAddr["127.0.0.1:"+itoa(9092+id)] = n
	}
	tr.mu.Lock()
	tr.handle = func(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, bool) {
		cs, ok := req.(*kmsg.ControlledShutdownRequest)
		if !ok {
			return nil, false
		}
		resp := cs.ResponseKind().(*kmsg.ControlledShutdownResponse)
		remaining, err := byAddr[addr].HandleControlledShutdown(ctx, cs.BrokerID, cs.BrokerEpoch)
		if err != nil {
			resp.ErrorCode = kerr.NotController.Code
		}
		for _, tp := range remaining {
			resp.PartitionsRemaining = append(resp.PartitionsRemaining, kmsg.ControlledShutdownResponsePartitionsRemaining{Topic: tp.Topic, Partition: tp.Partition})
		}
		return resp, true
	}
	tr.mu.Unlock()

	ctrl := controllerOf(nodes)
	a, b := int32(1), int32(2)
	if ctrl == a {
		a = 3
	} else if ctrl == b {
		b = 3
	}
	z := zks[ctrl]
	if err := z.CreateTopic(ctx, "cs", map[int32][]int32{0: {a, b}, 1: {b, a}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := z.CreateTopic(ctx, "single", map[int32][]int32{0: {a}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tp := range []TopicPartition{{Topic: "cs", Partition: 0}, {Topic: "cs", Partition: 1}, {Topic: "single", Partition: 0}} {
		waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	}
	nodes[a].cfg.ControlledShutdownEnable = true
	if err := nodes[a].ControlledShutdown(ctx); err != nil {
		t.Fatal(err)
	}
	states, err := z.PartitionStates(ctx, "cs")
	if err != nil {
		t.Fatal(err)
	}
	if s := states[0]; s.Leader != b || s.LeaderEpoch != 1 || !reflect.DeepEqual(s.ISR, []int32{b}) {
		t.Errorf("partition led by the stopping broker: %+v", s)
	}
	if s := states[1]; s.Leader != b || s.LeaderEpoch != 1 || !reflect.DeepEqual(s.ISR, []int32{b}) {
		t.Errorf("partition followed by the stopping broker: %+v", s)
	}
	if s, err := z.PartitionState(ctx, TopicPartition{Topic: "single", Partition: 0}); err != nil || s.Leader != a || s.LeaderEpoch != 0 {
		t.Errorf("single-replica partition: %+v %v", s, err)
	}
	// A stale broker epoch is refused.
	if _, err := nodes[ctrl].HandleControlledShutdown(ctx, a, nodes[a].BrokerEpoch()-1); !errors.Is(err, ErrStaleBrokerEpoch) {
		t.Errorf("stale epoch: %v", err)
	}
}

func TestPreferredReplicaElection(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, _ := threeBrokers(t, srv)
	ctx := testCtx(t)
	z := zks[controllerOf(nodes)]
	if err := z.CreateTopic(ctx, "pref", map[int32][]int32{0: {1, 2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "pref", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	cur, _ := z.PartitionState(ctx, tp)
	// Leadership drifted to broker 2 (as after a failure), ISR intact.
	moved := cur
	moved.Leader, moved.LeaderEpoch = 2, cur.LeaderEpoch+1
	if _, err := nodes[2].UpdateLeaderAndISR(ctx, tp, moved); err != nil {
		t.Fatal(err)
	}
	nodes[2].NotifyISRChange(tp)
	if err := nodes[2].FlushISRChanges(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "notification processed", func() bool {
		kids, err := z.Children(ctx, ISRChangeNotificationPath)
		return err == nil && len(kids) == 0
	})
	if _, err := z.Create(ctx, PreferredReplicaElection, EncodePreferredElection([]TopicPartition{tp}), ModePersistent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "preferred leader back", func() bool {
		s, err := z.PartitionState(ctx, tp)
		return err == nil && s.Leader == 1
	})
	s, _ := z.PartitionState(ctx, tp)
	if s.LeaderEpoch != moved.LeaderEpoch+1 || !reflect.DeepEqual(s.ISR, cur.ISR) {
		t.Errorf("after preferred election %+v", s)
	}
	waitFor(t, "election request removed", func() bool {
		ok, _, err := z.Exists(ctx, PreferredReplicaElection)
		return err == nil && !ok
	})
}

func TestGenerateBrokerID(t *testing.T) {
	srv := zktest.Start(t)
	n, z := newTestNode(t, srv, 1, nil)
	_ = n
	ctx := testCtx(t)
	for _, want := range []int32{1001, 1002} {
		if id, err := z.GenerateBrokerID(ctx, 1000); err != nil || id != want {
			t.Errorf("generated %d (%v), want %d", id, err, want)
		}
	}
	if data, _, _ := z.Get(ctx, BrokerSeqIDPath); data == nil || len(data) != 0 {
		t.Errorf("seqid data %v, want empty (not null)", data)
	}
}

func TestControllerFailoverKeepsState(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	first := controllerOf(nodes)
	var other int32 = 1
	if other == first {
		other = 2
	}
	z := zks[other]
	// Replicas avoid the controller so that killing it changes no ISR.
	var reps []int32
	for id := int32(1); id <= 3; id++ {
		if id != first {
			reps = append(reps, id)
		}
	}
	if err := z.CreateTopic(ctx, "keep", map[int32][]int32{0: reps}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "keep", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	before, _ := z.PartitionState(ctx, tp)
	sent := len(tr.requests())

	zks[first].Close()
	delete(nodes, first)
	waitFor(t, "new controller", func() bool { return controllerOf(nodes) >= 0 })
	second := controllerOf(nodes)
	epoch := controllerEpoch(t, z)
	// The new controller tells each replica the current leadership, with
	// the leader epoch unchanged, before anything else changes.
	waitFor(t, "LeaderAndIsr from the new controller", func() bool {
		got := map[string]bool{}
		for _, s := range tr.requests()[sent:] {
			r, ok := s.req.(*kmsg.LeaderAndISRRequest)
			if !ok || r.ControllerEpoch != epoch || r.ControllerID != second {
				continue
			}
			for _, ts := range r.TopicStates {
				for _, ps := range ts.PartitionStates {
					if ts.Topic == "keep" && !ps.IsNew && ps.LeaderEpoch == before.LeaderEpoch && ps.Leader == before.Leader && ps.ZKVersion == before.ZkVersion {
						got[s.addr] = true
					}
				}
			}
		}
		return len(got) == 2
	})
	after, _ := z.PartitionState(ctx, tp)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("state changed by failover: %+v -> %+v", before, after)
	}
}

func TestPartitionReassignment(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	z := zks[1]
	if err := z.CreateTopic(ctx, "ra", map[int32][]int32{0: {1, 2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "ra", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	if _, err := z.Create(ctx, ReassignPartitionsPath, EncodeReassignment([]Reassignment{{TopicPartition: tp, Replicas: []int32{2, 3}}}), ModePersistent); err != nil {
		t.Fatal(err)
	}
	moving := `{"version":2,"partitions":{"0":[2,3,1]},"adding_replicas":{"0":[3]},"removing_replicas":{"0":[1]}}`
	waitFor(t, "reassignment started", func() bool {
		data, _, _ := z.Get(ctx, TopicPath("ra"))
		return string(data) == moving
	})
	waitFor(t, "new replica told to follow", func() bool {
		for _, s := range tr.requests() {
			if r, ok := s.req.(*kmsg.LeaderAndISRRequest); ok && s.addr == "127.0.0.1:9095" {
				for _, ts := range r.TopicStates {
					if ts.Topic == "ra" && ts.PartitionStates[0].IsNew && reflect.DeepEqual(ts.PartitionStates[0].Replicas, []int32{2, 3, 1}) {
						return true
					}
				}
			}
		}
		return false
	})
	// The leader adds the new replica to the ISR once it caught up.
	var cur PartitionState
	waitFor(t, "epoch bump", func() bool {
		var err error
		cur, err = z.PartitionState(ctx, tp)
		return err == nil && cur.LeaderEpoch == 1
	})
	grown := cur
	grown.ISR = []int32{1, 2, 3}
	if _, err := nodes[cur.Leader].UpdateLeaderAndISR(ctx, tp, grown); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reassignment completed", func() bool {
		data, _, _ := z.Get(ctx, TopicPath("ra"))
		ok, _, _ := z.Exists(ctx, ReassignPartitionsPath)
		return string(data) == `{"version":2,"partitions":{"0":[2,3]},"adding_replicas":{},"removing_replicas":{}}` && !ok
	})
	s, _ := z.PartitionState(ctx, tp)
	if s.Leader != 2 || !reflect.DeepEqual(s.ISR, []int32{2, 3}) {
		t.Errorf("state after reassignment %+v", s)
	}
	waitFor(t, "removed replica deleted", func() bool {
		for _, s := range tr.requests() {
			if r, ok := s.req.(*kmsg.StopReplicaRequest); ok && s.addr == "127.0.0.1:9093" && r.DeletePartitions && r.Topics[0].Topic == "ra" {
				return true
			}
		}
		return false
	})
}

func TestChangeTopicConfig(t *testing.T) {
	srv := zktest.Start(t)
	_, z := newTestNode(t, srv, 1, nil)
	ctx := testCtx(t)
	if err := z.ChangeTopicConfig(ctx, "none", map[string]string{"a": "b"}); !errors.Is(err, ErrTopicNotFound) {
		t.Errorf("unknown topic: %v", err)
	}
	if err := z.CreateTopic(ctx, "cfg", map[int32][]int32{0: {1}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := z.ChangeTopicConfig(ctx, "cfg", map[string]string{"retention.ms": "1000"}); err != nil {
		t.Fatal(err)
	}
	if c, err := z.TopicConfig(ctx, "cfg"); err != nil || c["retention.ms"] != "1000" {
		t.Errorf("config %v %v", c, err)
	}
	kids, err := z.Children(ctx, ConfigChangesPath)
	if err != nil || len(kids) != 1 || kids[0] != "config_change_0000000000" {
		t.Fatalf("notifications %v %v", kids, err)
	}
	data, _, _ := z.Get(ctx, ConfigChangesPath+"/"+kids[0])
	if string(data) != `{"version":2,"entity_path":"topics/cfg"}` {
		t.Errorf("notification %s", data)
	}
}

func TestUncleanElectionFollowsTopicConfig(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, _ := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	var a, b int32
	for id := int32(1); id <= 3; id++ {
		if id == ctrl {
			continue
		}
		if a == 0 {
			a = id
		} else {
			b = id
		}
	}
	z := zks[ctrl]
	for _, tt := range []struct {
		topic  string
		config map[string]string
	}{
		{"clean", nil},
		{"unclean", map[string]string{"unclean.leader.election.enable": "true"}},
	} {
		if err := z.CreateTopic(ctx, tt.topic, map[int32][]int32{0: {a, b}}, tt.config); err != nil {
			t.Fatal(err)
		}
		tp := TopicPartition{Topic: tt.topic, Partition: 0}
		waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
		// The leader drops the follower from the ISR.
		cur, _ := z.PartitionState(ctx, tp)
		shrunk := cur
		shrunk.ISR = []int32{a}
		if _, err := nodes[a].UpdateLeaderAndISR(ctx, tp, shrunk); err != nil {
			t.Fatal(err)
		}
		nodes[a].NotifyISRChange(tp)
		if err := nodes[a].FlushISRChanges(ctx); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "notifications processed", func() bool {
		kids, err := z.Children(ctx, ISRChangeNotificationPath)
		return err == nil && len(kids) == 0
	})
	zks[a].Close()
	delete(nodes, a)
	waitFor(t, "unclean leader elected", func() bool {
		s, err := z.PartitionState(ctx, TopicPartition{Topic: "unclean", Partition: 0})
		return err == nil && s.Leader == b
	})
	if s, _ := z.PartitionState(ctx, TopicPartition{Topic: "unclean", Partition: 0}); !reflect.DeepEqual(s.ISR, []int32{b}) {
		t.Errorf("unclean ISR %v", s.ISR)
	}
	waitFor(t, "clean partition offline", func() bool {
		s, err := z.PartitionState(ctx, TopicPartition{Topic: "clean", Partition: 0})
		return err == nil && s.Leader == -1
	})
	if s, _ := z.PartitionState(ctx, TopicPartition{Topic: "clean", Partition: 0}); !reflect.DeepEqual(s.ISR, []int32{a}) {
		t.Errorf("clean partition kept ISR %v, want the last member %d", s.ISR, a)
	}
}

func TestDeleteTopicDisabled(t *testing.T) {
	srv := zktest.Start(t)
	z := dialZK(t, srv)
	n := NewNode(z, NodeConfig{BrokerID: 1, Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9093, SecurityProtocol: "PLAINTEXT"}}}, &fakeTransport{}, testLog(t))
	t.Cleanup(func() { n.Close() })
	ctx := testCtx(t)
	if _, err := n.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "controller", n.IsController)
	if err := z.CreateTopic(ctx, "keep", map[int32][]int32{0: {1}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := z.MarkTopicForDeletion(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deletion request dropped", func() bool {
		ok, _, err := z.Exists(ctx, DeleteTopicPath("keep"))
		return err == nil && !ok
	})
	if ok, _ := z.TopicExists(ctx, "keep"); !ok {
		t.Error("topic deleted although delete.topic.enable=false")
	}
}

func TestDeletionResumesAfterBrokerReturns(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	victim := int32(1)
	if victim == ctrl {
		victim = 2
	}
	victimAddr := "127.0.0.1:" + itoa(9092+victim)
	var mu sync.Mutex
	silent := true
	tr.mu.Lock()
	tr.handle = func(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, bool) {
		sr, ok := req.(*kmsg.StopReplicaRequest)
		mu.Lock()
		block := silent && ok && sr.DeletePartitions && addr == victimAddr
		mu.Unlock()
		if block {
			<-ctx.Done() // the broker never answers
			return nil, false
		}
		return nil, false
	}
	tr.mu.Unlock()
	z := zks[ctrl]
	if err := z.CreateTopic(ctx, "gone", map[int32][]int32{0: {1, 2, 3}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, TopicPartition{Topic: "gone", Partition: 0}) != "" })
	if err := z.MarkTopicForDeletion(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delete request to the silent broker", func() bool {
		for _, s := range tr.requests() {
			if r, ok := s.req.(*kmsg.StopReplicaRequest); ok && r.DeletePartitions && s.addr == victimAddr {
				return true
			}
		}
		return false
	})
	zks[victim].Close()
	delete(nodes, victim)
	mu.Lock()
	silent = false
	mu.Unlock()
	if ok, _ := z.TopicExists(ctx, "gone"); !ok {
		t.Fatal("topic deleted without the dead replica's answer")
	}
	back, _ := newTestNode(t, srv, victim, tr)
	if _, err := back.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deletion completed", func() bool {
		ok, err := z.TopicExists(ctx, "gone")
		return err == nil && !ok
	})
}

func TestAutoLeaderRebalance(t *testing.T) {
	srv := zktest.Start(t)
	ctx := testCtx(t)
	nodes := map[int32]*Node{}
	var z *ZK
	for id := int32(1); id <= 2; id++ {
		zz := dialZK(t, srv)
		n := NewNode(zz, NodeConfig{
			BrokerID:                  id,
			Endpoints:                 []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092 + id, SecurityProtocol: "PLAINTEXT"}},
			AutoLeaderRebalanceEnable: true, LeaderImbalanceCheckInterval: time.Second,
		}, &fakeTransport{}, testLog(t))
		t.Cleanup(func() { n.Close() })
		if _, err := n.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Register(ctx); err != nil {
			t.Fatal(err)
		}
		nodes[id], z = n, zz
	}
	if err := z.CreateTopic(ctx, "bal", map[int32][]int32{0: {1, 2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "bal", Partition: 0}
	waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	cur, _ := z.PartitionState(ctx, tp)
	moved := cur
	moved.Leader, moved.LeaderEpoch = 2, cur.LeaderEpoch+1
	if _, err := nodes[2].UpdateLeaderAndISR(ctx, tp, moved); err != nil {
		t.Fatal(err)
	}
	nodes[2].NotifyISRChange(tp)
	if err := nodes[2].FlushISRChanges(ctx); err != nil {
		t.Fatal(err)
	}
	// Broker 1 prefers 1 partition and leads none of it: 100% > 10%.
	waitFor(t, "preferred leader restored by the imbalance check", func() bool {
		s, err := z.PartitionState(ctx, tp)
		return err == nil && s.Leader == 1 && s.LeaderEpoch == moved.LeaderEpoch+1
	})
}
