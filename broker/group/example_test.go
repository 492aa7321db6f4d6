package group_test

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/broker/group"
)

// A broker drives a Shard by feeding it requests, append completions and timers, and by
// carrying out the returned Effects. Here one consumer joins (MEMBER_ID_REQUIRED first, as
// JoinGroup v4+ requires), becomes leader and syncs; the "broker" completes appends at once
// and fires timers by hand.
func ExampleShard() {
	cfg := group.DefaultConfig()
	cfg.InitialRebalanceDelay = 0
	cfg.NewUUID = func() string { return "1234" } // deterministic member ids for the example
	const groupID = "console-consumer-1"
	shard := group.NewShard(group.PartitionFor(groupID, cfg.NumPartitions), cfg, nil)
	now := time.UnixMilli(1_600_000_000_000)

	errName := func(code int16) string {
		if err := kerr.ErrorForCode(code); err != nil {
			return err.(*kerr.Error).Message
		}
		return "NONE"
	}
	var timers []group.Timer
	var carryOut func(fx group.Effects)
	carryOut = func(fx group.Effects) {
		for _, a := range fx.Appends {
			// A real broker appends a.Records to __consumer_offsets partition a.Partition
			// and, for acks -1, calls AppendDone once the high watermark passed them.
			if a.Acks != 0 {
				carryOut(shard.AppendDone(now, a.ID, nil))
			}
		}
		for _, r := range fx.Replies {
			switch resp := r.Response.(type) {
			case *kmsg.JoinGroupResponse:
				fmt.Printf("request %d: JoinGroup %v member=%s generation=%d leader=%s\n",
					r.To, errName(resp.ErrorCode), resp.MemberID, resp.Generation, resp.LeaderID)
			case *kmsg.SyncGroupResponse:
				fmt.Printf("request %d: SyncGroup %v assignment=%q\n", r.To, errName(resp.ErrorCode), resp.MemberAssignment)
			}
		}
		timers = append(timers, fx.Timers...) // a real broker arms time.AfterFunc
	}

	carryOut(shard.Load(now, group.NewLoader())) // the partition's log was empty

	join := func(w group.Waiter, memberID string) {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Version = 6
		req.Group, req.MemberID, req.ProtocolType = groupID, memberID, "consumer"
		req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 10000, 300000
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name = "range"
		req.Protocols = append(req.Protocols, p)
		carryOut(shard.Handle(now, group.Request{Waiter: w, ClientID: "consumer-1", ClientHost: "/127.0.0.1", Msg: req}))
	}
	join(1, "")
	join(2, "consumer-1-1234") // parked until the rebalance's join phase ends

	// The join phase ends when its timer fires (at once, with no initial delay).
	for _, t := range timers {
		if t.Key.Kind == group.TimerJoin {
			carryOut(shard.TimerFired(now, t.Key))
		}
	}

	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Version = 4
	sync.Group, sync.MemberID, sync.Generation = groupID, "consumer-1-1234", 1
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID, a.MemberAssignment = "consumer-1-1234", []byte("test-0")
	sync.GroupAssignment = append(sync.GroupAssignment, a)
	carryOut(shard.Handle(now, group.Request{Waiter: 3, ClientID: "consumer-1", ClientHost: "/127.0.0.1", Msg: sync}))

	state, _ := shard.State(groupID)
	fmt.Println("state:", state)
	// Output:
	// request 1: JoinGroup MEMBER_ID_REQUIRED member=consumer-1-1234 generation=-1 leader=
	// request 2: JoinGroup NONE member=consumer-1-1234 generation=1 leader=consumer-1-1234
	// request 3: SyncGroup NONE assignment="test-0"
	// state: Stable
}
