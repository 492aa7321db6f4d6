package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFranzGoClient produces (idempotently) and consumes with a real
// client library against a broker on real storage.
func TestFranzGoClient(t *testing.T) {
	m := openTestManager(t, t.TempDir())
	h, stop := startReal(t, m)
	defer stop()
	c := h.dial()
	h.hostTopic(c, "t", 2)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	producer, err := kgo.NewClient(kgo.SeedBrokers(h.addr), kgo.DefaultProduceTopic("t"), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	const n = 200
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i % 7)), Value: []byte(fmt.Sprint("value-", i))})
	}
	if err := producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}

	consumer, err := kgo.NewClient(kgo.SeedBrokers(h.addr), kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	seen := map[string]bool{}
	for len(seen) < n {
		fs := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(seen), n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s-%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
	}
	for i := 0; i < n; i++ {
		if !seen[fmt.Sprint("value-", i)] {
			t.Fatalf("record %d not consumed", i)
		}
	}
}

// TestFranzGoConsumerGroup consumes with a consumer group (FindCoordinator
// creates __consumer_offsets, JoinGroup, SyncGroup, Heartbeat, OffsetCommit),
// then a second member of the same group resumes from the committed offsets.
func TestFranzGoConsumerGroup(t *testing.T) {
	dir := t.TempDir()
	h, stop := startRealConfig(t, openTestManager(t, dir), nil)
	c := h.dial()
	h.updateMetadata(c, nil, 0)
	h.hostTopic(c, "g", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var producer *kgo.Client
	newProducer := func() {
		var err error
		if producer, err = kgo.NewClient(kgo.SeedBrokers(h.addr), kgo.DefaultProduceTopic("g")); err != nil {
			t.Fatal(err)
		}
	}
	newProducer()
	produceN := func(from, n int) {
		var recs []*kgo.Record
		for i := from; i < from+n; i++ {
			recs = append(recs, &kgo.Record{Value: []byte(fmt.Sprint("v", i))})
		}
		if err := producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	consume := func(n int) []string {
		cl, err := kgo.NewClient(kgo.SeedBrokers(h.addr), kgo.ConsumeTopics("g"), kgo.ConsumerGroup("grp"),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		var got []string
		for len(got) < n {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("consumed %v, want %d records: %v", got, n, ctx.Err())
			}
			fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s-%d: %v", topic, p, err) })
			fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatalf("commit: %v", err)
		}
		return got
	}
	produceN(0, 5)
	if got := consume(5); fmt.Sprint(got) != "[v0 v1 v2 v3 v4]" {
		t.Fatalf("first member consumed %v", got)
	}
	produceN(5, 3)
	if got := consume(3); fmt.Sprint(got) != "[v5 v6 v7]" {
		t.Fatalf("second member consumed %v (should resume at the committed offset 5)", got)
	}

	// After a restart the coordinator loads the committed offsets from
	// __consumer_offsets.
	producer.Close()
	stop()
	h, stop = startRealConfig(t, openTestManager(t, dir), nil)
	defer stop()
	c = h.dial()
	h.updateMetadata(c, nil, 0)
	h.hostTopic(c, "g", 1)
	newProducer()
	defer producer.Close()
	produceN(8, 2)
	if got := consume(2); fmt.Sprint(got) != "[v8 v9]" {
		t.Fatalf("after restart consumed %v (should resume at the committed offset 8)", got)
	}
}
