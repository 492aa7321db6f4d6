package broker

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKafkaTools runs Apache Kafka 2.4's own tools against a broker on real
// storage, with the controller simulated in-process: topic creation and
// description over --bootstrap-server, the console producer, and the
// console consumer on an assigned partition (no group). It needs Kafka's
// jars (scripts/fetch-kafka-jars.sh) in the directory named by
// SAMSA_KAFKA_LIBS and java on the PATH; it is skipped otherwise.
func TestKafkaTools(t *testing.T) {
	libs := os.Getenv("SAMSA_KAFKA_LIBS")
	if libs == "" {
		t.Skip("SAMSA_KAFKA_LIBS is not set")
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not found")
	}
	h, stop := startRealConfig(t, openTestManager(t, t.TempDir()), nil)
	defer stop()
	c := h.dial()
	h.updateMetadata(c, nil, 0)

	var javaExit func(stdin string, args ...string) (string, int)
	log4j := filepath.Join(t.TempDir(), "log4j.properties")
	if err := os.WriteFile(log4j, []byte("log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\nlog4j.appender.stderr.Target=System.err\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	java := func(stdin string, args ...string) string {
		t.Helper()
		out, code := javaExit(stdin, args...)
		if code != 0 {
			t.Fatalf("%s exited %d: %s", args[0], code, out)
		}
		return out
	}
	javaExit = func(stdin string, args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "java", append([]string{"-Xmx256m", "-Dlog4j.configuration=file:" + log4j, "-cp", filepath.Join(libs, "*")}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		t.Logf("%s stdout: %q stderr: %s", args[0], out.String(), errb.String())
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", args[0], err)
		}
		return out.String(), 0
	}
	// Kafka 2.4.1 prints nothing after creating through --bootstrap-server
	// (only its ZooKeeper path prints "Created topic").
	if out := java("", "kafka.admin.TopicCommand", "--bootstrap-server", h.addr, "--create", "--topic", "tools", "--partitions", "1", "--replication-factor", "1", "--config", "retention.ms=3600000"); out != "" {
		t.Fatalf("create: %q", out)
	}
	out, code := javaExit("", "kafka.admin.TopicCommand", "--bootstrap-server", h.addr, "--create", "--topic", "big", "--partitions", "1", "--replication-factor", "3")
	if code != 1 || !strings.Contains(out, "InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1.") {
		t.Fatalf("create with rf 3: exit %d, %q", code, out)
	}
	if out := java("", "kafka.admin.TopicCommand", "--bootstrap-server", h.addr, "--list"); strings.TrimSpace(out) != "tools" {
		t.Fatalf("list: %q", out)
	}
	out = java("", "kafka.admin.TopicCommand", "--bootstrap-server", h.addr, "--describe", "--topic", "tools")
	for _, want := range []string{"Topic: tools", "PartitionCount: 1", "ReplicationFactor: 1", "retention.ms=3600000", "Leader: 1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("describe lacks %q: %q", want, out)
		}
	}
	java("one\ntwo\nthree\n", "kafka.tools.ConsoleProducer", "--broker-list", h.addr, "--topic", "tools")
	out = java("", "kafka.tools.ConsoleConsumer", "--bootstrap-server", h.addr, "--topic", "tools", "--partition", "0", "--offset", "earliest", "--max-messages", "3", "--timeout-ms", "30000")
	if strings.Join(strings.Fields(out), ",") != "one,two,three" {
		t.Fatalf("consumed %q", out)
	}
	// With a consumer group (FindCoordinator creates __consumer_offsets).
	out = java("", "kafka.tools.ConsoleConsumer", "--bootstrap-server", h.addr, "--topic", "tools", "--group", "g1", "--from-beginning", "--max-messages", "3", "--timeout-ms", "60000")
	if strings.Join(strings.Fields(out), ",") != "one,two,three" {
		t.Fatalf("group consumed %q", out)
	}
}
