package broker

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func produceRequest(topic string, partition int32, acks int16, records []byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = acks, 10000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition, rp.Records = partition, records
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func produce(t *testing.T, c *client, topic string, partition int32, acks int16, records []byte) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	resp := c.do(produceRequest(topic, partition, acks, records), 8).(*kmsg.ProduceResponse)
	return resp.Topics[0].Partitions[0]
}

func produceCode(t *testing.T, c *client, topic string, partition int32, acks int16, records []byte) int16 {
	t.Helper()
	return produce(t, c, topic, partition, acks, records).ErrorCode
}

func fetchRequest(topic string, partition int32, offset int64, replica int32, maxWaitMs, minBytes int32) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = replica, maxWaitMs, minBytes, 1<<20
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = partition, offset, 1<<20
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func fetch(t *testing.T, c *client, req *kmsg.FetchRequest) kmsg.FetchResponseTopicPartition {
	t.Helper()
	resp := c.do(req, 11).(*kmsg.FetchResponse)
	if resp.ErrorCode != 0 {
		t.Fatalf("fetch: top-level error %d", resp.ErrorCode)
	}
	return resp.Topics[0].Partitions[0]
}

// batchOffsets returns the base offsets of the batches in b.
func batchOffsets(b []byte) []int64 {
	var out []int64
	for len(b) >= 12 {
		out = append(out, int64(binary.BigEndian.Uint64(b)))
		b = b[12+int(binary.BigEndian.Uint32(b[8:])):]
	}
	return out
}

func TestProduceErrors(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}}, "other": {0: {2}}}, 0, 2)
	big := makeBatch(1, 1)
	h.logs.fake(tpOf("t", 0)).SetConfig(func() (cfg logConfig) {
		cfg = h.logs.fake(tpOf("t", 0)).Config()
		cfg.MaxMessageBytes = int32(len(big) - 1)
		return
	}())
	corrupt := makeBatch(2, 1)
	corrupt[len(corrupt)-1] ^= 0xff

	tests := []struct {
		name      string
		topic     string
		acks      int16
		records   []byte
		wantCode  int16
		wantFirst int64
	}{
		{"acks 2", "t", 2, makeBatch(1, 1), kerr.InvalidRequiredAcks.Code, -1},
		{"unknown topic", "nope", 1, makeBatch(1, 1), kerr.UnknownTopicOrPartition.Code, -1},
		{"led by another broker", "other", 1, makeBatch(1, 1), kerr.NotLeaderForPartition.Code, -1},
		{"corrupt crc", "t", 1, corrupt, kerr.CorruptMessage.Code, -1},
		{"too large", "t", 1, big, kerr.MessageTooLarge.Code, -1},
		{"internal topic", "__consumer_offsets", 1, makeBatch(1, 1), kerr.InvalidTopicException.Code, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := produce(t, c, tt.topic, 0, tt.acks, tt.records)
			if rp.ErrorCode != tt.wantCode || rp.BaseOffset != tt.wantFirst {
				t.Fatalf("code %d base %d, want %d %d", rp.ErrorCode, rp.BaseOffset, tt.wantCode, tt.wantFirst)
			}
		})
	}
}

func TestProduceAndFetch(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	for i, want := range []int64{0, 3, 6} {
		acks := []int16{1, -1, 1}[i]
		rp := produce(t, c, "t", 0, acks, makeBatch(3, int64(1000*(i+1))))
		if rp.ErrorCode != 0 || rp.BaseOffset != want {
			t.Fatalf("produce %d: code %d base %d, want base %d", i, rp.ErrorCode, rp.BaseOffset, want)
		}
	}
	// acks=0: no response, the next request is answered.
	c.send(func() kmsg.Request { r := produceRequest("t", 0, 0, makeBatch(1, 5000)); r.SetVersion(8); return r }())
	if rp := produce(t, c, "t", 0, 1, makeBatch(1, 6000)); rp.BaseOffset != 10 {
		t.Fatalf("after acks=0: base %d, want 10", rp.BaseOffset)
	}

	fp := fetch(t, c, fetchRequest("t", 0, 4, -1, 0, 1))
	if fp.ErrorCode != 0 || fp.HighWatermark != 11 || fp.LastStableOffset != 11 || fp.LogStartOffset != 0 {
		t.Fatalf("fetch: %+v", fp)
	}
	if got := batchOffsets(fp.RecordBatches); len(got) != 4 || got[0] != 3 {
		t.Fatalf("fetched batches at %v, want 3,6,9,10", got)
	}
	if fp := fetch(t, c, fetchRequest("t", 0, 12, -1, 0, 1)); fp.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Fatalf("fetch past the end: code %d", fp.ErrorCode)
	}
	if fp := fetch(t, c, fetchRequest("nope", 0, 0, -1, 0, 1)); fp.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("fetch unknown: code %d", fp.ErrorCode)
	}

	// ListOffsets: latest = high watermark, earliest = log start, by time.
	for _, tt := range []struct {
		ts   int64
		want int64
	}{{-1, 11}, {-2, 0}, {2000, 3}, {99999, -1}} {
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp = tt.ts
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		got := c.do(req, 5).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
		if got.ErrorCode != 0 || got.Offset != tt.want {
			t.Fatalf("ListOffsets ts %d: code %d offset %d, want %d", tt.ts, got.ErrorCode, got.Offset, tt.want)
		}
	}
}

func TestProduceAcksZeroErrorClosesConnection(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	req := produceRequest("nope", 0, 0, makeBatch(1, 1))
	req.SetVersion(8)
	c.send(req)
	c.expectClosed()
}

// TestFetchLongPollWokenByAppend: a fetch waiting for min bytes returns
// the batch appended from another connection.
func TestFetchLongPollWokenByAppend(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	consumer := h.dial()
	req := fetchRequest("t", 0, 0, -1, 30000, 1)
	req.SetVersion(11)
	corr := consumer.send(req)
	produce(t, c, "t", 0, 1, makeBatch(2, 1))
	resp, err := consumer.read(req, corr)
	if err != nil {
		t.Fatal(err)
	}
	fp := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
	if got := batchOffsets(fp.RecordBatches); len(got) != 1 || got[0] != 0 {
		t.Fatalf("long poll returned batches %v, want [0]", got)
	}
}

// TestFollowerAdvancesHighWatermark: with a follower in the ISR, consumers
// see only what the follower has fetched, and acks=-1 waits for it.
func TestFollowerAdvancesHighWatermark(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	parts := map[int32][]int32{0: {1, 2}}
	h.updateMetadata(c, map[string]map[int32][]int32{"r": parts}, 0, 2)
	if resp := h.leaderAndISR(c, "r", parts, 0); resp.Partitions[0].ErrorCode != 0 {
		t.Fatalf("LeaderAndIsr: %+v", resp)
	}
	produce(t, c, "r", 0, 1, makeBatch(3, 1))
	if fp := fetch(t, c, fetchRequest("r", 0, 0, -1, 0, 1)); fp.HighWatermark != 0 || len(fp.RecordBatches) != 0 {
		t.Fatalf("consumer saw uncommitted data: hw %d, %d bytes", fp.HighWatermark, len(fp.RecordBatches))
	}
	// The follower reads up to the log end.
	if fp := fetch(t, c, fetchRequest("r", 0, 0, 2, 0, 1)); len(batchOffsets(fp.RecordBatches)) != 1 {
		t.Fatalf("follower fetch: %+v", fp)
	}
	// acks=-1 waits until the follower fetches past the batch.
	waiter := h.dial()
	preq := produceRequest("r", 0, -1, makeBatch(1, 2))
	preq.SetVersion(8)
	corr := waiter.send(preq)
	waitFor(t, "the acks=-1 batch appended", func() bool { return h.logs.fake(tpOf("r", 0)).LogEndOffset() == 4 })
	fetch(t, c, fetchRequest("r", 0, 3, 2, 0, 1)) // follower caught up to 3: hw 3
	fetch(t, c, fetchRequest("r", 0, 4, 2, 0, 1)) // and to 4: hw 4
	resp, err := waiter.read(preq, corr)
	if err != nil {
		t.Fatal(err)
	}
	if rp := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]; rp.ErrorCode != 0 || rp.BaseOffset != 3 {
		t.Fatalf("acks=-1 produce: %+v", rp)
	}
	if fp := fetch(t, c, fetchRequest("r", 0, 0, -1, 0, 1)); fp.HighWatermark != 4 || len(batchOffsets(fp.RecordBatches)) != 2 {
		t.Fatalf("consumer after follower caught up: hw %d batches %v", fp.HighWatermark, batchOffsets(fp.RecordBatches))
	}
}

func TestProduceAcksAllTimesOut(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	parts := map[int32][]int32{0: {1, 2}}
	h.updateMetadata(c, map[string]map[int32][]int32{"r": parts}, 0, 2)
	h.leaderAndISR(c, "r", parts, 0)
	req := produceRequest("r", 0, -1, makeBatch(1, 1))
	req.TimeoutMillis = 1
	rp := c.do(req, 8).(*kmsg.ProduceResponse).Topics[0].Partitions[0]
	if rp.ErrorCode != kerr.RequestTimedOut.Code {
		t.Fatalf("code %d, want REQUEST_TIMED_OUT", rp.ErrorCode)
	}
}

// waitFor polls cond until it holds (or fails the test after 20 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestInitProducerID(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	// Blocks of 3 from the fake: ids continue across blocks.
	for want := int64(0); want < 7; want++ {
		resp := c.do(kmsg.NewPtrInitProducerIDRequest(), 2).(*kmsg.InitProducerIDResponse)
		if resp.ErrorCode != 0 || resp.ProducerID != want || resp.ProducerEpoch != 0 {
			t.Fatalf("got %+v, want id %d", resp, want)
		}
	}
	req := kmsg.NewPtrInitProducerIDRequest()
	req.TransactionalID = kmsg.StringPtr("txn")
	if resp := c.do(req, 1).(*kmsg.InitProducerIDResponse); resp.ErrorCode != kerr.TransactionalIDAuthorizationFailed.Code {
		t.Fatalf("transactional: %+v", resp)
	}
}

func TestDeleteRecords(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.hostTopic(c, "t", 1)
	produce(t, c, "t", 0, 1, makeBatch(5, 1))
	for _, tt := range []struct {
		name   string
		topic  string
		offset int64
		code   int16
		low    int64
	}{
		{"before offset 2", "t", 2, 0, 2},
		{"above the high watermark", "t", 6, kerr.OffsetOutOfRange.Code, -1},
		{"-1 is the high watermark", "t", -1, 0, 5},
		{"unknown", "nope", 1, kerr.UnknownTopicOrPartition.Code, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := kmsg.NewPtrDeleteRecordsRequest()
			rt := kmsg.NewDeleteRecordsRequestTopic()
			rt.Topic = tt.topic
			rp := kmsg.NewDeleteRecordsRequestTopicPartition()
			rp.Offset = tt.offset
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			got := c.do(req, 1).(*kmsg.DeleteRecordsResponse).Topics[0].Partitions[0]
			if got.ErrorCode != tt.code || got.LowWatermark != tt.low {
				t.Fatalf("code %d low %d, want %d %d", got.ErrorCode, got.LowWatermark, tt.code, tt.low)
			}
		})
	}
	if fp := fetch(t, c, fetchRequest("t", 0, 0, -1, 0, 1)); fp.ErrorCode != kerr.OffsetOutOfRange.Code || fp.LogStartOffset != 5 {
		t.Fatalf("fetch below the new log start: %+v", fp)
	}
}
