package broker

import (
	"bytes"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// TestFollowerReplicates: broker 2 follows broker 1 over a real
// connection; acks=-1 completes once it has fetched, consumers of the
// leader see the data and the follower's log holds the same batches.
func TestFollowerReplicates(t *testing.T) {
	leader := newHarness(t, nil)
	pool := protocol.NewPool("broker-2-fetcher-0", 5*time.Second, testLogger(t))
	t.Cleanup(func() { pool.Close() })
	follower := newHarnessTransport(t, func(c *Config) {
		c.BrokerID = 2
		c.Replication.FetchWaitMax = 50 * time.Millisecond
	}, pool)

	// Both learn both brokers, with their real ports.
	live := func(h *harness) *kmsg.UpdateMetadataRequest {
		req := kmsg.NewPtrUpdateMetadataRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
		for _, b := range []*harness{leader, follower} {
			lb := kmsg.NewUpdateMetadataRequestLiveBroker()
			lb.ID = b.s.cfg.BrokerID
			ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			ep.Host, ep.Port, ep.ListenerName = "127.0.0.1", b.port, "PLAINTEXT"
			lb.Endpoints = append(lb.Endpoints, ep)
			req.LiveBrokers = append(req.LiveBrokers, lb)
		}
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic = "r"
		st := kmsg.NewUpdateMetadataRequestTopicPartition()
		st.Leader, st.Replicas, st.ISR, st.ControllerEpoch = 1, []int32{1, 2}, []int32{1, 2}, 1
		ts.PartitionStates = append(ts.PartitionStates, st)
		req.TopicStates = append(req.TopicStates, ts)
		return req
	}
	lc, fc := leader.dial(), follower.dial()
	for _, x := range []struct {
		h *harness
		c *client
	}{{leader, lc}, {follower, fc}} {
		if resp := x.c.do(live(x.h), 6).(*kmsg.UpdateMetadataResponse); resp.ErrorCode != 0 {
			t.Fatalf("UpdateMetadata: %d", resp.ErrorCode)
		}
		req := kmsg.NewPtrLeaderAndISRRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, x.h.node.epoch
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic = "r"
		st := kmsg.NewLeaderAndISRRequestTopicPartition()
		st.ControllerEpoch, st.Leader, st.LeaderEpoch = 1, 1, 0
		st.Replicas, st.ISR = []int32{1, 2}, []int32{1, 2}
		ts.PartitionStates = append(ts.PartitionStates, st)
		req.TopicStates = append(req.TopicStates, ts)
		if resp := x.c.do(req, 4).(*kmsg.LeaderAndISRResponse); resp.Partitions[0].ErrorCode != 0 {
			t.Fatalf("LeaderAndIsr on %d: %+v", x.h.s.cfg.BrokerID, resp)
		}
	}

	for i := 0; i < 5; i++ {
		rp := produce(t, lc, "r", 0, -1, makeBatch(2, int64(i)))
		if rp.ErrorCode != 0 || rp.BaseOffset != int64(2*i) {
			t.Fatalf("acks=-1 produce %d: %+v", i, rp)
		}
	}
	fp := fetch(t, lc, fetchRequest("r", 0, 0, -1, 0, 1))
	if fp.HighWatermark != 10 || len(batchOffsets(fp.RecordBatches)) != 5 {
		t.Fatalf("leader: hw %d batches %v", fp.HighWatermark, batchOffsets(fp.RecordBatches))
	}
	// The follower's log is the leader's, byte for byte; its high
	// watermark follows (after its next fetch).
	waitFor(t, "the follower's high watermark", func() bool {
		p, ok := follower.s.parts.get(tpOf("r", 0))
		return ok && p.highWatermark() == 10
	})
	lrec, _ := leader.logs.fake(tpOf("r", 0)).Read(0, -1, 1<<20, true)
	frec, _ := follower.logs.fake(tpOf("r", 0)).Read(0, -1, 1<<20, true)
	if !bytes.Equal(lrec.(fakeRecords), frec.(fakeRecords)) {
		t.Fatal("follower log differs from the leader's")
	}
	// Clients are refused by the follower.
	if code := produceCode(t, fc, "r", 0, 1, makeBatch(1, 1)); code != kerr.NotLeaderForPartition.Code {
		t.Fatalf("produce to follower: %d", code)
	}
}

// TestReplicationOnRealStorage: a follower on storage.Manager replicates a
// leader on storage.Manager, then takes over as leader with the same data.
func TestReplicationOnRealStorage(t *testing.T) {
	pool1 := protocol.NewPool("broker-1-fetcher-0", 5*time.Second, testLogger(t))
	defer pool1.Close()
	leader, stopLeader := startRealWith(t, openTestManager(t, t.TempDir()), func(c *Config) {
		c.Replication.FetchWaitMax = 50 * time.Millisecond
	}, pool1)
	defer stopLeader()
	pool := protocol.NewPool("broker-2-fetcher-0", 5*time.Second, testLogger(t))
	defer pool.Close()
	follower, stopFollower := startRealWith(t, openTestManager(t, t.TempDir()), func(c *Config) {
		c.BrokerID = 2
		c.Replication.FetchWaitMax = 50 * time.Millisecond
	}, pool)
	defer stopFollower()

	both := []*harness{leader, follower}
	um := func(h *harness, leaderID, epoch int32) *kmsg.UpdateMetadataRequest {
		req := kmsg.NewPtrUpdateMetadataRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
		for _, b := range both {
			lb := kmsg.NewUpdateMetadataRequestLiveBroker()
			lb.ID = b.s.cfg.BrokerID
			ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			ep.Host, ep.Port, ep.ListenerName = "127.0.0.1", b.port, "PLAINTEXT"
			lb.Endpoints = append(lb.Endpoints, ep)
			req.LiveBrokers = append(req.LiveBrokers, lb)
		}
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic = "r"
		st := kmsg.NewUpdateMetadataRequestTopicPartition()
		st.Leader, st.LeaderEpoch, st.Replicas, st.ISR, st.ControllerEpoch = leaderID, epoch, []int32{1, 2}, []int32{1, 2}, 1
		ts.PartitionStates = append(ts.PartitionStates, st)
		req.TopicStates = append(req.TopicStates, ts)
		return req
	}
	lai := func(h *harness, leaderID, epoch int32) *kmsg.LeaderAndISRRequest {
		req := kmsg.NewPtrLeaderAndISRRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic = "r"
		st := kmsg.NewLeaderAndISRRequestTopicPartition()
		st.ControllerEpoch, st.Leader, st.LeaderEpoch = 1, leaderID, epoch
		st.Replicas, st.ISR = []int32{1, 2}, []int32{1, 2}
		ts.PartitionStates = append(ts.PartitionStates, st)
		req.TopicStates = append(req.TopicStates, ts)
		return req
	}
	conns := map[*harness]*client{leader: leader.dial(), follower: follower.dial()}
	elect := func(leaderID, epoch int32) {
		for _, h := range both {
			if r := conns[h].do(um(h, leaderID, epoch), 6).(*kmsg.UpdateMetadataResponse); r.ErrorCode != 0 {
				t.Fatalf("UpdateMetadata: %d", r.ErrorCode)
			}
			if r := conns[h].do(lai(h, leaderID, epoch), 4).(*kmsg.LeaderAndISRResponse); r.Partitions[0].ErrorCode != 0 {
				t.Fatalf("LeaderAndIsr on %d: %+v", h.s.cfg.BrokerID, r)
			}
		}
	}
	elect(1, 0)
	for i := 0; i < 10; i++ {
		if rp := produce(t, conns[leader], "r", 0, -1, makeBatch(3, int64(i))); rp.ErrorCode != 0 || rp.BaseOffset != int64(3*i) {
			t.Fatalf("acks=-1 produce %d: %+v", i, rp)
		}
	}
	// Broker 2 takes over with epoch 1 and has every acknowledged record.
	elect(2, 1)
	if rp := produce(t, conns[follower], "r", 0, 1, makeBatch(1, 99)); rp.ErrorCode != 0 || rp.BaseOffset != 30 {
		t.Fatalf("produce to the new leader: %+v", rp)
	}
	fp := fetch(t, conns[follower], fetchRequest("r", 0, 0, -1, 0, 1))
	if fp.ErrorCode != 0 || len(batchOffsets(fp.RecordBatches)) == 0 || batchOffsets(fp.RecordBatches)[0] != 0 {
		t.Fatalf("new leader's data: code %d batches %v", fp.ErrorCode, batchOffsets(fp.RecordBatches))
	}
	// The old leader now follows and catches up to the new leader's end.
	waitFor(t, "the old leader to replicate offset 30", func() bool {
		l, ok := leader.s.parts.get(tpOf("r", 0))
		return ok && l.log.LogEndOffset() == 31
	})
}
