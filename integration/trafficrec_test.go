package integration

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// trafficDir holds the corpus of real client traffic: one file per client
// and activity (<phase>.frames), each the request frames that client sent,
// concatenated exactly as they went on the wire (size prefix, header, body).
const trafficDir = "testdata/traffic"

// Limits that keep the corpus small and varied: frames above maxCorpusFrame
// bytes are left out, and at most maxPerVersion distinct frames are kept per
// phase, API key and version.
const (
	maxCorpusFrame = 64 << 10
	maxPerVersion  = 8
)

// trafficRecorder is a TCP proxy on loopback in front of one broker. The
// broker advertises the proxy's address, so every connection a client makes
// after bootstrapping goes through it too; the recorder keeps the request
// frames clients send, by the phase the test is in.
type trafficRecorder struct {
	t        *testing.T
	ln       net.Listener
	upstream string

	mu     sync.Mutex
	phase  string
	frames map[string][][]byte // phase -> frames, in the order sent
	seen   map[string]bool     // phase and frame without its correlation id
	count  map[string]int      // phase, api key and version -> frames kept
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newTrafficRecorder(t *testing.T) *trafficRecorder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &trafficRecorder{t: t, ln: ln, frames: map[string][][]byte{}, seen: map[string]bool{}, count: map[string]int{}}
	t.Cleanup(r.close)
	return r
}

func (r *trafficRecorder) addr() string { return r.ln.Addr().String() }

// serve forwards connections to upstream until the recorder is closed.
func (r *trafficRecorder) serve(upstream string) {
	r.upstream = upstream
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := r.ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", r.upstream, 10*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			r.wg.Add(2)
			go func() {
				defer r.wg.Done()
				_, _ = io.Copy(c, up)
				c.Close()
			}()
			go func() {
				defer r.wg.Done()
				r.pump(c, up)
				up.Close()
			}()
		}
	}()
}

// pump copies request frames from client to broker, recording each.
func (r *trafficRecorder) pump(client, up net.Conn) {
	var size [4]byte
	for {
		if _, err := io.ReadFull(client, size[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n > 100<<20 {
			return
		}
		frame := make([]byte, 4+int(n))
		copy(frame, size[:])
		if _, err := io.ReadFull(client, frame[4:]); err != nil {
			return
		}
		r.record(frame)
		if _, err := up.Write(frame); err != nil {
			return
		}
	}
}

func (r *trafficRecorder) record(frame []byte) {
	if len(frame) < 12 || len(frame) > maxCorpusFrame {
		return
	}
	key, version := binary.BigEndian.Uint16(frame[4:]), binary.BigEndian.Uint16(frame[6:])
	norm := append([]byte(nil), frame...)
	copy(norm[8:12], []byte{0, 0, 0, 0})
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.phase == "" || r.seen[r.phase+"\x00"+string(norm)] {
		return
	}
	kv := fmt.Sprintf("%s/%d/%d", r.phase, key, version)
	if r.count[kv] >= maxPerVersion {
		return
	}
	r.seen[r.phase+"\x00"+string(norm)] = true
	r.count[kv]++
	r.frames[r.phase] = append(r.frames[r.phase], frame)
}

func (r *trafficRecorder) setPhase(p string) {
	r.mu.Lock()
	r.phase = p
	r.mu.Unlock()
}

func (r *trafficRecorder) close() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// write replaces the corpus files in dir with what was recorded.
func (r *trafficRecorder) write(dir string) error {
	old, _ := filepath.Glob(filepath.Join(dir, "*.frames"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for phase, frames := range r.frames {
		if err := os.WriteFile(filepath.Join(dir, phase+".frames"), bytes.Join(frames, nil), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// summary is "phase: n frames, api keys k1 k2 ..." per phase.
func (r *trafficRecorder) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for phase, frames := range r.frames {
		keys := map[int]bool{}
		for _, f := range frames {
			keys[int(binary.BigEndian.Uint16(f[4:]))] = true
		}
		var ks []int
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Ints(ks)
		lines = append(lines, fmt.Sprintf("%s: %d frames, api keys %v", phase, len(frames), ks))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// corpusFrame is one recorded request frame and the file it came from.
type corpusFrame struct {
	source string
	raw    []byte // size prefix, header, body
}

func (f corpusFrame) apiKey() int16 { return int16(binary.BigEndian.Uint16(f.raw[4:])) }

// loadTraffic reads every corpus file in dir.
func loadTraffic(dir string) ([]corpusFrame, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.frames"))
	if err != nil {
		return nil, err
	}
	var out []corpusFrame
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		source := strings.TrimSuffix(filepath.Base(f), ".frames")
		for len(b) > 0 {
			if len(b) < 4 {
				return nil, fmt.Errorf("%s: %d trailing bytes", f, len(b))
			}
			n := int(binary.BigEndian.Uint32(b))
			if n < 8 || 4+n > len(b) {
				return nil, fmt.Errorf("%s: frame of %d bytes with %d left", f, n, len(b)-4)
			}
			out = append(out, corpusFrame{source: source, raw: b[: 4+n : 4+n]})
			b = b[4+n:]
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no frames recorded: run TestRecordTraffic with SAMSA_RECORD_TRAFFIC=1")
	}
	return out, nil
}

// TestTrafficCorpus checks that the recorded corpus parses and covers the
// APIs real clients use, so the socket fuzzer has material.
func TestTrafficCorpus(t *testing.T) {
	frames, err := loadTraffic(trafficDir)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[int16]int{}
	sources := map[string]int{}
	for _, f := range frames {
		keys[f.apiKey()]++
		sources[f.source]++
	}
	for _, want := range []int16{0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 20, 22} {
		if keys[want] == 0 {
			t.Errorf("no frame of api key %d in the corpus", want)
		}
	}
	for _, want := range []string{"kgo-produce", "kgo-group", "kadm-admin", "kcat-produce", "kcat-consume",
		"java-console-producer", "java-console-consumer", "java-kafka-topics"} {
		if sources[want] == 0 {
			t.Errorf("no frames from %s", want)
		}
	}
	t.Logf("%d frames; by api key %v; by source %v", len(frames), keys, sources)
}

// TestRecordTraffic regenerates the corpus in testdata/traffic: with
// SAMSA_RECORD_TRAFFIC=1 it runs real clients (franz-go, kcat, Kafka
// 2.4.1's Java tools) against one Samsa broker through a recording proxy.
func TestRecordTraffic(t *testing.T) {
	if os.Getenv("SAMSA_RECORD_TRAFFIC") != "1" {
		t.Skip("set SAMSA_RECORD_TRAFFIC=1 to regenerate " + trafficDir)
	}
	rec := newTrafficRecorder(t)
	c := startCluster(t, ensemble, 1, map[string]string{
		"advertised.listeners":                     "PLAINTEXT://" + rec.addr(),
		"offsets.topic.replication.factor":         "1",
		"transaction.state.log.replication.factor": "1",
		"group.initial.rebalance.delay.ms":         "0",
	})
	rec.serve(c.brokers[0].Addr())
	boot := rec.addr()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	newClient := func(opts ...kgo.Opt) *kgo.Client {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(boot)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}

	rec.setPhase("kadm-admin")
	cl := newClient()
	adm := kadm.NewClient(cl)
	logErr := func(what string, err error) {
		if err != nil {
			t.Logf("%s: %v", what, err)
		}
	}
	_, err := adm.CreateTopics(ctx, 3, 1, map[string]*string{"retention.ms": kgoStr("3600000")}, "rec-a", "rec-b")
	logErr("create topics", err)
	_, err = adm.ListTopics(ctx)
	logErr("list topics", err)
	_, err = adm.DescribeTopicConfigs(ctx, "rec-a")
	logErr("describe topic configs", err)
	_, err = adm.DescribeBrokerConfigs(ctx, 1)
	logErr("describe broker configs", err)
	_, err = adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: kgoStr("compact")}}, "rec-b")
	logErr("incremental alter configs", err)
	_, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kgoStr("7200000")}}, "rec-b")
	logErr("alter configs", err)
	_, err = adm.CreatePartitions(ctx, 1, "rec-b")
	logErr("create partitions", err)
	_, err = adm.ListStartOffsets(ctx, "rec-a")
	logErr("list start offsets", err)
	_, err = adm.ListEndOffsets(ctx, "rec-a")
	logErr("list end offsets", err)
	_, err = adm.DescribeAllLogDirs(ctx, nil)
	logErr("describe log dirs", err)
	_, err = adm.ListPartitionReassignments(ctx, nil)
	logErr("list reassignments", err)
	_, err = adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"rec-a": {0: {}, 1: {}}})
	logErr("elect leaders", err)
	cl.Close()

	rec.setPhase("kgo-produce")
	for _, codec := range []kgo.CompressionCodec{kgo.NoCompression(), kgo.GzipCompression(), kgo.SnappyCompression(),
		kgo.Lz4Compression(), kgo.ZstdCompression()} {
		prod := newClient(kgo.DefaultProduceTopic("rec-a"), kgo.ProducerBatchCompression(codec))
		var recs []*kgo.Record
		for i := 0; i < 20; i++ {
			recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("key-%d", i%4)), Value: []byte(fmt.Sprintf("value %d, compressed or not", i)),
				Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}})
		}
		if err := prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("kgo produce: %v", err)
		}
		prod.Close()
	}
	acks1 := newClient(kgo.DefaultProduceTopic("rec-b"), kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	if err := acks1.ProduceSync(ctx, &kgo.Record{Value: []byte("acks=1")}).FirstErr(); err != nil {
		t.Fatalf("kgo produce acks=1: %v", err)
	}
	acks1.Close()

	rec.setPhase("kgo-group")
	cons := newClient(kgo.ConsumerGroup("rec-group"), kgo.ConsumeTopics("rec-a"), kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(200*time.Millisecond), kgo.HeartbeatInterval(300*time.Millisecond))
	got := 0
	for got < 100 && ctx.Err() == nil {
		fs := cons.PollFetches(ctx)
		got += fs.NumRecords()
		if err := cons.CommitUncommittedOffsets(ctx); err != nil {
			t.Logf("commit: %v", err)
		}
	}
	// A few heartbeats, then Close leaves the group.
	time.Sleep(time.Second)
	cons.Close()
	if got < 100 {
		t.Fatalf("group consumer read %d records of 100", got)
	}

	rec.setPhase("kadm-admin")
	cl = newClient()
	adm = kadm.NewClient(cl)
	_, err = adm.ListGroups(ctx)
	logErr("list groups", err)
	_, err = adm.DescribeGroups(ctx, "rec-group")
	logErr("describe groups", err)
	_, err = adm.FetchOffsets(ctx, "rec-group")
	logErr("fetch offsets", err)
	_, err = adm.DeleteOffsets(ctx, "rec-group", kadm.TopicsSet{"rec-a": {0: {}}})
	logErr("offset delete", err)
	_, err = adm.DeleteGroups(ctx, "rec-group")
	logErr("delete groups", err)
	_, err = adm.OffsetForLeaderEpoch(ctx, kadm.OffsetForLeaderEpochRequest{"rec-a": {0: 0}})
	logErr("offset for leader epoch", err)
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "rec-a", Partition: 0, At: 1})
	_, err = adm.DeleteRecords(ctx, offs)
	logErr("delete records", err)
	_, err = adm.DeleteTopics(ctx, "rec-b")
	logErr("delete topics", err)
	cl.Close()

	rec.setPhase("kcat-produce")
	if run := harness.Kcat(t, "k1:one\nk2:two\nthree\n", "-b", boot, "-t", "rec-a", "-P", "-K:", "-z", "snappy"); run.ExitCode != 0 {
		t.Fatalf("kcat produce: %+v", run)
	}
	rec.setPhase("kcat-consume")
	if run := harness.Kcat(t, "", "-b", boot, "-t", "rec-a", "-C", "-e", "-q", "-o", "beginning"); run.ExitCode != 0 {
		t.Fatalf("kcat consume: %+v", run)
	}

	rec.setPhase("java-console-producer")
	if run := harness.KafkaToolInput(t, "java one\njava two\n", "kafka.tools.ConsoleProducer", "--broker-list", boot,
		"--topic", "rec-a", "--compression-codec", "gzip"); run.ExitCode != 0 {
		t.Fatalf("console producer: %+v", run)
	}
	rec.setPhase("java-console-consumer")
	if run := harness.KafkaTool(t, "kafka.tools.ConsoleConsumer", "--bootstrap-server", boot, "--topic", "rec-a",
		"--from-beginning", "--max-messages", "10", "--timeout-ms", "30000", "--group", "rec-console"); run.ExitCode != 0 {
		t.Fatalf("console consumer: %+v", run)
	}
	rec.setPhase("java-kafka-topics")
	for _, args := range [][]string{
		{"--create", "--topic", "rec-java", "--partitions", "2", "--replication-factor", "1", "--config", "segment.bytes=1048576"},
		{"--list"},
		{"--describe", "--topic", "rec-java"},
		{"--alter", "--topic", "rec-java", "--partitions", "3"},
		{"--delete", "--topic", "rec-java"},
	} {
		run := harness.KafkaTool(t, "kafka.admin.TopicCommand", append([]string{"--bootstrap-server", boot}, args...)...)
		if run.ExitCode != 0 {
			t.Logf("kafka-topics %v: %+v", args, run)
		}
	}
	rec.setPhase("")

	t.Logf("recorded:\n%s", rec.summary())
	if err := rec.write(trafficDir); err != nil {
		t.Fatal(err)
	}
}

func kgoStr(s string) *string { return &s }
