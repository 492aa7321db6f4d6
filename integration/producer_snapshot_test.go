package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/storage"
)

// TestProducerSnapshotsKafkaReads writes a log dir with Samsa (an idempotent
// producer, small segments so that rolls write snapshots), stops Samsa
// cleanly and checks the <offset>.snapshot files, then starts Kafka 2.4.1's
// broker on the same dir: it must load Samsa's snapshot, keep serving the
// records and accept more. Kafka's own snapshot is then decoded by Samsa's
// codec, and Samsa, started again on the dir Kafka left, serves it all.
func TestProducerSnapshotsKafkaReads(t *testing.T) {
	zk := ensemble.Connect() + harness.Chroot(t)
	logDir := filepath.Join(t.TempDir(), "kafka-logs")
	props := map[string]string{"offsets.topic.replication.factor": "1", "auto.create.topics.enable": "false"}
	opts := harness.BrokerOpts{ID: 1, ZK: zk, LogDir: logDir, Props: props}
	samsa := harness.StartBroker(t, opts)
	harness.WaitCluster(t, zk, 1)
	opts.Addr = samsa.Addr()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const topic = "snap"
	withClient(t, opts.Addr, func(cl *kgo.Client) {
		segBytes := "1000"
		res, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, map[string]*string{"segment.bytes": &segBytes}, topic)
		if err != nil || res.Err != nil {
			t.Fatalf("create topic: %v %v", err, res.Err)
		}
		produceEach(ctx, t, cl, topic, "samsa", 40)
	})
	if err := samsa.Stop(); err != nil {
		t.Fatalf("stopping Samsa: %v", err)
	}

	partDir := filepath.Join(logDir, topic+"-0")
	offs := snapshotOffsets(t, partDir)
	if len(offs) < 2 || offs[len(offs)-1] != 40 {
		t.Fatalf("snapshot files at %v, want several (rolls) and the last at the log end 40", offs)
	}
	entries := readSnapshot(t, partDir, 40)
	if len(entries) != 1 || entries[0].LastSequence != 39 || entries[0].LastOffset != 39 || entries[0].ProducerEpoch != 0 {
		t.Fatalf("snapshot at 40: %+v, want one producer with last sequence and offset 39", entries)
	}

	kafka := harness.StartKafkaBroker(t, opts)
	withClient(t, opts.Addr, func(cl *kgo.Client) {
		produceEach(ctx, t, cl, topic, "kafka", 5)
		if got := consumeValues(ctx, t, opts.Addr, topic, 45); !slices.Equal(got, expectValues(40, 5)) {
			t.Fatalf("Kafka on Samsa's log dir serves %v", got)
		}
	})
	out := kafka.LogTail(1 << 20)
	want := fmt.Sprintf("Loading producer state from snapshot file '%s'", filepath.Join(partDir, "00000000000000000040.snapshot"))
	if !strings.Contains(out, want) || strings.Contains(out, "Failed to load producer snapshot") {
		t.Fatalf("Kafka did not load Samsa's snapshot (want %q in its log)", want)
	}
	// The JVM exits with 143 on SIGTERM even after a clean shutdown.
	_ = kafka.Stop()
	if !strings.Contains(kafka.LogTail(50), "shut down completed") {
		t.Fatal("Kafka did not shut down cleanly")
	}

	// Kafka's snapshot at its log end: both producers, the new one's batches last.
	kafkaSnap := readSnapshot(t, partDir, 45)
	t.Logf("Kafka's snapshot at 45: %+v", kafkaSnap)
	if len(kafkaSnap) != 2 {
		t.Fatalf("Kafka's snapshot at 45 has %d producers, want 2", len(kafkaSnap))
	}

	samsa = harness.StartBroker(t, opts)
	if got := consumeValues(ctx, t, opts.Addr, topic, 45); !slices.Equal(got, expectValues(40, 5)) {
		t.Fatalf("Samsa on Kafka's log dir serves %v", got)
	}
	_ = samsa.Stop()
}

func withClient(t *testing.T, addr string, fn func(*kgo.Client)) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	fn(cl)
}

// produceEach sends n records one at a time, so each is its own batch.
func produceEach(ctx context.Context, t *testing.T, cl *kgo.Client, topic, prefix string, n int) {
	t.Helper()
	for i := range n {
		r := &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "%s-%d", prefix, i)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce %s-%d: %v", prefix, i, err)
		}
	}
}

func expectValues(samsa, kafka int) []string {
	var out []string
	for i := range samsa {
		out = append(out, fmt.Sprintf("samsa-%d", i))
	}
	for i := range kafka {
		out = append(out, fmt.Sprintf("kafka-%d", i))
	}
	return out
}

func consumeValues(ctx context.Context, t *testing.T, addr, topic string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

func snapshotOffsets(t *testing.T, dir string) []int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, e := range ents {
		var off int64
		if _, err := fmt.Sscanf(e.Name(), "%d.snapshot", &off); err == nil && strings.HasSuffix(e.Name(), ".snapshot") {
			out = append(out, off)
		}
	}
	slices.Sort(out)
	return out
}

func readSnapshot(t *testing.T, dir string, offset int64) []storage.ProducerSnapshotEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%020d.snapshot", offset)))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := storage.DecodeProducerSnapshot(raw)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
