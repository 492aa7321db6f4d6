package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/samsa-broker/samsa/integration/harness"
)

// Tests of the leadership and reassignment tools (kafka-reassign-partitions,
// kafka-preferred-replica-election, kafka-leader-election): Samsa's tool and
// Kafka's run against the same Samsa cluster and must print the same thing;
// the resulting assignment and leaders are read from ZooKeeper.

// writeFile writes a tool's input file in the test's temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// assignmentOf reads partition -> replicas of a topic's znode.
func (c *cluster) assignmentOf(topic string) map[string][]int {
	c.t.Helper()
	b, _ := c.zk.mustGet("/brokers/topics/" + topic)
	var v struct {
		Partitions map[string][]int `json:"partitions"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatalf("topic %s znode %q: %v", topic, b, err)
	}
	return v.Partitions
}

// leaderOfPartition reads a partition's leader from its state znode.
func (c *cluster) leaderOfPartition(topic string, p int) int {
	c.t.Helper()
	m := c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))
	return int(m["leader"].(float64))
}

// createAssigned creates a topic with a fixed replica assignment through
// Samsa's kafka-topics --zookeeper and waits for its leaders.
func (c *cluster) createAssigned(topic, assignment string) {
	c.t.Helper()
	run := c.topics("--zookeeper", c.connect, "--create", "--topic", topic, "--replica-assignment", assignment)
	if run.ExitCode != 0 {
		c.t.Fatalf("create %s: %+v", topic, run)
	}
	c.waitLeaders(topic, strings.Count(assignment, ",")+1)
}

// untilStackTrace drops what follows a Java exception's first line: the
// frames Kafka's tools print and Samsa's do not.
func untilStackTrace(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "\tat ") || strings.HasPrefix(l, "\t... ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// sameOutput runs Samsa's tool and Kafka's with the same arguments and
// fails unless their stdout (stack frames aside), stderr and exit codes
// agree; it returns Samsa's run.
func sameOutput(t *testing.T, tool, class string, args ...string) toolRun {
	t.Helper()
	ours := samsaTool(t, "", tool, args...)
	theirs := harness.KafkaTool(t, class, args...)
	if untilStackTrace(ours.Stdout) != untilStackTrace(theirs.Stdout) || ours.ExitCode != theirs.ExitCode ||
		untilStackTrace(ours.Stderr) != untilStackTrace(theirs.Stderr) {
		t.Errorf("%s %v:\nSamsa (exit %d):\n%s%s\nKafka (exit %d):\n%s%s", tool, args,
			ours.ExitCode, ours.Stdout, ours.Stderr, theirs.ExitCode, theirs.Stdout, theirs.Stderr)
	}
	return ours
}

func TestReassignPartitionsTool(t *testing.T) {
	c := startCluster(t, ensemble, 3, map[string]string{"auto.leader.rebalance.enable": "false"})
	zkArgs := []string{"--zookeeper", c.connect}
	const tool, class = "kafka-reassign-partitions", "kafka.admin.ReassignPartitionsCommand"
	c.createAssigned("ours", "1:2,2:3,3:1")
	c.createAssigned("theirs", "1:2,2:3,3:1")

	// Option errors and the help table.
	for _, args := range [][]string{
		{"--help"},
		{"--generate", "--execute"},
		{"--verify"},
		{"--verify", "--zookeeper", c.connect},
		{"--generate", "--zookeeper", c.connect, "--broker-list", "1"},
		{"--execute", "--zookeeper", c.connect, "--reassignment-json-file", "f", "--broker-list", "1"},
		{"--bogus"},
	} {
		sameOutput(t, tool, class, args...)
	}

	// --generate: the current assignment is printed identically; the
	// proposal is random, so only its shape is compared.
	topicsFile := writeFile(t, "topics.json", `{"topics":[{"topic":"ours"}],"version":1}`)
	genArgs := append([]string{"--generate", "--topics-to-move-json-file", topicsFile, "--broker-list", "1,2"}, zkArgs...)
	ours := samsaTool(t, "", tool, genArgs...)
	theirs := harness.KafkaTool(t, class, genArgs...)
	section := func(out string) string { before, _, _ := strings.Cut(out, "Proposed"); return before }
	if !strings.HasPrefix(ours.Stdout, "Current partition replica assignment\n{\"version\":1,\"partitions\":[{\"topic\":\"ours\"") ||
		section(ours.Stdout) != section(theirs.Stdout) {
		t.Errorf("--generate printed:\n%s%s\nKafka's tool:\n%s%s", ours.Stdout, ours.Stderr, theirs.Stdout, theirs.Stderr)
	}
	ourLines, theirLines := strings.Split(ours.Stdout, "\n"), strings.Split(theirs.Stdout, "\n")
	if len(ourLines) != len(theirLines) {
		t.Errorf("--generate line counts differ:\n%s\n%s", ours.Stdout, theirs.Stdout)
	}
	for _, dup := range [][]string{
		{"--broker-list", "1,1,2"},
		{"--broker-list", "1,x"},
	} {
		args := append([]string{"--generate", "--topics-to-move-json-file", topicsFile}, append(dup, zkArgs...)...)
		sameOutput(t, tool, class, args...)
	}

	// --verify before anything moved: every partition failed, in Kafka's order.
	move := func(topic string) string {
		return writeFile(t, topic+".json", fmt.Sprintf(`{"version":1,"partitions":[`+
			`{"topic":"%[1]s","partition":0,"replicas":[2,3]},`+
			`{"topic":"%[1]s","partition":1,"replicas":[3,1]},`+
			`{"topic":"%[1]s","partition":2,"replicas":[3,1]}]}`, topic))
	}
	oursFile, theirsFile := move("ours"), move("theirs")
	sameOutput(t, tool, class, append([]string{"--verify", "--reassignment-json-file", oursFile}, zkArgs...)...)

	// Invalid files: Kafka's messages, exit 0.
	for _, content := range []string{
		`not json`,
		`{"version":2,"partitions":[]}`,
		`{"version":1,"partitions":[]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[1,1]}]}`,
		`{"partitions":[{"topic":"ours","partition":9,"replicas":[1]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[7]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[1]},{"topic":"ours","partition":0,"replicas":[2]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[1],"log_dirs":["any","any"]}]}`,
		`{"partitions":[{"partition":0,"replicas":[1]}]}`,
	} {
		f := writeFile(t, "bad.json", content)
		sameOutput(t, tool, class, append([]string{"--execute", "--reassignment-json-file", f}, zkArgs...)...)
	}

	// --execute with a throttle, Samsa's tool on one topic and Kafka's on
	// the other: the same output, the same throttle configs.
	var executed []string
	exec := func(run toolRun, topic string) {
		t.Helper()
		if !strings.HasSuffix(run.Stdout, "Successfully started reassignment of partitions.\n") || run.ExitCode != 0 {
			t.Errorf("--execute on %s printed (exit %d):\n%s%s", topic, run.ExitCode, run.Stdout, run.Stderr)
		}
		executed = append(executed, strings.ReplaceAll(run.Stdout, topic, "TOPIC"))
	}
	waitMoved := func(topic string) {
		t.Helper()
		want := map[string][]int{"0": {2, 3}, "1": {3, 1}, "2": {3, 1}}
		eventually(t, time.Minute, "reassignment of "+topic, func() error {
			if c.zk.exists("/admin/reassign_partitions") {
				return fmt.Errorf("/admin/reassign_partitions still present")
			}
			if got := c.assignmentOf(topic); !reflect.DeepEqual(got, want) {
				return fmt.Errorf("assignment %v, want %v", got, want)
			}
			return nil
		})
		if l := c.leaderOfPartition(topic, 0); l != 2 && l != 3 {
			t.Errorf("%s-0 led by %d, outside its new replicas", topic, l)
		}
	}
	execArgs := func(f string) []string {
		return append([]string{"--execute", "--reassignment-json-file", f, "--throttle", "10000000"}, zkArgs...)
	}
	exec(samsaTool(t, "", tool, execArgs(oursFile)...), "ours")
	waitMoved("ours")
	exec(harness.KafkaTool(t, class, execArgs(theirsFile)...), "theirs")
	waitMoved("theirs")
	if executed[0] != executed[1] {
		t.Errorf("--execute printed:\n%s\nKafka's tool printed:\n%s", executed[0], executed[1])
	}
	for _, p := range []string{"/config/topics/ours", "/config/topics/theirs", "/config/brokers/1", "/config/brokers/3"} {
		b, _ := c.zk.mustGet(p)
		t.Logf("%s = %s", p, b)
	}
	ourCfg, theirCfg := c.zk.jsonMap("/config/topics/ours"), c.zk.jsonMap("/config/topics/theirs")
	if !reflect.DeepEqual(ourCfg, theirCfg) {
		t.Errorf("throttle configs differ: ours %v, Kafka's %v", ourCfg, theirCfg)
	}

	// --verify: completed, and the throttles go away.
	ours = samsaTool(t, "", tool, append([]string{"--verify", "--reassignment-json-file", oursFile}, zkArgs...)...)
	theirs = harness.KafkaTool(t, class, append([]string{"--verify", "--reassignment-json-file", theirsFile}, zkArgs...)...)
	if !strings.Contains(ours.Stdout, "Reassignment of partition ours-0 completed successfully\n") ||
		!strings.HasSuffix(ours.Stdout, "Throttle was removed.\n") ||
		strings.ReplaceAll(ours.Stdout, "ours", "theirs") != theirs.Stdout {
		t.Errorf("--verify printed:\n%s%s\nKafka's tool printed:\n%s%s", ours.Stdout, ours.Stderr, theirs.Stdout, theirs.Stderr)
	}
	if cfg := c.zk.jsonMap("/config/topics/ours")["config"].(map[string]any); len(cfg) != 0 {
		t.Errorf("throttled replicas left after --verify: %v", cfg)
	}
	if cfg := c.zk.jsonMap("/config/brokers/1")["config"].(map[string]any); len(cfg) != 0 {
		t.Errorf("broker throttle left after --verify: %v", cfg)
	}

	// A reassignment that cannot finish (broker 4 never comes) keeps the
	// znode: a second --execute only reports it.
	if _, err := c.zk.conn.Create(c.zk.chroot+"/admin/reassign_partitions",
		[]byte(`{"version":1,"partitions":[{"topic":"ours","partition":0,"replicas":[4]}]}`), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, tool, class, append([]string{"--execute", "--reassignment-json-file", oursFile}, zkArgs...)...)
	stuck := writeFile(t, "stuck.json", `{"partitions":[{"topic":"ours","partition":0,"replicas":[4]},{"topic":"ours","partition":1,"replicas":[3,1]}]}`)
	sameOutput(t, tool, class, append([]string{"--verify", "--reassignment-json-file", stuck}, zkArgs...)...)
}
