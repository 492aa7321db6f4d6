package integration

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
)

// configTool runs kafka-configs: Samsa's binary or, with java set, Apache
// Kafka 2.4.1's ConfigCommand.
func configTool(t *testing.T, java bool, args ...string) toolRun {
	t.Helper()
	if java {
		return harness.KafkaTool(t, "kafka.admin.ConfigCommand", args...)
	}
	return samsaTool(t, "", "kafka-configs", args...)
}

// configCluster starts three brokers whose retention check runs every
// second, so that topic configs changed at runtime show their effect fast.
func configCluster(t *testing.T) (*cluster, *kgo.Client, *kadm.Client) {
	t.Helper()
	c := startCluster(t, ensemble, 3, map[string]string{
		"log.retention.check.interval.ms": "1000",
		"log.cleaner.enable":              "true",
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ProducerBatchMaxBytes(4<<20), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return c, cl, kadm.NewClient(cl)
}

func createConfigTopic(t *testing.T, c *cluster, topic string) {
	t.Helper()
	run := samsaTool(t, "", "kafka-topics", "--zookeeper", c.connect, "--create", "--topic", topic,
		"--partitions", "1", "--replication-factor", "3")
	if run.ExitCode != 0 {
		t.Fatalf("create %s: %+v", topic, run)
	}
	c.waitLeaders(topic, 1)
}

// produce sends records to partition 0 and waits for every ack.
func produce(t *testing.T, cl *kgo.Client, topic string, recs ...*kgo.Record) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range recs {
		r.Topic, r.Partition = topic, 0
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

// startOffset is ListOffsets earliest of partition 0.
func startOffset(t *testing.T, adm *kadm.Client, topic string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offs, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	o, ok := offs.Lookup(topic, 0)
	if !ok {
		return 0, fmt.Errorf("no start offset for %s-0", topic)
	}
	return o.Offset, o.Err
}

// alterTopic runs Samsa's kafka-configs --zookeeper --alter on a topic.
func alterTopic(t *testing.T, c *cluster, topic string, extra ...string) {
	t.Helper()
	args := append([]string{"--zookeeper", c.connect, "--alter", "--entity-type", "topics", "--entity-name", topic}, extra...)
	run := configTool(t, false, args...)
	want := fmt.Sprintf("Completed Updating config for entity: topic '%s'.\n", topic)
	if run.ExitCode != 0 || run.Stdout != want {
		t.Fatalf("kafka-configs %v: %+v, want stdout %q", args, run, want)
	}
}

// TestConfigsToolsAgree alters topic configs with Samsa's tool and with
// Kafka's ConfigCommand and checks that both tools, the znodes and the
// brokers (DescribeConfigs) show the same state.
func TestConfigsToolsAgree(t *testing.T) {
	c, _, adm := configCluster(t)
	createConfigTopic(t, c, "test")

	alterTopic(t, c, "test", "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]")
	// Key order aside (Kafka writes its Properties' hash order), the znode
	// is AdminZkClient's.
	cfgNode := c.zk.jsonMap("/config/topics/test")
	if got, want := fmt.Sprint(cfgNode), "map[config:map[cleanup.policy:compact,delete retention.ms:1000] version:1]"; got != want {
		t.Errorf("/config/topics/test = %s, want %s", got, want)
	}
	changes := c.zk.children("/config/changes")
	if len(changes) == 0 {
		t.Fatal("no config change notification")
	}
	note, _ := c.zk.mustGet("/config/changes/" + changes[len(changes)-1])
	if got, want := string(note), `{"version":2,"entity_path":"topics/test"}`; got != want {
		t.Errorf("notification = %s, want %s", got, want)
	}

	// Kafka's tool alters the same entity; both tools then describe it alike.
	run := configTool(t, true, "--zookeeper", c.connect, "--alter", "--entity-type", "topics", "--entity-name", "test",
		"--add-config", "max.message.bytes=2000", "--delete-config", "cleanup.policy")
	if run.ExitCode != 0 || run.Stdout != "Completed Updating config for entity: topic 'test'.\n" {
		t.Fatalf("Kafka's ConfigCommand --alter: %+v", run)
	}
	describe := []string{"--zookeeper", c.connect, "--describe", "--entity-type", "topics", "--entity-name", "test"}
	ours, theirs := configTool(t, false, describe...), configTool(t, true, describe...)
	if ours.ExitCode != 0 || theirs.ExitCode != 0 || ours.Stdout != theirs.Stdout {
		t.Fatalf("describe differs:\nsamsa: %+v\nkafka: %+v", ours, theirs)
	}
	if !strings.HasPrefix(ours.Stdout, "Configs for topic 'test' are ") ||
		!strings.Contains(ours.Stdout, "retention.ms=1000") || !strings.Contains(ours.Stdout, "max.message.bytes=2000") {
		t.Errorf("describe: %q", ours.Stdout)
	}

	// Every topic with overrides, in ZooKeeper's child order.
	for _, name := range []string{"a", "topic-2", "zz", "m.n", "q_1", "long-topic-name-7", "x9"} {
		createConfigTopic(t, c, name)
		alterTopic(t, c, name, "--add-config", "retention.ms=12345,segment.ms=99999")
	}
	all := []string{"--zookeeper", c.connect, "--describe", "--entity-type", "topics"}
	if ours, theirs := configTool(t, false, all...), configTool(t, true, all...); ours.ExitCode != 0 || ours.Stdout != theirs.Stdout {
		t.Errorf("describe all topics:\nsamsa: %+v\nkafka: %+v", ours, theirs)
	}

	// Errors, compared with Kafka's.
	for _, args := range [][]string{
		{"--zookeeper", c.connect, "--alter", "--entity-type", "topics", "--entity-name", "test", "--delete-config", "segment.ms"},
		{"--zookeeper", c.connect, "--alter", "--entity-type", "topics", "--entity-name", "test", "--add-config", "no.such.config=1"},
		{"--bootstrap-server", c.brokers[0].Addr(), "--describe", "--entity-type", "topics", "--entity-name", "test"},
	} {
		ours, theirs := configTool(t, false, args...), configTool(t, true, args...)
		if ours.ExitCode != 1 || theirs.ExitCode != 1 || ours.Stderr != theirs.Stderr {
			t.Errorf("%v:\nsamsa: %+v\nkafka: %+v", args, ours, theirs)
		}
	}

	// Broker configs through a broker: no dynamic configs in either tool.
	bargs := []string{"--bootstrap-server", c.brokers[0].Addr(), "--describe", "--entity-type", "brokers", "--entity-name", "1"}
	ours, theirs = configTool(t, false, bargs...), configTool(t, true, bargs...)
	if ours.ExitCode != 0 || ours.Stdout != "Configs for broker 1 are:\n" || ours.Stdout != theirs.Stdout {
		t.Errorf("brokers describe:\nsamsa: %+v\nkafka: %+v", ours, theirs)
	}

	// The brokers describe the override with its source.
	eventually(t, 30*time.Second, "DescribeConfigs shows the overrides", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rcs, err := adm.DescribeTopicConfigs(ctx, "test")
		if err != nil {
			return err
		}
		rc, err := rcs.On("test", nil)
		if err != nil {
			return err
		}
		got := map[string]kadm.Config{}
		for _, cfg := range rc.Configs {
			got[cfg.Key] = cfg
		}
		if v := got["retention.ms"]; v.MaybeValue() != "1000" || v.Source.String() != "DYNAMIC_TOPIC_CONFIG" {
			return fmt.Errorf("retention.ms = %q from %v", v.MaybeValue(), v.Source)
		}
		if v := got["cleanup.policy"]; v.MaybeValue() != "delete" || v.Source.String() == "DYNAMIC_TOPIC_CONFIG" {
			return fmt.Errorf("cleanup.policy = %q from %v", v.MaybeValue(), v.Source)
		}
		return nil
	})
}

// TestAlterConfigsAPIs drives AlterConfigs and IncrementalAlterConfigs
// through a broker and reads the result from ZooKeeper with Kafka's tool.
func TestAlterConfigsAPIs(t *testing.T) {
	c, _, adm := configCluster(t)
	createConfigTopic(t, c, "api")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Incremental: SET, then APPEND to a list key.
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("60000")},
		{Op: kadm.SetConfig, Name: "cleanup.policy", Value: kadm.StringPtr("delete")},
	}, "api"); err != nil {
		t.Fatal(err)
	}
	res, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: kadm.StringPtr("compact")}}, "api")
	if err == nil {
		err = res[0].Err
	}
	if err != nil {
		t.Fatal(err)
	}
	describe := []string{"--zookeeper", c.connect, "--describe", "--entity-type", "topics", "--entity-name", "api"}
	run := configTool(t, true, describe...)
	if want := "Configs for topic 'api' are "; !strings.HasPrefix(run.Stdout, want) ||
		!strings.Contains(run.Stdout, "cleanup.policy=delete,compact") || !strings.Contains(run.Stdout, "retention.ms=60000") {
		t.Fatalf("Kafka's describe after incremental alter: %+v", run)
	}

	// Errors: unknown key, bad value, unknown topic, validate_only.
	tests := []struct {
		name  string
		topic string
		cfg   kadm.AlterConfig
		want  error
	}{
		{"unknown key", "api", kadm.AlterConfig{Name: "retention.mss", Value: kadm.StringPtr("1")}, kerr.InvalidConfig},
		{"bad value", "api", kadm.AlterConfig{Name: "retention.ms", Value: kadm.StringPtr("abc")}, kerr.InvalidRequest},
		{"append to a non-list", "api", kadm.AlterConfig{Op: kadm.AppendConfig, Name: "retention.ms", Value: kadm.StringPtr("1")}, kerr.InvalidRequest},
		{"unknown topic", "nosuch", kadm.AlterConfig{Name: "retention.ms", Value: kadm.StringPtr("1")}, kerr.UnknownServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{tt.cfg}, tt.topic)
			if err == nil && len(res) == 1 {
				err = res[0].Err
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := adm.ValidateAlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kadm.StringPtr("5")}}, "api"); err != nil {
		t.Fatal(err)
	}

	// Non-incremental AlterConfigs replaces the whole set.
	res2, err := adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "segment.ms", Value: kadm.StringPtr("100000")}}, "api")
	if err == nil {
		err = res2[0].Err
	}
	if err != nil {
		t.Fatal(err)
	}
	run = configTool(t, false, describe...)
	if want := "Configs for topic 'api' are segment.ms=100000\n"; run.Stdout != want {
		t.Fatalf("after AlterConfigs: %+v, want %q", run, want)
	}
}

// TestConfigsLiveRetention sets retention.ms=1000 on a live topic: old
// segments go and the log start offset moves without a restart.
func TestConfigsLiveRetention(t *testing.T) {
	c, cl, adm := configCluster(t)
	createConfigTopic(t, c, "retained")
	alterTopic(t, c, "retained", "--add-config", "segment.bytes=1024")
	// The new segment size reaches the brokers by notification; until it
	// does, records land in the 1 GiB segment. Produce until there are
	// several segments' worth after the change has surely applied.
	value := strings.Repeat("x", 200)
	eventually(t, 30*time.Second, "segment.bytes applied", func() error {
		for i := 0; i < 20; i++ {
			if err := produce(t, cl, "retained", &kgo.Record{Value: []byte(value)}); err != nil {
				return err
			}
		}
		return segmentsBeyond(c, "retained", 2)
	})
	if o, err := startOffset(t, adm, "retained"); err != nil || o != 0 {
		t.Fatalf("start offset before retention = %d, %v", o, err)
	}
	alterTopic(t, c, "retained", "--add-config", "retention.ms=1000")
	eventually(t, time.Minute, "retention moves the log start offset", func() error {
		o, err := startOffset(t, adm, "retained")
		if err != nil {
			return err
		}
		if o == 0 {
			return fmt.Errorf("start offset still 0")
		}
		return nil
	})
}

// segmentsBeyond checks that the leader's log dir of topic-0 holds more
// than n segments on some broker.
func segmentsBeyond(c *cluster, topic string, n int) error {
	for _, b := range c.brokers {
		matches, _ := filepath.Glob(filepath.Join(b.LogDir(), topic+"-0", "*.log"))
		if len(matches) > n {
			return nil
		}
	}
	return fmt.Errorf("no broker has more than %d segments of %s-0", n, topic)
}

// TestConfigsLiveCompaction turns a live topic into a compacted one and
// waits until only the last value of each key is left below the active
// segment.
func TestConfigsLiveCompaction(t *testing.T) {
	c, cl, _ := configCluster(t)
	createConfigTopic(t, c, "compacted")
	alterTopic(t, c, "compacted", "--add-config", "cleanup.policy=compact,segment.bytes=1024,min.cleanable.dirty.ratio=0.01,segment.ms=1000")
	value := strings.Repeat("v", 100)
	eventually(t, 30*time.Second, "segment.bytes applied", func() error {
		for i := 0; i < 30; i++ {
			if err := produce(t, cl, "compacted", &kgo.Record{Key: []byte(fmt.Sprintf("k%d", i%3)), Value: []byte(fmt.Sprintf("%s-%d", value, i))}); err != nil {
				return err
			}
		}
		return segmentsBeyond(c, "compacted", 3)
	})
	// One more round whose values are the last per key.
	for k := 0; k < 3; k++ {
		if err := produce(t, cl, "compacted", &kgo.Record{Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte(fmt.Sprintf("last-%d", k))}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 2*time.Minute, "compaction keeps only the last value per key", func() error {
		recs, err := consumeAll(c, "compacted")
		if err != nil {
			return err
		}
		counts := map[string]int{}
		for _, r := range recs {
			counts[string(r.Key)]++
		}
		// The active segment is never cleaned; everything below it must
		// hold at most one record per key, so a compacted log is far
		// shorter than the 90+ records written.
		if len(recs) > 30 {
			return fmt.Errorf("%d records left, counts %v", len(recs), counts)
		}
		last := map[string]string{}
		for _, r := range recs {
			last[string(r.Key)] = string(r.Value)
		}
		for k := 0; k < 3; k++ {
			if got, want := last[fmt.Sprintf("k%d", k)], fmt.Sprintf("last-%d", k); got != want {
				return fmt.Errorf("last value of k%d = %q, want %q", k, got, want)
			}
		}
		return nil
	})
}

// consumeAll reads partition 0 from the start to the high watermark.
func consumeAll(c *cluster, topic string) ([]*kgo.Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	adm, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...))
	if err != nil {
		return nil, err
	}
	defer adm.Close()
	ends, err := kadm.NewClient(adm).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	end, _ := ends.Lookup(topic, 0)
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []*kgo.Record
	for {
		if len(out) > 0 && out[len(out)-1].Offset >= end.Offset-1 {
			return out, nil
		}
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("consumed %d records up to end %d: %w", len(out), end.Offset, err)
		}
		for _, e := range fs.Errors() {
			return nil, e.Err
		}
		out = append(out, fs.Records()...)
	}
}

// TestConfigsLiveMaxMessageBytes lowers max.message.bytes on a live topic:
// a batch above it is refused, one below it accepted.
func TestConfigsLiveMaxMessageBytes(t *testing.T) {
	c, cl, _ := configCluster(t)
	createConfigTopic(t, c, "small")
	// Random bytes: the client compresses batches, and Kafka compares the
	// compressed batch with max.message.bytes.
	big := make([]byte, 5000)
	rand.Read(big)
	if err := produce(t, cl, "small", &kgo.Record{Value: big}); err != nil {
		t.Fatalf("5000-byte record before the change: %v", err)
	}
	alterTopic(t, c, "small", "--add-config", "max.message.bytes=1000")
	eventually(t, 30*time.Second, "max.message.bytes applied", func() error {
		err := produce(t, cl, "small", &kgo.Record{Value: big})
		if !errors.Is(err, kerr.MessageTooLarge) {
			return fmt.Errorf("5000-byte record: %v, want MESSAGE_TOO_LARGE", err)
		}
		return nil
	})
	if err := produce(t, cl, "small", &kgo.Record{Value: make([]byte, 100)}); err != nil {
		t.Fatalf("100-byte record: %v", err)
	}
}

// TestDeleteRecordsTool moves the log start offset with kafka-delete-records.
func TestDeleteRecordsTool(t *testing.T) {
	c, cl, adm := configCluster(t)
	createConfigTopic(t, c, "trimmed")
	for i := 0; i < 10; i++ {
		if err := produce(t, cl, "trimmed", &kgo.Record{Value: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "offsets.json")
	if err := os.WriteFile(file, []byte(`{"partitions":[{"topic":"trimmed","partition":0,"offset":5}],"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := samsaTool(t, "", "kafka-delete-records", "--bootstrap-server", c.bootstrap(), "--offset-json-file", file)
	want := "Executing records delete operation\nRecords delete operation completed:\npartition: trimmed-0\tlow_watermark: 5\n"
	if run.ExitCode != 0 || run.Stdout != want {
		t.Fatalf("kafka-delete-records: %+v, want %q", run, want)
	}
	if o, err := startOffset(t, adm, "trimmed"); err != nil || o != 5 {
		t.Fatalf("start offset = %d, %v; want 5", o, err)
	}
	// Kafka's tool against the same cluster: beyond the high watermark.
	if err := os.WriteFile(file, []byte(`{"partitions":[{"topic":"trimmed","partition":0,"offset":50}],"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ours := samsaTool(t, "", "kafka-delete-records", "--bootstrap-server", c.bootstrap(), "--offset-json-file", file)
	theirs := harness.KafkaTool(t, "kafka.admin.DeleteRecordsCommand", "--bootstrap-server", c.bootstrap(), "--offset-json-file", file)
	if ours.Stdout != theirs.Stdout || ours.ExitCode != theirs.ExitCode {
		t.Errorf("offset beyond the high watermark:\nsamsa: %+v\nkafka: %+v", ours, theirs)
	}
}

// TestConfigsQuotaEntities writes client and user quota configs with both
// tools and compares the znodes and what each tool describes.
func TestConfigsQuotaEntities(t *testing.T) {
	c, _, _ := configCluster(t)
	zkArgs := func(args ...string) []string { return append([]string{"--zookeeper", c.connect}, args...) }
	steps := []struct {
		java bool
		args []string
		out  string
	}{
		{false, zkArgs("--alter", "--entity-type", "clients", "--entity-name", "app 1", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048"),
			"Completed Updating config for entity: client-id 'app 1'.\n"},
		{true, zkArgs("--alter", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-default", "--add-config", "request_percentage=50"),
			"Completed Updating config for entity: user-principal 'alice', default client-id.\n"},
		{false, zkArgs("--alter", "--entity-type", "users", "--entity-default", "--add-config", "producer_byte_rate=10"),
			"Completed Updating config for entity: default user-principal.\n"},
	}
	for _, s := range steps {
		run := configTool(t, s.java, s.args...)
		if run.ExitCode != 0 || run.Stdout != s.out {
			t.Fatalf("%v (java %v): %+v, want %q", s.args, s.java, run, s.out)
		}
	}
	if !c.zk.exists("/config/clients/app%201") || !c.zk.exists("/config/users/alice/clients/<default>") || !c.zk.exists("/config/users/<default>") {
		t.Fatalf("quota znodes missing: clients %v, users %v", c.zk.children("/config/clients"), c.zk.children("/config/users"))
	}
	for _, args := range [][]string{
		zkArgs("--describe", "--entity-type", "clients"),
		zkArgs("--describe", "--entity-type", "clients", "--entity-name", "app 1"),
		zkArgs("--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients"),
		zkArgs("--describe", "--entity-type", "users", "--entity-default"),
		zkArgs("--alter", "--entity-type", "clients", "--entity-name", "x", "--add-config", "no_such_quota=1"),
	} {
		ours, theirs := configTool(t, false, args...), configTool(t, true, args...)
		if ours.ExitCode != theirs.ExitCode || ours.Stdout != theirs.Stdout || ours.Stderr != theirs.Stderr {
			t.Errorf("%v:\nsamsa: %+v\nkafka: %+v", args, ours, theirs)
		}
	}
}

// TestLogDirsTool compares kafka-log-dirs with Kafka's LogDirsCommand.
func TestLogDirsTool(t *testing.T) {
	c, cl, _ := configCluster(t)
	createConfigTopic(t, c, "sized")
	if err := produce(t, cl, "sized", &kgo.Record{Value: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	args := []string{"--bootstrap-server", c.bootstrap(), "--describe", "--broker-list", "1,2,3", "--topic-list", "sized"}
	var ours, theirs toolRun
	// Followers may still be catching up (offsetLag, size): retry until
	// both tools see the same settled state.
	eventually(t, 30*time.Second, "log dirs agree", func() error {
		ours = samsaTool(t, "", "kafka-log-dirs", args...)
		theirs = harness.KafkaTool(t, "kafka.admin.LogDirsCommand", args...)
		if ours.ExitCode != 0 || ours.Stdout != theirs.Stdout {
			return fmt.Errorf("samsa: %+v\nkafka: %+v", ours, theirs)
		}
		return nil
	})
	if !strings.Contains(ours.Stdout, `"partition":"sized-0"`) || !strings.Contains(ours.Stdout, `"error":null`) {
		t.Errorf("output: %s", ours.Stdout)
	}
}

// TestConfigsLiveProduceSettings changes min.insync.replicas and
// message.timestamp.type on a live topic and checks the next produce.
func TestConfigsLiveProduceSettings(t *testing.T) {
	c, _, _ := configCluster(t)
	// NOT_ENOUGH_REPLICAS is retriable: retry once only, so the error shows.
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RecordRetries(1), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	run := samsaTool(t, "", "kafka-topics", "--zookeeper", c.connect, "--create", "--topic", "single",
		"--partitions", "1", "--replication-factor", "1")
	if run.ExitCode != 0 {
		t.Fatalf("create: %+v", run)
	}
	c.waitLeaders("single", 1)
	if err := produce(t, cl, "single", &kgo.Record{Value: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	// One replica cannot satisfy min.insync.replicas=2 with acks=all.
	alterTopic(t, c, "single", "--add-config", "min.insync.replicas=2")
	eventually(t, 30*time.Second, "min.insync.replicas applied", func() error {
		err := produce(t, cl, "single", &kgo.Record{Value: []byte("b")})
		if !errors.Is(err, kerr.NotEnoughReplicas) {
			return fmt.Errorf("produce: %v, want NOT_ENOUGH_REPLICAS", err)
		}
		return nil
	})
	alterTopic(t, c, "single", "--delete-config", "min.insync.replicas", "--add-config", "message.timestamp.type=LogAppendTime")
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	eventually(t, 30*time.Second, "message.timestamp.type applied", func() error {
		rec := &kgo.Record{Value: []byte("c"), Timestamp: old}
		if err := produce(t, cl, "single", rec); err != nil {
			return err
		}
		recs, err := consumeAll(c, "single")
		if err != nil {
			return err
		}
		if last := recs[len(recs)-1]; !last.Timestamp.After(old.Add(24 * time.Hour)) {
			return fmt.Errorf("record at offset %d kept its create time %v", last.Offset, last.Timestamp)
		}
		return nil
	})
}

// brokerConfigs runs kafka-configs --bootstrap-server on the brokers
// entity type; entity is a broker id or "" for --entity-default.
func brokerConfigs(t *testing.T, java bool, c *cluster, entity string, args ...string) toolRun {
	t.Helper()
	full := []string{"--bootstrap-server", c.bootstrap(), "--entity-type", "brokers"}
	if entity == "" {
		full = append(full, "--entity-default")
	} else {
		full = append(full, "--entity-name", entity)
	}
	return configTool(t, java, append(full, args...)...)
}

// TestDynamicBrokerDefaultsApplyLive sets cluster-wide broker defaults
// with kafka-configs --bootstrap-server: a topic without overrides rolls
// small segments and then loses its old ones, without a restart; both
// tools describe the dynamic configs alike.
func TestDynamicBrokerDefaultsApplyLive(t *testing.T) {
	c, cl, adm := configCluster(t)
	createConfigTopic(t, c, "dyn")

	const done = "Completed updating default config for brokers in the cluster,\n"
	if run := brokerConfigs(t, false, c, "", "--alter", "--add-config", "log.segment.bytes=1024"); run.ExitCode != 0 || run.Stdout != done {
		t.Fatalf("--alter --entity-default: %+v", run)
	}
	if got, _ := c.zk.mustGet("/config/brokers/<default>"); string(got) != `{"version":1,"config":{"log.segment.bytes":"1024"}}` {
		t.Errorf("/config/brokers/<default> = %s", got)
	}
	changes := c.zk.children("/config/changes")
	if len(changes) == 0 {
		t.Fatal("no config change notification")
	}
	if note, _ := c.zk.mustGet("/config/changes/" + changes[len(changes)-1]); string(note) != `{"version":2,"entity_path":"brokers/<default>"}` {
		t.Errorf("notification = %s", note)
	}

	value := strings.Repeat("x", 200)
	eventually(t, 30*time.Second, "dynamic log.segment.bytes applied", func() error {
		for i := 0; i < 20; i++ {
			if err := produce(t, cl, "dyn", &kgo.Record{Value: []byte(value)}); err != nil {
				return err
			}
		}
		return segmentsBeyond(c, "dyn", 2)
	})
	if o, err := startOffset(t, adm, "dyn"); err != nil || o != 0 {
		t.Fatalf("start offset before retention = %d, %v", o, err)
	}
	// Samsa's tool keeps log.segment.bytes (it sends the whole set).
	if run := brokerConfigs(t, false, c, "", "--alter", "--add-config", "log.retention.ms=1000"); run.ExitCode != 0 || run.Stdout != done {
		t.Fatalf("--alter log.retention.ms: %+v", run)
	}
	eventually(t, time.Minute, "dynamic log.retention.ms moves the log start offset", func() error {
		o, err := startOffset(t, adm, "dyn")
		if err != nil {
			return err
		}
		if o == 0 {
			return fmt.Errorf("start offset still 0")
		}
		return nil
	})

	// A per-broker value on broker 1, then both tools describe.
	if run := brokerConfigs(t, true, c, "1", "--alter", "--add-config", "log.retention.ms=3600000,num.io.threads=9"); run.ExitCode != 0 || run.Stdout != "Completed updating config for broker: 1.\n" {
		t.Fatalf("Kafka's tool --alter --entity-name 1: %+v", run)
	}
	for _, entity := range []string{"", "1", "2"} {
		ours, theirs := brokerConfigs(t, false, c, entity, "--describe"), brokerConfigs(t, true, c, entity, "--describe")
		if ours.ExitCode != 0 || ours.Stdout != theirs.Stdout || ours.ExitCode != theirs.ExitCode {
			t.Errorf("describe %q:\nsamsa: %+v\nkafka: %+v", entity, ours, theirs)
		}
	}
	ours := brokerConfigs(t, false, c, "1", "--describe")
	for _, want := range []string{
		"  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000",
		"  num.io.threads=9 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:num.io.threads=9",
	} {
		if !strings.Contains(ours.Stdout, want) {
			t.Errorf("describe broker 1 lacks %q:\n%s", want, ours.Stdout)
		}
	}

	// Refusals, with Kafka's messages, from both tools.
	for _, tt := range []struct {
		entity string
		add    string
	}{
		{"", "num.partitions=3"},
		{"", "listeners=PLAINTEXT://127.0.0.1:1"},
		{"1", "log.segment.bytes=10"},
		{"1", "message.max.bytes=abc"},
		{"1", "num.io.threads=100"},
	} {
		ours, theirs := brokerConfigs(t, false, c, tt.entity, "--alter", "--add-config", tt.add), brokerConfigs(t, true, c, tt.entity, "--alter", "--add-config", tt.add)
		if ours.ExitCode == 0 || firstLines(ours.Stderr, 2) != firstLines(theirs.Stderr, 2) || ours.ExitCode != theirs.ExitCode {
			t.Errorf("--alter %q %s:\nsamsa: %+v\nkafka: %+v", tt.entity, tt.add, ours, theirs)
		}
	}
	if !strings.Contains(brokerConfigs(t, false, c, "", "--alter", "--add-config", "num.partitions=3").Stderr,
		"InvalidRequestException: Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot update these configs dynamically: Set(num.partitions)") {
		t.Error("num.partitions not refused as Kafka refuses it")
	}

	// Deleting the defaults brings the static values back.
	if run := brokerConfigs(t, false, c, "", "--alter", "--delete-config", "log.retention.ms,log.segment.bytes"); run.ExitCode != 0 || run.Stdout != done {
		t.Fatalf("--delete-config: %+v", run)
	}
	if got, _ := c.zk.mustGet("/config/brokers/<default>"); string(got) != `{"version":1,"config":{}}` {
		t.Errorf("/config/brokers/<default> after delete = %s", got)
	}
}

// firstLines returns the first n lines of s (a Java stack trace differs
// below its message).
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// TestDynamicBrokerZnodesAsKafkaWritesThem compares, byte for byte, the
// /config/brokers znodes and notifications written by Kafka's
// ConfigCommand --zookeeper with those Samsa's tool and Samsa's broker
// (AlterConfigs) write.
func TestDynamicBrokerZnodesAsKafkaWritesThem(t *testing.T) {
	c, _, _ := configCluster(t)
	// A chroot without brokers, where Kafka's tool may write any dynamic
	// broker config through ZooKeeper.
	idle := harness.Chroot(t)
	idleZK := dialZK(t, ensemble.Servers(), idle)
	if _, err := idleZK.conn.Create(idle, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	idleConnect := ensemble.Connect() + idle

	lastChange := func(z *zkClient) string {
		changes := z.children("/config/changes")
		sort.Strings(changes) // zero-padded sequence numbers
		if len(changes) == 0 {
			return ""
		}
		note, _ := z.mustGet("/config/changes/" + changes[len(changes)-1])
		return string(note)
	}
	for _, tt := range []struct {
		entity []string
		node   string
		add    string
	}{
		{[]string{"--entity-name", "1"}, "/config/brokers/1", "leader.replication.throttled.rate=1000000,follower.replication.throttled.rate=2000000"},
		{[]string{"--entity-default"}, "/config/brokers/<default>", "leader.replication.throttled.rate=5"},
	} {
		args := append(append([]string{"--zookeeper", c.connect, "--alter", "--entity-type", "brokers"}, tt.entity...), "--add-config", tt.add)
		theirs := configTool(t, true, args...)
		theirNode, _ := c.zk.mustGet(tt.node)
		theirNote := lastChange(c.zk)
		if err := c.zk.conn.Delete(c.zk.chroot+tt.node, -1); err != nil {
			t.Fatal(err)
		}
		ours := configTool(t, false, args...)
		ourNode, _ := c.zk.mustGet(tt.node)
		if ours.ExitCode != 0 || ours.Stdout != theirs.Stdout || string(ourNode) != string(theirNode) || lastChange(c.zk) != theirNote {
			t.Errorf("%v:\nsamsa: %+v %s %s\nkafka: %+v %s %s", args, ours, ourNode, lastChange(c.zk), theirs, theirNode, theirNote)
		}
	}

	// Help and refusals of broker configs through ZooKeeper, as Kafka's.
	// (The help's word wrapping is the option parser's; the list of
	// dynamic broker keys is this tool's.)
	brokerKeys := func(help string) string {
		_, rest, _ := strings.Cut(help, "For entity-type 'brokers':")
		keys, _, _ := strings.Cut(rest, "For entity-type 'users':")
		return keys
	}
	if ours, theirs := configTool(t, false, "--help"), configTool(t, true, "--help"); brokerKeys(ours.Stderr) == "" || brokerKeys(ours.Stderr) != brokerKeys(theirs.Stderr) {
		t.Errorf("--help lists other dynamic broker keys:\nsamsa: %s\nkafka: %s", brokerKeys(ours.Stderr), brokerKeys(theirs.Stderr))
	}
	for _, args := range [][]string{
		{"--zookeeper", c.connect, "--alter", "--entity-type", "brokers", "--entity-name", "1", "--add-config", "log.retention.ms=1000"},
		{"--zookeeper", c.connect, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "num.io.threads=4"},
		{"--zookeeper", c.connect, "--describe", "--entity-type", "brokers"},
		{"--bootstrap-server", c.bootstrap(), "--describe", "--entity-type", "brokers"},
	} {
		ours, theirs := configTool(t, false, args...), configTool(t, true, args...)
		sameErr := ours.Stderr == theirs.Stderr ||
			strings.Contains(theirs.Stderr, "\n\tat ") && firstLines(ours.Stderr, 2) == firstLines(theirs.Stderr, 2)
		if ours.ExitCode != theirs.ExitCode || ours.Stdout != theirs.Stdout || !sameErr {
			t.Errorf("%v:\nsamsa: %+v\nkafka: %+v", args, ours, theirs)
		}
	}

	// The broker's AlterConfigs against Kafka's tool in the idle chroot
	// (the quota left in <default> would show as sensitive and stop the
	// tool's --alter, as it stops Kafka's).
	if err := c.zk.conn.Delete(c.zk.chroot+"/config/brokers/<default>", -1); err != nil {
		t.Fatal(err)
	}
	add := "log.segment.bytes=2048,log.retention.ms=60000,log.cleanup.policy=[compact,delete],min.insync.replicas=1"
	if run := brokerConfigs(t, false, c, "", "--alter", "--add-config", add); run.ExitCode != 0 {
		t.Fatalf("--bootstrap-server --alter: %+v", run)
	}
	theirs := configTool(t, true, "--zookeeper", idleConnect, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", add)
	if theirs.ExitCode != 0 {
		t.Fatalf("Kafka's tool in an idle chroot: %+v", theirs)
	}
	ourNode, _ := c.zk.mustGet("/config/brokers/<default>")
	theirNode, _ := idleZK.mustGet("/config/brokers/<default>")
	if string(ourNode) != string(theirNode) || lastChange(c.zk) != lastChange(idleZK) {
		t.Errorf("AlterConfigs wrote %s, %s; Kafka's tool %s, %s", ourNode, lastChange(c.zk), theirNode, lastChange(idleZK))
	}
	for _, java := range []bool{false, true} {
		want := "Configs for default brokers are " + strings.TrimPrefix(strings.TrimSuffix(strings.ReplaceAll(strings.ReplaceAll(string(theirNode), `"`, ""), ":", "="), "}}"), "{version=1,config={") + "\n"
		run := configTool(t, java, "--zookeeper", c.connect, "--describe", "--entity-type", "brokers", "--entity-default")
		if run.ExitCode != 0 || run.Stdout != want {
			t.Errorf("describe --zookeeper (java %v): %+v, want %q", java, run, want)
		}
	}
}

// TestDynamicBrokerConfigsBeforeStart writes broker configs through
// ZooKeeper where no broker runs, as Kafka allows for bootstrapping: Samsa's
// tool and Kafka's, each in its own chroot, print the same, refuse the
// same, and leave the same bytes.
func TestDynamicBrokerConfigsBeforeStart(t *testing.T) {
	chroot := func() (*zkClient, string) {
		p := harness.Chroot(t)
		z := dialZK(t, ensemble.Servers(), p)
		if _, err := z.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		return z, ensemble.Connect() + p
	}
	ourZK, ourConnect := chroot()
	theirZK, theirConnect := chroot()
	for _, tt := range []struct {
		entity []string
		node   string
		add    string
	}{
		{[]string{"--entity-name", "5"}, "/config/brokers/5", "log.retention.ms=1000,num.io.threads=4,listeners=PLAINTEXT://127.0.0.1:9"},
		{[]string{"--entity-default"}, "/config/brokers/<default>", "log.segment.bytes=4096,log.cleanup.policy=[compact,delete],my.custom=x"},
		{[]string{"--entity-default"}, "", "num.partitions=3"},
		{[]string{"--entity-default"}, "", "listeners=PLAINTEXT://127.0.0.1:9"},
		{[]string{"--entity-name", "5"}, "", "ssl.keystore.location=/k"},
		{[]string{"--entity-name", "5"}, "", "log.segment.bytes=big"},
	} {
		args := func(connect string) []string {
			a := append([]string{"--zookeeper", connect, "--alter", "--entity-type", "brokers"}, tt.entity...)
			return append(a, "--add-config", tt.add)
		}
		ours, theirs := configTool(t, false, args(ourConnect)...), configTool(t, true, args(theirConnect)...)
		replace := strings.NewReplacer(ourConnect, "CONNECT", theirConnect, "CONNECT")
		if ours.ExitCode != theirs.ExitCode || ours.Stdout != theirs.Stdout ||
			replace.Replace(firstLines(ours.Stderr, 2)) != replace.Replace(firstLines(theirs.Stderr, 2)) {
			t.Errorf("%s:\nsamsa: %+v\nkafka: %+v", tt.add, ours, theirs)
		}
		if tt.node == "" {
			continue
		}
		ourNode, _ := ourZK.mustGet(tt.node)
		theirNode, _ := theirZK.mustGet(tt.node)
		if string(ourNode) != string(theirNode) {
			t.Errorf("%s: samsa wrote %s, kafka %s", tt.node, ourNode, theirNode)
		}
	}
	for _, entity := range [][]string{{"--entity-name", "5"}, {"--entity-default"}, nil} {
		args := func(connect string) []string {
			return append([]string{"--zookeeper", connect, "--describe", "--entity-type", "brokers"}, entity...)
		}
		ours, theirs := configTool(t, false, args(ourConnect)...), configTool(t, true, args(theirConnect)...)
		if ours.ExitCode != 0 || ours.Stdout != theirs.Stdout {
			t.Errorf("describe %v:\nsamsa: %+v\nkafka: %+v", entity, ours, theirs)
		}
	}
}

// TestDynamicBrokerConfigsAsKafkaBroker runs the same kafka-configs
// --bootstrap-server commands (Kafka's tool) against a Samsa broker and a
// Kafka 2.4.1 broker, each alone in its cluster: the same answers, the same
// describe output and the same znodes.
func TestDynamicBrokerConfigsAsKafkaBroker(t *testing.T) {
	type side struct {
		b       *harness.Broker
		zk      *zkClient
		connect string
	}
	start := func(kafka bool) side {
		chroot := harness.Chroot(t)
		connect := ensemble.Connect() + chroot
		opts := harness.BrokerOpts{ID: 1, ZK: connect}
		var b *harness.Broker
		if kafka {
			b = harness.StartKafkaBroker(t, opts)
		} else {
			b = harness.StartBroker(t, opts)
		}
		harness.WaitCluster(t, connect, 1)
		return side{b: b, zk: dialZK(t, ensemble.Servers(), chroot), connect: connect}
	}
	ours, theirs := start(false), start(true)
	run := func(s side, entity string, args ...string) toolRun {
		full := []string{"--bootstrap-server", s.b.Addr(), "--entity-type", "brokers"}
		if entity == "" {
			full = append(full, "--entity-default")
		} else {
			full = append(full, "--entity-name", entity)
		}
		return configTool(t, true, append(full, args...)...)
	}
	steps := []struct {
		entity string
		args   []string
	}{
		{"", []string{"--alter", "--add-config", "log.retention.ms=60000,message.max.bytes=2000000"}},
		{"1", []string{"--alter", "--add-config", "log.retention.ms=1000,num.io.threads=12,log.cleanup.policy=[compact,delete]"}},
		{"", []string{"--alter", "--add-config", "num.partitions=3"}},
		{"", []string{"--alter", "--add-config", "listeners=PLAINTEXT://127.0.0.1:9"}},
		{"1", []string{"--alter", "--add-config", "log.segment.bytes=10"}},
		{"1", []string{"--alter", "--add-config", "message.max.bytes=abc"}},
		{"1", []string{"--alter", "--add-config", "num.io.threads=100"}},
		{"1", []string{"--alter", "--add-config", "ssl.keystore.location=/k"}},
		{"1", []string{"--alter", "--add-config", "log.retention.ms=0"}},
		{"1", []string{"--alter", "--add-config", "compression.type=zip"}},
		{"1", []string{"--alter", "--add-config", "leader.replication.throttled.rate=abc"}},
		{"", []string{"--describe"}},
		{"1", []string{"--describe"}},
		{"1", []string{"--alter", "--delete-config", "num.io.threads"}},
		{"1", []string{"--describe"}},
	}
	addrs := strings.NewReplacer(ours.b.Addr(), "ADDR", theirs.b.Addr(), "ADDR")
	for _, st := range steps {
		o, k := run(ours, st.entity, st.args...), run(theirs, st.entity, st.args...)
		if o.ExitCode != k.ExitCode || o.Stdout != k.Stdout || addrs.Replace(firstLines(o.Stderr, 2)) != addrs.Replace(firstLines(k.Stderr, 2)) {
			t.Errorf("%q %v:\nsamsa broker: %+v\nkafka broker: %+v", st.entity, st.args, o, k)
		}
	}
	// IncrementalAlterConfigs, op by op, straight to each broker.
	incremental := func(s side, ops ...kmsg.IncrementalAlterConfigsRequestResourceConfig) string {
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.b.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName, r.Configs = kmsg.ConfigResourceTypeBroker, "1", ops
		req.Resources = append(req.Resources, r)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		res := resp.Resources[0]
		msg := "null"
		if res.ErrorMessage != nil {
			msg = *res.ErrorMessage
		}
		return fmt.Sprintf("%d %s", res.ErrorCode, msg)
	}
	op := func(name string, o kmsg.IncrementalAlterConfigOp, v string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = name, o, kmsg.StringPtr(v)
		return c
	}
	for _, ops := range [][]kmsg.IncrementalAlterConfigsRequestResourceConfig{
		{op("message.max.bytes", kmsg.IncrementalAlterConfigOpSet, "3000"), op("log.cleanup.policy", kmsg.IncrementalAlterConfigOpSubtract, "delete")},
		{op("log.cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, "delete")},
		{op("message.max.bytes", kmsg.IncrementalAlterConfigOpAppend, "1")},
		{op("metric.reporters", kmsg.IncrementalAlterConfigOpAppend, "x.Y")},
		{op("num.partitions", kmsg.IncrementalAlterConfigOpSet, "2")},
		{op("log.retention.ms", kmsg.IncrementalAlterConfigOpDelete, "")},
	} {
		if o, k := incremental(ours, ops...), incremental(theirs, ops...); o != k {
			t.Errorf("IncrementalAlterConfigs %v: samsa broker %s, kafka broker %s", ops, o, k)
		}
	}
	for _, node := range []string{"/config/brokers/<default>", "/config/brokers/1"} {
		o, _ := ours.zk.mustGet(node)
		k, _ := theirs.zk.mustGet(node)
		if string(o) != string(k) {
			t.Errorf("%s: samsa broker wrote %s, kafka broker %s", node, o, k)
		}
	}
}
