package harness

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
)

// Kcat runs kcat (librdkafka's command-line client) with stdin as its input
// and returns its output and exit code, bounded like KafkaTool. A missing
// kcat fails the test with how to install it.
func Kcat(t testing.TB, stdin string, args ...string) ToolRun {
	t.Helper()
	path, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("harness: kcat is not installed (apt-get install -y kcat, or make deps): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = bytes.NewBufferString(stdin)
	cmd.SysProcAttr = childAttr(0)
	return runTool(t, ctx, "kcat", cmd)
}
