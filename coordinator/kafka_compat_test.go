//go:build integration

package coordinator

// Compatibility with Apache Kafka 2.4.1 itself (kafka_2.13 build): its
// kafka-topics tool and a real Kafka broker against our znodes and our
// controller, and the other way round. Run with
//
//	go test -tags integration -run KafkaCompat ./coordinator/
//
// with Kafka's jars in $SAMSA_KAFKA_LIBS or where `make kafka-jars` puts them.

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator/zktest"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func kafkaClasspath(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SAMSA_KAFKA_LIBS")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "samsa", "kafka-2.4.1", "libs")
	}
	if _, err := os.Stat(filepath.Join(dir, "kafka_2.13-2.4.1.jar")); err != nil {
		t.Fatalf("Apache Kafka 2.4.1's jars are not in %s: run `make kafka-jars` or set SAMSA_KAFKA_LIBS (%v)", dir, err)
	}
	return filepath.Join(dir, "*")
}

func runTopicCommand(t *testing.T, cp string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("java", append([]string{"-Xmx128m", "-Dlog4j.configuration=file:/dev/null", "-cp", cp, "kafka.admin.TopicCommand"}, args...)...)
	out, err := cmd.CombinedOutput()
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "log4j:") && l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), err
}

// kgoTransport sends control requests with franz-go; Kafka 2.4 brokers
// support exactly the versions the controller uses as their maximum.
type kgoTransport struct {
	mu      sync.Mutex
	clients map[string]*kgo.Client
}

func (k *kgoTransport) RoundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error) {
	k.mu.Lock()
	cl := k.clients[addr]
	if cl == nil {
		var err error
		if cl, err = kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("1")); err != nil {
			k.mu.Unlock()
			return nil, err
		}
		k.clients[addr] = cl
	}
	k.mu.Unlock()
	return cl.SeedBrokers()[0].Request(ctx, req)
}

func (k *kgoTransport) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, cl := range k.clients {
		cl.Close()
	}
}

func TestKafkaCompatTopicTool(t *testing.T) {
	cp := kafkaClasspath(t)
	srv := zktest.Start(t)
	ctx := testCtx(t)
	n, z := newTestNode(t, srv, 1, nil)
	if _, err := n.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "controller", n.IsController)

	// Kafka's tool writes; our codecs write the same bytes; our controller
	// elects and the tool reads our state znodes.
	for _, tt := range []struct {
		topic      string
		partitions string
	}{{"four", "4"}, {"twenty", "20"}, {"sixty", "60"}} {
		out, err := runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--create", "--topic", tt.topic, "--partitions", tt.partitions, "--replication-factor", "1")
		if err != nil || out != "Created topic "+tt.topic+"." {
			t.Fatalf("create: %q %v", out, err)
		}
		data, _, err := z.Get(ctx, TopicPath(tt.topic))
		if err != nil {
			t.Fatal(err)
		}
		a, err := DecodeTopicAssignment(data)
		if err != nil {
			t.Fatal(err)
		}
		if ours := EncodeTopicAssignment(a.Partitions, nil, nil); string(ours) != string(data) {
			t.Errorf("topic znode\nkafka %s\nours  %s", data, ours)
		}
		if cfg, _, _ := z.Get(ctx, TopicConfigPath(tt.topic)); string(cfg) != string(EncodeConfig(nil)) {
			t.Errorf("config znode %s", cfg)
		}
	}
	waitFor(t, "states", func() bool { s, _ := z.PartitionStates(ctx, "four"); return len(s) == 4 })
	out, _ := runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--describe", "--topic", "four")
	if !strings.Contains(out, "Topic: four\tPartition: 3\tLeader: 1\tReplicas: 1\tIsr: 1") {
		t.Errorf("describe:\n%s", out)
	}
	// Our admin writes; the tool reads.
	if err := z.CreateTopic(ctx, "ours.x", map[int32][]int32{0: {1}}, map[string]string{"segment.bytes": "1048576"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "states", func() bool { s, _ := z.PartitionStates(ctx, "ours.x"); return len(s) == 1 })
	out, _ = runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--describe", "--topic", "ours.x")
	if !strings.Contains(out, "Configs: segment.bytes=1048576") || !strings.Contains(out, "Leader: 1") {
		t.Errorf("describe:\n%s", out)
	}
	// Same rules, same messages.
	out, _ = runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--create", "--topic", "ours_x", "--partitions", "1", "--replication-factor", "1")
	if err := z.CreateTopic(ctx, "ours_x", map[int32][]int32{0: {1}}, nil); err == nil || !strings.Contains(out, err.Error()) {
		t.Errorf("collision: kafka %q, ours %v", out, err)
	}
	out, _ = runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--create", "--topic", "big", "--partitions", "1", "--replication-factor", "3")
	if _, err := AssignReplicas([]BrokerMeta{{ID: 1}}, 1, 3, -1, -1, nil); err == nil || !strings.Contains(out, "Error while executing topic command : "+err.Error()) {
		t.Errorf("replication factor: kafka %q, ours %v", out, err)
	}
	// The tool adds partitions; our controller creates them.
	if out, err := runTopicCommand(t, cp, "--zookeeper", srv.Connect, "--alter", "--topic", "four", "--partitions", "6"); err != nil {
		t.Fatalf("alter: %s %v", out, err)
	}
	waitFor(t, "added partitions", func() bool { s, _ := z.PartitionStates(ctx, "four"); return len(s) == 6 })
}

func TestKafkaCompatBroker(t *testing.T) {
	cp := kafkaClasspath(t)
	srv := zktest.Start(t)
	ctx := testCtx(t)
	tr := &kgoTransport{clients: map[string]*kgo.Client{}}
	defer tr.close()
	n, z := newTestNode(t, srv, 1, tr)
	if _, err := n.Register(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "controller", n.IsController)
	// A second broker registered with our encoding (without running for
	// controller), for Kafka's controller to read later.
	reg := dialZK(t, srv)
	info := BrokerInfo{ID: 2, Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9094, SecurityProtocol: "PLAINTEXT"}},
		JmxPort: -1, Timestamp: "1"}
	if _, err := reg.Multi(ctx, CreateOp{Path: BrokerPath(2), Mode: ModeEphemeral}, SetDataOp{Path: BrokerPath(2), Data: EncodeBrokerInfo(info), Version: 0}); err != nil {
		t.Fatal(err)
	}

	// A real Kafka broker joins the cluster our controller runs.
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.47:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	props := strings.Join([]string{"broker.id=7", "listeners=PLAINTEXT://" + addr, "zookeeper.connect=" + srv.Connect,
		"log.dirs=" + filepath.Join(dir, "logs"), "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1", "zookeeper.session.timeout.ms=6000", "broker.rack=rack-a", ""}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "server.properties"), []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "kafka.out"))
	if err != nil {
		t.Fatal(err)
	}
	kafka := exec.Command("java", "-Xmx384m", "-Dlog4j.configuration=file:/dev/null", "-cp", cp, "kafka.Kafka", filepath.Join(dir, "server.properties"))
	kafka.Stdout, kafka.Stderr = logf, logf
	if err := kafka.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		kafka.Process.Kill()
		kafka.Wait()
		logf.Close()
	}()
	waitFor(t, "Kafka broker registered", func() bool { ok, _, _ := z.Exists(ctx, BrokerPath(7)); return ok })
	data, st, err := z.Get(ctx, BrokerPath(7))
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeBrokerInfo(7, data, st.Czxid)
	if err != nil || b.Rack == nil || *b.Rack != "rack-a" || b.Endpoints[0].String() != "PLAINTEXT://"+addr || st.Version != 1 {
		t.Errorf("Kafka's registration %s -> %+v %v (data version %d)", data, b, err, st.Version)
	}
	if ours := EncodeBrokerInfo(b); string(ours) != string(data) {
		t.Errorf("broker znode\nkafka %s\nours  %s", data, ours)
	}

	// Our controller makes it leader of a new topic; clients use it.
	if err := z.CreateTopic(ctx, "kb", map[int32][]int32{0: {7}}, nil); err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("kb"), kgo.ConsumeTopics("kb"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(pctx, &kgo.Record{Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatalf("produce to the Kafka broker led by our controller: %v", err)
	}
	var got []string
	for len(got) == 0 && pctx.Err() == nil {
		cl.PollFetches(pctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if len(got) != 1 || got[0] != "hello" {
		t.Errorf("consumed %v", got)
	}

	// Deletion through the real broker's StopReplica answers.
	if err := z.CreateTopic(ctx, "gone", map[int32][]int32{0: {7}}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "state", func() bool {
		_, err := z.PartitionState(ctx, TopicPartition{Topic: "gone", Partition: 0})
		return err == nil
	})
	if err := z.MarkTopicForDeletion(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "topic deleted after Kafka's StopReplica answers", func() bool {
		ok, err := z.TopicExists(ctx, "gone")
		return err == nil && !ok
	})

	// Our controller leaves; Kafka's takes over our znodes and keeps going.
	n.Close()
	z.Close()
	z2 := dialZK(t, srv)
	waitFor(t, "Kafka as controller", func() bool { id, ok, _ := z2.ControllerID(ctx); return ok && id == 7 })
	if e := controllerEpoch(t, z2); e != 2 {
		t.Errorf("controller epoch %d after Kafka's election, want 2", e)
	}
	if err := z2.CreateTopic(ctx, "byk", map[int32][]int32{0: {7}}, nil); err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{Topic: "byk", Partition: 0}
	waitFor(t, "Kafka-made state", func() bool { _, err := z2.PartitionState(ctx, tp); return err == nil })
	data, _, _ = z2.Get(ctx, PartitionStatePath("byk", 0))
	s, err := DecodePartitionState(data, 0)
	if err != nil || string(EncodePartitionState(s)) != string(data) || s.Leader != 7 || s.ControllerEpoch != 2 {
		t.Errorf("Kafka's state znode %s -> %+v %v", data, s, err)
	}
	// Kafka's controller read our registration: it elects our broker.
	if err := z2.CreateTopic(ctx, "on2", map[int32][]int32{0: {2}}, nil); err != nil {
		t.Fatal(err)
	}
	tp2 := TopicPartition{Topic: "on2", Partition: 0}
	waitFor(t, "Kafka elects a Samsa broker", func() bool {
		s, err := z2.PartitionState(ctx, tp2)
		return err == nil && s.Leader == 2
	})
}
