package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// KafkaVersion is the Apache Kafka release whose tools the tests run.
const KafkaVersion = "2.4.1"

// toolTimeout bounds one KafkaTool run: a JVM tool that hangs (a consumer
// without --max-messages or --timeout-ms) must not hang the test binary.
const toolTimeout = 2 * time.Minute

// toolsLog4j keeps the tools' own logging to warnings on stderr, as Kafka's
// config/tools-log4j.properties does, so their stdout stays parseable.
const toolsLog4j = `log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
`

// KafkaLibs returns the directory holding Apache Kafka's jars: $SAMSA_KAFKA_LIBS,
// or $HOME/.cache/samsa/kafka-2.4.1/libs where `make kafka-jars` puts them.
func KafkaLibs() (string, error) {
	dir := os.Getenv("SAMSA_KAFKA_LIBS")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("harness: Kafka jars: set SAMSA_KAFKA_LIBS: %w", err)
		}
		dir = filepath.Join(home, ".cache", "samsa", "kafka-"+KafkaVersion, "libs")
	}
	jar := filepath.Join(dir, "kafka_2.13-"+KafkaVersion+".jar")
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Errorf("harness: Apache Kafka's jars are not in %s: run `make kafka-jars` (or set SAMSA_KAFKA_LIBS): %w", dir, err)
	}
	return dir, nil
}

// KafkaCommand returns the command that runs an Apache Kafka tool class
// (kafka.admin.TopicCommand, kafka.tools.ConsoleProducer, ...) with args,
// killed when ctx ends. The caller sets Stdin and output and runs it.
func KafkaCommand(ctx context.Context, t testing.TB, class string, args ...string) *exec.Cmd {
	t.Helper()
	libs, err := KafkaLibs()
	if err != nil {
		t.Fatal(err)
	}
	logConf := filepath.Join(t.TempDir(), "tools-log4j.properties")
	if err := os.WriteFile(logConf, []byte(toolsLog4j), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := []string{
		"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
		"-Dlog4j.configuration=file:" + logConf,
		"-cp", filepath.Join(libs, "*"),
		class,
	}
	cmd := exec.CommandContext(ctx, "java", append(argv, args...)...)
	cmd.SysProcAttr = childAttr(0)
	return cmd
}

// ToolRun is the outcome of one tool run.
type ToolRun struct {
	Stdout, Stderr string
	ExitCode       int
}

// KafkaTool runs an Apache Kafka tool class to completion (at most two
// minutes) with no input and returns its output and exit code; a tool that
// cannot be started fails the test. Use KafkaCommand for input or streaming.
func KafkaTool(t testing.TB, class string, args ...string) ToolRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := KafkaCommand(ctx, t, class, args...)
	return runTool(t, ctx, class, cmd)
}

// KafkaToolInput is KafkaTool with stdin as the tool's standard input
// (the console producer reads its messages from it).
func KafkaToolInput(t testing.TB, stdin string, class string, args ...string) ToolRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := KafkaCommand(ctx, t, class, args...)
	cmd.Stdin = bytes.NewBufferString(stdin)
	return runTool(t, ctx, class, cmd)
}

func runTool(t testing.TB, ctx context.Context, class string, cmd *exec.Cmd) ToolRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	run := ToolRun{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("harness: %s did not finish in %v; stderr:\n%s", class, toolTimeout, run.Stderr)
	case errors.As(err, &exit):
		run.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("harness: run %s: %v", class, err)
	}
	return run
}
