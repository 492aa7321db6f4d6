package chaos

import (
	"context"
	"fmt"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
)

// probeStaleLeader sends one acks=all write of a fresh workload value
// straight to b for partition p, bypassing the client's routing: in the
// 2013 scenario b is a leader cut off from ZooKeeper that has not heard of
// its successor. The write goes into the history like any send, so if b
// acknowledges it and it is then lost, the checker reports it; the returned
// note says what b answered.
func (c *Cluster) probeStaleLeader(ctx context.Context, b *harness.Broker, p int32) string {
	if c.Workload == nil {
		return ""
	}
	w := c.Workload
	v := w.values.Add(1)
	op := Op{Process: int(w.processes.Add(1)), Type: Send, Outcome: Info, Send: Msg{Key: p, Offset: -1, Value: v}}
	note := c.produceTo(ctx, b, p, v, &op)
	op.Time = time.Now()
	w.History.Add(op)
	return note
}

func (c *Cluster) produceTo(ctx context.Context, b *harness.Broker, p int32, v int64, op *Op) string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		op.Err = err.Error()
		return "probe: " + err.Error()
	}
	defer cl.Close()
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 3000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = c.Topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = p
	rp.Records = batchOf([]byte(strconv.FormatInt(v, 10)), time.Now())
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)

	rctx, cancel := context.WithTimeout(ctx, 6*time.Second)
	defer cancel()
	resp, err := cl.SeedBrokers()[0].Request(rctx, req)
	if err != nil {
		op.Err = err.Error()
		return fmt.Sprintf("broker %d did not answer an acks=all write to %s[%d]: %v", b.ID(), c.Topic, p, err)
	}
	pr := resp.(*kmsg.ProduceResponse)
	if len(pr.Topics) != 1 || len(pr.Topics[0].Partitions) != 1 {
		op.Err = "malformed produce response"
		return fmt.Sprintf("broker %d: malformed produce response", b.ID())
	}
	part := pr.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(part.ErrorCode); err != nil {
		op.Err = err.Error()
		return fmt.Sprintf("broker %d refused an acks=all write to %s[%d]: %v", b.ID(), c.Topic, p, err)
	}
	op.Outcome, op.Send.Offset = OK, part.BaseOffset
	return fmt.Sprintf("broker %d acknowledged an acks=all write to %s[%d] at offset %d", b.ID(), c.Topic, p, part.BaseOffset)
}

// batchOf encodes one record with value as a magic 2 record batch without
// a producer id, lengths and CRC filled in.
func batchOf(value []byte, ts time.Time) []byte {
	rec := kmsg.NewRecord()
	rec.Value = value
	// Length counts the bytes after itself; encoded as 0 it takes one.
	rec.Length = int32(len(rec.AppendTo(nil)) - 1)
	records := rec.AppendTo(nil)

	batch := kmsg.NewRecordBatch()
	batch.PartitionLeaderEpoch = -1
	batch.Magic = 2
	batch.FirstTimestamp = ts.UnixMilli()
	batch.MaxTimestamp = ts.UnixMilli()
	batch.ProducerID = -1
	batch.ProducerEpoch = -1
	batch.FirstSequence = -1
	batch.NumRecords = 1
	batch.Records = records
	// Everything after FirstOffset (8 bytes) and Length (4).
	batch.Length = int32(len(batch.AppendTo(nil)) - 12)
	raw := batch.AppendTo(nil)
	// The CRC covers everything after itself: from Attributes, at byte 21.
	batch.CRC = int32(crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return batch.AppendTo(nil)
}
