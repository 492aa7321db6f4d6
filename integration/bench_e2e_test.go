package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestEndToEndLatencyTool runs Samsa's kafka-end-to-end-latency and Kafka
// 2.4.1's kafka.tools.EndToEndLatency with the same arguments against one
// Samsa broker and checks both print the same lines (numbers aside), that
// the missing topic is created as the Java tool does, and that
// SAMSA_LATENCY_FILE holds one nanosecond latency per round trip.
func TestEndToEndLatencyTool(t *testing.T) {
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	// One broker: the tools commit their offsets to a one-replica
	// __consumer_offsets.
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zkConnect, Props: map[string]string{"offsets.topic.replication.factor": "1"}})
	harness.WaitCluster(t, zkConnect, 1)

	// shape replaces every number by N so the two tools' outputs compare.
	shape := func(s string) string {
		return regexp.MustCompile(`\d+(\.\d+)?`).ReplaceAllString(s, "N")
	}
	const want = "Topic \"T\" does not exist. Will create topic with N partition(s) and replication factor = N\n" +
		"N\tN\nN\tN\nAvg latency: N ms\n\nPercentiles: Nth = N, Nth = N, Nth = N\n"

	latFile := filepath.Join(t.TempDir(), "latencies")
	t.Setenv("SAMSA_LATENCY_FILE", latFile)
	ours := samsaTool(t, "", "kafka-end-to-end-latency", b.Addr(), "lat-samsa", "1500", "1", "100")
	if ours.ExitCode != 0 {
		t.Fatalf("kafka-end-to-end-latency: exit %d\n%s%s", ours.ExitCode, ours.Stdout, ours.Stderr)
	}
	if got := shape(strings.ReplaceAll(ours.Stdout, "lat-samsa", "T")); got != want {
		t.Errorf("Samsa's tool printed\n%s\nshape %q, want %q", ours.Stdout, got, want)
	}
	raw, err := os.ReadFile(latFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(raw))
	if len(lines) != 1500 {
		t.Fatalf("SAMSA_LATENCY_FILE has %d lines, want 1500", len(lines))
	}
	for _, l := range lines {
		if n, err := strconv.ParseInt(l, 10, 64); err != nil || n <= 0 {
			t.Fatalf("SAMSA_LATENCY_FILE line %q", l)
		}
	}

	java := harness.KafkaTool(t, "kafka.tools.EndToEndLatency", b.Addr(), "lat-java", "1500", "all", "100")
	if java.ExitCode != 0 {
		t.Fatalf("Kafka's EndToEndLatency: exit %d\n%s%s", java.ExitCode, java.Stdout, java.Stderr)
	}
	if got := shape(strings.ReplaceAll(java.Stdout, "lat-java", "T")); got != want {
		t.Errorf("Kafka's tool printed\n%s\nshape %q, want %q", java.Stdout, got, want)
	}

	// A second run on the now existing topic, acks=all, prints no creation
	// line; a wrong acks value fails as in Kafka.
	again := samsaTool(t, "", "kafka-end-to-end-latency", b.Addr(), "lat-samsa", "10", "all", "10")
	if again.ExitCode != 0 || strings.Contains(again.Stdout, "does not exist") || !strings.HasPrefix(again.Stdout, "0\t") {
		t.Errorf("second run: exit %d\n%s%s", again.ExitCode, again.Stdout, again.Stderr)
	}
	bad := samsaTool(t, "", "kafka-end-to-end-latency", b.Addr(), "lat-samsa", "10", "0", "10")
	if bad.ExitCode != 1 || !strings.HasPrefix(bad.Stderr, "Exception in thread \"main\" java.lang.IllegalArgumentException: Latency testing requires synchronous acknowledgement. Please use 1 or all") {
		t.Errorf("acks=0: exit %d, stderr %q", bad.ExitCode, bad.Stderr)
	}
}

// TestRunClassEndToEndLatency checks that bin/kafka-run-class.sh accepts
// Kafka's class name kafka.tools.EndToEndLatency and runs Samsa's program,
// in a scratch install whose program is a stand-in printing its arguments.
func TestRunClassEndToEndLatency(t *testing.T) {
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "bin", "kafka-run-class.sh"))
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	for path, body := range map[string]string{
		"bin/kafka-run-class.sh":              string(script),
		"libexec/kafka-end-to-end-latency":    "#!/bin/sh\necho \"$(basename \"$0\") args:$*\"\n",
		"libexec/kafka.tools.EndToEndLatency": "#!/bin/sh\necho wrong program\n",
	} {
		p := filepath.Join(base, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"kafka.tools.EndToEndLatency", "b:9092", "t", "10", "all", "100"}, "kafka-end-to-end-latency args:b:9092 t 10 all 100\n"},
		{[]string{"kafka-end-to-end-latency", "x"}, "kafka-end-to-end-latency args:x\n"},
	}
	for _, tc := range tests {
		out, err := exec.Command(filepath.Join(base, "bin", "kafka-run-class.sh"), tc.args...).CombinedOutput()
		if err != nil || string(out) != tc.want {
			t.Errorf("kafka-run-class.sh %v: %v, output %q, want %q", tc.args, err, out, tc.want)
		}
	}
}
