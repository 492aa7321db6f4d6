package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/protocol"
)

// sessionLog collects what a franz-go client says about fetch sessions:
// with a broker that keeps sessions as Kafka does, it never has to reset
// or abandon one.
type sessionLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sessionLog) Level() kgo.LogLevel { return kgo.LogLevelInfo }

func (l *sessionLog) Log(_ kgo.LogLevel, msg string, kv ...any) {
	if !strings.Contains(strings.ToLower(msg), "session") {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprint(msg, kv))
}

func (l *sessionLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// sessionRecords produces n records to each of partitions of topic, values
// "<topic>/<partition>/<tag>-<i>", and returns the values.
func sessionRecords(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, partitions []int32, tag string, n int) []string {
	t.Helper()
	var recs []*kgo.Record
	var values []string
	for _, p := range partitions {
		for i := range n {
			v := fmt.Sprintf("%s/%d/%s-%d", topic, p, tag, i)
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: []byte(v)})
			values = append(values, v)
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce %s to %s: %v", tag, topic, err)
	}
	return values
}

// consumeSessionValues polls until every value in want has been seen once.
func consumeSessionValues(ctx context.Context, t *testing.T, cl *kgo.Client, want []string) {
	t.Helper()
	missing := make(map[string]bool, len(want))
	for _, v := range want {
		missing[v] = true
	}
	for len(missing) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			left := make([]string, 0, len(missing))
			for v := range missing {
				left = append(left, v)
			}
			sort.Strings(left)
			t.Fatalf("consumer: %d of %d records never arrived, e.g. %v", len(left), len(want), left[:min(len(left), 5)])
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Logf("consumer: %s-%d: %v", topic, p, err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if !strings.HasPrefix(v, r.Topic+"/") {
				t.Errorf("record %q read from topic %s", v, r.Topic)
			}
			delete(missing, v)
		})
	}
}

// TestFetchSessions: franz-go consumes through incremental fetch sessions
// while a topic gains a partition and another is dropped from the
// consumer and deleted; a raw Fetch shows the session and an empty
// incremental answer; Kafka's console consumer (sessions) and kcat
// (librdkafka) read the topic end to end.
func TestFetchSessions(t *testing.T) {
	// One broker: the console consumer's group needs __consumer_offsets
	// with a replication factor one broker can hold.
	c := startCluster(t, ensemble, 1, map[string]string{
		"offsets.topic.replication.factor": "1", "offsets.topic.num.partitions": "3", "group.initial.rebalance.delay.ms": "0"})
	addr := c.brokers[0].Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	adm := kadm.NewClient(prod)
	for topic, n := range map[string]int32{"fs-a": 2, "fs-b": 1} {
		if _, err := adm.CreateTopic(ctx, n, 1, nil, topic); err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}

	logs := &sessionLog{}
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("fs-a", "fs-b"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond),
		kgo.MetadataMinAge(100*time.Millisecond), kgo.MetadataMaxAge(time.Second), kgo.WithLogger(logs))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()

	var inA []string
	first := sessionRecords(ctx, t, prod, "fs-a", []int32{0, 1}, "first", 5)
	inA = append(inA, first...)
	consumeSessionValues(ctx, t, cons, append(first, sessionRecords(ctx, t, prod, "fs-b", []int32{0}, "first", 5)...))

	// A partition is added: the consumer's session grows.
	if _, err := adm.UpdatePartitions(ctx, 3, "fs-a"); err != nil {
		t.Fatalf("add a partition to fs-a: %v", err)
	}
	var added []string
	eventually(t, 30*time.Second, "producing to the new partition fs-a-2", func() error {
		prod.ForceMetadataRefresh()
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		defer pcancel()
		r := &kgo.Record{Topic: "fs-a", Partition: 2, Value: []byte("fs-a/2/added-0")}
		return prod.ProduceSync(pctx, r).FirstErr()
	})
	added = append(added, "fs-a/2/added-0")
	added = append(added, sessionRecords(ctx, t, prod, "fs-a", []int32{0, 1, 2}, "added", 3)...)
	inA = append(inA, added...)
	consumeSessionValues(ctx, t, cons, added)

	// fs-b leaves the consumer (forgotten in its next incremental fetch)
	// and is deleted; fs-a keeps flowing.
	cons.PurgeTopicsFromConsuming("fs-b")
	if _, err := adm.DeleteTopics(ctx, "fs-b"); err != nil {
		t.Fatalf("delete fs-b: %v", err)
	}
	last := sessionRecords(ctx, t, prod, "fs-a", []int32{0, 1, 2}, "last", 3)
	inA = append(inA, last...)
	consumeSessionValues(ctx, t, cons, last)
	if s := logs.String(); s != "" {
		t.Errorf("franz-go had to reset or give up its fetch session:\n%s", s)
	}

	t.Run("raw session", func(t *testing.T) { rawFetchSession(ctx, t, addr) })

	t.Run("console consumer", func(t *testing.T) {
		run := harness.KafkaTool(t, "kafka.tools.ConsoleConsumer", "--bootstrap-server", addr, "--topic", "fs-a",
			"--from-beginning", "--max-messages", fmt.Sprint(len(inA)), "--timeout-ms", "30000")
		sameValues(t, "console consumer", run, inA)
	})
	t.Run("kcat", func(t *testing.T) {
		run := harness.Kcat(t, "", "-b", addr, "-t", "fs-a", "-C", "-e", "-q")
		sameValues(t, "kcat", run, inA)
	})
}

// sameValues compares a tool's output lines with want, in any order.
func sameValues(t *testing.T, tool string, run toolRun, want []string) {
	t.Helper()
	got := strings.Fields(run.Stdout)
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if run.ExitCode != 0 || strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: exit %d, %d values, want %d\nstdout:\n%s\nstderr:\n%s", tool, run.ExitCode, len(got), len(w), run.Stdout, run.Stderr)
	}
}

// rawFetchSession checks the wire: a full fetch at epoch 0 gets a session
// id, an incremental fetch at epoch 1 with nothing new gets no partitions,
// a repeated epoch gets INVALID_FETCH_SESSION_EPOCH and epoch -1 closes
// the session.
func rawFetchSession(ctx context.Context, t *testing.T, addr string) {
	conn, err := protocol.Dial(ctx, addr, "fetch-sessions-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fetch := func(id, epoch int32, partitions ...int32) *kmsg.FetchResponse {
		t.Helper()
		req := kmsg.NewPtrFetchRequest()
		req.SetVersion(11)
		req.ReplicaID, req.MaxWaitMillis, req.MaxBytes = -1, 100, 1<<20
		req.SessionID, req.SessionEpoch = id, epoch
		if len(partitions) > 0 {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = "fs-a"
			for _, p := range partitions {
				rp := kmsg.NewFetchRequestTopicPartition()
				rp.Partition, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = p, 1<<20, -1, -1
				rt.Partitions = append(rt.Partitions, rp)
			}
			req.Topics = append(req.Topics, rt)
		}
		resp, err := conn.RoundTrip(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*kmsg.FetchResponse)
	}
	full := fetch(0, 0, 0, 1, 2)
	if full.ErrorCode != 0 || full.SessionID == 0 || len(full.Topics) != 1 || len(full.Topics[0].Partitions) != 3 {
		t.Fatalf("full fetch: code %d session %d, %d topics", full.ErrorCode, full.SessionID, len(full.Topics))
	}
	for _, p := range full.Topics[0].Partitions {
		if p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
			t.Fatalf("full fetch partition %d: code %d, %d bytes", p.Partition, p.ErrorCode, len(p.RecordBatches))
		}
	}
	id := full.SessionID
	// Partition 0 and 1 are re-sent at offset 0, so they return their data
	// again; partition 2 stays at offset 0 in the session, so it does too.
	// Then everything is at its end and nothing changes.
	if inc := fetch(id, 1); inc.ErrorCode != 0 || inc.SessionID != id || len(inc.Topics) != 1 || len(inc.Topics[0].Partitions) != 3 {
		t.Fatalf("incremental at epoch 1: code %d session %d topics %+v", inc.ErrorCode, inc.SessionID, inc.Topics)
	}
	// Move every partition to its high watermark: only that request's
	// partitions are named, and none has anything new.
	req := kmsg.NewPtrFetchRequest()
	req.SetVersion(11)
	req.ReplicaID, req.MaxWaitMillis, req.MaxBytes, req.SessionID, req.SessionEpoch = -1, 100, 1<<20, id, 2
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = "fs-a"
	for _, p := range full.Topics[0].Partitions {
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch, rp.LogStartOffset = p.Partition, p.HighWatermark, 1<<20, -1, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := conn.RoundTrip(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if inc := resp.(*kmsg.FetchResponse); inc.ErrorCode != 0 || inc.SessionID != id || len(inc.Topics) != 0 {
		t.Fatalf("incremental with nothing new: code %d session %d topics %+v", inc.ErrorCode, inc.SessionID, inc.Topics)
	}
	if again := fetch(id, 2); again.ErrorCode != kerr.InvalidFetchSessionEpoch.Code {
		t.Fatalf("repeated epoch: %v", kerr.ErrorForCode(again.ErrorCode))
	}
	if closed := fetch(id, -1, 0); closed.ErrorCode != 0 || closed.SessionID != 0 || len(closed.Topics) != 1 {
		t.Fatalf("closing fetch: code %d session %d", closed.ErrorCode, closed.SessionID)
	}
	if gone := fetch(id, 3); gone.ErrorCode != kerr.FetchSessionIDNotFound.Code {
		t.Fatalf("closed session: %v", kerr.ErrorForCode(gone.ErrorCode))
	}
}

// TestFetchSessionsAsKafka runs the raw session exchange against Kafka
// 2.4.1's broker and Samsa's, and compares the leader epochs ListOffsets
// v5 reports for earliest, latest and a timestamp.
func TestFetchSessionsAsKafka(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kzk := ensemble.Connect() + harness.Chroot(t)
	k := harness.StartKafkaBroker(t, harness.BrokerOpts{ID: 1, ZK: kzk})
	harness.WaitCluster(t, kzk, 1)
	s := startCluster(t, ensemble, 1, nil)

	answers := map[string][]string{}
	for _, b := range []struct{ name, addr string }{{"kafka", k.Addr()}, {"samsa", s.brokers[0].Addr()}} {
		t.Run(b.name, func(t *testing.T) {
			cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if _, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 1, nil, "fs-a"); err != nil {
				t.Fatalf("create fs-a: %v", err)
			}
			var recs []*kgo.Record
			for p := range int32(3) {
				for i := range 4 {
					recs = append(recs, &kgo.Record{Topic: "fs-a", Partition: p, Value: []byte("v"), Timestamp: time.UnixMilli(int64(1000 * (i + 1)))})
				}
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				t.Fatalf("produce to fs-a: %v", err)
			}
			rawFetchSession(ctx, t, b.addr)
			answers[b.name] = listOffsetEpochs(ctx, t, b.addr)
		})
	}
	if k, s := strings.Join(answers["kafka"], "\n"), strings.Join(answers["samsa"], "\n"); k != s {
		t.Errorf("ListOffsets v5 answers differ\nkafka:\n%s\nsamsa:\n%s", k, s)
	}
}

// listOffsetEpochs asks ListOffsets v5 for fs-a-0's earliest, latest and
// at-timestamp offsets and describes each answer.
func listOffsetEpochs(ctx context.Context, t *testing.T, addr string) []string {
	t.Helper()
	conn, err := protocol.Dial(ctx, addr, "list-offsets-test")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out []string
	for _, ts := range []int64{-2, -1, 2500, 99999} {
		req := kmsg.NewPtrListOffsetsRequest()
		req.SetVersion(5)
		req.ReplicaID = -1
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = "fs-a"
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Timestamp, rp.CurrentLeaderEpoch = ts, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := conn.RoundTrip(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		p := resp.(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
		out = append(out, fmt.Sprintf("timestamp %d: error %d offset %d leader epoch %d timestamp %d", ts, p.ErrorCode, p.Offset, p.LeaderEpoch, p.Timestamp))
	}
	return out
}
