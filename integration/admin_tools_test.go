package integration

import (
	"context"
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
		if t := strings.TrimLeft(l, "\t"); strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "... ") {
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
		{"--verify"},
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
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[1,1]}]}`,
		`{"partitions":[{"topic":"ours","partition":9,"replicas":[1]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[7]}]}`,
		`{"partitions":[{"topic":"ours","partition":0,"replicas":[1]},{"topic":"ours","partition":0,"replicas":[2]}]}`,
	} {
		f := writeFile(t, "bad.json", content)
		sameOutput(t, tool, class, append([]string{"--execute", "--reassignment-json-file", f}, zkArgs...)...)
	}
	sameOutput(t, tool, class, append([]string{"--execute", "--reassignment-json-file", oursFile, "--throttle", "x"}, zkArgs...)...)

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

// isrOf reads a partition's ISR from its state znode.
func (c *cluster) isrOf(topic string, p int) []any {
	c.t.Helper()
	return c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))["isr"].([]any)
}

// demote restarts broker 1 so that the partitions it leads move to their
// other replica, and waits until it is back in their ISR.
func (c *cluster) demote(topic string) {
	c.t.Helper()
	c.brokers[0].Restart()
	adm := c.admin()
	eventually(c.t, time.Minute, "broker 1 back in the ISR of "+topic+"-0, not leading it", func() error {
		if l := c.leaderOfPartition(topic, 0); l == 1 || l < 0 {
			return fmt.Errorf("%s-0 led by %d", topic, l)
		}
		if n := len(c.isrOf(topic, 0)); n != 2 {
			return fmt.Errorf("%s-0 ISR has %d replicas", topic, n)
		}
		// The controller elects from the ISR it knows: wait until it has
		// processed the ISR change and told the brokers.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		md, err := adm.Metadata(ctx, topic)
		if err != nil {
			return err
		}
		if p, ok := md.Topics[topic].Partitions[0]; !ok || len(p.ISR) != 2 {
			return fmt.Errorf("metadata of %s-0: %+v", topic, md.Topics[topic].Partitions[0])
		}
		return nil
	})
}

func (c *cluster) waitLeader(topic string, p, want int) {
	c.t.Helper()
	eventually(c.t, time.Minute, fmt.Sprintf("%s-%d led by %d", topic, p, want), func() error {
		if l := c.leaderOfPartition(topic, p); l != want {
			return fmt.Errorf("led by %d", l)
		}
		return nil
	})
}

func (c *cluster) waitNoPreferredElection() {
	c.t.Helper()
	eventually(c.t, time.Minute, "/admin/preferred_replica_election processed", func() error {
		if c.zk.exists("/admin/preferred_replica_election") {
			return fmt.Errorf("still present")
		}
		return nil
	})
}

func TestLeaderElectionTools(t *testing.T) {
	c := startCluster(t, ensemble, 3, map[string]string{"auto.leader.rebalance.enable": "false"})
	c.createAssigned("pref", "1:2,2:1")
	const pTool, pClass = "kafka-preferred-replica-election", "kafka.admin.PreferredReplicaLeaderElectionCommand"
	const lTool, lClass = "kafka-leader-election", "kafka.admin.LeaderElectionCommand"
	bs := c.brokers[1].Addr()

	for _, args := range [][]string{
		{"--help"},
		{"--zookeeper", c.connect, "--bootstrap-server", bs},
		{"--admin.config", "f", "--zookeeper", c.connect},
	} {
		sameOutput(t, pTool, pClass, args...)
	}
	for _, args := range [][]string{
		{"--help"},
		{"--all-topic-partitions"},
		{"--bootstrap-server", bs, "--election-type", "bogus", "--all-topic-partitions"},
		{"--bootstrap-server", bs, "--election-type", "preferred", "--topic", "pref"},
		{"--bootstrap-server", bs, "--election-type", "preferred", "--partition", "0", "--all-topic-partitions"},
	} {
		sameOutput(t, lTool, lClass, args...)
	}

	// kafka-preferred-replica-election --zookeeper with a file naming a
	// partition that exists and one that does not.
	c.demote("pref")
	file := writeFile(t, "election.json", `{"partitions":[{"topic":"pref","partition":0},{"topic":"nope","partition":3}]}`)
	zkArgs := []string{"--zookeeper", c.connect, "--path-to-json-file", file}
	ours := samsaTool(t, "", pTool, zkArgs...)
	const want = "This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405\n" +
		"Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n" +
		"Use --bootstrap-server instead to specify a broker to connect to.\n" +
		"Created preferred replica election path with pref-0\n" +
		"Successfully started preferred replica election for partitions Set(pref-0)\n" +
		"Skipping preferred replica leader election for partition nope-3 since it doesn't exist.\n"
	if ours.Stdout != want || ours.ExitCode != 0 {
		t.Errorf("--zookeeper printed (exit %d):\n%s%s\nwant:\n%s", ours.ExitCode, ours.Stdout, ours.Stderr, want)
	}
	c.waitLeader("pref", 0, 1)
	c.waitNoPreferredElection()
	theirs := harness.KafkaTool(t, pClass, zkArgs...)
	if theirs.Stdout != ours.Stdout {
		t.Errorf("Kafka's tool printed:\n%s%s\nSamsa's:\n%s", theirs.Stdout, theirs.Stderr, ours.Stdout)
	}
	c.waitNoPreferredElection()
	// All partitions: the order of the set printed is ZooKeeper's listing's.
	ours = samsaTool(t, "", pTool, "--zookeeper", c.connect)
	c.waitNoPreferredElection()
	theirs = harness.KafkaTool(t, pClass, "--zookeeper", c.connect)
	if theirs.Stdout != ours.Stdout || ours.ExitCode != 0 {
		t.Errorf("without a file Samsa's tool printed (exit %d):\n%s%s\nKafka's:\n%s%s", ours.ExitCode, ours.Stdout, ours.Stderr, theirs.Stdout, theirs.Stderr)
	}
	c.waitNoPreferredElection()

	// --bootstrap-server: ElectLeaders.
	c.demote("pref")
	bsArgs := []string{"--bootstrap-server", bs, "--path-to-json-file", file}
	ours = samsaTool(t, "", pTool, bsArgs...)
	if !strings.Contains(ours.Stdout, "Successfully completed preferred leader election for partitions pref-0\n") {
		t.Errorf("--bootstrap-server printed (exit %d):\n%s%s", ours.ExitCode, ours.Stdout, ours.Stderr)
	}
	c.waitLeader("pref", 0, 1)
	sameOutput(t, pTool, pClass, "--bootstrap-server", bs, "--path-to-json-file", writeFile(t, "p0.json", `{"partitions":[{"topic":"pref","partition":0}]}`))

	// kafka-leader-election.
	c.demote("pref")
	ours = samsaTool(t, "", lTool, "--bootstrap-server", bs, "--election-type", "preferred", "--topic", "pref", "--partition", "0")
	if ours.Stdout != "Successfully completed leader election (PREFERRED) for partitions pref-0\n" || ours.ExitCode != 0 {
		t.Errorf("kafka-leader-election printed (exit %d):\n%s%s", ours.ExitCode, ours.Stdout, ours.Stderr)
	}
	c.waitLeader("pref", 0, 1)
	for _, args := range [][]string{
		{"--election-type", "PREFERRED", "--all-topic-partitions"},
		{"--election-type", "preferred", "--path-to-json-file", file},
		{"--election-type", "unclean", "--topic", "pref", "--partition", "1"},
	} {
		sameOutput(t, lTool, lClass, append([]string{"--bootstrap-server", bs}, args...)...)
	}

	// A partition whose only replica is down has no leader: elections fail.
	c.createAssigned("lonely", "3")
	c.brokers[2].Stop()
	c.waitLeader("lonely", 0, -1)
	for _, typ := range []string{"preferred", "unclean"} {
		run := sameOutput(t, lTool, lClass, "--bootstrap-server", bs, "--election-type", typ, "--topic", "lonely", "--partition", "0")
		if run.ExitCode != 1 {
			t.Errorf("failed %s election exits %d", typ, run.ExitCode)
		}
	}
}

// TestAdminToolsAgainstKafkaBroker runs Samsa's tools and Kafka's against a
// real Kafka 2.4.1 broker: the same output, so Samsa's tools read Kafka's
// znodes and answers as Kafka's tools do.
func TestAdminToolsAgainstKafkaBroker(t *testing.T) {
	kzk := ensemble.Connect() + harness.Chroot(t)
	k := harness.StartKafkaBroker(t, harness.BrokerOpts{ID: 1, ZK: kzk})
	harness.WaitCluster(t, kzk, 1)
	chroot := kzk[strings.Index(kzk, "/"):]
	c := &cluster{t: t, connect: kzk, brokers: []*harness.Broker{k}, zk: dialZK(t, ensemble.Servers(), chroot)}
	c.createAssigned("a", "1,1,1")
	// b's znode is written by Kafka's own tool.
	if run := harness.KafkaTool(t, "kafka.admin.TopicCommand", "--zookeeper", kzk, "--create", "--topic", "b", "--replica-assignment", "1,1,1,1"); run.ExitCode != 0 {
		t.Fatalf("Kafka's kafka-topics: %+v", run)
	}
	c.waitLeaders("b", 4)

	// kafka-preferred-replica-election --zookeeper over all partitions.
	ours := samsaTool(t, "", "kafka-preferred-replica-election", "--zookeeper", kzk)
	c.waitNoPreferredElection()
	theirs := harness.KafkaTool(t, "kafka.admin.PreferredReplicaLeaderElectionCommand", "--zookeeper", kzk)
	c.waitNoPreferredElection()
	if ours.Stdout != theirs.Stdout || ours.ExitCode != theirs.ExitCode {
		t.Errorf("Samsa's tool printed (exit %d):\n%s%s\nKafka's (exit %d):\n%s%s", ours.ExitCode, ours.Stdout, ours.Stderr, theirs.ExitCode, theirs.Stdout, theirs.Stderr)
	}

	// kafka-leader-election: nothing to elect, and an unknown partition.
	for _, args := range [][]string{
		{"--election-type", "preferred", "--all-topic-partitions"},
		{"--election-type", "preferred", "--topic", "nope", "--partition", "0"},
	} {
		sameOutput(t, "kafka-leader-election", "kafka.admin.LeaderElectionCommand", append([]string{"--bootstrap-server", k.Addr()}, args...)...)
	}

	// kafka-reassign-partitions: the current assignment as Kafka's tool
	// reads Kafka's znodes, and --verify.
	const tool, class = "kafka-reassign-partitions", "kafka.admin.ReassignPartitionsCommand"
	topicsFile := writeFile(t, "topics.json", `{"topics":[{"topic":"a"},{"topic":"b"}],"version":1}`)
	onlyB := writeFile(t, "b.json", `{"topics":[{"topic":"b"}]}`)
	for _, f := range []string{topicsFile, onlyB} {
		genArgs := []string{"--zookeeper", kzk, "--generate", "--topics-to-move-json-file", f, "--broker-list", "1"}
		ours = samsaTool(t, "", tool, genArgs...)
		theirs = harness.KafkaTool(t, class, genArgs...)
		if ours.Stdout != theirs.Stdout {
			// One broker: the proposal is determined too.
			t.Errorf("--generate: Samsa's tool printed:\n%s%s\nKafka's:\n%s%s", ours.Stdout, ours.Stderr, theirs.Stdout, theirs.Stderr)
		}
	}
	file := writeFile(t, "r.json", `{"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"b","partition":1,"replicas":[2]}]}`)
	sameOutput(t, tool, class, "--zookeeper", kzk, "--verify", "--reassignment-json-file", file)
}
