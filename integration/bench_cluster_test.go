package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
	"github.com/samsa-broker/samsa/internal/benchreport"
)

// benchServerProps are the server.properties entries both broker kinds get
// on top of their defaults. group.initial.rebalance.delay.ms=0 is what
// Kafka's shipped config/server.properties sets; with the default 3 s the
// consumer figures of short runs would mostly measure that delay.
func benchServerProps() map[string]string {
	return map[string]string{"group.initial.rebalance.delay.ms": "0"}
}

// benchCluster is three brokers of one kind under their own chroot of the
// package's ensemble.
type benchCluster struct {
	kind      string
	bootstrap string
	pids      []int
	// startup is, per broker, the time from starting its process to the
	// first request it answered.
	startup []time.Duration
	// preloaded is how many records S5's preparation wrote.
	preloaded int64
}

// startBenchCluster starts three brokers of kind one after the other,
// timing each one's start-up, and waits until the cluster is formed.
func startBenchCluster(t *testing.T, kind string) *benchCluster {
	t.Helper()
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	c := &benchCluster{kind: kind}
	var addrs []string
	for id := int32(1); id <= 3; id++ {
		var addr string
		var pid int
		start := time.Now()
		switch kind {
		case benchreport.Samsa:
			b := harness.StartBroker(t, harness.BrokerOpts{ID: id, ZK: zkConnect, Props: benchServerProps()})
			addr, pid = b.Addr(), pidOf(t, b.PropertiesPath())
		case benchreport.Kafka:
			addr, pid, start = startKafkaBench(t, id, zkConnect, benchServerProps())
		default:
			t.Fatalf("unknown broker kind %q", kind)
		}
		c.startup = append(c.startup, firstServed(t, addr).Sub(start))
		addrs = append(addrs, addr)
		c.pids = append(c.pids, pid)
	}
	harness.WaitCluster(t, zkConnect, 1, 2, 3)
	c.bootstrap = strings.Join(addrs, ",")
	return c
}

// firstServed returns when addr first answered an ApiVersions request.
// A Kafka broker accepts connections before its request handlers run, so
// a successful connect is not yet a served request.
func firstServed(t *testing.T, addr string) time.Time {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DialTimeout(time.Second),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := cl.Request(ctx, kmsg.NewPtrApiVersionsRequest())
		cancel()
		if err == nil {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker %s answered no ApiVersions request: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// resetPeakRSS clears the brokers' peak resident set (VmHWM) so the next
// reading covers one run only (clear_refs "5", Linux 4.0+).
func (c *benchCluster) resetPeakRSS(t *testing.T) {
	t.Helper()
	for _, pid := range c.pids {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			t.Fatalf("reset peak RSS of %d: %v", pid, err)
		}
	}
}

// maxPeakRSS is the largest of the brokers' peak resident sets, MiB.
func (c *benchCluster) maxPeakRSS(t *testing.T) float64 {
	t.Helper()
	var m int64
	for _, pid := range c.pids {
		m = max(m, peakRSSMiB(t, pid))
	}
	return float64(m)
}

// toolRunOut is the outcome of one perf tool run.
type toolRunOut struct {
	stdout  string
	stderr  string
	capped  bool // stopped with SIGINT at the run's time cap
	elapsed time.Duration
}

// javaBenchClasses are Kafka's classes behind the tools, for
// SAMSA_BENCH_TOOLS=java.
var javaBenchClasses = map[string]string{
	"kafka-producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
	"kafka-consumer-perf-test": "kafka.tools.ConsumerPerformance",
	"kafka-end-to-end-latency": "kafka.tools.EndToEndLatency",
}

// runBenchTool runs a perf tool to completion (see execBench) and fails
// the test if it fails before its cap.
func runBenchTool(t *testing.T, java bool, timeCap time.Duration, env []string, name string, args ...string) toolRunOut {
	t.Helper()
	res, err := execBench(benchArgv(t, java, name, args...), env, timeCap)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// benchArgv is the command line of a perf tool: Samsa's binary, or with
// java Kafka 2.4.1's class with the JVM options of the tools' scripts
// (-Xmx512M through kafka-run-class.sh).
func benchArgv(t *testing.T, java bool, name string, args ...string) []string {
	t.Helper()
	if !java {
		return append([]string{harness.Bin(t, name)}, args...)
	}
	libs, err := harness.KafkaLibs()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"java", "-Xmx512M", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
		"-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
		"-Dlog4j.configuration=file:" + writeWarnLog4j(t), "-cp", filepath.Join(libs, "*"), javaBenchClasses[name]}, args...)
}

// execBench runs argv. After timeCap it is sent SIGINT: Samsa's tools then
// print their final figures for what was done so far, which keeps a slow
// broker from stretching the benchmark; a zero timeCap means none (Kafka's
// Java tools print nothing when interrupted). env adds environment
// variables. Safe to call from any goroutine.
func execBench(argv, env []string, timeCap time.Duration) (toolRunOut, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return toolRunOut{}, fmt.Errorf("%s: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var capC <-chan time.Time
	if timeCap > 0 {
		capC = time.After(timeCap)
	}
	capped := false
	var err error
	select {
	case err = <-done:
	case <-capC:
		capped = true
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err = <-done:
		case <-time.After(2 * time.Minute):
			cancel() // kills it
			err = <-done
		}
	}
	res := toolRunOut{stdout: out.String(), stderr: errb.String(), capped: capped, elapsed: time.Since(start)}
	if err != nil && !capped {
		return res, fmt.Errorf("%s: %w\nstdout:\n%s\nstderr:\n%s", strings.Join(argv, " "), err, out.String(), errb.String())
	}
	return res, nil
}
