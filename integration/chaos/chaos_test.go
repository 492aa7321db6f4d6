package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	ens := harness.StartEnsemble(t, 3)
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
	c := &Cluster{Ensemble: ens, SessionTimeout: sessionTimeout}
	var seeds []string
	for id := int32(1); id <= 3; id++ {
		b := harness.StartBroker(t, harness.BrokerOpts{ID: id, ZK: zk, Props: props})
		c.Brokers = append(c.Brokers, b)
		seeds = append(seeds, b.Addr())
	}
	harness.WaitCluster(t, zk, 1, 2, 3)
	c.Seeds = seeds

	const partitions = 4
	topic := "queue"
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
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()

	injections := runNemesis(ctx, t, c, start)
	<-done
	t.Logf("workload finished after %v; draining", time.Since(start).Round(time.Second))

	dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer dcancel()
	if err := w.Drain(dctx); err != nil {
		t.Errorf("drain: %v", err)
	}

	settings := Safe()
	res := Check(h.Ops(), settings)
	rep := Report{Duration: duration, Settings: settings, Workers: w.Workers, Partitions: partitions, Result: res, Injections: injections}
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

// runNemesis injects the faults in rotation, one at a time with a quiet
// spell between, until ctx ends; it heals every fault it injects before it
// returns, and never starts one it could not finish before ctx's deadline.
func runNemesis(ctx context.Context, t *testing.T, c *Cluster, start time.Time) []Injection {
	const quiet = 5 * time.Second
	round := 0
	// The victim rotates with every injection, so that kills and pauses
	// hit each broker in turn.
	faults := c.Faults(func() int { return round })
	deadline, _ := ctx.Deadline()
	var out []Injection
	for i := 0; ; i++ {
		f := faults[i%len(faults)]
		round = i
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
			out = append(out, in)
			continue
		}
		time.Sleep(f.Hold)
		hctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := f.Heal(hctx); err != nil {
			in.Err = "heal: " + err.Error()
			t.Errorf("%s (%s): heal: %v", f.Name, victim, err)
		}
		cancel()
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
