package integration

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// topicTool runs kafka-topics with args: Samsa's binary or, with java set,
// Apache Kafka 2.4.1's TopicCommand from the jar cache.
func topicTool(t *testing.T, java bool, args ...string) toolRun {
	t.Helper()
	if java {
		return harness.KafkaTool(t, "kafka.admin.TopicCommand", args...)
	}
	return samsaTool(t, "", "kafka-topics", args...)
}

func sortedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// waitLeaders waits until every partition of topic has a leader in ZooKeeper.
func (c *cluster) waitLeaders(topic string, partitions int) {
	c.t.Helper()
	eventually(c.t, 30*time.Second, "leaders of "+topic, func() error {
		for p := 0; p < partitions; p++ {
			statePath := fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p)
			if !c.zk.exists(statePath) {
				return fmt.Errorf("no %s yet", statePath)
			}
			m := c.zk.jsonMap(statePath)
			if m["leader"].(float64) < 0 {
				return fmt.Errorf("partition %d has no leader", p)
			}
		}
		return nil
	})
}

// TestTopicCommands runs the tutorial's kafka-topics lines with both
// --zookeeper and --bootstrap-server, through Samsa's tool and Apache Kafka's,
// and checks that they see the same cluster.
func TestTopicCommands(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	zkArgs := []string{"--zookeeper", c.connect}
	bsArgs := []string{"--bootstrap-server", c.brokers[0].Addr()}

	for _, tc := range []struct {
		name  string
		java  bool
		conn  []string
		topic string
	}{
		{"samsa-zookeeper", false, zkArgs, "samsa-zk"},
		{"samsa-bootstrap", false, bsArgs, "samsa-bs"},
		{"kafka-zookeeper", true, zkArgs, "kafka-zk"},
		{"kafka-bootstrap", true, bsArgs, "kafka-bs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := topicTool(t, tc.java, append(append([]string{"--create"}, tc.conn...),
				"--replication-factor", "2", "--partitions", "3", "--topic", tc.topic, "--config", "retention.ms=3600000")...)
			if r.ExitCode != 0 {
				t.Fatalf("create: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
			}
			c.waitLeaders(tc.topic, 3)

			// Both tools list it, in both modes.
			for _, java := range []bool{false, true} {
				for _, conn := range [][]string{zkArgs, bsArgs} {
					r := topicTool(t, java, append([]string{"--list"}, conn...)...)
					if r.ExitCode != 0 || !containsLine(r.Stdout, tc.topic) {
						t.Errorf("--list (java=%v %s): exit %d, output %q %s", java, conn[0], r.ExitCode, r.Stdout, r.Stderr)
					}
				}
			}

			// --describe through ZooKeeper: both tools print the same lines.
			samsa := topicTool(t, false, append([]string{"--describe", "--topic", tc.topic}, zkArgs...)...)
			kafka := topicTool(t, true, append([]string{"--describe", "--topic", tc.topic}, zkArgs...)...)
			if samsa.ExitCode != 0 || kafka.ExitCode != 0 || strings.Join(sortedLines(samsa.Stdout), "\n") != strings.Join(sortedLines(kafka.Stdout), "\n") {
				t.Errorf("--describe --zookeeper differs:\nsamsa (exit %d):\n%s%s\nkafka (exit %d):\n%s%s", samsa.ExitCode, samsa.Stdout, samsa.Stderr, kafka.ExitCode, kafka.Stdout, kafka.Stderr)
			}
			if !strings.Contains(samsa.Stdout, "Topic: "+tc.topic+"\tPartitionCount: 3\tReplicationFactor: 2\tConfigs: retention.ms=3600000") {
				t.Errorf("describe header missing:\n%s", samsa.Stdout)
			}
			// --describe through the Admin API shows the same partitions.
			samsaBS := topicTool(t, false, append([]string{"--describe", "--topic", tc.topic}, bsArgs...)...)
			kafkaBS := topicTool(t, true, append([]string{"--describe", "--topic", tc.topic}, bsArgs...)...)
			if samsaBS.ExitCode != 0 || kafkaBS.ExitCode != 0 || strings.Join(sortedLines(samsaBS.Stdout), "\n") != strings.Join(sortedLines(kafkaBS.Stdout), "\n") {
				t.Errorf("--describe --bootstrap-server differs:\nsamsa (exit %d):\n%s%s\nkafka (exit %d):\n%s%s", samsaBS.ExitCode, samsaBS.Stdout, samsaBS.Stderr, kafkaBS.ExitCode, kafkaBS.Stdout, kafkaBS.Stderr)
			}

			// Delete, then the topic disappears for everyone.
			r = topicTool(t, tc.java, append(append([]string{"--delete"}, tc.conn...), "--topic", tc.topic)...)
			if r.ExitCode != 0 {
				t.Fatalf("delete: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
			}
			eventually(t, 60*time.Second, "topic "+tc.topic+" deleted", func() error {
				if c.zk.exists("/brokers/topics/" + tc.topic) {
					return fmt.Errorf("/brokers/topics/%s still exists", tc.topic)
				}
				if c.zk.exists("/admin/delete_topics/" + tc.topic) {
					return fmt.Errorf("/admin/delete_topics/%s still exists", tc.topic)
				}
				return nil
			})
			r = topicTool(t, false, append([]string{"--list"}, zkArgs...)...)
			if containsLine(r.Stdout, tc.topic) {
				t.Errorf("deleted topic still listed: %q", r.Stdout)
			}
		})
	}
}

func containsLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// TestTopicCommandErrors checks Kafka's messages for the common mistakes.
func TestTopicCommandErrors(t *testing.T) {
	c := startCluster(t, ensemble, 1, nil)
	zkArgs := []string{"--zookeeper", c.connect}

	r := c.topics(append([]string{"--create", "--replication-factor", "3", "--partitions", "1", "--topic", "big"}, zkArgs...)...)
	if r.ExitCode != 1 || !strings.Contains(r.Stdout+r.Stderr, "Error while executing topic command : Replication factor: 3 larger than available brokers: 1.") {
		t.Errorf("rf too large: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = c.topics(append([]string{"--create", "--replication-factor", "1", "--partitions", "1", "--topic", "twice"}, zkArgs...)...)
	if r.ExitCode != 0 {
		t.Fatalf("create: %d %s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = c.topics(append([]string{"--create", "--replication-factor", "1", "--partitions", "1", "--topic", "twice"}, zkArgs...)...)
	if r.ExitCode != 1 || !strings.Contains(r.Stdout+r.Stderr, "Topic 'twice' already exists.") {
		t.Errorf("existing topic: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = c.topics(append([]string{"--create", "--replication-factor", "1", "--partitions", "1", "--topic", "twice", "--if-not-exists"}, zkArgs...)...)
	if r.ExitCode != 0 {
		t.Errorf("--if-not-exists: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = c.topics("--list", "--zookeeper", c.connect, "--bootstrap-server", c.brokers[0].Addr())
	if r.ExitCode != 1 || !strings.Contains(r.Stdout+r.Stderr, "Only one of --bootstrap-server or --zookeeper must be specified") {
		t.Errorf("both connections: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	// The tutorial's one-dash -topic works.
	r = c.topics("--describe", "--zookeeper", c.connect, "-topic", "twice")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Topic: twice") {
		t.Errorf("-topic: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
}

// TestZooKeeperNodeLoss stops one ZooKeeper node of three: users notice
// nothing — topics are still created, listed and given leaders.
func TestZooKeeperNodeLoss(t *testing.T) {
	e := harness.StartEnsemble(t, 3)
	c := startCluster(t, e, 3, nil)
	e.Stop(0)
	r := c.topics("--create", "--zookeeper", strings.Join(e.Servers()[1:], ",")+c.connect[len(e.Connect()):],
		"--replication-factor", "3", "--partitions", "2", "--topic", "after-loss")
	if r.ExitCode != 0 {
		t.Fatalf("create with a ZooKeeper node down: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	c.waitLeaders("after-loss", 2)
	if ids := c.zk.children("/brokers/ids"); len(ids) != 3 {
		t.Errorf("registered brokers after losing a ZooKeeper node: %v", ids)
	}
}
