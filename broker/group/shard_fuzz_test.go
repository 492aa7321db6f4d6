package group

import (
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzShardEvents drives a Shard with an arbitrary sequence of requests, clock ticks and
// append completions over two groups, and checks after every step that the shard did not
// panic, kept its bookkeeping consistent and answered every request at most once.
func FuzzShardEvents(f *testing.F) {
	f.Add([]byte{0, 0, 6, 10, 1, 0, 7, 0, 2, 0, 3, 0, 6, 200})
	f.Add([]byte{0, 1, 0, 2, 6, 0, 2, 1, 7, 1, 4, 0, 6, 255, 6, 255})
	f.Add([]byte{0, 4, 0, 5, 6, 3, 5, 0, 7, 2, 8, 1, 4, 1, 6, 120, 8, 2, 9, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		d := newShardDriver()
		for i := 0; i+1 < len(ops) && i < 400; i += 2 {
			d.step(t, ops[i], ops[i+1])
			d.check(t)
		}
	})
}

type shardDriver struct {
	s       *Shard
	now     time.Time
	timers  map[TimerKey]time.Time
	appends []uint64
	ids     []string // member ids handed out, in order
	waiter  Waiter
	open    map[Waiter]bool // issued and not yet answered
	uuid    int
}

func newShardDriver() *shardDriver {
	d := &shardDriver{now: time.UnixMilli(1_600_000_000_000), timers: map[TimerKey]time.Time{}, open: map[Waiter]bool{}}
	cfg := DefaultConfig()
	cfg.NumPartitions = 1
	cfg.MaxSize = 3
	cfg.InitialRebalanceDelay = 3 * time.Second
	cfg.NewUUID = func() string { d.uuid++; return strconv.Itoa(d.uuid) }
	d.s = NewShard(0, cfg, nil)
	d.apply(nil, d.s.Load(d.now, NewLoader()))
	return d
}

func (d *shardDriver) apply(t *testing.T, fx Effects) {
	for _, a := range fx.Appends {
		if a.Acks != 0 {
			d.appends = append(d.appends, a.ID)
		}
	}
	for _, r := range fx.Replies {
		if !d.open[r.To] {
			t.Fatalf("reply to waiter %d, which is not waiting: %+v", r.To, r.Response)
		}
		delete(d.open, r.To)
		if j, ok := r.Response.(*kmsg.JoinGroupResponse); ok && j.MemberID != "" {
			d.ids = append(d.ids, j.MemberID)
		}
	}
	for _, tm := range fx.Timers {
		d.timers[tm.Key] = tm.At
	}
}

func (d *shardDriver) handle(t *testing.T, m kmsg.Request) {
	d.waiter++
	d.open[d.waiter] = true
	d.apply(t, d.s.Handle(d.now, Request{Waiter: d.waiter, ClientID: "c", ClientHost: "/127.0.0.1", Msg: m}))
}

func (d *shardDriver) member(b byte) string {
	if len(d.ids) == 0 || b%8 == 7 {
		return "unknown-" + strconv.Itoa(int(b%3))
	}
	return d.ids[int(b)%len(d.ids)]
}

func (d *shardDriver) gen(b byte) int32 {
	if g, ok := d.s.groups[groupOf(b)]; ok && b%4 != 3 {
		return g.generation
	}
	return int32(b%4) - 1
}

func groupOf(b byte) string { return "g" + strconv.Itoa(int(b>>7)) }

func instanceOf(b byte) *string {
	if b%3 != 0 {
		return nil
	}
	s := "i" + strconv.Itoa(int(b>>5)%2)
	return &s
}

func (d *shardDriver) step(t *testing.T, op, arg byte) {
	g := groupOf(arg)
	switch op % 10 {
	case 0, 1: // JoinGroup, as a new member (0) or with a known id (1)
		m := kmsg.NewPtrJoinGroupRequest()
		m.Version = []int16{0, 3, 4, 5, 6}[int(arg)%5]
		m.Group = g
		if op%10 == 1 {
			m.MemberID = d.member(arg)
		}
		if m.Version >= 5 {
			m.InstanceID = instanceOf(arg)
		}
		m.SessionTimeoutMillis = 10000
		m.RebalanceTimeoutMillis = 20000
		m.ProtocolType = "consumer"
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name = []string{"range", "roundrobin"}[int(arg>>3)%2]
		p.Metadata = subscriptionV0([]string{"t", "u"}[:1+int(arg>>4)%2])
		m.Protocols = append(m.Protocols, p)
		d.handle(t, m)
	case 2: // SyncGroup
		m := kmsg.NewPtrSyncGroupRequest()
		m.Version = 3
		m.Group, m.MemberID, m.Generation, m.InstanceID = g, d.member(arg), d.gen(arg), instanceOf(arg)
		for _, id := range d.ids {
			a := kmsg.NewSyncGroupRequestGroupAssignment()
			a.MemberID, a.MemberAssignment = id, []byte(id)
			m.GroupAssignment = append(m.GroupAssignment, a)
		}
		d.handle(t, m)
	case 3: // Heartbeat
		m := kmsg.NewPtrHeartbeatRequest()
		m.Version = 3
		m.Group, m.MemberID, m.Generation, m.InstanceID = g, d.member(arg), d.gen(arg), instanceOf(arg)
		d.handle(t, m)
	case 4: // LeaveGroup
		m := kmsg.NewPtrLeaveGroupRequest()
		m.Version = int16(arg % 5)
		m.Group, m.MemberID = g, d.member(arg)
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID, lm.InstanceID = m.MemberID, instanceOf(arg)
		m.Members = append(m.Members, lm)
		d.handle(t, m)
	case 5: // OffsetCommit
		m := kmsg.NewPtrOffsetCommitRequest()
		m.Version = int16(arg % 9)
		m.Group, m.MemberID, m.Generation = g, d.member(arg), d.gen(arg)
		ct := kmsg.NewOffsetCommitRequestTopic()
		ct.Topic = []string{"t", "u"}[int(arg>>2)%2]
		cp := kmsg.NewOffsetCommitRequestTopicPartition()
		cp.Offset = int64(arg)
		ct.Partitions = append(ct.Partitions, cp)
		m.Topics = append(m.Topics, ct)
		d.handle(t, m)
	case 6: // time passes; due timers fire in deadline order
		d.tick(t, time.Duration(arg)*250*time.Millisecond)
	case 7: // an append completes, perhaps with an error
		if len(d.appends) == 0 {
			return
		}
		i := int(arg) % len(d.appends)
		id := d.appends[i]
		d.appends = append(d.appends[:i], d.appends[i+1:]...)
		var err error
		if arg%5 == 4 {
			err = kerr.RequestTimedOut
		}
		d.apply(t, d.s.AppendDone(d.now, id, err))
	case 8: // admin requests
		switch arg % 4 {
		case 0:
			m := kmsg.NewPtrDeleteGroupsRequest()
			m.Groups = []string{g}
			d.handle(t, m)
		case 1:
			m := kmsg.NewPtrOffsetDeleteRequest()
			m.Group = g
			ot := kmsg.NewOffsetDeleteRequestTopic()
			ot.Topic = "u"
			ot.Partitions = append(ot.Partitions, kmsg.NewOffsetDeleteRequestTopicPartition())
			m.Topics = append(m.Topics, ot)
			d.handle(t, m)
		case 2:
			m := kmsg.NewPtrDescribeGroupsRequest()
			m.Groups = []string{"g0", "g1"}
			d.handle(t, m)
		case 3:
			d.apply(t, d.s.PartitionsDeleted(d.now, "u", []int32{0}))
		}
	case 9: // OffsetFetch
		m := kmsg.NewPtrOffsetFetchRequest()
		m.Version = int16(arg % 6)
		m.Group = g
		d.handle(t, m)
	}
}

func (d *shardDriver) tick(t *testing.T, by time.Duration) {
	target := d.now.Add(by)
	for n := 0; ; n++ {
		if n > 10000 {
			t.Fatalf("timers keep firing at %v", d.now)
		}
		keys := make([]TimerKey, 0, len(d.timers))
		for k, at := range d.timers {
			if !at.After(target) {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			break
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := d.timers[keys[i]], d.timers[keys[j]]
			return a.Before(b) || (a.Equal(b) && keys[i].Seq < keys[j].Seq)
		})
		k := keys[0]
		if at := d.timers[k]; at.After(d.now) {
			d.now = at
		}
		delete(d.timers, k)
		d.apply(t, d.s.TimerFired(d.now, k))
	}
	d.now = target
}

// check verifies the bookkeeping Kafka keeps in GroupMetadata.
func (d *shardDriver) check(t *testing.T) {
	for id, g := range d.s.groups {
		awaiting, supported := 0, map[string]int{}
		for _, m := range g.members {
			if m.join != nil {
				awaiting++
			}
			for _, p := range m.protocols {
				supported[p.name]++
			}
			if g.byID[m.id] != m {
				t.Fatalf("group %s: member %s missing from the index", id, m.id)
			}
			if m.instanceID != nil && g.static[*m.instanceID] != m.id {
				t.Fatalf("group %s: static member %s not registered under %s", id, m.id, *m.instanceID)
			}
		}
		if awaiting != g.numAwaitingJoin {
			t.Fatalf("group %s: %d members awaiting join, counter says %d", id, awaiting, g.numAwaitingJoin)
		}
		for name, n := range g.supported {
			if n != supported[name] {
				t.Fatalf("group %s: protocol %s supported by %d members, counter says %d", id, name, supported[name], n)
			}
		}
		if len(g.byID) != len(g.members) {
			t.Fatalf("group %s: index has %d members, list %d", id, len(g.byID), len(g.members))
		}
		for inst, mid := range g.static {
			if m := g.byID[mid]; m == nil || m.instanceID == nil || *m.instanceID != inst {
				t.Fatalf("group %s: static %s -> %s is not a member with that instance id", id, inst, mid)
			}
		}
		switch {
		case len(g.members) == 0 && g.leader != "":
			t.Fatalf("group %s: leader %s without members", id, g.leader)
		case len(g.members) > 0 && !g.has(g.leader):
			t.Fatalf("group %s: leader %q is not a member", id, g.leader)
		case g.is(Empty) && len(g.members) > 0, (g.is(Stable) || g.is(CompletingRebalance)) && len(g.members) == 0:
			t.Fatalf("group %s: %s with %d members", id, g.state, len(g.members))
		case g.is(Dead):
			t.Fatalf("group %s: Dead group still in the shard", id)
		}
		if g.is(PreparingRebalance) && !g.join.armed {
			t.Fatalf("group %s: PreparingRebalance without a join timer: %s", id, fmt.Sprint(g.join))
		}
	}
}
