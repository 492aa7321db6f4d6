package harness

import (
	"strings"
	"testing"
)

// TestStartKafkaBroker runs Apache Kafka's broker against a one-node ensemble
// and checks that Kafka's own TopicCommand sees it work, which shows the
// broker harness (properties, process, listening, stop) with a broker whose
// behaviour is known.
func TestStartKafkaBroker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts JVMs")
	}
	e := StartEnsemble(t, 1)
	zk := e.Connect() + Chroot(t)
	b := StartKafkaBroker(t, BrokerOpts{ID: 7, ZK: zk, Props: map[string]string{
		"offsets.topic.replication.factor": "1",
	}})
	if controller := WaitCluster(t, zk, 7); controller != 7 {
		t.Errorf("controller = %d, want 7", controller)
	}

	steps := []struct {
		name string
		args []string
		want string
	}{
		{"create", []string{"--create", "--zookeeper", zk, "--replication-factor", "1", "--partitions", "1", "--topic", "test"}, "Created topic test."},
		{"list", []string{"--list", "--zookeeper", zk}, "test"},
		{"describe", []string{"--describe", "--bootstrap-server", b.Addr(), "--topic", "test"}, "Leader: 7"},
	}
	for _, s := range steps {
		run := KafkaTool(t, "kafka.admin.TopicCommand", s.args...)
		if run.ExitCode != 0 || !strings.Contains(run.Stdout, s.want) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q; want %q", s.name, run.ExitCode, run.Stdout, run.Stderr, s.want)
		}
	}

	if err := b.Stop(); err != nil {
		t.Logf("Kafka's broker exited with %v after SIGTERM", err)
	}
	if exited, _ := b.Exited(); !exited {
		t.Fatal("broker still runs after Stop")
	}
	b.Restart()
	if controller := WaitCluster(t, zk, 7); controller != 7 {
		t.Errorf("controller after restart = %d, want 7", controller)
	}
}
