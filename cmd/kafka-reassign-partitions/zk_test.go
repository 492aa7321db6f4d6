package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/coordinator/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// zkCluster is a ZooKeeper chroot with brokers registered and topics
// created, and no controller: a reassignment the tool starts stays in
// progress.
func zkCluster(t *testing.T, brokers []int32, topics map[string]map[int32][]int32) (string, *coordinator.ZK) {
	t.Helper()
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	z, err := coordinator.Dial(ctx, srv.Connect, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(z.Close)
	for _, id := range brokers {
		info := coordinator.BrokerInfo{ID: id, Host: "127.0.0.1", Port: 9092 + id, JmxPort: -1, Timestamp: "1",
			Endpoints: []coordinator.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092 + id, SecurityProtocol: "PLAINTEXT"}}}
		if _, err := z.CreateRecursive(ctx, coordinator.BrokerPath(id), coordinator.EncodeBrokerInfo(info), coordinator.ModeEphemeral); err != nil {
			t.Fatal(err)
		}
	}
	for topic, a := range topics {
		if err := z.CreateTopic(ctx, topic, a, nil); err != nil {
			t.Fatal(err)
		}
	}
	return srv.Connect, z
}

func runTool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func writeJSON(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExecuteAndVerifyWithoutController(t *testing.T) {
	connect, z := zkCluster(t, []int32{1, 2, 3}, map[string]map[int32][]int32{"t": {0: {1, 2}, 1: {2, 3}}})
	ctx := context.Background()
	file := writeJSON(t, `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,3]},{"topic":"t","partition":1,"replicas":[2,3]}]}`)

	out, errOut, code := runTool(t, "--zookeeper", connect, "--execute", "--reassignment-json-file", file, "--throttle", "1000", "--replica-alter-log-dirs-throttle", "2000")
	if code != 0 || !strings.HasSuffix(out, "The inter-broker throttle limit was set to 1000 B/s\n"+
		"The replica-alter-dir throttle limit was set to 2000 B/s\nSuccessfully started reassignment of partitions.\n") {
		t.Fatalf("execute: exit %d\n%s%s", code, out, errOut)
	}
	rs, err := z.PartitionReassignment(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("reassignment znode: %v %v", rs, err)
	}
	// Only t-0 moves: its old replicas are leader-throttled, broker 3 (its
	// new replica) follower-throttled.
	cfg, err := z.TopicConfig(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if cfg[leaderThrottledReplicas] != "0:1,0:2" || cfg[followerThrottledReplicas] != "0:3" {
		t.Errorf("topic throttles %v", cfg)
	}
	for _, id := range []string{"1", "2", "3"} {
		b, err := z.EntityConfig(ctx, "brokers", id)
		if err != nil {
			t.Fatal(err)
		}
		if b[leaderThrottledRate] != "1000" || b[followerThrottledRate] != "1000" || b[alterLogDirsRate] != "2000" {
			t.Errorf("broker %s throttles %v", id, b)
		}
	}

	// A second execute only changes the throttle.
	out, _, _ = runTool(t, "--zookeeper", connect, "--execute", "--reassignment-json-file", file, "--throttle", "5000")
	if out != "There is an existing assignment running.\n" {
		t.Errorf("second execute printed %q", out)
	}
	if b, _ := z.EntityConfig(ctx, "brokers", "1"); b[leaderThrottledRate] != "5000" {
		t.Errorf("throttle not altered: %v", b)
	}

	// In progress: the throttles stay.
	out, _, _ = runTool(t, "--zookeeper", connect, "--verify", "--reassignment-json-file", file)
	if out != "Status of partition reassignment: \n"+
		"Reassignment of partition t-1 is still in progress\n"+
		"Reassignment of partition t-0 is still in progress\n" {
		t.Errorf("verify in progress printed %q", out)
	}

	// The controller's work, done by hand: the assignment changes and the
	// znode goes. Then verify reports completion and removes the throttles.
	if err := z.Delete(ctx, coordinator.ReassignPartitionsPath, -1); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Set(ctx, coordinator.TopicPath("t"), coordinator.EncodeTopicAssignment(map[int32][]int32{0: {2, 3}, 1: {2, 3}}, nil, nil), -1); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runTool(t, "--zookeeper", connect, "--verify", "--reassignment-json-file", file)
	if out != "Status of partition reassignment: \n"+
		"Reassignment of partition t-1 completed successfully\n"+
		"Reassignment of partition t-0 completed successfully\n"+
		"Throttle was removed.\n" {
		t.Errorf("verify completed printed %q", out)
	}
	if cfg, _ := z.TopicConfig(ctx, "t"); len(cfg) != 0 {
		t.Errorf("topic throttles left: %v", cfg)
	}
	if b, _ := z.EntityConfig(ctx, "brokers", "2"); len(b) != 0 {
		t.Errorf("broker throttles left: %v", b)
	}
	// Nothing left to remove: no "Throttle was removed." line.
	out, _, _ = runTool(t, "--zookeeper", connect, "--verify", "--reassignment-json-file", file)
	if strings.Contains(out, "Throttle") {
		t.Errorf("verify printed %q", out)
	}
}

func TestGenerate(t *testing.T) {
	connect, _ := zkCluster(t, []int32{1, 2}, map[string]map[int32][]int32{"t": {0: {1}, 1: {2}}})
	topics := writeJSON(t, `{"topics":[{"topic":"t"},{"topic":"missing"}],"version":1}`)
	out, errOut, code := runTool(t, "--zookeeper", connect, "--generate", "--topics-to-move-json-file", topics, "--broker-list", "2,5")
	want := "Current partition replica assignment\n" +
		`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any"]},{"topic":"t","partition":1,"replicas":[2],"log_dirs":["any"]}]}` +
		"\n\nProposed partition reassignment configuration\n" +
		`{"version":1,"partitions":[{"topic":"t","partition":1,"replicas":[2],"log_dirs":["any"]},{"topic":"t","partition":0,"replicas":[2],"log_dirs":["any"]}]}` + "\n"
	if code != 0 || out != want {
		t.Errorf("generate: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
}

func TestFailuresPrintedAsKafka(t *testing.T) {
	connect, _ := zkCluster(t, []int32{1}, map[string]map[int32][]int32{"t": {0: {1}}})
	file := writeJSON(t, `{"partitions":[{"topic":"t","partition":0,"replicas":[1]}]}`)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--execute", "--reassignment-json-file", "/nonexistent/f", "--throttle", "x"},
			"Partitions reassignment failed due to /nonexistent/f\njava.nio.file.NoSuchFileException: /nonexistent/f\n\n"},
		{[]string{"--execute", "--reassignment-json-file", file, "--throttle", "x"},
			"Partitions reassignment failed due to Cannot parse argument 'x' of option throttle\n" +
				"joptsimple.OptionArgumentConversionException: Cannot parse argument 'x' of option throttle\n" +
				"Caused by: joptsimple.internal.ReflectionException: java.lang.NumberFormatException: For input string: \"x\"\n" +
				"Caused by: java.lang.NumberFormatException: For input string: \"x\"\n\n"},
		{[]string{"--generate", "--topics-to-move-json-file", file, "--broker-list", "1,1"},
			"Partitions reassignment failed due to Broker list contains duplicate entries: 1\n" +
				"kafka.common.AdminCommandFailedException: Broker list contains duplicate entries: 1\n\n"},
	}
	for _, tt := range tests {
		out, errOut, code := runTool(t, append([]string{"--zookeeper", connect}, tt.args...)...)
		if code != 0 || out != tt.want || errOut != "" {
			t.Errorf("%v: exit %d\n%q%s\nwant\n%q", tt.args, code, out, errOut, tt.want)
		}
	}
}
