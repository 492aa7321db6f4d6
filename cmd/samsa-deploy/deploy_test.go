package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCluster is a three-node topology on addresses and ports that neither
// make run (127.0.0.11-13, standard ports) nor the integration harness
// (kernel-chosen ports) uses.
const testCluster = `
run_dir = "RUN"
[zookeeper]
client_port = 21811
quorum_port = 22888
election_port = 23888
tick_time = 500
[kafka]
port = 29092
[[node]]
name = "kafka1"
address = "127.0.0.27"
broker_id = 1
zookeeper_id = 1
[[node]]
name = "kafka2"
address = "127.0.0.28"
broker_id = 2
zookeeper_id = 2
[[node]]
name = "kafka3"
address = "127.0.0.29"
broker_id = 3
zookeeper_id = 3
`

// TestLocalClusterLifecycle renders a cluster, starts its ensemble and its
// brokers (through bin/kafka-server-start.sh -daemon, as make run does),
// waits for registration and a controller, stops everything and starts the
// ensemble again on the kept data, through the command line's entry point.
func TestLocalClusterLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper JVMs")
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	clusterPath := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(clusterPath, []byte(strings.Replace(testCluster, "RUN", runDir, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	binDir, brokerBuilt := scriptsDir(t)
	common := []string{"--cluster", clusterPath, "--timeout", "2m", "--bin", binDir}
	t.Cleanup(func() {
		run(append([]string{"broker-stop"}, common...), new(bytes.Buffer), new(bytes.Buffer))
		run(append([]string{"zk-stop"}, common...), new(bytes.Buffer), new(bytes.Buffer))
	})

	exists := func(rel string) func(t *testing.T) {
		return func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(runDir, rel)); err != nil {
				t.Error(err)
			}
		}
	}
	waitLeader := func(t *testing.T) {
		nodes, err := loadNodes(options{cluster: clusterPath, timeout: 2 * time.Minute, stdout: new(bytes.Buffer)})
		if err != nil {
			t.Fatal(err)
		}
		if err := waitEnsemble(context.Background(), options{timeout: 2 * time.Minute, stdout: new(bytes.Buffer)}, nodes); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		then     func(t *testing.T)
		broker   bool // needs a built kafka-server-start
	}{
		{"render", []string{"render"}, 0, []string{"kafka1: wrote", "kafka3: wrote"}, exists("kafka2/config/zoo.cfg"), false},
		{"status before start", []string{"zk-status"}, 1, []string{"kafka1 127.0.0.27:21811: not serving"}, nil, false},
		{"start", []string{"zk-start"}, 0, []string{"kafka1: ZooKeeper started on 127.0.0.27:21811"}, waitLeader, false},
		{"start again", []string{"zk-start"}, 0, []string{"kafka2: ZooKeeper already running"}, nil, false},
		{"status", []string{"zk-status"}, 0, []string{"Mode: leader", "Mode: follower"}, exists("kafka1/zookeeper/version-2"), false},
		{"next", []string{"next"}, 0, []string{"--create --zookeeper 127.0.0.27:21811 --replication-factor 1", "--broker-list 127.0.0.27:29092 -topic test"}, nil, false},
		{"broker start", []string{"broker-start"}, 0, []string{"kafka1: broker 1 started on 127.0.0.27:29092", "kafka3: broker 3 started"}, exists("kafka2/kafka.pid"), true},
		{"broker start again", []string{"broker-start"}, 0, []string{"kafka2: broker 2 already running"}, nil, true},
		{"wait for the cluster", []string{"wait-cluster"}, 0, []string{"Brokers 1, 2, 3 registered; controller: "}, exists("kafka1/logs/server.log"), true},
		{"cluster status", []string{"status"}, 0, []string{"kafka3: broker 3 running on 127.0.0.29:29092", "/brokers/ids: [1, 2, 3]"}, nil, true},
		{"broker stop", []string{"broker-stop"}, 0, []string{"kafka1: broker 1 stopped", "kafka3: broker 3 stopped"}, nil, true},
		{"stop", []string{"zk-stop"}, 0, []string{"kafka1: ZooKeeper stopped", "kafka3: ZooKeeper stopped"}, nil, false},
		{"stop again", []string{"zk-stop"}, 0, nil, nil, false},
		{"render keeps data", []string{"render"}, 0, nil, exists("kafka1/zookeeper/version-2"), false},
		{"restart", []string{"zk-start"}, 0, []string{"kafka3: ZooKeeper started"}, waitLeader, false},
	}
	for _, s := range steps {
		if s.broker && !brokerBuilt {
			continue
		}
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := run(append([]string{s.args[0]}, append(common, s.args[1:]...)...), &stdout, &stderr)
		t.Logf("%s: %v", s.name, time.Since(start).Round(time.Millisecond))
		if code != s.wantCode {
			t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.name, code, s.wantCode, stdout.String(), stderr.String())
		}
		for _, w := range s.wantOut {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%s: stdout does not contain %q:\n%s", s.name, w, stdout.String())
			}
		}
		if s.then != nil {
			t.Run(s.name, s.then)
		}
	}
}

// scriptsDir returns the repository's bin/ and whether the broker those
// scripts run is built. Under make test (SAMSA_BIN_DIR set) it must be;
// a bare go test without a build leaves the broker steps out.
func scriptsDir(t *testing.T) (string, bool) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "..", "..")
	broker := filepath.Join(root, "build", "bin", "kafka-server-start")
	_, err = os.Stat(broker)
	switch {
	case err == nil:
		return filepath.Join(root, "bin"), true
	case os.Getenv("SAMSA_BIN_DIR") != "":
		t.Fatalf("SAMSA_BIN_DIR is set but %s is missing: %v", broker, err)
	default:
		t.Logf("%s is not built (make build): broker steps left out", broker)
	}
	return filepath.Join(root, "bin"), false
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"leader", "Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nMode: leader\nNode count: 5\n", "leader", false},
		{"standalone", "Mode: standalone\n", "standalone", false},
		{"not serving", "This ZooKeeper instance is not currently serving requests\n", "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMode(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseMode = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", nil, 2, "usage: samsa-deploy"},
		{"unknown command", []string{"launch"}, 2, `unknown command "launch"`},
		{"stray argument", []string{"render", "extra"}, 2, "unexpected arguments"},
		{"missing cluster file", []string{"render", "--cluster", "/nonexistent/cluster.toml"}, 1, "samsa-deploy render: conf:"},
		{"dist-config needs --out", []string{"dist-config"}, 1, "--out DIR is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestDistConfig(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dist-config", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	tests := []struct{ file, want string }{
		{"server.properties", "zookeeper.connect=localhost:2181"},
		{"server.properties", "broker.id=0"},
		{"zookeeper.properties", "clientPort=2181"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %v; want it to contain %q", tt.file, err, tt.want)
		}
	}
}
