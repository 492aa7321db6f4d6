package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// sessionTimeout is the brokers' ZooKeeper session timeout; short so a
// pause outlasts it quickly (Kafka 2.4's default is 6 s too).
const sessionTimeout = 6 * time.Second

// chaosDuration is the workload's length: about 90 s by default, or
// SAMSA_CHAOS_DURATION (a Go duration such as 10m) for a long run.
func chaosDuration(t *testing.T) time.Duration {
	s := os.Getenv("SAMSA_CHAOS_DURATION")
	if s == "" {
		return 90 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("SAMSA_CHAOS_DURATION=%q: %v", s, err)
	}
	return d
}

// TestQueueUnderFaults runs the queue workload against three brokers with
// RF 3, min.insync.replicas=2, acks=all, idempotent producers and unclean
// election off, while the nemeses kill and pause brokers and kill
// ZooKeeper nodes, then drains every partition and checks the history:
// under those settings no anomaly may occur except poll-skip and
// nonmonotonic-poll seen by group (subscribe) consumers.
func TestQueueUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos run skipped in -short mode")
	}
	duration := chaosDuration(t)
	setupCtx, setupCancel := context.WithTimeout(context.Background(), time.Minute)
	defer setupCancel()

	// Each process runs under a uid of its own when the test is root, so
	// the firewall can cut links between them; the uids depend on the pid
	// so that two runs never share rules.
	uidBase := uint32(0)
	if os.Geteuid() == 0 {
		uidBase = 60000 + uint32(os.Getpid()%500)*10
	} else {
		t.Log("network partitions skipped: the test does not run as root, so processes cannot run under uids of their own")
	}
	ensOpts := harness.EnsembleOpts{Nodes: 3}
	clocks, err := NewClocks(ensOpts.Nodes)
	if err != nil {
		t.Logf("clock skew skipped: %v", err)
		clocks = nil
	} else {
		t.Cleanup(clocks.Close)
	}
	for i := range ensOpts.Nodes {
		if uidBase != 0 {
			ensOpts.UIDs = append(ensOpts.UIDs, uidBase+5+uint32(i))
		}
		if clocks != nil {
			ensOpts.Env = append(ensOpts.Env, clocks.Env(i))
		}
	}
	var fw *Firewall
	if uidBase != 0 {
		fw, err = NewFirewall(setupCtx)
		if err != nil {
			t.Logf("network partitions skipped: %v", err)
			fw = nil
		} else {
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := fw.Close(ctx); err != nil {
					t.Errorf("remove the firewall chain: %v", err)
				}
			})
		}
	}

	ens := harness.StartEnsembleOpts(t, ensOpts)
	zk := ens.Connect() + harness.Chroot(t)
	props := map[string]string{
		"zookeeper.session.timeout.ms":         strconv.Itoa(int(sessionTimeout / time.Millisecond)),
		"default.replication.factor":           "3",
		"min.insync.replicas":                  "2",
		"unclean.leader.election.enable":       "false",
		"auto.create.topics.enable":            "false",
		"offsets.topic.replication.factor":     "3",
		"offsets.topic.num.partitions":         "3",
		"group.initial.rebalance.delay.ms":     "0",
		"replica.lag.time.max.ms":              "10000",
		"controlled.shutdown.enable":           "true",
		"transaction.state.log.min.isr":        "2",
		"offsets.commit.required.acks":         "-1",
		"transaction.state.log.num.partitions": "3",
	}
	const topic = "queue"
	seed := uint64(time.Now().UnixNano())
	c := &Cluster{Ensemble: ens, SessionTimeout: sessionTimeout, Topic: topic, Firewall: fw, Clocks: clocks,
		Rand: rand.New(rand.NewPCG(seed, seed>>1))}
	var seeds []string
	for id := int32(1); id <= 3; id++ {
		uid := uint32(0)
		if uidBase != 0 {
			uid = uidBase + uint32(id)
		}
		b := harness.StartBroker(t, harness.BrokerOpts{ID: id, ZK: zk, Props: props, UID: uid})
		c.Brokers = append(c.Brokers, b)
		seeds = append(seeds, b.Addr())
	}
	harness.WaitCluster(t, zk, 1, 2, 3)
	c.Seeds = seeds

	const partitions = 4
	createTopic(t, seeds, topic, partitions)

	logger := logrus.New()
	logFile, err := os.Create(filepath.Join(t.TempDir(), "workload.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logger.SetOutput(logFile)
	logger.SetLevel(logrus.DebugLevel)

	h := &History{}
	w := &Workload{Seeds: seeds, Topic: topic, Partitions: partitions, Workers: 4, SubscribeEvery: 2,
		Group: "queue-group", Interval: 100 * time.Millisecond, History: h, Log: logrus.NewEntry(logger)}
	c.Workload = w
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()

	round := 0
	faults, skipped := c.Faults(func() int { return round })
	for _, why := range skipped {
		t.Logf("fault skipped: %s", why)
	}
	faults = selectFaults(t, faults, c.Rand)
	injections := runNemesis(ctx, t, faults, &round, start)
	<-done
	t.Logf("workload finished after %v; draining", time.Since(start).Round(time.Second))

	dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer dcancel()
	if err := w.Drain(dctx); err != nil {
		t.Errorf("drain: %v", err)
	}

	settings := Safe()
	res := Check(h.Ops(), settings)
	rep := Report{Duration: duration, Settings: settings, Workers: w.Workers, Partitions: partitions, Result: res, Injections: injections, Skipped: skipped,
		Start: start, Ops: h.Ops()}
	md := rep.Markdown()
	path := os.Getenv("SAMSA_CHAOS_REPORT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "chaos-report.md")
	}
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		t.Errorf("report: %v", err)
	}
	t.Logf("report written to %s:\n%s", path, md)
	for _, in := range injections {
		t.Logf("fault at %v: %s (%s) %s", in.At.Round(time.Second), in.Fault, in.Victim, in.Err)
	}

	if res.AckedSends == 0 || res.PolledMsgs == 0 {
		t.Errorf("the workload did nothing useful: %d sends acknowledged, %d records polled", res.AckedSends, res.PolledMsgs)
	}
	failures := res.Failures()
	for i, a := range failures {
		if i == 30 {
			t.Errorf("... and %d more", len(failures)-i)
			break
		}
		t.Errorf("anomaly: %v", a)
	}
}

// selectFaults returns the faults a run rotates through: those named in
// SAMSA_CHAOS_FAULTS (comma-separated keys) in that order, or else all of
// them starting at a random one, so that successive short runs, which have
// time for only some, cover every fault in turn.
func selectFaults(t *testing.T, faults []Fault, rng *rand.Rand) []Fault {
	t.Helper()
	var keys []string
	for _, f := range faults {
		keys = append(keys, f.Key)
	}
	if env := os.Getenv("SAMSA_CHAOS_FAULTS"); env != "" {
		var out []Fault
		for _, k := range strings.Split(env, ",") {
			i := slices.Index(keys, strings.TrimSpace(k))
			if i < 0 {
				t.Fatalf("SAMSA_CHAOS_FAULTS: no fault %q in this run; there are %s", k, strings.Join(keys, ", "))
			}
			out = append(out, faults[i])
		}
		return out
	}
	first := rng.IntN(len(faults))
	out := append(slices.Clone(faults[first:]), faults[:first]...)
	t.Logf("fault rotation starts at %s: %s", out[0].Key, strings.Join(append(slices.Clone(keys[first:]), keys[:first]...), ", "))
	return out
}

// runNemesis injects the faults in rotation, one at a time with a quiet
// spell between, until ctx ends; it heals every fault it injects before it
// returns, and never starts one it could not finish before ctx's deadline.
// *round counts injections, which the faults use to rotate their victims.
func runNemesis(ctx context.Context, t *testing.T, faults []Fault, round *int, start time.Time) []Injection {
	const quiet = 5 * time.Second
	deadline, _ := ctx.Deadline()
	var out []Injection
	for i := 0; ; i++ {
		f := faults[i%len(faults)]
		*round = i
		if time.Until(deadline) < quiet+f.Hold+10*time.Second {
			return out
		}
		select {
		case <-ctx.Done():
			return out
		case <-time.After(quiet):
		}
		in := Injection{Fault: f.Name, At: time.Since(start)}
		victim, err := f.Inject(ctx)
		in.Victim = victim
		if err != nil {
			in.Err = err.Error()
			t.Logf("fault at %v: %s (%s) could not be injected: %v", in.At.Round(time.Second), f.Name, victim, err)
			out = append(out, in)
			continue
		}
		t.Logf("fault at %v: %s (%s)", in.At.Round(time.Second), f.Name, victim)
		time.Sleep(f.Hold)
		if f.Probe != nil {
			pctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			in.Probe = f.Probe(pctx)
			cancel()
			t.Logf("probe at %v: %s", time.Since(start).Round(time.Second), in.Probe)
		}
		hctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := f.Heal(hctx); err != nil {
			in.Err = "heal: " + err.Error()
			t.Errorf("%s (%s): heal: %v", f.Name, victim, err)
		}
		cancel()
		in.Healed = time.Since(start)
		out = append(out, in)
	}
}

// createTopic creates topic with RF 3, min.insync.replicas=2 and unclean
// election off, and waits until every partition has a leader and a full ISR.
func createTopic(t *testing.T, seeds []string, topic string, partitions int32) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	two, off := "2", "false"
	resp, err := adm.CreateTopic(ctx, partitions, 3, map[string]*string{"min.insync.replicas": &two, "unclean.leader.election.enable": &off}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	for {
		md, err := adm.Metadata(ctx, topic)
		ready := err == nil
		var state []string
		if err == nil {
			td := md.Topics[topic]
			ready = td.Err == nil && len(td.Partitions) == int(partitions)
			for _, p := range td.Partitions {
				state = append(state, fmt.Sprintf("%d:leader %d isr %v", p.Partition, p.Leader, p.ISR))
				ready = ready && p.Leader >= 0 && len(p.ISR) == 3
			}
		}
		if ready {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("%s not ready: %v %s", topic, err, strings.Join(state, ", "))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
