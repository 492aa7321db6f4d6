package integration

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
)

// dpRecord is what a test produced to one partition, in order.
type dpRecord struct {
	key, value string
	headers    []kgo.RecordHeader
}

// dpRecords builds n records per partition with keys, values of varying
// sizes (so batches differ) and headers, including an empty header value.
func dpRecords(tag string, partitions int32, n int) (map[int32][]dpRecord, []*kgo.Record) {
	want := map[int32][]dpRecord{}
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		for p := int32(0); p < partitions; p++ {
			s := dpRecord{
				key:   fmt.Sprintf("%s-k-%d-%d", tag, p, i),
				value: fmt.Sprintf("%s-v-%d-%d-%s", tag, p, i, strings.Repeat("x", i%37*7)),
				headers: []kgo.RecordHeader{
					{Key: "seq", Value: []byte(fmt.Sprint(i))},
					{Key: "empty", Value: []byte{}},
				},
			}
			want[p] = append(want[p], s)
			recs = append(recs, &kgo.Record{Partition: p, Key: []byte(s.key), Value: []byte(s.value), Headers: s.headers})
		}
	}
	return want, recs
}

// dpProduce produces recs with opts added to the test's and fails the test
// on any error.
func dpProduce(t *testing.T, seeds, topic string, recs []*kgo.Record, opts ...kgo.Opt) {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

// dpConsume reads every partition of topic from the start until it holds
// as many records as want does and checks them against want: same order,
// keys, values and headers, and no fetch errors.
func dpConsume(t *testing.T, seeds, topic string, want map[int32][]dpRecord) {
	t.Helper()
	dpConsumeCodec(t, seeds, topic, want, -1)
}

// dpConsumeCodec is dpConsume that also checks that every record came in a
// batch compressed with codec (Kafka's attribute number), unless codec < 0.
func dpConsumeCodec(t *testing.T, seeds, topic string, want map[int32][]dpRecord, codec int8) {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	total := 0
	for p, rs := range want {
		offsets[p] = kgo.NewOffset().AtStart()
		total += len(rs)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(seeds, ",")...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	got := map[int32][]*kgo.Record{}
	n := 0
	for n < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: %d of %d records after the deadline", topic, n, total)
		}
		fs.EachError(func(tp string, p int32, err error) {
			// A broker that is still starting answers with retriable
			// errors the client handles itself; anything else is a bug.
			if !kerr.IsRetriable(err) {
				t.Errorf("fetch %s[%d]: %v", tp, p, err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], r)
			n++
		})
	}
	for p, ws := range want {
		gs := got[p]
		if len(gs) != len(ws) {
			t.Errorf("partition %d: got %d records, want %d", p, len(gs), len(ws))
			continue
		}
		for i, w := range ws {
			g := gs[i]
			if codec >= 0 && int8(g.Attrs.CompressionType()) != codec {
				t.Errorf("partition %d record %d: batch compression %d, want %d", p, i, g.Attrs.CompressionType(), codec)
				break
			}
			if g.Offset != int64(i) {
				t.Errorf("partition %d record %d: offset %d", p, i, g.Offset)
			}
			if string(g.Key) != w.key || string(g.Value) != w.value {
				t.Errorf("partition %d record %d: key %q value %.40q, want %q %.40q", p, i, g.Key, g.Value, w.key, w.value)
				break
			}
			if len(g.Headers) != len(w.headers) {
				t.Errorf("partition %d record %d: headers %v, want %v", p, i, g.Headers, w.headers)
				break
			}
			for j, h := range w.headers {
				if g.Headers[j].Key != h.Key || !bytes.Equal(g.Headers[j].Value, h.Value) {
					t.Errorf("partition %d record %d: header %d = %q:%q, want %q:%q", p, i, j, g.Headers[j].Key, g.Headers[j].Value, h.Key, h.Value)
				}
			}
		}
	}
}

// dpCreateTopic creates topic with kafka-topics through ZooKeeper and waits
// for its leaders.
func dpCreateTopic(c *cluster, topic string, partitions, rf int, extra ...string) {
	c.t.Helper()
	args := append([]string{"--create", "--zookeeper", c.connect, "--topic", topic}, extra...)
	if !strings.Contains(strings.Join(extra, " "), "--replica-assignment") {
		args = append(args, "--partitions", fmt.Sprint(partitions), "--replication-factor", fmt.Sprint(rf))
	}
	if r := c.topics(args...); r.ExitCode != 0 {
		c.t.Fatalf("create %s: exit %d: %s%s", topic, r.ExitCode, r.Stdout, r.Stderr)
	}
	c.waitLeaders(topic, partitions)
}

// TestMessagesInMessagesOut produces keyed records with headers to three
// partitions replicated three times, for every compression codec and acks
// setting, and reads back exactly what was sent, in order.
func TestMessagesInMessagesOut(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
		attr  int8 // the batch attribute's codec bits
	}{
		{"none", kgo.NoCompression(), 0},
		{"gzip", kgo.GzipCompression(), 1},
		{"snappy", kgo.SnappyCompression(), 2},
		{"lz4", kgo.Lz4Compression(), 3},
		{"zstd", kgo.ZstdCompression(), 4},
	}
	acks := []struct {
		name string
		opts []kgo.Opt
	}{
		{"acks0", []kgo.Opt{kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite()}},
		{"acks1", []kgo.Opt{kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite()}},
		{"acksall", []kgo.Opt{kgo.RequiredAcks(kgo.AllISRAcks())}},
	}
	for _, cc := range codecs {
		for _, ac := range acks {
			name := cc.name + "-" + ac.name
			t.Run(name, func(t *testing.T) {
				topic := "inout-" + name
				dpCreateTopic(c, topic, 3, 3)
				want, recs := dpRecords(name, 3, 150)
				opts := append([]kgo.Opt{kgo.ProducerBatchCompression(cc.codec)}, ac.opts...)
				dpProduce(t, c.bootstrap(), topic, recs, opts...)
				dpConsumeCodec(t, c.bootstrap(), topic, want, cc.attr)
			})
		}
	}
}

// TestDataSurvivesRestarts writes records with acks=all, then restarts every
// broker cleanly, and later kills every broker with SIGKILL (each message
// flushed as it is written), reading everything back after each.
func TestDataSurvivesRestarts(t *testing.T) {
	c := startCluster(t, ensemble, 3, map[string]string{
		"log.flush.interval.messages": "1",
		// The last broker to stop cannot hand its partitions to anyone;
		// Kafka's 5 s between controlled shutdown attempts only slows the
		// test down.
		"controlled.shutdown.retry.backoff.ms": "500",
	})
	const topic = "durable"
	dpCreateTopic(c, topic, 3, 3)
	want, recs := dpRecords("before", 3, 100)
	dpProduce(t, c.bootstrap(), topic, recs)

	for _, tc := range []struct {
		name string
		down func(b *harness.Broker)
	}{
		{"clean restart", func(b *harness.Broker) {
			if err := b.Stop(); err != nil {
				t.Errorf("broker %d exited with %v on SIGTERM", b.ID(), err)
			}
		}},
		{"kill -9", func(b *harness.Broker) { b.Kill(syscall.SIGKILL) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range c.brokers {
				tc.down(b)
			}
			// A killed broker's registration lasts until its ZooKeeper
			// session expires, and Kafka refuses to start a broker whose id
			// is still registered.
			eventually(t, time.Minute, "registrations gone", func() error {
				if ids := c.zk.children("/brokers/ids"); len(ids) > 0 {
					return fmt.Errorf("still registered: %v", ids)
				}
				return nil
			})
			for _, b := range c.brokers {
				b.Restart()
			}
			c.waitRegistered(len(c.brokers))
			c.waitLeaders(topic, 3)
			dpConsume(t, c.bootstrap(), topic, want)

			// The restarted cluster takes new writes after the old ones.
			more, recs := dpRecords(tc.name, 3, 20)
			dpProduce(t, c.bootstrap(), topic, recs)
			for p := range want {
				want[p] = append(want[p], more[p]...)
			}
			dpConsume(t, c.bootstrap(), topic, want)
		})
	}
}

// TestProduceToDownReplica stops the only replica of a partition: Metadata
// says the partition has no leader, a produce sent to a live broker fails
// with a retriable error, and a producer that keeps retrying succeeds once
// the broker is back.
func TestProduceToDownReplica(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	const topic = "lonely"
	dpCreateTopic(c, topic, 1, 1, "--replica-assignment", "3")
	only := c.brokers[2]
	if only.ID() != 3 {
		t.Fatalf("broker order: %d", only.ID())
	}
	if err := only.Stop(); err != nil {
		t.Fatalf("stop broker 3: %v", err)
	}
	// The controller notices the broker's znode is gone and marks the
	// partition leaderless.
	eventually(t, time.Minute, "partition without leader", func() error {
		m := c.zk.jsonMap("/brokers/topics/" + topic + "/partitions/0/state")
		if m["leader"].(float64) != -1 {
			return fmt.Errorf("state %v", m)
		}
		return nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := protocol.Dial(ctx, c.brokers[0].Addr(), "down-replica-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	eventually(t, 30*time.Second, "metadata without leader", func() error {
		req := kmsg.NewPtrMetadataRequest()
		req.SetVersion(8)
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, mt)
		resp, err := conn.RoundTrip(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		mr := resp.(*kmsg.MetadataResponse)
		if len(mr.Topics) != 1 || len(mr.Topics[0].Partitions) != 1 {
			return fmt.Errorf("metadata %+v", mr.Topics)
		}
		p := mr.Topics[0].Partitions[0]
		if p.Leader != -1 || p.ErrorCode != kerr.LeaderNotAvailable.Code {
			return fmt.Errorf("partition 0: leader %d, error %v", p.Leader, kerr.ErrorForCode(p.ErrorCode))
		}
		return nil
	})

	batch, err := protocol.AppendBatch(nil, protocol.BatchHeader{LastOffsetDelta: 0, NumRecords: 1, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1},
		[]protocol.Record{{Value: []byte("while down")}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	code := dpProduceCode(t, ctx, conn, topic, 0, batch, -1)
	t.Logf("produce to the leaderless partition: %v", kerr.ErrorForCode(code))
	if err := kerr.ErrorForCode(code); err == nil || !kerr.IsRetriable(err) {
		t.Errorf("produce to a partition whose only replica is down: %v, want a retriable error", err)
	}

	// A producer started now retries until the broker is back.
	done := make(chan error, 1)
	go func() {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers[0].Addr()), kgo.DefaultProduceTopic(topic),
			kgo.RecordDeliveryTimeout(90*time.Second))
		if err != nil {
			done <- err
			return
		}
		defer cl.Close()
		done <- cl.ProduceSync(ctx, &kgo.Record{Value: []byte("after")}).FirstErr()
	}()
	only.Restart()
	if err := <-done; err != nil {
		t.Fatalf("produce after the broker came back: %v", err)
	}
	dpConsume(t, c.bootstrap(), topic, map[int32][]dpRecord{0: {{value: "after"}}})
}

// dpProduceCode sends one Produce v7 of batch to topic/partition over conn and
// returns the partition's error code.
func dpProduceCode(t *testing.T, ctx context.Context, conn *protocol.Conn, topic string, partition int32, batch []byte, acks int16) int16 {
	t.Helper()
	return dpProduceCodeV(t, ctx, conn, 7, topic, partition, batch, acks)
}

// TestDataPathVersions produces records with known timestamps and reads
// them back with every advertised version of Produce, Fetch, ListOffsets
// and Metadata, over raw connections to the partition's leader.
func TestDataPathVersions(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	dpCreateTopic(c, "versions", 1, 1, "--replica-assignment", "1")
	// compression.type stays "producer": zstd batches are kept as sent.
	dpCreateTopic(c, "versions-zstd", 1, 1, "--replica-assignment", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := protocol.Dial(ctx, c.brokers[0].Addr(), "versions-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// One batch per Produce version, each record a second apart.
	base := time.Now().Add(-time.Hour).UnixMilli()
	var values []string
	for v := int16(3); v <= 8; v++ {
		for _, topic := range []string{"versions", "versions-zstd"} {
			codec := compress.None
			if topic == "versions-zstd" {
				codec = compress.Zstd
			}
			i := int64(len(values))
			value := fmt.Sprintf("produce-v%d", v)
			b, err := protocol.AppendBatch(nil, protocol.BatchHeader{NumRecords: 1, FirstTimestamp: base + i*1000, MaxTimestamp: base + i*1000,
				ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}, []protocol.Record{{Key: []byte("k"), Value: []byte(value)}}, codec)
			if err != nil {
				t.Fatal(err)
			}
			code := dpProduceCodeV(t, ctx, conn, v, topic, 0, b, -1)
			want := int16(0)
			if codec == compress.Zstd && v < 7 {
				want = kerr.UnsupportedCompressionType.Code // KIP-110
			}
			if code != want {
				t.Errorf("Produce v%d to %s: %v, want %v", v, topic, kerr.ErrorForCode(code), kerr.ErrorForCode(want))
			}
			if topic == "versions" {
				values = append(values, value)
			}
		}
	}

	for v := int16(4); v <= 11; v++ {
		for _, topic := range []string{"versions", "versions-zstd"} {
			req := kmsg.NewPtrFetchRequest()
			req.SetVersion(v)
			req.ReplicaID, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = -1, 100, 1, 1<<20
			req.SessionEpoch = -1
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = topic
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = 1<<20, -1, -1
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := conn.RoundTrip(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			fr := resp.(*kmsg.FetchResponse)
			if len(fr.Topics) != 1 || len(fr.Topics[0].Partitions) != 1 {
				t.Fatalf("Fetch v%d: %+v", v, fr.Topics)
			}
			p := fr.Topics[0].Partitions[0]
			if topic == "versions-zstd" {
				// Kafka gates old fetchers on the topic's compression.type,
				// not on the batches, so a "producer" topic serves its zstd
				// batches to every version.
				if p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
					t.Errorf("Fetch v%d of zstd batches: %v, %d bytes", v, kerr.ErrorForCode(p.ErrorCode), len(p.RecordBatches))
				}
				continue
			}
			if p.ErrorCode != 0 || p.HighWatermark != int64(len(values)) {
				t.Errorf("Fetch v%d: error %v, high watermark %d, want %d", v, kerr.ErrorForCode(p.ErrorCode), p.HighWatermark, len(values))
				continue
			}
			var got []string
			for rest := p.RecordBatches; len(rest) > 0; {
				h, err := protocol.ParseBatchHeader(rest)
				if err != nil || h.Size() > len(rest) {
					t.Fatalf("Fetch v%d: batch: %v", v, err)
				}
				if err := protocol.ForEachRecord(rest[:h.Size()], func(r protocol.Record) error {
					got = append(got, string(r.Value))
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				rest = rest[h.Size():]
			}
			if strings.Join(got, ",") != strings.Join(values, ",") {
				t.Errorf("Fetch v%d: %q, want %q", v, got, values)
			}
		}
	}

	for v := int16(0); v <= 5; v++ {
		for _, tc := range []struct {
			ts         int64
			wantOffset int64
			wantTS     int64
		}{
			{-2, 0, -1},
			{-1, int64(len(values)), -1},
			{base + 2500, 3, base + 3000},
			{base + int64(len(values))*1000, -1, -1}, // after the last record
		} {
			if v == 0 && tc.ts >= 0 {
				continue // v0 looks up segments, not records
			}
			req := kmsg.NewPtrListOffsetsRequest()
			req.SetVersion(v)
			req.ReplicaID = -1
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = "versions"
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Timestamp, rp.MaxNumOffsets, rp.CurrentLeaderEpoch = tc.ts, 1, -1
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := conn.RoundTrip(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			lr := resp.(*kmsg.ListOffsetsResponse)
			if len(lr.Topics) != 1 || len(lr.Topics[0].Partitions) != 1 {
				t.Fatalf("ListOffsets v%d: %+v", v, lr.Topics)
			}
			p := lr.Topics[0].Partitions[0]
			offset, ts := p.Offset, p.Timestamp
			if v == 0 {
				if len(p.OldStyleOffsets) != 1 {
					t.Errorf("ListOffsets v0 at %d: offsets %v", tc.ts, p.OldStyleOffsets)
					continue
				}
				offset, ts = p.OldStyleOffsets[0], -1
			}
			if p.ErrorCode != 0 || offset != tc.wantOffset || ts != tc.wantTS {
				t.Errorf("ListOffsets v%d at %d: error %v, offset %d, timestamp %d; want offset %d, timestamp %d",
					v, tc.ts, kerr.ErrorForCode(p.ErrorCode), offset, ts, tc.wantOffset, tc.wantTS)
			}
		}
	}

	ctrl, err := c.controller()
	if err != nil {
		t.Fatal(err)
	}
	for v := int16(0); v <= 9; v++ {
		req := kmsg.NewPtrMetadataRequest()
		req.SetVersion(v)
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr("versions")
		req.Topics = append(req.Topics, mt)
		resp, err := conn.RoundTrip(ctx, req)
		if err != nil {
			t.Fatalf("Metadata v%d: %v", v, err)
		}
		mr := resp.(*kmsg.MetadataResponse)
		if len(mr.Brokers) != 3 {
			t.Errorf("Metadata v%d: brokers %+v", v, mr.Brokers)
		}
		if v >= 1 && mr.ControllerID != int32(ctrl) {
			t.Errorf("Metadata v%d: controller %d, want %d", v, mr.ControllerID, ctrl)
		}
		if len(mr.Topics) != 1 || mr.Topics[0].ErrorCode != 0 || len(mr.Topics[0].Partitions) != 1 {
			t.Errorf("Metadata v%d: topics %+v", v, mr.Topics)
			continue
		}
		p := mr.Topics[0].Partitions[0]
		if p.Leader != 1 || len(p.Replicas) != 1 || len(p.ISR) != 1 {
			t.Errorf("Metadata v%d: partition %+v", v, p)
		}
	}
}

// dpProduceCodeV is dpProduceCode at Produce version v.
func dpProduceCodeV(t *testing.T, ctx context.Context, conn *protocol.Conn, v int16, topic string, partition int32, batch []byte, acks int16) int16 {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(v)
	req.Acks = acks
	req.TimeoutMillis = 10000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = partition
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := conn.RoundTrip(ctx, req)
	if err != nil {
		t.Fatalf("produce v%d: %v", v, err)
	}
	pr := resp.(*kmsg.ProduceResponse)
	if len(pr.Topics) != 1 || len(pr.Topics[0].Partitions) != 1 {
		t.Fatalf("produce v%d response %+v", v, pr.Topics)
	}
	return pr.Topics[0].Partitions[0].ErrorCode
}

// TestFetchZstdTopicOldVersions: Kafka 2.4 answers Fetch < v10 on a topic
// whose compression.type is zstd with UNSUPPORTED_COMPRESSION_TYPE and no
// offsets (KafkaApis.maybeConvertFetchedData), whatever the stored batches'
// codecs, and serves v10+ as usual. The topic still takes an old
// uncompressed produce. The batch under test is produced zstd-compressed
// by franz-go, so this test does not depend on recompression to the
// topic's codec (compression_test.go covers that).
func TestFetchZstdTopicOldVersions(t *testing.T) {
	c := startCluster(t, ensemble, 1, nil)
	dpCreateTopic(c, "zstd-topic", 1, 1, "--replica-assignment", "1", "--config", "compression.type=zstd")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := protocol.Dial(ctx, c.brokers[0].Addr(), "zstd-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if code := dpProduceCodeV(t, ctx, conn, 3, "zstd-topic", 0, dpBatch(t, []byte("plain")), -1); code != 0 {
		t.Fatalf("Produce v3 of an uncompressed batch: %v", kerr.ErrorForCode(code))
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.brokers[0].Addr()), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	// Compressible enough that franz-go keeps the compressed form.
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: "zstd-topic", Value: bytes.Repeat([]byte("zstd"), 1000)}).FirstErr(); err != nil {
		t.Fatalf("produce a zstd batch: %v", err)
	}
	for v := int16(4); v <= 11; v++ {
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(v)
		req.ReplicaID, req.MaxBytes, req.SessionEpoch = -1, 1<<20, -1
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "zstd-topic"
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = 0, 1<<20, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := conn.RoundTrip(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		p := resp.(*kmsg.FetchResponse).Topics[0].Partitions[0]
		if v < 10 {
			if p.ErrorCode != kerr.UnsupportedCompressionType.Code || p.HighWatermark != -1 || len(p.RecordBatches) != 0 {
				t.Errorf("Fetch v%d: %v, high watermark %d, %d bytes; want UNSUPPORTED_COMPRESSION_TYPE, -1, none",
					v, kerr.ErrorForCode(p.ErrorCode), p.HighWatermark, len(p.RecordBatches))
			}
			continue
		}
		// Both batches are zstd: the uncompressed one was converted to
		// the topic's compression.type when it was appended.
		batches := p.RecordBatches
		for off := int64(0); off < 2; off++ {
			h, err := protocol.ParseBatchHeader(batches)
			if p.ErrorCode != 0 || err != nil || h.BaseOffset != off || h.Compression() != compress.Zstd {
				t.Errorf("Fetch v%d: %v, batch %+v (%v), want a zstd batch at offset %d", v, kerr.ErrorForCode(p.ErrorCode), h, err, off)
				break
			}
			batches = batches[h.Size():]
		}
	}
}
