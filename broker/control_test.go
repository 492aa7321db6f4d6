package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func TestLeaderAndISR(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.admin.setTopic("t", nil, map[string]string{"retention.ms": "1234", "min.insync.replicas": "1", "bogus": "x"})
	h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}, 1: {2, 1}}}, 0, 2)

	resp := h.leaderAndISR(c, "t", map[int32][]int32{0: {1}, 1: {2, 1}}, 3)
	for _, p := range resp.Partitions {
		if p.ErrorCode != 0 {
			t.Fatalf("partition %d: error %d", p.Partition, p.ErrorCode)
		}
	}
	lg := h.logs.fake(storage.TopicPartition{Topic: "t", Partition: 0})
	if lg == nil {
		t.Fatal("log not created")
	}
	if lg.Config().RetentionMs != 1234 {
		t.Fatalf("retention.ms %d, want the topic override 1234", lg.Config().RetentionMs)
	}
	if e, ok := lg.LatestEpoch(); !ok || e != 3 {
		t.Fatalf("leader epoch cache %v %v, want 3", e, ok)
	}
	if p, _ := h.s.parts.get(storage.TopicPartition{Topic: "t", Partition: 1}); p.snapshot().isLeader {
		t.Fatal("partition 1 should follow broker 2")
	}

	tests := []struct {
		name         string
		mod          func(*kmsg.LeaderAndISRRequest)
		wantTop      int16
		wantPartCode int16
	}{
		{"same leader epoch is stale", func(r *kmsg.LeaderAndISRRequest) {}, 0, kerr.StaleControllerEpoch.Code},
		{"not a replica", func(r *kmsg.LeaderAndISRRequest) {
			r.TopicStates[0].PartitionStates[0].LeaderEpoch = 9
			r.TopicStates[0].PartitionStates[0].Replicas = []int32{2}
			r.TopicStates[0].PartitionStates[0].Leader = 2
		}, 0, kerr.UnknownTopicOrPartition.Code},
		{"stale broker epoch", func(r *kmsg.LeaderAndISRRequest) { r.BrokerEpoch = 99 }, kerr.StaleBrokerEpoch.Code, kerr.StaleBrokerEpoch.Code},
		{"unknown broker epoch accepted", func(r *kmsg.LeaderAndISRRequest) {
			r.BrokerEpoch = -1
			r.TopicStates[0].PartitionStates[0].LeaderEpoch = 4
		}, 0, 0},
		{"stale controller epoch", func(r *kmsg.LeaderAndISRRequest) { r.ControllerEpoch = 0 }, kerr.StaleControllerEpoch.Code, kerr.StaleControllerEpoch.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := kmsg.NewPtrLeaderAndISRRequest()
			req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 1, 1, h.node.epoch
			ts := kmsg.NewLeaderAndISRRequestTopicState()
			ts.Topic = "t"
			st := kmsg.NewLeaderAndISRRequestTopicPartition()
			st.Partition, st.ControllerEpoch, st.LeaderEpoch, st.Leader = 0, 1, 3, 1
			st.Replicas, st.ISR = []int32{1}, []int32{1}
			ts.PartitionStates = append(ts.PartitionStates, st)
			req.TopicStates = append(req.TopicStates, ts)
			tt.mod(req)
			resp := c.do(req, 4).(*kmsg.LeaderAndISRResponse)
			if resp.ErrorCode != tt.wantTop || len(resp.Partitions) != 1 || resp.Partitions[0].ErrorCode != tt.wantPartCode {
				t.Fatalf("got top %d partitions %+v, want top %d partition %d", resp.ErrorCode, resp.Partitions, tt.wantTop, tt.wantPartCode)
			}
		})
	}
}

func TestUpdateMetadataFencing(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.updateMetadata(c, nil, 0)
	for _, tt := range []struct {
		name string
		mod  func(*kmsg.UpdateMetadataRequest)
		want int16
	}{
		{"stale broker epoch", func(r *kmsg.UpdateMetadataRequest) { r.BrokerEpoch = 1 }, kerr.StaleBrokerEpoch.Code},
		{"stale controller epoch", func(r *kmsg.UpdateMetadataRequest) { r.ControllerEpoch = 0 }, kerr.StaleControllerEpoch.Code},
		{"newer controller epoch", func(r *kmsg.UpdateMetadataRequest) { r.ControllerEpoch = 2 }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := h.umRequest(nil, 0)
			tt.mod(req)
			if got := c.do(req, 6).(*kmsg.UpdateMetadataResponse).ErrorCode; got != tt.want {
				t.Fatalf("error %d, want %d", got, tt.want)
			}
		})
	}
}

func TestUpdateMetadataOldVersions(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	for v := int16(0); v <= 6; v++ {
		req := h.umRequest(map[string]map[int32][]int32{"old": {0: {1}}}, 0)
		if v < 5 {
			for _, ts := range req.TopicStates {
				for _, p := range ts.PartitionStates {
					p.Topic = ts.Topic
					req.PartitionStates = append(req.PartitionStates, p)
				}
			}
			req.TopicStates = nil
		}
		if v == 0 {
			req.LiveBrokers[0].Host, req.LiveBrokers[0].Port = "127.0.0.1", h.port
		}
		if got := c.do(req, v).(*kmsg.UpdateMetadataResponse).ErrorCode; got != 0 {
			t.Fatalf("v%d: error %d", v, got)
		}
		b, ok := h.s.meta.broker(1)
		if !ok || b.endpoints["PLAINTEXT"].port != h.port {
			t.Fatalf("v%d: broker endpoints %+v", v, b.endpoints)
		}
		if !h.s.meta.hasTopic("old") {
			t.Fatalf("v%d: topic missing", v)
		}
	}
}

func TestStopReplicaDeletes(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 2)
	for _, del := range []bool{false, true} {
		req := kmsg.NewPtrStopReplicaRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch, req.DeletePartitions = 1, 1, h.node.epoch, del
		st := kmsg.NewStopReplicaRequestTopic()
		st.Topic, st.Partitions = "t", []int32{0}
		req.Topics = append(req.Topics, st)
		resp := c.do(req, 2).(*kmsg.StopReplicaResponse)
		if resp.ErrorCode != 0 || len(resp.Partitions) != 1 || resp.Partitions[0].ErrorCode != 0 {
			t.Fatalf("delete=%v: %+v", del, resp)
		}
		_, hosted := h.s.parts.get(storage.TopicPartition{Topic: "t", Partition: 0})
		if hosted == del {
			t.Fatalf("delete=%v: still hosted %v", del, hosted)
		}
	}
	if _, _, _, _, deleted := h.logs.state(); len(deleted) != 1 || deleted[0] != (storage.TopicPartition{Topic: "t", Partition: 0}) {
		t.Fatalf("deleted logs %v", deleted)
	}
	// The partition is still in the metadata cache, not ours: NOT_LEADER.
	got := produceCode(t, c, "t", 0, 1, makeBatch(1, 1))
	if got != kerr.NotLeaderForPartition.Code {
		t.Fatalf("produce to a stopped partition: %d", got)
	}
}

func TestOffsetForLeaderEpoch(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1) // leader epoch 0 from offset 0
	produce(t, c, "t", 0, 1, makeBatch(3, 1))
	h.leaderAndISR(c, "t", map[int32][]int32{0: {1}}, 2) // epoch 2 from offset 3
	produce(t, c, "t", 0, 1, makeBatch(2, 1))
	ask := func(current, epoch int32) kmsg.OffsetForLeaderEpochResponseTopicPartition {
		req := kmsg.NewPtrOffsetForLeaderEpochRequest()
		req.ReplicaID = 2
		rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		rp.CurrentLeaderEpoch, rp.LeaderEpoch = current, epoch
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return c.do(req, 3).(*kmsg.OffsetForLeaderEpochResponse).Topics[0].Partitions[0]
	}
	for _, tt := range []struct {
		name           string
		current, epoch int32
		code           int16
		wantEpoch      int32
		wantOffset     int64
	}{
		{"latest epoch ends at the log end", 2, 2, 0, 2, 5},
		{"epoch 0 ends where 2 starts", 2, 0, 0, 0, 3},
		{"epoch 1 never led: the one before it", -1, 1, 0, 0, 3},
		{"fenced", 1, 0, kerr.FencedLeaderEpoch.Code, -1, -1},
		{"unknown epoch", 3, 0, kerr.UnknownLeaderEpoch.Code, -1, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ask(tt.current, tt.epoch)
			if got.ErrorCode != tt.code || got.LeaderEpoch != tt.wantEpoch || got.EndOffset != tt.wantOffset {
				t.Fatalf("got code %d epoch %d offset %d, want %d %d %d", got.ErrorCode, got.LeaderEpoch, got.EndOffset, tt.code, tt.wantEpoch, tt.wantOffset)
			}
		})
	}
}

func TestControlledShutdownRequest(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	for _, tt := range []struct {
		name       string
		broker     int32
		epoch      int64
		controller bool
		code       int16
		remaining  int
	}{
		{"done", 2, 60, true, 0, 0},
		{"still leading", 3, 60, true, 0, 1},
		{"stale epoch", 2, 10, true, kerr.StaleBrokerEpoch.Code, 0},
		{"not controller", 2, 60, false, kerr.NotController.Code, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.node.setController(tt.controller)
			req := kmsg.NewPtrControlledShutdownRequest()
			req.BrokerID, req.BrokerEpoch = tt.broker, tt.epoch
			resp := c.do(req, 3).(*kmsg.ControlledShutdownResponse)
			if resp.ErrorCode != tt.code || len(resp.PartitionsRemaining) != tt.remaining {
				t.Fatalf("code %d remaining %v, want %d and %d", resp.ErrorCode, resp.PartitionsRemaining, tt.code, tt.remaining)
			}
		})
	}
	h.node.setController(true)
}
