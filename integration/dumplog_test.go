package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// dumpRecord is what Kafka's DumpLogSegments prints for one record.
type dumpRecord struct {
	offset     int64
	key, value string
	headers    string // headerKeys: [a,b]
	timestamp  int64
}

// deepLine matches one record line of DumpLogSegments --deep-iteration
// --print-data-log for a v2 batch.
var deepLine = regexp.MustCompile(`^\| offset: (\d+) CreateTime: (-?\d+) keysize: (-?\d+) valuesize: (-?\d+) sequence: -?\d+ headerKeys: (\[[^\]]*\])(?: key: (\S*))?(?: payload: (\S*))?$`)

// batchLine matches a batch header line and captures the codec and validity.
var batchLine = regexp.MustCompile(`^baseOffset: (\d+) lastOffset: (\d+) count: \d+ .* compresscodec: (\w+) crc: \d+ isvalid: (\w+)$`)

// TestDumpLogSegmentsReadsOurSegments writes a partition through a Samsa
// broker (several segments; keys, headers, compressed batches), stops the
// broker cleanly and has Apache Kafka's DumpLogSegments read the files: the
// same offsets, keys and values must come out, and the offset and time
// indexes must verify and pass Kafka's sanity checks.
func TestDumpLogSegmentsReadsOurSegments(t *testing.T) {
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zkConnect})
	harness.WaitCluster(t, zkConnect, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const topic = "dump"
	admin, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	segBytes, indexInterval := "1200", "200"
	resp, err := kadm.NewClient(admin).CreateTopic(ctx, 1, 1, map[string]*string{
		"segment.bytes": &segBytes, "index.interval.bytes": &indexInterval,
	}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}

	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"NONE", kgo.NoCompression()},
		{"GZIP", kgo.GzipCompression()},
		{"LZ4", kgo.Lz4Compression()},
	}
	producers := make([]*kgo.Client, len(codecs))
	for i, c := range codecs {
		p, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.DefaultProduceTopic(topic),
			kgo.ProducerBatchCompression(c.codec), kgo.RequiredAcks(kgo.AllISRAcks()))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		producers[i] = p
	}

	// 30 batches of 3 records; batch i uses codec i%3. Timestamps rise by
	// one millisecond a record so the time index has distinct entries.
	base := time.Now().Add(-time.Hour).UnixMilli()
	var want []dumpRecord
	for batch := 0; batch < 30; batch++ {
		var recs []*kgo.Record
		for j := 0; j < 3; j++ {
			n := len(want)
			r := dumpRecord{
				offset:    int64(n),
				value:     fmt.Sprintf("value-%03d-%s", n, strings.Repeat("x", 40)),
				timestamp: base + int64(n),
				headers:   "[]",
			}
			rec := &kgo.Record{Value: []byte(r.value), Timestamp: time.UnixMilli(r.timestamp)}
			if n%2 == 0 {
				r.key = fmt.Sprintf("key-%03d", n)
				rec.Key = []byte(r.key)
			}
			if n%3 == 0 {
				rec.Headers = []kgo.RecordHeader{{Key: "h1", Value: []byte("a")}, {Key: "h2", Value: nil}}
				r.headers = "[h1,h2]"
			}
			want = append(want, r)
			recs = append(recs, rec)
		}
		if err := producers[batch%len(producers)].ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("produce batch %d: %v", batch, err)
		}
	}
	if err := b.Stop(); err != nil {
		t.Fatalf("clean stop: %v", err)
	}

	dir := filepath.Join(b.LogDir(), topic+"-0")
	logs, indexes, timeIndexes := segmentFiles(t, dir)
	if len(logs) < 3 {
		t.Fatalf("want several segments with segment.bytes=%s, got %d: %v", segBytes, len(logs), logs)
	}

	run := harness.KafkaTool(t, "kafka.tools.DumpLogSegments", "--deep-iteration", "--print-data-log", "--files", strings.Join(logs, ","))
	if run.ExitCode != 0 || strings.TrimSpace(run.Stderr) != "" {
		t.Fatalf("DumpLogSegments exit %d, stderr:\n%s", run.ExitCode, run.Stderr)
	}
	got, codecsSeen := parseDeepDump(t, run.Stdout)
	if len(got) != len(want) {
		t.Fatalf("DumpLogSegments printed %d records, want %d; output:\n%s", len(got), len(want), run.Stdout)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: DumpLogSegments read %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, c := range codecs {
		if !codecsSeen[c.name] {
			t.Errorf("no batch with compresscodec: %s in the dump (codecs seen: %v)", c.name, codecsSeen)
		}
	}
	if n := strings.Count(run.Stdout, "Starting offset: "); n != len(logs) {
		t.Errorf("dumped %d segments, want %d", n, len(logs))
	}

	checks := []struct {
		name  string
		files []string
		args  []string
		want  func(file string) string // a line stdout must contain for each file
	}{
		{"verify offset index", indexes, []string{"--verify-index-only"}, nil},
		{"verify time index", timeIndexes, []string{"--verify-index-only"}, nil},
		{"offset index sanity", indexes, []string{"--index-sanity-check"}, func(f string) string { return f + " passed sanity check." }},
		{"time index sanity", timeIndexes, []string{"--index-sanity-check"}, func(f string) string { return f + " passed sanity check." }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{}, c.args...), "--files", strings.Join(c.files, ","))
			run := harness.KafkaTool(t, "kafka.tools.DumpLogSegments", args...)
			if run.ExitCode != 0 || strings.TrimSpace(run.Stderr) != "" {
				t.Fatalf("DumpLogSegments %v: exit %d, stderr:\n%s\nstdout:\n%s", c.args, run.ExitCode, run.Stderr, run.Stdout)
			}
			for _, f := range c.files {
				if !strings.Contains(run.Stdout, "Dumping "+f+"\n") {
					t.Errorf("no \"Dumping %s\" line; stdout:\n%s", f, run.Stdout)
				}
				if c.want != nil && !containsLine(run.Stdout, c.want(f)) {
					t.Errorf("missing %q; stdout:\n%s", c.want(f), run.Stdout)
				}
			}
		})
	}

	// Without --verify-index-only the entries are printed: every indexed
	// offset is the last offset of a batch, as Kafka's LogSegment writes them.
	run = harness.KafkaTool(t, "kafka.tools.DumpLogSegments", "--files", strings.Join(indexes, ","))
	if run.ExitCode != 0 || strings.TrimSpace(run.Stderr) != "" {
		t.Fatalf("DumpLogSegments of the indexes: exit %d, stderr:\n%s", run.ExitCode, run.Stderr)
	}
	if !strings.Contains(run.Stdout, "offset: ") {
		t.Errorf("no offset index entries with index.interval.bytes=%s; stdout:\n%s", indexInterval, run.Stdout)
	}
}

// segmentFiles lists a partition directory's segment files by kind, sorted.
func segmentFiles(t *testing.T, dir string) (logs, indexes, timeIndexes []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch filepath.Ext(e.Name()) {
		case ".log":
			logs = append(logs, p)
		case ".index":
			indexes = append(indexes, p)
		case ".timeindex":
			timeIndexes = append(timeIndexes, p)
		}
	}
	sort.Strings(logs)
	sort.Strings(indexes)
	sort.Strings(timeIndexes)
	if len(indexes) != len(logs) || len(timeIndexes) != len(logs) {
		t.Fatalf("%s: %d logs, %d indexes, %d time indexes", dir, len(logs), len(indexes), len(timeIndexes))
	}
	return logs, indexes, timeIndexes
}

// parseDeepDump reads the record lines of a deep dump and the codecs of
// its batches; a batch that Kafka finds invalid fails the test.
func parseDeepDump(t *testing.T, out string) ([]dumpRecord, map[string]bool) {
	t.Helper()
	var recs []dumpRecord
	codecs := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "invalid bytes") {
			t.Errorf("DumpLogSegments: %s", line)
		}
		if m := batchLine.FindStringSubmatch(line); m != nil {
			codecs[m[3]] = true
			if m[4] != "true" {
				t.Errorf("invalid batch: %s", line)
			}
			continue
		}
		if !strings.HasPrefix(line, "| offset:") {
			continue
		}
		m := deepLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("unexpected record line: %s", line)
			continue
		}
		off, _ := strconv.ParseInt(m[1], 10, 64)
		ts, _ := strconv.ParseInt(m[2], 10, 64)
		recs = append(recs, dumpRecord{offset: off, timestamp: ts, headers: m[5], key: m[6], value: m[7]})
	}
	return recs, codecs
}
