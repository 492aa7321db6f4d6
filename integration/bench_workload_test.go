package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/internal/benchreport"
)

// The workloads of the full benchmark: the perf tools, the end-to-end
// latency tool and in-process group consumers, each returning the figures
// they printed.

// producerFigures is the final line of kafka-producer-perf-test.
type producerFigures struct {
	records              int64
	recPerSec, mibPerSec float64
	avgMs, maxMs         float64
	p50, p95, p99, p999  float64
	capped               bool
	requested            int
}

var producerFinal = regexp.MustCompile(`(?m)^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th\.$`)

func parseProducer(out string) (producerFigures, error) {
	m := producerFinal.FindAllStringSubmatch(out, -1)
	if m == nil {
		return producerFigures{}, fmt.Errorf("no final line in producer output:\n%s", out)
	}
	last := m[len(m)-1]
	var f producerFigures
	f.records, _ = strconv.ParseInt(last[1], 10, 64)
	vals := make([]float64, 9)
	for i := 2; i <= 9; i++ {
		vals[i-2], _ = strconv.ParseFloat(last[i], 64)
	}
	f.recPerSec, f.mibPerSec, f.avgMs, f.maxMs = vals[0], vals[1], vals[2], vals[3]
	f.p50, f.p95, f.p99, f.p999 = vals[4], vals[5], vals[6], vals[7]
	return f, nil
}

// sendException is the first line of the exception a producer perf tool
// prints for each failed send (Java's printStackTrace, and Samsa's tool
// after it).
var sendException = regexp.MustCompile(`(?m)^[\w.$]+(Exception|Error): .*$`)

// producerFailures turns failed sends into an error: both tools count them
// in their figures and exit 0, so a run whose records were refused (too
// large, say) would otherwise report the speed of failing.
func producerFailures(stderr string) error {
	m := sendException.FindAllString(stderr, -1)
	if len(m) == 0 {
		return nil
	}
	return fmt.Errorf("%d failed sends; the first: %s", len(m), m[0])
}

// producerArgv is kafka-producer-perf-test's command line; throughput -1
// is unthrottled; props are producer properties besides bootstrap.servers.
func (r *benchRun) producerArgv(topic string, n, size, throughput int, props ...string) []string {
	args := []string{"--topic", topic, "--num-records", strconv.Itoa(n), "--record-size", strconv.Itoa(size),
		"--throughput", strconv.Itoa(throughput), "--producer-props", "bootstrap.servers=" + r.c.bootstrap}
	return benchArgv(r.t, r.e.java, "kafka-producer-perf-test", append(args, props...)...)
}

// produce runs one producer to completion (or its cap).
func (r *benchRun) produce(topic string, n, size, throughput int, props ...string) producerFigures {
	r.t.Helper()
	return r.producers(1, topic, n, size, throughput, props...)[0]
}

// producers runs k producers at once, each sending n records.
func (r *benchRun) producers(k int, topic string, n, size, throughput int, props ...string) []producerFigures {
	r.t.Helper()
	argv := r.producerArgv(topic, n, size, throughput, props...)
	return r.checkProducers(runProducers(k, argv, n, r.producerCap(45*time.Second)), n)
}

// producerCap is the scaled time cap of a producer run, none for Kafka's
// Java tool (it prints nothing when interrupted).
func (r *benchRun) producerCap(base time.Duration) time.Duration {
	if r.e.java {
		return 0
	}
	return r.e.timeCap(base)
}

// producerResults are the outcomes of producers run at once.
type producerResults struct {
	figs []producerFigures
	errs []error
}

// runProducers runs k copies of a producer command line at once and parses
// their final lines. Safe off the test goroutine.
func runProducers(k int, argv []string, n int, timeCap time.Duration) producerResults {
	res := producerResults{figs: make([]producerFigures, k), errs: make([]error, k)}
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			out, err := execBench(argv, nil, timeCap)
			if err == nil {
				res.figs[i], err = parseProducer(out.stdout)
			}
			if err == nil {
				err = producerFailures(out.stderr)
			}
			res.figs[i].capped, res.figs[i].requested = out.capped, n
			res.errs[i] = err
		})
	}
	wg.Wait()
	return res
}

// checkProducers fails the test on a failed producer and notes capped ones.
func (r *benchRun) checkProducers(res producerResults, n int) []producerFigures {
	r.t.Helper()
	for i, err := range res.errs {
		if err != nil {
			r.t.Fatalf("%s producer %d: %v", r.name, i, err)
		}
		if res.figs[i].capped {
			r.note("producer stopped at its time cap after %d of %d records", res.figs[i].records, n)
		}
	}
	return res.figs
}

// consumerFigures is kafka-consumer-perf-test's CSV row.
type consumerFigures struct {
	mib, mibPerSec, records, recPerSec float64
	rebalanceMs, fetchMs               float64
	fetchMiBPerSec, fetchRecPerSec     float64
}

// consumePerf runs kafka-consumer-perf-test for n records from the start
// of topic with a new group.
func (r *benchRun) consumePerf(topic string, n int, group string) consumerFigures {
	r.t.Helper()
	// --broker-list: Kafka 2.4.1's ConsumerPerformance has no
	// --bootstrap-server yet; Samsa's tool takes both.
	out := runBenchTool(r.t, r.e.java, r.e.timeCap(45*time.Second), nil, "kafka-consumer-perf-test",
		"--broker-list", r.c.bootstrap, "--topic", topic, "--messages", strconv.Itoa(n),
		"--fetch-size", "1048576", "--group", group, "--timeout", "30000")
	row := strings.Split(lastLine(out.stdout), ", ")
	if len(row) != 10 {
		r.t.Fatalf("%s: consumer perf test row %q; output:\n%s", r.name, row, out.stdout)
	}
	v := make([]float64, 10)
	for i := 2; i < 10; i++ {
		v[i], _ = strconv.ParseFloat(row[i], 64)
	}
	if out.capped || int(v[4]) < n {
		r.note("consumer read %d of %d records", int(v[4]), n)
	}
	return consumerFigures{mib: v[2], mibPerSec: v[3], records: v[4], recPerSec: v[5], rebalanceMs: v[6], fetchMs: v[7],
		fetchMiBPerSec: v[8], fetchRecPerSec: v[9]}
}

// e2eFigures are the end-to-end latency tool's results in milliseconds.
type e2eFigures struct {
	avg, p50, p99, p999 float64
	roundTrips          int
}

var (
	e2eAvg         = regexp.MustCompile(`(?m)^Avg latency: ([\d.]+) ms$`)
	e2ePercentiles = regexp.MustCompile(`(?m)^Percentiles: 50th = (\d+), 99th = (\d+), 99.9th = (\d+)$`)
)

// endToEndArgv is the latency tool's command line and environment; the
// tool writes every round trip's nanoseconds into latFile.
func (r *benchRun) endToEndArgv(topic string, n int, acks string, size int, latFile string) (argv, env []string) {
	argv = benchArgv(r.t, r.e.java, "kafka-end-to-end-latency", r.c.bootstrap, topic, strconv.Itoa(n), acks, strconv.Itoa(size))
	return argv, []string{"SAMSA_LATENCY_FILE=" + latFile}
}

// endToEnd runs the latency tool: n round trips of one message.
func (r *benchRun) endToEnd(topic string, n int, acks string, size int) e2eFigures {
	r.t.Helper()
	f, err := r.endToEndAsync(topic, n, acks, size)()
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// endToEndAsync starts the latency tool and returns a function that waits
// for its figures (safe to call from the test goroutine only once).
// Samsa's tool reports every round trip, so the percentiles have
// sub-millisecond precision; Kafka's Java tool prints whole milliseconds,
// which are used as they are.
func (r *benchRun) endToEndAsync(topic string, n int, acks string, size int) func() (e2eFigures, error) {
	latFile := filepath.Join(r.e.scratch, r.name+"-"+topic+".latencies")
	argv, env := r.endToEndArgv(topic, n, acks, size, latFile)
	type result struct {
		out toolRunOut
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := execBench(argv, env, 0)
		done <- result{out, err}
	}()
	return func() (e2eFigures, error) {
		res := <-done
		if res.err != nil {
			return e2eFigures{}, res.err
		}
		defer os.Remove(latFile)
		return parseEndToEnd(res.out.stdout, latFile)
	}
}

func parseEndToEnd(stdout, latFile string) (e2eFigures, error) {
	if raw, err := os.ReadFile(latFile); err == nil {
		var ms []float64
		for _, l := range strings.Fields(string(raw)) {
			ns, err := strconv.ParseInt(l, 10, 64)
			if err != nil {
				return e2eFigures{}, fmt.Errorf("latency file line %q: %w", l, err)
			}
			ms = append(ms, float64(ns)/1e6)
		}
		if len(ms) == 0 {
			return e2eFigures{}, fmt.Errorf("latency file %s is empty", latFile)
		}
		var sum float64
		for _, v := range ms {
			sum += v
		}
		slices.Sort(ms)
		return e2eFigures{avg: sum / float64(len(ms)), p50: benchreport.Percentile(ms, 0.5), p99: benchreport.Percentile(ms, 0.99),
			p999: benchreport.Percentile(ms, 0.999), roundTrips: len(ms)}, nil
	}
	a, p := e2eAvg.FindStringSubmatch(stdout), e2ePercentiles.FindStringSubmatch(stdout)
	if a == nil || p == nil {
		return e2eFigures{}, fmt.Errorf("no results in the latency tool's output:\n%s", stdout)
	}
	var f e2eFigures
	f.avg, _ = strconv.ParseFloat(a[1], 64)
	f.p50, _ = strconv.ParseFloat(p[1], 64)
	f.p99, _ = strconv.ParseFloat(p[2], 64)
	f.p999, _ = strconv.ParseFloat(p[3], 64)
	return f, nil
}

// groupLoad is k franz-go consumers in one group reading a topic from its
// start while the run produces into it, the consumer side of S3 and S4.
type groupLoad struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	records atomic.Int64
	bytes   atomic.Int64
	last    atomic.Int64 // UnixNano of the latest record received
	clients []*kgo.Client
}

func (r *benchRun) startGroupLoad(k int, topic string) *groupLoad {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := &groupLoad{cancel: cancel}
	for range k {
		cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(r.c.bootstrap, ",")...),
			kgo.ConsumerGroup(r.name+"-group"), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxPartitionBytes(1<<20))
		if err != nil {
			cancel()
			r.t.Fatal(err)
		}
		g.clients = append(g.clients, cl)
		g.wg.Go(func() {
			for ctx.Err() == nil {
				fs := cl.PollFetches(ctx)
				var n, b int64
				fs.EachRecord(func(rec *kgo.Record) {
					n++
					b += int64(len(rec.Value))
				})
				if n > 0 {
					g.records.Add(n)
					g.bytes.Add(b)
					g.last.Store(time.Now().UnixNano())
				}
			}
		})
	}
	return g
}

// waitFor waits until the group has read want records or timeout passed,
// and reports whether it got them all.
func (g *groupLoad) waitFor(want int64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for g.records.Load() < want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func (g *groupLoad) stop() {
	g.cancel()
	g.wg.Wait()
	for _, cl := range g.clients {
		cl.Close()
	}
}
