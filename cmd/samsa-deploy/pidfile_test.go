package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestContainsAll(t *testing.T) {
	args := []string{"java", "-cp", "x", "org.apache.zookeeper.server.quorum.QuorumPeerMain", "/r/kafka1/zoo.cfg"}
	tests := []struct {
		name  string
		words []string
		want  bool
	}{
		{"all present", []string{"org.apache.zookeeper.server.quorum.QuorumPeerMain", "/r/kafka1/zoo.cfg"}, true},
		{"other node", []string{"org.apache.zookeeper.server.quorum.QuorumPeerMain", "/r/kafka2/zoo.cfg"}, false},
		{"substring is not enough", []string{"QuorumPeerMain"}, false},
		{"nothing asked", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containsAll(tt.words...)(args); got != tt.want {
				t.Errorf("containsAll(%q) = %v, want %v", tt.words, got, tt.want)
			}
		})
	}
}

func TestLivePid(t *testing.T) {
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	dir := t.TempDir()

	tests := []struct {
		name     string
		content  string // "" = no file
		match    matcher
		want     int
		wantFile bool // pid file still there afterwards
		wantErr  bool
	}{
		{"no pid file", "", containsAll("sleep"), 0, false, false},
		{"running and matching", "PID", containsAll("sleep", "60"), sleep.Process.Pid, true, false},
		{"running, other program", "PID", containsAll("java"), 0, false, false},
		{"dead pid", "999999999", containsAll("sleep"), 0, false, false},
		{"garbage", "abc", containsAll("sleep"), 0, true, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "p"+string(rune('a'+i)))
			content := tt.content
			if content == "PID" {
				content = strconv.Itoa(sleep.Process.Pid)
			}
			if content != "" {
				if err := os.WriteFile(path, []byte(content+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := livePid(path, tt.match)
			if (err != nil) != tt.wantErr {
				t.Fatalf("livePid error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("livePid = %d, want %d", got, tt.want)
			}
			_, statErr := os.Stat(path)
			if (statErr == nil) != tt.wantFile {
				t.Errorf("pid file exists = %v, want %v", statErr == nil, tt.wantFile)
			}
		})
	}
}

func TestTerminate(t *testing.T) {
	tests := []struct {
		name       string
		argv       []string
		wantKilled bool
	}{
		{"exits on SIGTERM", []string{"bash", "-c", "echo ready; exec sleep 60"}, false},
		{"ignores SIGTERM", []string{"bash", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.argv[0], tt.argv[1:]...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal only once the child has set up its signal handling.
			if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			t.Cleanup(func() { cmd.Process.Kill(); <-done })
			killed, err := terminate(t.Context(), cmd.Process.Pid, 500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if killed != tt.wantKilled {
				t.Errorf("killed = %v, want %v", killed, tt.wantKilled)
			}
			<-done
		})
	}
}
