package harness

import (
	"strings"
	"testing"
)

// TestKafkaTool runs Apache Kafka's TopicCommand from the jar cache.
func TestKafkaTool(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"version", []string{"--version"}, 0, KafkaVersion},
		{"unknown option", []string{"--no-such-option"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := KafkaTool(t, "kafka.admin.TopicCommand", tt.args...)
			if run.ExitCode != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", run.ExitCode, tt.wantCode, run.Stderr)
			}
			if !strings.Contains(run.Stdout, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", run.Stdout, tt.wantOut)
			}
		})
	}
}

func TestKcat(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"version", []string{"-V"}, 0, "librdkafka"},
		{"no broker", []string{"-b", "127.0.0.1:1", "-L", "-m", "1"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := Kcat(t, "", tt.args...)
			if run.ExitCode != tt.wantCode || !strings.Contains(run.Stdout+run.Stderr, tt.wantOut) {
				t.Errorf("kcat %q: exit %d, output %q %q; want exit %d and %q", tt.args, run.ExitCode, run.Stdout, run.Stderr, tt.wantCode, tt.wantOut)
			}
		})
	}
}
