package integration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// closedPorts returns n loopback addresses on which nothing listens.
func closedPorts(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return addrs
}

// TestZooKeeperUnreachableAtStartup: with none of the zookeeper.connect
// servers up, a broker gives up after zookeeper.connection.timeout.ms with
// Kafka 2.4's ZooKeeperClientTimeoutException and exits with status 1.
// Apache Kafka's own broker runs the same case when its jars are cached.
func TestZooKeeperUnreachableAtStartup(t *testing.T) {
	tests := []struct {
		name  string
		start func(testing.TB, harness.BrokerOpts) *harness.Broker
	}{
		{"samsa", harness.StartBroker},
		{"kafka", harness.StartKafkaBroker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "kafka" {
				if _, err := harness.KafkaLibs(); err != nil {
					t.Skip(err)
				}
			}
			b := tt.start(t, harness.BrokerOpts{
				ID:     1,
				ZK:     strings.Join(closedPorts(t, 2), ","),
				NoWait: true,
				Props:  map[string]string{"zookeeper.connection.timeout.ms": "3000"},
			})
			select {
			case <-b.Done():
			case <-time.After(90 * time.Second):
				t.Fatalf("the broker still runs without ZooKeeper; its output:\n%s", b.LogTail(30))
			}
			_, err := b.Exited()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Errorf("exit: %v, want exit status 1", err)
			}
			out := b.LogTail(200)
			for _, want := range []string{
				"INFO [ZooKeeperClient Kafka server] Waiting until connected. (kafka.zookeeper.ZooKeeperClient)",
				"ERROR Fatal error during KafkaServer startup. Prepare to shutdown",
				"kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING",
				"ERROR Exiting Kafka. (kafka.server.KafkaServerStartable)",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// outageClient produces numbered records with acks=all and remembers what
// was acknowledged.
type outageClient struct {
	t     *testing.T
	cl    *kgo.Client
	topic string

	mu    sync.Mutex
	acked map[string]bool
}

func (o *outageClient) produce(prefix string, n int) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Topic: o.topic, Value: []byte(fmt.Sprintf("%s-%d", prefix, i))})
	}
	if err := o.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		o.t.Fatalf("produce %s: %v", prefix, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range recs {
		o.acked[string(r.Value)] = true
	}
}

// consumeAll reads the topic from the start with a new client until every
// acknowledged record has been seen.
func (o *outageClient) consumeAll(seeds string) {
	o.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.ConsumeTopics(o.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		o.t.Fatal(err)
	}
	defer cl.Close()
	o.mu.Lock()
	missing := make(map[string]bool, len(o.acked))
	for v := range o.acked {
		missing[v] = true
	}
	o.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for len(missing) > 0 && ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) { delete(missing, string(r.Value)) })
	}
	if len(missing) > 0 {
		o.t.Fatalf("%d acknowledged records not read back", len(missing))
	}
}

// TestZooKeeperOutage stops the whole ensemble under a running cluster for
// a few seconds. As with Kafka, brokers keep serving produce and consume
// for the leaders they have; when ZooKeeper is back, the cluster recovers:
// brokers are registered, a controller is elected, and a broker's failure
// is handled (leaders moved, ISRs shrunk) as before.
func TestZooKeeperOutage(t *testing.T) {
	e := harness.StartEnsemble(t, 3)
	c := startCluster(t, e, 3, map[string]string{
		"zookeeper.session.timeout.ms": strconv.Itoa(int(sessionTimeout / time.Millisecond)),
	})
	const topic = "outage"
	c.createTopic(topic, 3)
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	o := &outageClient{t: t, cl: cl, topic: topic, acked: map[string]bool{}}
	o.produce("before", 60)

	down := time.Now()
	for i := range 3 {
		e.Stop(i)
	}
	o.produce("during", 60)
	o.consumeAll(c.bootstrap())
	// Keep the ensemble down a few seconds in all, as an operator's
	// restart would.
	time.Sleep(time.Until(down.Add(5 * time.Second)))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.Start(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("restarting the ensemble: %v", err)
	}
	if err := e.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("ZooKeeper was down for %v", time.Since(down).Round(time.Second))

	c.waitRegistered(3)
	o.produce("after", 60)

	// The cluster still reacts to a failure: a killed broker leaves every
	// ISR and no partition stays led by it.
	c.brokers[2].Kill(syscall.SIGKILL)
	eventually(t, 90*time.Second, "broker 3 out of every leader and ISR", func() error {
		for p := range 3 {
			m := c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))
			leader := int(m["leader"].(float64))
			var isr []int
			for _, r := range m["isr"].([]any) {
				isr = append(isr, int(r.(float64)))
			}
			if leader == 3 || leader < 0 || containsInt(isr, 3) {
				return fmt.Errorf("partition %d: leader %d, isr %v", p, leader, isr)
			}
		}
		return nil
	})
	o.produce("after-failover", 60)
	o.consumeAll(c.brokers[0].Addr() + "," + c.brokers[1].Addr())
}
