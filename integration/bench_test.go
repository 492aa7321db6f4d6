package integration

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestBenchQuick is the quick produce/consume benchmark of
// docs/benchmarks.md. It only runs when SAMSA_BENCH names the brokers to
// measure ("samsa" or "kafka"); SAMSA_BENCH_TOOLS=java swaps Samsa's perf
// tools for Apache Kafka's; SAMSA_BENCH_RECORDS sets the records per
// run (default 200000 of 1 KiB). It starts three brokers and, after an
// unrecorded warm-up, for RF 1 and RF 3 runs kafka-producer-perf-test then
// kafka-consumer-perf-test against a 6-partition topic, printing one
// "BENCH" line per scenario with the tools' figures, the brokers' peak RSS
// and their CPU time per GiB of payload. It asserts only that every record
// was produced and consumed, never a rate.
func TestBenchQuick(t *testing.T) {
	kind := os.Getenv("SAMSA_BENCH")
	if kind == "" {
		t.Skip("set SAMSA_BENCH=samsa or SAMSA_BENCH=kafka to run the benchmark")
	}
	records := 200000
	if v := os.Getenv("SAMSA_BENCH_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("SAMSA_BENCH_RECORDS: %v", err)
		}
		records = n
	}
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	var addrs []string
	var pids []int
	for id := int32(1); id <= 3; id++ {
		switch kind {
		case "samsa":
			b := harness.StartBroker(t, harness.BrokerOpts{ID: id, ZK: zkConnect})
			addrs = append(addrs, b.Addr())
			pids = append(pids, pidOf(t, b.PropertiesPath()))
		case "kafka":
			addr, pid := startKafkaBrokerDefaultHeap(t, id, zkConnect)
			addrs = append(addrs, addr)
			pids = append(pids, pid)
		default:
			t.Fatalf("SAMSA_BENCH=%q: want samsa or kafka", kind)
		}
	}
	harness.WaitCluster(t, zkConnect, 1, 2, 3)
	bootstrap := strings.Join(addrs, ",")

	// An unrecorded warm-up: the JVM's JIT, the group coordinator's
	// __consumer_offsets and every client connection are ready before the
	// measured runs, for Kafka and Samsa alike.
	warm := strconv.Itoa(min(records, 20000))
	createBenchTopic(t, bootstrap, "bench-warmup", 6, 3)
	benchTool(t, "kafka-producer-perf-test", "--topic", "bench-warmup", "--num-records", warm,
		"--record-size", "1024", "--throughput", "-1", "--producer-props", "bootstrap.servers="+bootstrap, "acks=1")
	benchTool(t, "kafka-consumer-perf-test", "--broker-list", bootstrap, "--topic", "bench-warmup",
		"--messages", warm, "--timeout", "30000")

	for _, rf := range []int16{1, 3} {
		topic := fmt.Sprintf("bench-rf%d", rf)
		createBenchTopic(t, bootstrap, topic, 6, rf)
		cpuStart := cpuSeconds(t, pids)
		prod := benchTool(t, "kafka-producer-perf-test", "--topic", topic, "--num-records", strconv.Itoa(records),
			"--record-size", "1024", "--throughput", "-1", "--producer-props", "bootstrap.servers="+bootstrap, "acks=1")
		final := lastLine(prod)
		m := regexp.MustCompile(`^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th\.$`).FindStringSubmatch(final)
		if m == nil || m[1] != strconv.Itoa(records) {
			t.Fatalf("producer perf test, RF %d: final line %q; output:\n%s", rf, final, prod)
		}
		cpuProduce := cpuSeconds(t, pids) - cpuStart
		cons := benchTool(t, "kafka-consumer-perf-test", "--broker-list", bootstrap, "--topic", topic,
			"--messages", strconv.Itoa(records), "--timeout", "30000")
		row := strings.Split(lastLine(cons), ", ")
		if len(row) != 10 || row[4] != strconv.Itoa(records) {
			t.Fatalf("consumer perf test, RF %d: row %q; output:\n%s", rf, row, cons)
		}
		cpuConsume := cpuSeconds(t, pids) - cpuStart - cpuProduce
		gib := float64(records) * 1024 / (1 << 30)
		var rss []string
		for _, pid := range pids {
			rss = append(rss, fmt.Sprintf("%d", peakRSSMiB(t, pid)))
		}
		t.Logf("BENCH kind=%s tools=%s rf=%d records=%d produce_MBps=%s produce_recps=%s p50_ms=%s p99_ms=%s consume_MBps=%s consume_fetch_MBps=%s rebalance_ms=%s peak_rss_MiB=%s broker_cpu_s_per_GiB produce=%.2f consume=%.2f",
			kind, cmp.Or(os.Getenv("SAMSA_BENCH_TOOLS"), "go"), rf, records, m[3], m[2], m[6], m[8], row[3], row[8], row[6], strings.Join(rss, "/"), cpuProduce/gib, cpuConsume/gib)
	}
}

// javaToolClass names the Java class behind each perf tool, for
// SAMSA_BENCH_TOOLS=java.
var javaToolClass = map[string]string{
	"kafka-producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
	"kafka-consumer-perf-test": "kafka.tools.ConsumerPerformance",
}

// benchTool runs a perf tool and returns its standard output: Samsa's, or
// with SAMSA_BENCH_TOOLS=java Apache Kafka 2.4.1's own (same flags, same
// output lines), to tell client costs from broker costs.
func benchTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	if os.Getenv("SAMSA_BENCH_TOOLS") == "java" {
		libs, err := harness.KafkaLibs()
		if err != nil {
			t.Fatal(err)
		}
		// The JVM options of kafka-producer-perf-test.sh and
		// kafka-consumer-perf-test.sh (-Xmx512M through kafka-run-class.sh).
		jvm := []string{"-Xmx512M", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
			"-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
			"-Dlog4j.configuration=file:" + writeWarnLog4j(t), "-cp", filepath.Join(libs, "*"), javaToolClass[name]}
		cmd = exec.CommandContext(ctx, "java", append(jvm, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, harness.Bin(t, name), args...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// createBenchTopic creates a topic and waits until every partition has a
// leader that answers metadata.
func createBenchTopic(t *testing.T, bootstrap, topic string, partitions int32, rf int16) {
	t.Helper()
	createBenchTopicConfigs(t, bootstrap, topic, partitions, rf, nil)
}

// createBenchTopicConfigs is createBenchTopic with topic configs
// (min.insync.replicas, ...).
func createBenchTopicConfigs(t *testing.T, bootstrap, topic string, partitions int32, rf int16, configs map[string]*string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(bootstrap, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, rf, configs, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	eventually(t, time.Minute, "leaders of "+topic, func() error {
		md, err := adm.Metadata(ctx, topic)
		if err != nil {
			return err
		}
		td := md.Topics[topic]
		if len(td.Partitions) != int(partitions) {
			return fmt.Errorf("%d partitions", len(td.Partitions))
		}
		for _, p := range td.Partitions {
			if p.Leader < 0 || len(p.ISR) != int(rf) {
				return fmt.Errorf("partition %d: leader %d isr %v", p.Partition, p.Leader, p.ISR)
			}
		}
		// Every broker's metadata cache must know the topic too: a tool
		// asking another broker would otherwise see no topic and try to
		// create it (Kafka's brokers update their caches one by one).
		for _, b := range md.Brokers {
			req := kmsg.NewPtrMetadataRequest()
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(topic)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, cl.Broker(int(b.NodeID)))
			if err != nil {
				return err
			}
			if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 || len(resp.Topics[0].Partitions) != int(partitions) {
				return fmt.Errorf("broker %d does not know %s yet", b.NodeID, topic)
			}
		}
		return nil
	})
}

// startKafkaBrokerDefaultHeap runs Apache Kafka 2.4.1's broker with the JVM
// settings of its start scripts (kafka-server-start.sh's -Xmx1G -Xms1G and
// kafka-run-class.sh's G1 options), which the harness does not use: it
// trims the heap for functional tests.
func startKafkaBrokerDefaultHeap(t *testing.T, id int32, zkConnect string) (addr string, pid int) {
	t.Helper()
	addr, pid, _ = startKafkaBench(t, id, zkConnect, nil)
	return addr, pid
}

// startKafkaBench is startKafkaBrokerDefaultHeap with extra
// server.properties entries; it also returns when the JVM was started, for
// the start-up time.
func startKafkaBench(t *testing.T, id int32, zkConnect string, extra map[string]string) (addr string, pid int, started time.Time) {
	t.Helper()
	libs, err := harness.KafkaLibs()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host := fmt.Sprintf("127.0.0.%d", 30+id)
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	props := fmt.Sprintf("broker.id=%d\nlisteners=PLAINTEXT://%s\nlog.dirs=%s\nzookeeper.connect=%s\n",
		id, addr, filepath.Join(dir, "kafka-logs"), zkConnect)
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		props += k + "=" + extra[k] + "\n"
	}
	propsPath := filepath.Join(dir, "server.properties")
	logConf := writeWarnLog4j(t)
	if err := os.WriteFile(propsPath, []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "kafkaServer.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("java", "-Xmx1G", "-Xms1G", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
		"-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
		"-Dlog4j.configuration=file:"+logConf, "-cp", filepath.Join(libs, "*"), "kafka.Kafka", propsPath)
	cmd.Stdout, cmd.Stderr = out, out
	started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		out.Close()
	})
	eventually(t, time.Minute, "Kafka broker listening on "+addr, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return addr, cmd.Process.Pid, started
}

// pidOf finds the process whose command line names path (a broker's
// properties file).
func pidOf(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(path)) {
			return pid
		}
	}
	t.Fatalf("no process runs with %s", path)
	return 0
}

// peakRSSMiB reads a process's peak resident set (VmHWM).
func peakRSSMiB(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb / 1024
		}
	}
	return -1
}

// writeWarnLog4j writes a log4j configuration that logs warnings and
// errors to standard error, and returns its path.
func writeWarnLog4j(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "log4j.properties")
	conf := "log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.Target=System.err\n" +
		"log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times; it is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds sums the user and system CPU time the processes have used.
func cpuSeconds(t *testing.T, pids []int) float64 {
	t.Helper()
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		// Fields after the parenthesised command name: state is field 3,
		// utime and stime are fields 14 and 15.
		rest := string(b[bytes.LastIndexByte(b, ')')+2:])
		f := strings.Fields(rest)
		for _, i := range []int{14 - 3, 15 - 3} {
			n, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/stat: %v", pid, err)
			}
			ticks += n
		}
	}
	return float64(ticks) / clockTicks
}
