package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinScripts runs the Kafka-named scripts of bin/ in a scratch install
// whose programs are stand-ins that print how they were called, and checks
// where the scripts look for programs, what they pass and how -daemon detaches.
func TestBinScripts(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob(filepath.Join(root, "bin", "*.sh"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in bin/: %v", err)
	}

	// stub writes a stand-in program that prints its name, LOG_DIR and arguments.
	stub := func(t *testing.T, path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		body := "#!/bin/sh\necho \"$(basename \"$0\") from $(basename \"$(dirname \"$0\")\") LOG_DIR=$LOG_DIR args:$*\"\n"
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	install := func(t *testing.T, programs ...string) string {
		t.Helper()
		base := t.TempDir()
		if err := os.MkdirAll(filepath.Join(base, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range scripts {
			b, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(base, "bin", filepath.Base(s)), b, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range programs {
			stub(t, filepath.Join(base, p))
		}
		return base
	}

	tests := []struct {
		name     string
		programs []string // stand-ins to install, relative to the base
		script   string
		args     []string
		env      []string
		wantCode int
		want     string // substring of the output ("{base}" = install dir)
	}{
		{"checkout layout", []string{"build/bin/kafka-topics"}, "kafka-topics.sh",
			[]string{"--list", "-zookeeper", "127.0.0.21:2181"}, nil, 0,
			"kafka-topics from bin LOG_DIR={base}/logs args:--list -zookeeper 127.0.0.21:2181"},
		{"release layout wins", []string{"build/bin/kafka-topics", "libexec/kafka-topics"}, "kafka-topics.sh",
			nil, nil, 0, "kafka-topics from libexec"},
		{"LOG_DIR honoured", []string{"libexec/kafka-console-consumer"}, "kafka-console-consumer.sh",
			[]string{"--topic", "t"}, []string{"LOG_DIR=/elsewhere"}, 0, "LOG_DIR=/elsewhere args:--topic t"},
		{"not built", nil, "kafka-configs.sh", nil, nil, 127, "run \"make build\""},
		{"release without the program", []string{"libexec/kafka-topics"}, "kafka-configs.sh", nil, nil, 127, "this installation has no kafka-configs"},
		{"server start in the foreground", []string{"build/bin/kafka-server-start"}, "kafka-server-start.sh",
			[]string{"config/server.properties", "--override", "broker.id=2"}, nil, 0,
			"kafka-server-start from bin LOG_DIR={base}/logs args:config/server.properties --override broker.id=2"},
		{"server start usage", []string{"build/bin/kafka-server-start"}, "kafka-server-start.sh",
			nil, nil, 1, "USAGE: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := install(t, tt.programs...)
			cmd := exec.Command(filepath.Join(base, "bin", tt.script), tt.args...)
			cmd.Env = append(os.Environ(), tt.env...)
			if len(tt.env) == 0 {
				cmd.Env = append(cmd.Env, "LOG_DIR=")
			}
			out, err := cmd.CombinedOutput()
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tt.want, "{base}", base)
			if code != tt.wantCode || !strings.Contains(string(out), want) {
				t.Errorf("%s %q: exit %d, output %q; want exit %d and output containing %q", tt.script, tt.args, code, out, tt.wantCode, want)
			}
		})
	}

	t.Run("daemon", func(t *testing.T) {
		base := install(t, "build/bin/kafka-server-start")
		pidFile := filepath.Join(base, "broker.pid")
		cmd := exec.Command(filepath.Join(base, "bin", "kafka-server-start.sh"), "-daemon", "config/server.properties")
		cmd.Env = append(os.Environ(), "LOG_DIR=", "SAMSA_PID_FILE="+pidFile)
		if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
			t.Fatalf("-daemon: %v, output %q; want silence and success", err, out)
		}
		console := filepath.Join(base, "logs", "kafkaServer.out")
		want := "kafka-server-start from bin LOG_DIR=" + base + "/logs args:config/server.properties"
		// The detached stand-in writes its line a moment later.
		deadline := time.Now().Add(30 * time.Second)
		for {
			b, _ := os.ReadFile(console)
			if strings.Contains(string(b), want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s = %q, want it to contain %q", console, b, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if b, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(b)) == "" {
			t.Errorf("SAMSA_PID_FILE: %q, %v; want the detached pid", b, err)
		}
	})
}
