package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/storage"
)

// A topic's compression.type decides the codec its batches are stored in,
// whatever the producer used (Kafka 2.4's LogValidator): these tests
// produce with kgo in one codec, read the segment with Kafka's
// DumpLogSegments, and consume with kgo and Kafka's console consumer.

// skipUnlessTopicCompression skips a test of topic-level compression.type
// until the value travels with the log config
// (storage.LogConfig.CompressionType), which is where the broker's produce
// path reads it; before that only the broker-wide value applies.
func skipUnlessTopicCompression(t *testing.T) {
	t.Helper()
	if _, ok := reflect.TypeOf(storage.LogConfig{}).FieldByName("CompressionType"); !ok {
		t.Skip("topic-level compression.type is not carried by storage.LogConfig yet")
	}
}

// compressionCodecs are kgo's codecs by the name DumpLogSegments prints.
var compressionCodecs = map[string]kgo.CompressionCodec{
	"NONE":   kgo.NoCompression(),
	"GZIP":   kgo.GzipCompression(),
	"SNAPPY": kgo.SnappyCompression(),
	"LZ4":    kgo.Lz4Compression(),
	"ZSTD":   kgo.ZstdCompression(),
}

// compressionCase is one topic: its compression.type ("" = no override),
// the codec the producer uses and the codec the log must hold.
type compressionCase struct {
	topic, compressionType, produced, stored string
}

// compressionRecords is one batch of records with keys (one null),
// headers, and a record older than the first, for topic.
func compressionRecords(topic string, base int64) ([]*kgo.Record, []dumpRecord) {
	var recs []*kgo.Record
	var want []dumpRecord
	deltas := []int64{0, 10, -50, 20, 30}
	for i, d := range deltas {
		value := fmt.Sprintf("%s-value-%d-%s", topic, i, strings.Repeat("abc", 60))
		r := &kgo.Record{Topic: topic, Value: []byte(value), Timestamp: time.UnixMilli(base + d)}
		w := dumpRecord{offset: int64(i), value: value, headers: "[]", timestamp: base + d}
		if i != 1 {
			w.key = fmt.Sprintf("key-%d", i)
			r.Key = []byte(w.key)
		}
		switch i {
		case 0:
			r.Headers = []kgo.RecordHeader{{Key: "h1", Value: []byte("a")}, {Key: "h2", Value: nil}}
			w.headers = "[h1,h2]"
		case 3:
			r.Headers = []kgo.RecordHeader{{Key: "h3", Value: []byte("xyz")}}
			w.headers = "[h3]"
		}
		recs = append(recs, r)
		want = append(want, w)
	}
	return recs, want
}

// compressionProducers keeps one kgo producer per codec. Records are
// flushed by hand so each call's records travel as one batch, which keeps
// the dumps of two brokers comparable batch by batch.
type compressionProducers struct {
	t       *testing.T
	addr    string
	clients map[string]*kgo.Client
}

func (p *compressionProducers) produce(ctx context.Context, codec string, recs []*kgo.Record) {
	p.t.Helper()
	cl, ok := p.clients[codec]
	if !ok {
		var err error
		cl, err = kgo.NewClient(kgo.SeedBrokers(p.addr), kgo.ProducerBatchCompression(compressionCodecs[codec]),
			kgo.ManualFlushing(), kgo.RequiredAcks(kgo.AllISRAcks()))
		if err != nil {
			p.t.Fatal(err)
		}
		p.t.Cleanup(cl.Close)
		p.clients[codec] = cl
	}
	errs := make(chan error, len(recs))
	for _, r := range recs {
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) { errs <- err })
	}
	if err := cl.Flush(ctx); err != nil {
		p.t.Fatalf("flush: %v", err)
	}
	for range recs {
		if err := <-errs; err != nil {
			p.t.Fatalf("produce %s with %s: %v", recs[0].Topic, codec, err)
		}
	}
}

func createCompressionTopic(ctx context.Context, t *testing.T, addr string, c compressionCase) {
	t.Helper()
	configs := map[string]*string{}
	if c.compressionType != "" {
		configs["compression.type"] = &c.compressionType
	}
	// The producer must find the partition led before it sends: a first
	// attempt refused while the leader is being made may leave the records
	// in two batches, and the cases compare the batches one for one.
	createLeaderTopic(ctx, t, addr, c.topic, configs)
}

// dumpBatch is what DumpLogSegments prints of one batch, less its position,
// size, CRC and producer id (which depend on the broker that wrote it).
var dumpBatchFields = regexp.MustCompile(`producerId: -?\d+ | position: \d+| size: \d+| crc: \d+`)

// partitionDump is what DumpLogSegments --deep-iteration shows of
// partition 0 of a topic: its records, the codec of each batch, and the
// batch lines without broker-dependent fields.
type partitionDump struct {
	records         []dumpRecord
	codecs, batches []string
}

// dumpPartitions dumps partition 0 of every topic with one run of
// DumpLogSegments (one JVM start, not one a topic).
func dumpPartitions(t *testing.T, logDir string, topics ...string) map[string]partitionDump {
	t.Helper()
	var files []string
	topicOf := map[string]string{}
	for _, topic := range topics {
		logs, _, _ := segmentFiles(t, filepath.Join(logDir, topic+"-0"))
		for _, f := range logs {
			topicOf[f] = topic
		}
		files = append(files, logs...)
	}
	run := harness.KafkaTool(t, "kafka.tools.DumpLogSegments", "--deep-iteration", "--print-data-log", "--files", strings.Join(files, ","))
	if run.ExitCode != 0 || strings.TrimSpace(run.Stderr) != "" {
		t.Fatalf("DumpLogSegments exit %d, stderr:\n%s", run.ExitCode, run.Stderr)
	}
	// The output is one "Dumping <file>" section per file, in order.
	sections := map[string]string{}
	var current string
	for _, line := range strings.Split(run.Stdout, "\n") {
		if f, ok := strings.CutPrefix(line, "Dumping "); ok {
			current = topicOf[f]
			continue
		}
		sections[current] += line + "\n"
	}
	out := map[string]partitionDump{}
	for _, topic := range topics {
		var d partitionDump
		d.records, _ = parseDeepDump(t, sections[topic])
		for _, line := range strings.Split(sections[topic], "\n") {
			if m := batchLine.FindStringSubmatch(line); m != nil {
				d.codecs = append(d.codecs, m[3])
				d.batches = append(d.batches, dumpBatchFields.ReplaceAllString(line, ""))
			}
		}
		out[topic] = d
	}
	return out
}

// consumeCompressed reads n records of partition 0 of topic with kgo and
// checks them against want, and that every batch came in codec.
func consumeCompressed(ctx context.Context, t *testing.T, addr, topic string, want []dumpRecord, codec string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) < len(want) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: %d of %d records: %v", topic, len(got), len(want), ctx.Err())
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Logf("fetch %s: %v", topic, err) })
		got = append(got, fs.Records()...)
	}
	for i, w := range want {
		g := got[i]
		headers := make([]string, len(g.Headers))
		for j, h := range g.Headers {
			headers[j] = h.Key
		}
		gr := dumpRecord{offset: g.Offset, key: string(g.Key), value: string(g.Value),
			headers: "[" + strings.Join(headers, ",") + "]", timestamp: g.Timestamp.UnixMilli()}
		if gr != w || (g.Key == nil) != (w.key == "") {
			t.Errorf("%s record %d: kgo read %+v, want %+v", topic, i, gr, w)
		}
		if c := kgoCodecName(g.Attrs.CompressionType()); c != codec {
			t.Errorf("%s record %d: fetched in a %s batch, want %s", topic, i, c, codec)
		}
	}
}

func kgoCodecName(c uint8) string {
	return [...]string{"NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD", "?", "?", "?"}[c&7]
}

// consoleConsume reads topic with Kafka's console consumer and compares
// its "CreateTime:ts<TAB>key<TAB>value" lines with want.
func consoleConsume(t *testing.T, addr, topic string, want []dumpRecord) {
	t.Helper()
	run := harness.KafkaTool(t, "kafka.tools.ConsoleConsumer", "--bootstrap-server", addr, "--topic", topic,
		"--from-beginning", "--max-messages", fmt.Sprint(len(want)), "--timeout-ms", "30000",
		"--property", "print.key=true", "--property", "print.timestamp=true")
	var wantLines []string
	for _, w := range want {
		key := w.key
		if key == "" {
			key = "null"
		}
		wantLines = append(wantLines, fmt.Sprintf("CreateTime:%d\t%s\t%s", w.timestamp, key, w.value))
	}
	if got := strings.TrimSpace(run.Stdout); run.ExitCode != 0 || got != strings.Join(wantLines, "\n") {
		t.Errorf("console consumer of %s: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", topic, run.ExitCode, got, strings.Join(wantLines, "\n"), run.Stderr)
	}
}

// compressionScenario creates every case's topic on the broker at addr,
// produces one batch to each and returns the records each must hold.
func compressionScenario(ctx context.Context, t *testing.T, addr string, cases []compressionCase, base int64) map[string][]dumpRecord {
	t.Helper()
	p := &compressionProducers{t: t, addr: addr, clients: map[string]*kgo.Client{}}
	want := map[string][]dumpRecord{}
	for _, c := range cases {
		createCompressionTopic(ctx, t, addr, c)
		recs, w := compressionRecords(c.topic, base)
		p.produce(ctx, c.produced, recs)
		want[c.topic] = w
	}
	return want
}

var topicCompressionCases = []compressionCase{
	{topic: "to-gzip", compressionType: "gzip", produced: "LZ4", stored: "GZIP"},
	{topic: "to-snappy", compressionType: "snappy", produced: "GZIP", stored: "SNAPPY"},
	{topic: "to-lz4", compressionType: "lz4", produced: "ZSTD", stored: "LZ4"},
	{topic: "to-zstd", compressionType: "zstd", produced: "NONE", stored: "ZSTD"},
	{topic: "to-uncompressed", compressionType: "uncompressed", produced: "SNAPPY", stored: "NONE"},
	{topic: "as-produced", compressionType: "producer", produced: "SNAPPY", stored: "SNAPPY"},
	{topic: "same-codec", compressionType: "gzip", produced: "GZIP", stored: "GZIP"},
}

// TestTopicCompressionType stores each topic's batches in its
// compression.type, checks the segments with Kafka's DumpLogSegments and
// reads them back with kgo and Kafka's console consumer; then the same
// input on Kafka 2.4.1's own broker must dump the same batches and records.
func TestTopicCompressionType(t *testing.T) {
	skipUnlessTopicCompression(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	props := map[string]string{"offsets.topic.replication.factor": "1"}
	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk, Props: props})
	harness.WaitCluster(t, zk, 1)
	base := time.Now().Add(-time.Hour).UnixMilli()
	want := compressionScenario(ctx, t, b.Addr(), topicCompressionCases, base)

	topics := make([]string, len(topicCompressionCases))
	for i, c := range topicCompressionCases {
		topics[i] = c.topic
	}
	samsa := dumpPartitions(t, b.LogDir(), topics...)
	for _, c := range topicCompressionCases {
		t.Run(c.topic, func(t *testing.T) {
			consumeCompressed(ctx, t, b.Addr(), c.topic, want[c.topic], c.stored)
			d := samsa[c.topic]
			if strings.Join(d.codecs, ",") != c.stored {
				t.Errorf("DumpLogSegments: batch codecs %v, want one %s batch", d.codecs, c.stored)
			}
			if fmt.Sprint(d.records) != fmt.Sprint(want[c.topic]) {
				t.Errorf("DumpLogSegments records:\n%+v\nwant:\n%+v", d.records, want[c.topic])
			}
		})
	}
	consoleConsume(t, b.Addr(), "to-zstd", want["to-zstd"])
	consoleConsume(t, b.Addr(), "to-uncompressed", want["to-uncompressed"])
	if t.Failed() {
		return
	}

	kzk := ensemble.Connect() + harness.Chroot(t)
	k := harness.StartKafkaBroker(t, harness.BrokerOpts{ID: 1, ZK: kzk, Props: props})
	harness.WaitCluster(t, kzk, 1)
	compressionScenario(ctx, t, k.Addr(), topicCompressionCases, base)
	kafka := dumpPartitions(t, k.LogDir(), topics...)
	for _, topic := range topics {
		s, k := samsa[topic], kafka[topic]
		if fmt.Sprint(s.batches) != fmt.Sprint(k.batches) || fmt.Sprint(s.records) != fmt.Sprint(k.records) {
			t.Errorf("%s: Samsa's batches\n%s\n%+v\ndiffer from Kafka's\n%s\n%+v", topic,
				strings.Join(s.batches, "\n"), s.records, strings.Join(k.batches, "\n"), k.records)
		}
	}
}

// TestBrokerCompressionType: the broker's compression.type applies to
// topics without an override; a topic's own value wins (checked once
// topic-level values reach the produce path, see
// skipUnlessTopicCompression).
func TestBrokerCompressionType(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk, Props: map[string]string{"compression.type": "gzip"}})
	harness.WaitCluster(t, zk, 1)
	cases := []compressionCase{
		{topic: "broker-default", produced: "LZ4", stored: "GZIP"},
		{topic: "broker-default-same", produced: "GZIP", stored: "GZIP"},
	}
	if _, ok := reflect.TypeOf(storage.LogConfig{}).FieldByName("CompressionType"); ok {
		cases = append(cases,
			compressionCase{topic: "topic-producer", compressionType: "producer", produced: "LZ4", stored: "LZ4"},
			compressionCase{topic: "topic-zstd", compressionType: "zstd", produced: "NONE", stored: "ZSTD"})
	}
	want := compressionScenario(ctx, t, b.Addr(), cases, time.Now().UnixMilli())
	var topics []string
	for _, c := range cases {
		consumeCompressed(ctx, t, b.Addr(), c.topic, want[c.topic], c.stored)
		topics = append(topics, c.topic)
	}
	dumps := dumpPartitions(t, b.LogDir(), topics...)
	for _, c := range cases {
		if codecs := dumps[c.topic].codecs; strings.Join(codecs, ",") != c.stored {
			t.Errorf("%s: DumpLogSegments batch codecs %v, want one %s batch", c.topic, codecs, c.stored)
		}
	}
}

// TestCompressionTypeAlteredLive changes a topic's compression.type with
// kafka-configs: later produces are stored in the new codec, earlier
// batches stay as they were.
func TestCompressionTypeAlteredLive(t *testing.T) {
	skipUnlessTopicCompression(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk})
	harness.WaitCluster(t, zk, 1)
	const topic = "altered"
	createCompressionTopic(ctx, t, b.Addr(), compressionCase{topic: topic})
	p := &compressionProducers{t: t, addr: b.Addr(), clients: map[string]*kgo.Client{}}
	recs, _ := compressionRecords(topic, time.Now().UnixMilli())
	p.produce(ctx, "NONE", recs)

	run := samsaTool(t, "", "kafka-configs", "--zookeeper", zk, "--alter", "--entity-type", "topics", "--entity-name", topic,
		"--add-config", "compression.type=zstd")
	if run.ExitCode != 0 {
		t.Fatalf("kafka-configs --alter: exit %d, stdout %q, stderr %q", run.ExitCode, run.Stdout, run.Stderr)
	}
	// The broker applies the change when its config change notification
	// arrives: produce until a batch is stored in zstd.
	eventually(t, time.Minute, "a produce stored in zstd after the change", func() error {
		recs, _ := compressionRecords(topic, time.Now().UnixMilli())
		p.produce(ctx, "NONE", recs)
		codecs := dumpPartitions(t, b.LogDir(), topic)[topic].codecs
		if codecs[0] != "NONE" {
			return fmt.Errorf("the first batch was rewritten: codecs %v", codecs)
		}
		if last := codecs[len(codecs)-1]; last != "ZSTD" {
			return fmt.Errorf("batch codecs %v", codecs)
		}
		return nil
	})
}

// TestBrokerCompressionTypeAlteredLive sets the cluster-wide default
// compression.type with kafka-configs --entity-default: topics without an
// override take it for later produces, a topic's own value still wins.
func TestBrokerCompressionTypeAlteredLive(t *testing.T) {
	skipUnlessTopicCompression(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk})
	harness.WaitCluster(t, zk, 1)
	const plain, own = "no-override", "own-lz4"
	createCompressionTopic(ctx, t, b.Addr(), compressionCase{topic: plain})
	createCompressionTopic(ctx, t, b.Addr(), compressionCase{topic: own, compressionType: "lz4"})
	p := &compressionProducers{t: t, addr: b.Addr(), clients: map[string]*kgo.Client{}}

	run := samsaTool(t, "", "kafka-configs", "--bootstrap-server", b.Addr(), "--alter", "--entity-type", "brokers", "--entity-default",
		"--add-config", "compression.type=snappy")
	if run.ExitCode != 0 {
		t.Fatalf("kafka-configs --alter: exit %d, stdout %q, stderr %q", run.ExitCode, run.Stdout, run.Stderr)
	}
	eventually(t, time.Minute, "the cluster default applied to a topic without an override", func() error {
		for _, topic := range []string{plain, own} {
			recs, _ := compressionRecords(topic, time.Now().UnixMilli())
			p.produce(ctx, "GZIP", recs)
		}
		dumps := dumpPartitions(t, b.LogDir(), plain, own)
		if codecs := dumps[own].codecs; slices.ContainsFunc(codecs, func(c string) bool { return c != "LZ4" }) {
			return fmt.Errorf("%s: batch codecs %v, want only LZ4", own, codecs)
		}
		if codecs := dumps[plain].codecs; codecs[len(codecs)-1] != "SNAPPY" {
			return fmt.Errorf("%s: batch codecs %v", plain, codecs)
		}
		return nil
	})
}
