package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// tutorialClient is one way a user runs the tutorial's producer and
// consumer lines: Samsa's console tools, Apache Kafka's, or kcat.
type tutorialClient struct {
	name string
	// produce sends lines (one message each) to topic through broker.
	produce func(t *testing.T, broker, topic string, lines []string) toolRun
	// consume reads n messages from the beginning of topic through broker.
	consume func(t *testing.T, broker, topic string, n int) toolRun
	// footer is what the consumer prints on standard error after n messages;
	// empty when the client prints none.
	footer func(n int) string
}

func processedFooter(n int) string { return fmt.Sprintf("Processed a total of %d messages", n) }

var tutorialClients = []tutorialClient{
	{
		name: "samsa tools",
		produce: func(t *testing.T, broker, topic string, lines []string) toolRun {
			return samsaTool(t, strings.Join(lines, "\n")+"\n", "kafka-console-producer", "--broker-list", broker, "-topic", topic)
		},
		consume: func(t *testing.T, broker, topic string, n int) toolRun {
			return samsaTool(t, "", "kafka-console-consumer", "--bootstrap-server", broker, "--topic", topic,
				"--from-beginning", "--max-messages", fmt.Sprint(n), "--timeout-ms", "30000")
		},
		footer: processedFooter,
	},
	{
		name: "kafka tools",
		produce: func(t *testing.T, broker, topic string, lines []string) toolRun {
			return harness.KafkaToolInput(t, strings.Join(lines, "\n")+"\n", "kafka.tools.ConsoleProducer",
				"--broker-list", broker, "-topic", topic)
		},
		consume: func(t *testing.T, broker, topic string, n int) toolRun {
			return harness.KafkaTool(t, "kafka.tools.ConsoleConsumer", "--bootstrap-server", broker, "--topic", topic,
				"--from-beginning", "--max-messages", fmt.Sprint(n), "--timeout-ms", "30000")
		},
		footer: processedFooter,
	},
	{
		name: "kcat",
		produce: func(t *testing.T, broker, topic string, lines []string) toolRun {
			return harness.Kcat(t, strings.Join(lines, "\n")+"\n", "-b", broker, "-t", topic, "-P")
		},
		consume: func(t *testing.T, broker, topic string, n int) toolRun {
			return harness.Kcat(t, "", "-b", broker, "-t", topic, "-C", "-e", "-q")
		},
	},
}

// TestTutorial runs section 3 of the tutorial as written, once with each
// client, on a three-broker cluster: create the topic through one ZooKeeper
// node, list it through every node, produce lines, read them back from the
// beginning, delete the topic.
func TestTutorial(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	chroot := strings.TrimPrefix(c.connect, ensemble.Connect())
	servers := ensemble.Servers()
	broker := c.brokers[0].Addr()

	for _, tc := range tutorialClients {
		t.Run(tc.name, func(t *testing.T) {
			r := c.topics("--create", "--zookeeper", servers[0]+chroot, "--replication-factor", "1", "--partitions", "1", "--topic", "test")
			if r.ExitCode != 0 || r.Stdout != "Created topic test.\n" {
				t.Fatalf("create: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
			}
			for _, s := range servers {
				r := c.topics("--list", "--zookeeper", s+chroot)
				// __consumer_offsets appears once a consumer group has been used, as with Kafka.
				if r.ExitCode != 0 || !containsLine(r.Stdout, "test") {
					t.Errorf("list on %s: exit %d, stdout %q, stderr %q", s, r.ExitCode, r.Stdout, r.Stderr)
				}
			}
			c.waitLeaders("test", 1)

			lines := []string{"This is a message", "This is another message", "and a third one, from " + tc.name}
			r = tc.produce(t, broker, "test", lines)
			if r.ExitCode != 0 {
				t.Fatalf("producer: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
			}
			if strings.Contains(r.Stderr, "ERROR") {
				t.Errorf("producer reported errors: %s", r.Stderr)
			}

			r = tc.consume(t, broker, "test", len(lines))
			if r.ExitCode != 0 {
				t.Fatalf("consumer: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
			}
			if got, want := r.Stdout, strings.Join(lines, "\n")+"\n"; got != want {
				t.Errorf("consumer printed %q, want %q", got, want)
			}
			if tc.footer != nil && !strings.Contains(r.Stderr, tc.footer(len(lines))) {
				t.Errorf("consumer stderr %q lacks %q", r.Stderr, tc.footer(len(lines)))
			}

			r = c.topics("--delete", "--zookeeper", servers[0]+chroot, "--topic", "test")
			if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Topic test is marked for deletion.") {
				t.Fatalf("delete: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
			}
			// The next client's run creates "test" again, so wait for the
			// controller to finish the deletion.
			eventually(t, time.Minute, "topic test deleted", func() error {
				if c.zk.exists("/brokers/topics/test") || c.zk.exists("/admin/delete_topics/test") {
					return fmt.Errorf("topic test still present")
				}
				return nil
			})
		})
	}
}
