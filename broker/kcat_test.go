package broker

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKcat produces and consumes with kcat (librdkafka), skipped when kcat
// is not installed.
func TestKcat(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat not found")
	}
	m := openTestManager(t, t.TempDir())
	h, stop := startReal(t, m)
	defer stop()
	c := h.dial()
	h.hostTopic(c, "k", 1)
	run := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", h.addr}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("kcat %v: %v\nstdout: %s\nstderr: %s", args, err, out.String(), errb.String())
		}
		return out.String()
	}
	if out := run("", "-L"); !strings.Contains(out, `topic "k" with 1 partitions`) || !strings.Contains(out, "broker 1 at 127.0.0.1") {
		t.Fatalf("metadata: %q", out)
	}
	run("x\ny\nz\n", "-P", "-t", "k", "-p", "0")
	if out := run("", "-C", "-t", "k", "-p", "0", "-o", "beginning", "-e", "-q"); strings.Join(strings.Fields(out), ",") != "x,y,z" {
		t.Fatalf("consumed %q", out)
	}
}
