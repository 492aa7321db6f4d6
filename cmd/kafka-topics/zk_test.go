package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/coordinator/zktest"
)

func TestMain(m *testing.M) { zktest.Main(m) }

// TestZooKeeperMode runs the tutorial's kafka-topics commands against a real
// ZooKeeper holding one registered broker (no controller: partitions have
// no state, so describe shows no leader).
func TestZooKeeperMode(t *testing.T) {
	srv := zktest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	z, err := coordinator.Dial(ctx, srv.Connect, 6*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, id := range []int32{1, 2} {
		info := coordinator.BrokerInfo{ID: id, Endpoints: []coordinator.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092 + id, SecurityProtocol: "PLAINTEXT"}}, JmxPort: -1, Timestamp: "1"}
		if _, err := z.CreateRecursive(ctx, coordinator.BrokerPath(id), coordinator.EncodeBrokerInfo(info), coordinator.ModeEphemeral); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		args   string
		code   int
		stdout string
		stderr string // substring
	}{
		{args: "--create --zookeeper ZK --replication-factor 1 --partitions 1 --topic test", stdout: "Created topic test.\n"},
		{args: "--create --zookeeper ZK --replication-factor 1 --partitions 1 --topic test", code: 1,
			stdout: "Error while executing topic command : Topic 'test' already exists.\n",
			stderr: "ERROR org.apache.kafka.common.errors.TopicExistsException: Topic 'test' already exists.\n (kafka.admin.TopicCommand$)\n"},
		{args: "--create --zookeeper ZK --replication-factor 1 --partitions 1 --topic test --if-not-exists"},
		{args: "--create --zookeeper ZK --replication-factor 3 --partitions 1 --topic big", code: 1,
			stdout: "Error while executing topic command : Replication factor: 3 larger than available brokers: 2.\n"},
		{args: "--create --zookeeper ZK --topic two --replica-assignment 1:2,2:1 --config retention.ms=1000", stdout: "Created topic two.\n"},
		{args: "--list --zookeeper ZK", stdout: "test\ntwo\n"},
		{args: "--describe --zookeeper ZK --topic two", stdout: "Topic: two\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: retention.ms=1000\n" +
			"\tTopic: two\tPartition: 0\tLeader: none\tReplicas: 1,2\tIsr: \n" +
			"\tTopic: two\tPartition: 1\tLeader: none\tReplicas: 2,1\tIsr: \n"},
		{args: "--describe --zookeeper ZK --topics-with-overrides", stdout: "Topic: two\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: retention.ms=1000\n"},
		{args: "--describe --zookeeper ZK --topic nope", code: 1, stdout: "Error while executing topic command : Topic 'nope' does not exist as expected\n"},
		{args: "--alter --zookeeper ZK --topic test --partitions 3", stdout: "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected\nAdding partitions succeeded!\n"},
		{args: "--describe --zookeeper ZK --topic ^test$ --unavailable-partitions", stdout: "\tTopic: test\tPartition: 0\tLeader: none\tReplicas: X\tIsr: \n" +
			"\tTopic: test\tPartition: 1\tLeader: none\tReplicas: X\tIsr: \n\tTopic: test\tPartition: 2\tLeader: none\tReplicas: X\tIsr: \n"},
		{args: "--delete --zookeeper ZK --topic test", stdout: "Topic test is marked for deletion.\nNote: This will have no impact if delete.topic.enable is not set to true.\n"},
		{args: "--delete --zookeeper ZK --topic test", stdout: "Topic test is already marked for deletion.\n"},
		{args: "--list --zookeeper ZK", stdout: "test - marked for deletion\ntwo\n"},
	}
	for _, st := range steps {
		t.Run(st.args, func(t *testing.T) {
			args := strings.Fields(strings.ReplaceAll(st.args, "ZK", srv.Connect))
			var stdout, stderr bytes.Buffer
			code := run(ctx, args, &stdout, &stderr)
			if code != st.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, st.code, stderr.String())
			}
			got := stdout.String()
			if strings.Contains(st.stdout, "Replicas: X") {
				// Replicas of added partitions are placed at random.
				got = replicasRE.ReplaceAllString(got, "Replicas: X")
			}
			if got != st.stdout {
				t.Errorf("stdout\n got %q\nwant %q", got, st.stdout)
			}
			if !strings.Contains(stderr.String(), st.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), st.stderr)
			}
		})
	}
}

var replicasRE = regexp.MustCompile(`Replicas: [0-9]+`)
