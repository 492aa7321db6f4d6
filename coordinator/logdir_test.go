package coordinator

import (
	"context"
	"slices"
	"testing"

	"github.com/samsa-broker/samsa/coordinator/zktest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestLogDirFailure: a broker writes a log dir event; the controller asks it
// about all its replicas, and those it answers KAFKA_STORAGE_ERROR for lose
// leadership and ISR membership (StopReplica without delete), the others
// stay as they were, and the notification is deleted.
func TestLogDirFailure(t *testing.T) {
	srv := zktest.Start(t)
	nodes, zks, tr := threeBrokers(t, srv)
	ctx := testCtx(t)
	ctrl := controllerOf(nodes)
	var others []int32
	for id := int32(1); id <= 3; id++ {
		if id != ctrl {
			others = append(others, id)
		}
	}
	failing, peer := others[0], others[1]
	z := zks[ctrl]
	assignment := map[int32][]int32{
		0: {failing, peer, ctrl}, // led by the failing broker, in its failed dir
		1: {peer, failing, ctrl}, // followed by it, in its failed dir
		2: {failing, peer, ctrl}, // led by it, in its healthy dir
	}
	if err := z.CreateTopic(ctx, "ld", assignment, nil); err != nil {
		t.Fatal(err)
	}
	for p := range assignment {
		tp := TopicPartition{Topic: "ld", Partition: p}
		waitFor(t, "state", func() bool { return readStateJSON(t, z, tp) != "" })
	}
	inFailedDir := map[int32]bool{0: true, 1: true}
	failingAddr := "127.0.0.1:" + itoa(9092+failing)
	tr.mu.Lock()
	tr.handle = func(_ context.Context, addr string, req kmsg.Request) (kmsg.Response, bool) {
		lai, ok := req.(*kmsg.LeaderAndISRRequest)
		if !ok || addr != failingAddr {
			return nil, false
		}
		resp := lai.ResponseKind().(*kmsg.LeaderAndISRResponse)
		for _, ts := range lai.TopicStates {
			for _, p := range ts.PartitionStates {
				rp := kmsg.NewLeaderAndISRResponseTopicPartition()
				rp.Topic, rp.Partition = ts.Topic, p.Partition
				if inFailedDir[p.Partition] {
					rp.ErrorCode = kerr.KafkaStorageError.Code
				}
				resp.Partitions = append(resp.Partitions, rp)
			}
		}
		return resp, true
	}
	tr.mu.Unlock()

	if err := nodes[failing].NotifyLogDirFailure(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		partition   int32
		leader      int32
		epoch       int32
		wantInISR   bool
		wantStopped bool
	}{
		{0, peer, 1, false, true},
		{1, peer, 1, false, true},
		{2, failing, 0, true, false},
	}
	for _, tt := range tests {
		tp := TopicPartition{Topic: "ld", Partition: tt.partition}
		waitFor(t, "the offline replica to leave the ISR", func() bool {
			s, err := z.PartitionState(ctx, tp)
			return err == nil && slices.Contains(s.ISR, failing) == tt.wantInISR
		})
		s, err := z.PartitionState(ctx, tp)
		if err != nil {
			t.Fatal(err)
		}
		if s.Leader != tt.leader || s.LeaderEpoch != tt.epoch {
			t.Errorf("partition %d: leader %d epoch %d, want %d epoch %d", tt.partition, s.Leader, s.LeaderEpoch, tt.leader, tt.epoch)
		}
		stoppedNow := func() bool {
			for _, r := range tr.requests() {
				sr, ok := r.req.(*kmsg.StopReplicaRequest)
				if !ok || r.addr != failingAddr || sr.DeletePartitions {
					continue
				}
				for _, st := range sr.Topics {
					if st.Topic == "ld" && slices.Contains(st.Partitions, tt.partition) {
						return true
					}
				}
			}
			return false
		}
		// The controller writes the state znode first and then queues
		// StopReplica, which its sender delivers a moment later.
		if tt.wantStopped {
			waitFor(t, "StopReplica to the failing broker", stoppedNow)
		}
		if stopped := stoppedNow(); stopped != tt.wantStopped {
			t.Errorf("partition %d: StopReplica sent %v, want %v", tt.partition, stopped, tt.wantStopped)
		}
	}
	waitFor(t, "the notification to be deleted", func() bool {
		kids, err := z.Children(ctx, LogDirEventPath)
		return err == nil && len(kids) == 0
	})
}
