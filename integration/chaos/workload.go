package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Workload is the queue workload: Workers workers, each with one producer
// and one consumer, sending unique values to the partitions of Topic (the
// keys) and polling them.
type Workload struct {
	Seeds      []string
	Topic      string
	Partitions int32
	Workers    int
	// SubscribeEvery makes every n-th worker (1-based) consume through the
	// consumer group Group instead of assigning partitions; 0 means all
	// assign.
	SubscribeEvery int
	Group          string
	// Interval is each worker's pause between operations; it keeps the
	// load modest on a small machine.
	Interval time.Duration
	History  *History
	Log      *logrus.Entry

	values    atomic.Int64
	processes atomic.Int64
}

func (w *Workload) log() *logrus.Entry {
	if w.Log != nil {
		return w.Log
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}

// Run runs the workers until ctx ends.
func (w *Workload) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 1; i <= w.Workers; i++ {
		mode := Assign
		if w.SubscribeEvery > 0 && i%w.SubscribeEvery == 0 {
			mode = Subscribe
		}
		wk := &worker{w: w, id: i, mode: mode, rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
		wg.Go(func() { wk.run(ctx) })
	}
	wg.Wait()
}

// worker is one Jepsen process pair: a producer and a consumer, each
// recreated as a new process after errors or reassignment.
type worker struct {
	w    *Workload
	id   int
	mode Mode
	rng  *rand.Rand

	prod     *kgo.Client
	prodProc int
	cons     *kgo.Client
	consProc int
	epoch    atomic.Int64
}

func (k *worker) run(ctx context.Context) {
	defer k.closeProducer()
	defer k.closeConsumer()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(k.w.Interval):
		}
		var err error
		switch r := k.rng.IntN(64); {
		case r == 0:
			k.closeConsumer()
		case r < 32:
			err = k.send(ctx)
		default:
			err = k.poll(ctx)
		}
		if err != nil && ctx.Err() == nil {
			k.w.log().WithField("worker", k.id).Debug(err)
		}
	}
}

func (k *worker) closeProducer() {
	if k.prod != nil {
		k.prod.Close()
		k.prod = nil
	}
}

func (k *worker) closeConsumer() {
	if k.cons != nil {
		k.cons.Close()
		k.cons = nil
	}
}

func (k *worker) send(ctx context.Context) error {
	if k.prod == nil {
		cl, err := kgo.NewClient(
			kgo.SeedBrokers(k.w.Seeds...),
			kgo.DefaultProduceTopic(k.w.Topic),
			kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.RequiredAcks(kgo.AllISRAcks()),
			kgo.ProducerLinger(0),
			kgo.RecordDeliveryTimeout(8*time.Second),
			kgo.MetadataMinAge(250*time.Millisecond),
		)
		if err != nil {
			return fmt.Errorf("chaos: producer: %w", err)
		}
		k.prod, k.prodProc = cl, int(k.w.processes.Add(1))
	}
	v := k.w.values.Add(1)
	key := k.rng.Int32N(k.w.Partitions)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := k.prod.ProduceSync(sctx, &kgo.Record{Partition: key, Value: []byte(strconv.FormatInt(v, 10))}).First()
	op := Op{Process: k.prodProc, Type: Send, Outcome: OK, Send: Msg{Key: key, Offset: -1, Value: v}, Time: time.Now()}
	if err == nil {
		op.Send.Offset = r.Offset
	} else {
		// Every error is indeterminate: a timed-out or disconnected send
		// may still be written, and an idempotent producer that failed a
		// record starts over as a new process, as Jepsen recycles its.
		op.Outcome, op.Err = Info, err.Error()
		k.closeProducer()
	}
	k.w.History.Add(op)
	return err
}

func (k *worker) newConsumer() error {
	opts := []kgo.Opt{
		kgo.SeedBrokers(k.w.Seeds...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(300 * time.Millisecond),
		kgo.MetadataMinAge(250 * time.Millisecond),
	}
	if k.mode == Subscribe {
		bump := func(context.Context, *kgo.Client, map[string][]int32) { k.epoch.Add(1) }
		opts = append(opts,
			kgo.ConsumerGroup(k.w.Group),
			kgo.ConsumeTopics(k.w.Topic),
			kgo.DisableAutoCommit(),
			kgo.OnPartitionsAssigned(bump),
			kgo.OnPartitionsRevoked(bump),
			kgo.OnPartitionsLost(bump),
		)
	} else {
		offsets := map[int32]kgo.Offset{}
		for p := range k.w.Partitions {
			offsets[p] = kgo.NewOffset().AtStart()
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{k.w.Topic: offsets}))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("chaos: consumer: %w", err)
	}
	k.cons, k.consProc = cl, int(k.w.processes.Add(1))
	k.epoch.Add(1)
	return nil
}

func (k *worker) poll(ctx context.Context) error {
	if k.cons == nil {
		if err := k.newConsumer(); err != nil {
			return err
		}
	}
	epoch := k.epoch.Load()
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	fs := k.cons.PollFetches(pctx)
	cancel()
	var recs []*kgo.Record
	fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	var errs []error
	fs.EachError(func(_ string, _ int32, err error) {
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	})
	if len(recs) == 0 {
		return errors.Join(errs...)
	}
	if k.epoch.Load() != epoch {
		// A rebalance ran inside this poll: compare it with nothing.
		epoch = k.epoch.Load()
	}
	op := Op{Process: k.consProc, Type: Poll, Outcome: OK, Mode: k.mode, Epoch: int(epoch), Time: time.Now()}
	for _, r := range recs {
		v, err := strconv.ParseInt(string(r.Value), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("chaos: %s[%d]@%d: value %q is not ours", r.Topic, r.Partition, r.Offset, r.Value))
			continue
		}
		op.Polled = append(op.Polled, Msg{Key: r.Partition, Offset: r.Offset, Value: v})
	}
	if k.mode == Subscribe {
		// Jepsen commits synchronously before the poll completes.
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := k.cons.CommitRecords(cctx, recs...); err != nil {
			op.Err = err.Error()
			errs = append(errs, err)
		}
		cancel()
	}
	k.w.History.Add(op)
	return errors.Join(errs...)
}

// Drain is Jepsen's final phase: one new consumer assigned every key reads
// from the start until it has reached each partition's end offset as
// listed when Drain started, or until ctx ends.
func (w *Workload) Drain(ctx context.Context) error {
	adm, err := kgo.NewClient(kgo.SeedBrokers(w.Seeds...))
	if err != nil {
		return fmt.Errorf("chaos: drain: %w", err)
	}
	defer adm.Close()
	var ends kadm.ListedOffsets
	for {
		ends, err = kadm.NewClient(adm).ListEndOffsets(ctx, w.Topic)
		if err == nil {
			err = ends.Error()
		}
		if err == nil && len(ends[w.Topic]) == int(w.Partitions) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("chaos: drain: end offsets: %v: %w", err, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	want := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	for p, o := range ends[w.Topic] {
		want[p] = o.Offset
		offsets[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(w.Seeds...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{w.Topic: offsets}),
		kgo.FetchMaxWait(300*time.Millisecond))
	if err != nil {
		return fmt.Errorf("chaos: drain: %w", err)
	}
	defer cl.Close()
	proc := int(w.processes.Add(1))
	next := map[int32]int64{}
	for {
		done := true
		for p, end := range want {
			if next[p] < end {
				done = false
			}
		}
		if done {
			return nil
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("chaos: drain: positions %v short of end offsets %v: %w", next, want, ctx.Err())
		}
		op := Op{Process: proc, Type: Poll, Outcome: OK, Mode: Assign, Time: time.Now()}
		fs.EachRecord(func(r *kgo.Record) {
			if v, err := strconv.ParseInt(string(r.Value), 10, 64); err == nil {
				op.Polled = append(op.Polled, Msg{Key: r.Partition, Offset: r.Offset, Value: v})
			}
			next[r.Partition] = r.Offset + 1
		})
		if len(op.Polled) > 0 {
			w.History.Add(op)
		}
	}
}
