package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka 2.4's promise with acks=all, min.insync.replicas=2, replication
// factor 3 and an idempotent producer: whatever single broker fails, every
// acknowledged record is in the log exactly once, in the order it was
// produced on its partition. Each scenario runs an idempotent acks=all
// producer and a consumer throughout a fault, watches the state znodes'
// ISR shrink and grow back, and reads every partition from the start at
// the end.

const (
	replTopic      = "replicated"
	replPartitions = 3
)

// replProps are the brokers' settings of the replication scenarios.
var replProps = map[string]string{
	"zookeeper.session.timeout.ms": "6000",
	"min.insync.replicas":          "2",
	"default.replication.factor":   "3",
	// Below the session timeout, so a frozen follower leaves the ISR by
	// its leader's hand before its session expires.
	"replica.lag.time.max.ms": "3000",
}

// ackedRecord is one record the producer got an acknowledgement for.
type ackedRecord struct {
	seq       int
	partition int32
	offset    int64
}

// replProducer produces "<seq>" values round robin over the partitions
// until stopped, remembering what was acknowledged.
type replProducer struct {
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	acked  []ackedRecord
	failed int
	errs   []error // failures other than the producer's own cancellation
}

func startReplProducer(t *testing.T, c *cluster) *replProducer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.DefaultProduceTopic(replTopic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MaxBufferedRecords(100),
		kgo.RetryTimeout(2*time.Minute),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &replProducer{cl: cl, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for seq := 0; ctx.Err() == nil; seq++ {
			r := &kgo.Record{Value: []byte(strconv.Itoa(seq)), Partition: int32(seq % replPartitions)}
			cl.Produce(ctx, r, func(r *kgo.Record, err error) {
				p.mu.Lock()
				defer p.mu.Unlock()
				if err != nil {
					p.failed++
					if !errors.Is(err, context.Canceled) {
						p.errs = append(p.errs, err)
					}
					return
				}
				n, _ := strconv.Atoi(string(r.Value))
				p.acked = append(p.acked, ackedRecord{seq: n, partition: r.Partition, offset: r.Offset})
			})
			time.Sleep(3 * time.Millisecond) // a steady stream, not a CPU hog
		}
	}()
	return p
}

func (p *replProducer) ackedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// stop ends producing and waits for every outstanding record's outcome.
func (p *replProducer) stop(t *testing.T) {
	t.Helper()
	p.cancel()
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := p.cl.Flush(ctx); err != nil {
		t.Errorf("producer flush: %v", err)
	}
	p.cl.Close()
}

// replConsumer reads the topic from the start throughout a scenario.
type replConsumer struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	seen map[int32]map[int64]string // partition -> offset -> value
	n    int
}

func startReplConsumer(t *testing.T, c *cluster) *replConsumer {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ConsumeTopics(replTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rc := &replConsumer{cancel: cancel, done: make(chan struct{}), seen: map[int32]map[int64]string{}}
	go func() {
		defer close(rc.done)
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				rc.mu.Lock()
				if rc.seen[r.Partition] == nil {
					rc.seen[r.Partition] = map[int64]string{}
				}
				rc.seen[r.Partition][r.Offset] = string(r.Value)
				rc.n++
				rc.mu.Unlock()
			})
		}
	}()
	return rc
}

func (rc *replConsumer) stop() {
	rc.cancel()
	<-rc.done
}

// isrWatch polls the state znodes and remembers the smallest ISR seen.
type isrWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	minISR int
}

// watchISR starts polling; the fault's own reads of the state znodes
// (partitionState) count too, since a follower that resumes right after
// the test saw it leave the ISR can rejoin between two polls.
func watchISR(c *cluster) *isrWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &isrWatch{cancel: cancel, done: make(chan struct{}), minISR: 3}
	c.isr = w
	go func() {
		defer close(w.done)
		for ctx.Err() == nil {
			for p := 0; p < replPartitions; p++ {
				c.partitionState(p)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return w
}

func (w *isrWatch) observe(n int) {
	w.mu.Lock()
	w.minISR = min(w.minISR, n)
	w.mu.Unlock()
}

func (w *isrWatch) stop() int {
	w.cancel()
	<-w.done
	return w.minISR
}

// partitionState reads the leader and ISR of a partition's state znode.
func (c *cluster) partitionState(p int) (leader int, isr []int, err error) {
	b, _, err := c.zk.get(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", replTopic, p))
	if err != nil {
		return -1, nil, err
	}
	var st struct {
		Leader int
		ISR    []int `json:"isr"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return -1, nil, err
	}
	if c.isr != nil {
		c.isr.observe(len(st.ISR))
	}
	return st.Leader, st.ISR, nil
}

// waitFullISR waits until every partition has a leader and all three
// replicas in its ISR.
func (c *cluster) waitFullISR(t *testing.T) {
	t.Helper()
	eventually(t, 90*time.Second, "all replicas back in the ISR", func() error {
		for p := 0; p < replPartitions; p++ {
			leader, isr, err := c.partitionState(p)
			if err != nil {
				return err
			}
			if leader < 0 || len(isr) != 3 {
				return fmt.Errorf("partition %d: leader %d, isr %v", p, leader, isr)
			}
		}
		return nil
	})
}

// waitUnderReplicated waits until some partition's ISR lacks broker id
// and checks that kafka-topics --describe --under-replicated-partitions
// lists it.
func (c *cluster) waitUnderReplicated(t *testing.T, id int) {
	t.Helper()
	var part int
	eventually(t, 60*time.Second, fmt.Sprintf("broker %d out of an ISR", id), func() error {
		for p := 0; p < replPartitions; p++ {
			leader, isr, err := c.partitionState(p)
			if err != nil {
				return err
			}
			if leader >= 0 && leader != id && !containsInt(isr, id) {
				part = p
				return nil
			}
		}
		return fmt.Errorf("broker %d is still in every ISR", id)
	})
	out := c.topics("--zookeeper", c.connect, "--describe", "--under-replicated-partitions")
	want := fmt.Sprintf("Topic: %s\tPartition: %d\t", replTopic, part)
	if out.ExitCode != 0 || !strings.Contains(out.Stdout, want) {
		t.Errorf("kafka-topics --describe --under-replicated-partitions: exit %d, want a line with %q:\n%s%s", out.ExitCode, want, out.Stdout, out.Stderr)
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// readAll reads every partition from its start to its end offset.
func (c *cluster) readAll(t *testing.T) map[int32][]ackedRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adm := c.admin()
	ends, err := adm.ListEndOffsets(ctx, replTopic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { want[o.Partition] = o.Offset })
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ConsumeTopics(replTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[int32][]ackedRecord{}
	next := map[int32]int64{}
	for {
		complete := true
		for p, end := range want {
			if next[p] < end {
				complete = false
			}
		}
		if complete {
			return got
		}
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading the topic back: %v; read up to %v of %v", ctx.Err(), next, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			n, err := strconv.Atoi(string(r.Value))
			if err != nil {
				t.Errorf("partition %d offset %d: value %q", r.Partition, r.Offset, r.Value)
			}
			got[r.Partition] = append(got[r.Partition], ackedRecord{seq: n, partition: r.Partition, offset: r.Offset})
			next[r.Partition] = r.Offset + 1
		})
	}
}

// replScenario runs one fault with a producer and a consumer running; the
// state znodes must show an ISR shrinking during it.
func replScenario(t *testing.T, fault func(t *testing.T, c *cluster)) {
	runReplScenario(t, fault, true)
}

// runReplScenario is replScenario; wantShrink false is for changes (such as
// a reassignment) that need not shrink any ISR.
func runReplScenario(t *testing.T, fault func(t *testing.T, c *cluster), wantShrink bool) {
	c := startCluster(t, ensemble, 3, replProps)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.admin().CreateTopic(ctx, replPartitions, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, replTopic)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v", err, resp.Err)
	}
	c.waitFullISR(t)

	prod := startReplProducer(t, c)
	cons := startReplConsumer(t, c)
	eventually(t, 30*time.Second, "first acknowledgements", func() error {
		if n := prod.ackedCount(); n < 200 {
			return fmt.Errorf("%d acknowledged", n)
		}
		return nil
	})
	watch := watchISR(c)
	fault(t, c)
	c.waitFullISR(t)
	before := prod.ackedCount()
	eventually(t, 60*time.Second, "acknowledgements after the fault", func() error {
		if n := prod.ackedCount(); n < before+200 {
			return fmt.Errorf("%d acknowledged, %d before", n, before)
		}
		return nil
	})
	prod.stop(t)
	minISR := watch.stop()
	log := c.readAll(t)
	total := 0
	for _, recs := range log {
		total += len(recs)
	}
	// The consumer that ran through the fault catches up with the log.
	eventually(t, 60*time.Second, "the running consumer caught up", func() error {
		cons.mu.Lock()
		defer cons.mu.Unlock()
		n := 0
		for _, offs := range cons.seen {
			n += len(offs)
		}
		if n < total {
			return fmt.Errorf("read %d distinct offsets of %d", n, total)
		}
		return nil
	})
	cons.stop()

	// Every acknowledged record exactly once, at its acknowledged offset;
	// each partition's records in the order produced.
	count := map[int]int{}
	at := map[int32]map[int64]int{}
	for p, recs := range log {
		at[p] = map[int64]int{}
		last := -1
		for _, r := range recs {
			count[r.seq]++
			at[p][r.offset] = r.seq
			if r.seq <= last {
				t.Errorf("partition %d offset %d: record %d after %d", p, r.offset, r.seq, last)
			}
			last = r.seq
		}
	}
	lost, dup, moved := 0, 0, 0
	sort.Slice(prod.acked, func(i, j int) bool { return prod.acked[i].seq < prod.acked[j].seq })
	for _, a := range prod.acked {
		switch n := count[a.seq]; {
		case n == 0:
			lost++
			if lost <= 5 {
				t.Errorf("record %d acknowledged at %d-%d is lost", a.seq, a.partition, a.offset)
			}
		case n > 1:
			dup++
			if dup <= 5 {
				t.Errorf("record %d acknowledged at %d-%d is in the log %d times", a.seq, a.partition, a.offset, n)
			}
		}
		if s, ok := at[a.partition][a.offset]; count[a.seq] > 0 && (!ok || s != a.seq) {
			moved++
			if moved <= 5 {
				t.Errorf("record %d acknowledged at %d-%d: that offset holds %d (present %v)", a.seq, a.partition, a.offset, s, ok)
			}
		}
	}
	// What the consumer saw while the fault ran is what the log holds.
	cons.mu.Lock()
	diverged := 0
	for p, offs := range cons.seen {
		for off, v := range offs {
			if s, ok := at[p][off]; !ok || strconv.Itoa(s) != v {
				diverged++
			}
		}
	}
	seen := cons.n
	cons.mu.Unlock()
	if diverged > 0 {
		t.Errorf("%d records the consumer read are not in the final log at their offsets", diverged)
	}
	for i, err := range prod.errs {
		if i < 5 {
			t.Errorf("a send failed: %v", err)
		}
	}
	if out := c.topics("--zookeeper", c.connect, "--describe", "--under-replicated-partitions"); out.ExitCode != 0 || out.Stdout != "" {
		t.Errorf("kafka-topics --describe --under-replicated-partitions after recovery: exit %d:\n%s%s", out.ExitCode, out.Stdout, out.Stderr)
	}
	if wantShrink && minISR >= 3 {
		t.Errorf("no state znode showed a shrunk ISR during the fault")
	}
	t.Logf("summary %s: acknowledged %d, lost %d, duplicated %d, misplaced %d, failed sends %d, consumer read %d (%d diverged), smallest ISR %d",
		t.Name(), len(prod.acked), lost, dup, moved, prod.failed, seen, diverged, minISR)
}

// waitDeregistered waits until a killed broker's session has expired, so
// that it can register again.
func (c *cluster) waitDeregistered(t *testing.T, id int) {
	t.Helper()
	eventually(t, 60*time.Second, fmt.Sprintf("broker %d deregistered", id), func() error {
		if c.zk.exists(fmt.Sprintf("/brokers/ids/%d", id)) {
			return fmt.Errorf("/brokers/ids/%d still exists", id)
		}
		return nil
	})
}

// stateEpoch returns the leader and leader epoch of a partition's state znode.
func (c *cluster) stateEpoch(t *testing.T, p int) (leader, epoch int) {
	t.Helper()
	m := c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", replTopic, p))
	return int(m["leader"].(float64)), int(m["leader_epoch"].(float64))
}

// leaderOf returns the broker (1-based index into c.brokers) leading p.
func (c *cluster) leaderOf(t *testing.T, p int) int {
	t.Helper()
	leader, _, err := c.partitionState(p)
	if err != nil || leader < 1 {
		t.Fatalf("leader of partition %d: %d %v", p, leader, err)
	}
	return leader
}

func TestReplicationFailover(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(t *testing.T, c *cluster)
	}{
		{"KillLeader", func(t *testing.T, c *cluster) {
			id := c.leaderOf(t, 0)
			c.brokers[id-1].Kill(syscall.SIGKILL)
			c.waitUnderReplicated(t, id)
			c.waitDeregistered(t, id)
			c.brokers[id-1].Restart()
		}},
		{"KillController", func(t *testing.T, c *cluster) {
			id, err := c.controller()
			if err != nil {
				t.Fatal(err)
			}
			c.brokers[id-1].Kill(syscall.SIGKILL)
			c.waitUnderReplicated(t, id)
			c.waitDeregistered(t, id)
			c.brokers[id-1].Restart()
		}},
		{"StopLeaderPastSession", func(t *testing.T, c *cluster) {
			id := c.leaderOf(t, 0)
			c.brokers[id-1].Kill(syscall.SIGSTOP)
			eventually(t, 60*time.Second, "a new leader of partition 0", func() error {
				if l, _, err := c.partitionState(0); err != nil || l == id || l < 0 {
					return fmt.Errorf("leader %d (%v)", l, err)
				}
				return nil
			})
			c.waitUnderReplicated(t, id)
			c.waitDeregistered(t, id) // its session expired: a stale leader
			c.brokers[id-1].Kill(syscall.SIGCONT)
		}},
		{"StopFollower", func(t *testing.T, c *cluster) {
			leader := c.leaderOf(t, 0)
			id := leader%3 + 1
			_, before := c.stateEpoch(t, 0)
			c.brokers[id-1].Kill(syscall.SIGSTOP)
			eventually(t, 60*time.Second, fmt.Sprintf("frozen follower %d out of partition 0's ISR", id), func() error {
				if _, isr, err := c.partitionState(0); err != nil || containsInt(isr, id) {
					return fmt.Errorf("isr %v (%v)", isr, err)
				}
				return nil
			})
			// While the follower is still registered only the leader can
			// have shrunk the ISR, and a leader's ISR change keeps the
			// leader epoch (the controller's bumps it).
			registered := c.zk.exists(fmt.Sprintf("/brokers/ids/%d", id))
			if l, after := c.stateEpoch(t, 0); registered && (after != before || l != leader) {
				t.Errorf("ISR shrunk with broker %d registered: leader %d epoch %d, was leader %d epoch %d", id, l, after, leader, before)
			}
			t.Logf("follower %d left the ISR while registered: %v", id, registered)
			c.waitUnderReplicated(t, id)
			c.brokers[id-1].Kill(syscall.SIGCONT)
		}},
		{"RollingRestart", func(t *testing.T, c *cluster) {
			for i, b := range c.brokers {
				if err := b.Stop(); err != nil {
					t.Errorf("broker %d: SIGTERM exit: %v", i+1, err)
				}
				c.waitUnderReplicated(t, i+1)
				b.Restart()
				c.waitFullISR(t)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { replScenario(t, tc.fault) })
	}
}
