package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestListOffsetsLeaderEpochs: ListOffsets v4+ reports the leader epoch of
// the offset it returns, as Kafka 2.4's Log.fetchOffsetByTimestamp.
func TestListOffsetsLeaderEpochs(t *testing.T) {
	m := openTestManager(t, t.TempDir())
	h, stop := startReal(t, m)
	defer stop()
	c := h.dial()
	h.hostTopic(c, "t", 1) // leader epoch 0
	for i := range 2 {
		if rp := produce(t, c, "t", 0, 1, makeBatch(2, int64(1000+i))); rp.ErrorCode != 0 {
			t.Fatalf("produce at epoch 0: %+v", rp)
		}
	}
	if resp := h.leaderAndISR(c, "t", map[int32][]int32{0: {1}}, 3); resp.Partitions[0].ErrorCode != 0 {
		t.Fatalf("LeaderAndIsr epoch 3: %+v", resp.Partitions[0])
	}
	if rp := produce(t, c, "t", 0, 1, makeBatch(2, 2000)); rp.ErrorCode != 0 || rp.BaseOffset != 4 {
		t.Fatalf("produce at epoch 3: %+v", rp)
	}
	for _, tt := range []struct {
		name      string
		version   int16
		ts        int64
		offset    int64
		epoch     int32
		timestamp int64
	}{
		{"earliest", 5, -2, 0, 0, -1},
		{"latest", 5, -1, 6, 3, -1},
		{"time in epoch 0", 5, 1001, 2, 0, 1001},
		{"time in epoch 3", 4, 1500, 4, 3, 2000},
		{"time past the end", 5, 9999, -1, -1, -1},
		{"v3 has no epochs", 3, -2, 0, -1, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := kmsg.NewPtrListOffsetsRequest()
			req.ReplicaID = -1
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = "t"
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Timestamp = tt.ts
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			got := c.do(req, tt.version).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
			if got.ErrorCode != 0 || got.Offset != tt.offset || got.LeaderEpoch != tt.epoch || got.Timestamp != tt.timestamp {
				t.Fatalf("code %d offset %d epoch %d timestamp %d, want offset %d epoch %d timestamp %d",
					got.ErrorCode, got.Offset, got.LeaderEpoch, got.Timestamp, tt.offset, tt.epoch, tt.timestamp)
			}
		})
	}
}
