package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/internal/benchreport"
)

// TestBench is `make bench` (docs/benchmarks.md): the scenarios S1-S6 of
// the performance notes, each run three times against three Samsa brokers
// and three times against three Apache Kafka 2.4.1 brokers (default heap
// of its start script), alternating the kinds, with a disk and loopback
// probe right before each scenario. It writes bench.json, bench.md and
// bench.png into SAMSA_BENCH_REPORT (default build/bench under the module
// root). It runs only when SAMSA_BENCH_SCENARIOS is "all" or a comma list
// of scenario ids (S1,S2a,S2b,S3,S4,S5,S6,S6b). SAMSA_BENCH_SCALE (default
// 1, about 20 minutes) multiplies record counts and durations;
// SAMSA_BENCH_RUNS (default 3) sets the runs per kind; SAMSA_BENCH_TOOLS=java
// drives the brokers with Kafka's own Java tools instead of Samsa's. It
// asserts only that the tools ran, never a figure.
func TestBench(t *testing.T) {
	sel := os.Getenv("SAMSA_BENCH_SCENARIOS")
	if sel == "" {
		t.Skip("set SAMSA_BENCH_SCENARIOS=all (or e.g. S1,S6) to run the benchmark; see docs/benchmarks.md")
	}
	e := &benchEnv{t: t, scale: 1, runs: 3, java: os.Getenv("SAMSA_BENCH_TOOLS") == "java", scratch: t.TempDir()}
	if v := os.Getenv("SAMSA_BENCH_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			t.Fatalf("SAMSA_BENCH_SCALE=%q: want a positive number", v)
		}
		e.scale = f
	}
	if v := os.Getenv("SAMSA_BENCH_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SAMSA_BENCH_RUNS=%q: want a positive integer", v)
		}
		e.runs = n
	}
	outDir := os.Getenv("SAMSA_BENCH_REPORT")
	if outDir == "" {
		root, err := harness.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		outDir = filepath.Join(root, "build", "bench")
	}
	scenarios := benchScenarios()
	var chosen []benchScenario
	for _, sc := range scenarios {
		if sel == "all" || containsFold(strings.Split(sel, ","), sc.id) {
			chosen = append(chosen, sc)
		}
	}
	if len(chosen) == 0 {
		t.Fatalf("SAMSA_BENCH_SCENARIOS=%q names no scenario", sel)
	}
	meta := benchreport.Meta{
		Started:      time.Now(),
		Command:      fmt.Sprintf("make bench SCALE=%g (SAMSA_BENCH_SCENARIOS=%s SAMSA_BENCH_RUNS=%d)", e.scale, sel, e.runs),
		Scale:        e.scale,
		Tools:        "Samsa's franz-go perf tools",
		KafkaVersion: harness.KafkaVersion,
		Host:         hostSummary(),
	}
	if e.java {
		meta.Tools = "Apache Kafka 2.4.1's Java perf tools (SAMSA_BENCH_TOOLS=java)"
	}
	for _, sc := range chosen {
		meta.Scenarios = append(meta.Scenarios, benchreport.Scenario{ID: sc.id, Title: sc.title, Description: sc.desc})
	}
	e.report = benchreport.New(meta)
	// The report is written even when a scenario fails, with what was
	// measured until then. Cleanups run last-in first-out, so this one
	// runs after the brokers have been stopped.
	t.Cleanup(func() {
		e.report.Finish(time.Now())
		if err := e.report.WriteDir(outDir); err != nil {
			t.Errorf("write report: %v", err)
			return
		}
		t.Logf("report written to %s (bench.json, bench.md, bench.png)", outDir)
	})

	clusters := map[string]*benchCluster{}
	startup := benchreport.Figure{Scenario: "start-up", Name: "process start to first served request", Unit: "ms", Better: benchreport.Lower, Chart: true}
	for _, kind := range []string{benchreport.Samsa, benchreport.Kafka} {
		c := startBenchCluster(t, kind)
		for _, d := range c.startup {
			e.report.Add(startup, kind, float64(d.Microseconds())/1000)
		}
		clusters[kind] = c
		t.Logf("BENCH %s cluster up at %s; start-up %v", kind, c.bootstrap, c.startup)
	}
	for _, kind := range []string{benchreport.Samsa, benchreport.Kafka} {
		e.warmUp(clusters[kind])
	}

	for _, sc := range chosen {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		p, err := probe(ctx, sc.id, e.scratch, max(64, int(512*min(e.scale, 1))))
		cancel()
		if err != nil {
			t.Fatalf("probe before %s: %v", sc.id, err)
		}
		e.report.AddProbe(p)
		for _, l := range sc.limits(p) {
			e.report.SetLimit(l.fig, l.limit)
		}
		t.Logf("BENCH probe %s: dd %.0f MiB/s, loopback %.0f MiB/s, RTT p50 %.1f us", sc.id, p.DiskMiBps, p.LoopbackMiBs, p.RTTp50us)
		if sc.prepare != nil {
			for _, kind := range []string{benchreport.Samsa, benchreport.Kafka} {
				sc.prepare(e.newRun(sc, clusters[kind], -1))
			}
		}
		// Alternate the kinds, starting each pair with the other kind than
		// the pair before (S K, K S, S K), so neither always runs first.
		for round := 0; round < e.runs; round++ {
			order := []string{benchreport.Samsa, benchreport.Kafka}
			if round%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, kind := range order {
				e.measure(sc, clusters[kind], round)
			}
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}

// hostSummary names the CPU count, memory and kernel, for the report.
func hostSummary() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		mem = strings.Join(strings.Fields(line)[1:], " ")
	}
	return fmt.Sprintf("%d CPUs, MemTotal %s, Linux %s, %s", runtime.NumCPU(), mem, strings.TrimSpace(string(kernel)), runtime.Version())
}

// benchEnv is the state of one benchmark.
type benchEnv struct {
	t       *testing.T
	scale   float64
	runs    int
	java    bool
	scratch string
	report  *benchreport.Report
}

// n scales a record or iteration count, keeping at least floor.
func (e *benchEnv) n(base, floor int) int {
	return max(int(float64(base)*e.scale), floor)
}

// timeCap scales a run's time cap, keeping at least 15 s.
func (e *benchEnv) timeCap(base time.Duration) time.Duration {
	return max(time.Duration(float64(base)*e.scale), 15*time.Second)
}

// benchRun is one run of one scenario against one cluster.
type benchRun struct {
	e     *benchEnv
	t     *testing.T
	sc    benchScenario
	c     *benchCluster
	round int
	name  string // unique per run: topic and group names derive from it
	// bytes is the payload the run moved, for the CPU per GiB figure.
	bytes  float64
	topics []string
}

func (e *benchEnv) newRun(sc benchScenario, c *benchCluster, round int) *benchRun {
	name := fmt.Sprintf("bench-%s-%s-%d", strings.ToLower(sc.id), c.kind, round)
	if round < 0 {
		name = fmt.Sprintf("bench-%s-%s-prepared", strings.ToLower(sc.id), c.kind)
	}
	return &benchRun{e: e, t: e.t, sc: sc, c: c, round: round, name: name}
}

// measure runs one scenario once against c and records its figures plus
// the brokers' CPU time and peak RSS during the run.
func (e *benchEnv) measure(sc benchScenario, c *benchCluster, round int) {
	t := e.t
	r := e.newRun(sc, c, round)
	c.resetPeakRSS(t)
	cpu0 := cpuSeconds(t, c.pids)
	start := time.Now()
	sc.run(r)
	elapsed := time.Since(start)
	cpu := cpuSeconds(t, c.pids) - cpu0
	rss := c.maxPeakRSS(t)
	e.report.Add(benchreport.Figure{Scenario: sc.id, Name: "broker CPU (3 brokers)", Unit: "s", Better: benchreport.Lower}, c.kind, cpu)
	if r.bytes > 0 {
		e.report.Add(benchreport.Figure{Scenario: sc.id, Name: "broker CPU per GiB of payload", Unit: "s/GiB", Better: benchreport.Lower},
			c.kind, cpu/(r.bytes/(1<<30)))
	}
	e.report.Add(benchreport.Figure{Scenario: sc.id, Name: "broker peak RSS (largest of 3)", Unit: "MiB", Better: benchreport.Lower,
		Chart: sc.id == "S3"}, c.kind, rss)
	t.Logf("BENCH %s %s run %d: %v, broker CPU %.1f s, peak RSS %.0f MiB", sc.id, c.kind, round+1, elapsed.Round(time.Millisecond), cpu, rss)
	r.deleteTopics()
}

// add records one figure of this run.
func (r *benchRun) add(f benchreport.Figure, v float64) {
	f.Scenario = r.sc.id
	r.e.report.Add(f, r.c.kind, v)
}

// note records a remark about this run in the report.
func (r *benchRun) note(format string, a ...any) {
	r.e.report.Note("%s %s run %d: %s", r.sc.id, r.c.kind, r.round+1, fmt.Sprintf(format, a...))
}

// topic creates a topic for this run; suffix tells apart several topics of
// one run. configs are topic configs such as min.insync.replicas.
func (r *benchRun) topic(suffix string, partitions int32, rf int16, configs map[string]string) string {
	name := r.name + suffix
	var cfg map[string]*string
	if len(configs) > 0 {
		cfg = map[string]*string{}
		for k, v := range configs {
			cfg[k] = &v
		}
	}
	createBenchTopicConfigs(r.t, r.c.bootstrap, name, partitions, rf, cfg)
	if r.round >= 0 {
		r.topics = append(r.topics, name)
	}
	return name
}

// deleteTopics drops the run's topics, so finished runs hold neither disk
// nor page cache the next run could use. Failure only costs space.
func (r *benchRun) deleteTopics() {
	if len(r.topics) == 0 {
		return
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(r.c.bootstrap, ",")...))
	if err != nil {
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).DeleteTopics(ctx, r.topics...); err != nil {
		r.t.Logf("delete %v: %v", r.topics, err)
	}
}

// warmUp gives each cluster an unrecorded workout first, so the JVM has
// compiled its hot paths and __consumer_offsets exists before any figure
// is taken, for both kinds alike.
func (e *benchEnv) warmUp(c *benchCluster) {
	sc := benchScenario{id: "warm-up"}
	r := e.newRun(sc, c, -1)
	n := e.n(100000, 20000)
	topic := r.topic("", 6, 3, nil)
	// No short cap here: a cold JVM may be slow, and the warm-up has no
	// figure to protect.
	argv := r.producerArgv(topic, n, 1024, -1, "acks=1")
	f := r.checkProducers(runProducers(1, argv, n, 5*time.Minute), n)[0]
	r.consumePerf(topic, int(f.records), r.name+"-group")
	e2e := r.topic("-e2e", 1, 3, nil)
	r.endToEnd(e2e, e.n(1000, 200), "all", 100)
}
