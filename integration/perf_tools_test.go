package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestProducerPerfBigBatches: batch.size=1048576, as the S3 and S4
// benchmarks use, is above the broker's default max.message.bytes
// (1000012). Against such a topic Samsa's tool keeps its batches within
// the limit, so no record fails. (The Java producer splits a refused batch
// into batches of batch.size again and retries forever, against Kafka's
// broker as against Samsa's.) A topic whose max.message.bytes takes a
// 1 MiB batch serves both tools with every record.
func TestProducerPerfBigBatches(t *testing.T) {
	zkConnect := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zkConnect})
	harness.WaitCluster(t, zkConnect, 1)
	const records = "4000"
	args := func(topic string) []string {
		return []string{"--topic", topic, "--num-records", records, "--record-size", "1024", "--throughput", "-1",
			"--producer-props", "bootstrap.servers=" + b.Addr(), "acks=all", "linger.ms=100", "batch.size=1048576"}
	}
	check := func(name string, run toolRun) {
		t.Helper()
		if run.ExitCode != 0 {
			t.Fatalf("%s: exit %d\n%s%s", name, run.ExitCode, run.Stdout, run.Stderr)
		}
		if final := lastLine(run.Stdout); !strings.HasPrefix(final, records+" records sent, ") {
			t.Errorf("%s: final line %q, want %s records sent", name, final, records)
		}
		if err := producerFailures(run.Stderr); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	createBenchTopic(t, b.Addr(), "default-limit", 1, 1)
	check("Samsa's tool, default max.message.bytes", samsaTool(t, "", "kafka-producer-perf-test", args("default-limit")...))
	mib := "1048588"
	createBenchTopicConfigs(t, b.Addr(), "mib-limit", 1, 1, map[string]*string{"max.message.bytes": &mib})
	check("Samsa's tool, 1 MiB batches", samsaTool(t, "", "kafka-producer-perf-test", args("mib-limit")...))
	check("Kafka's ProducerPerformance, 1 MiB batches", harness.KafkaTool(t, "org.apache.kafka.tools.ProducerPerformance", args("mib-limit")...))

	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "default-limit", "mib-limit")
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]int64{"default-limit": 4000, "mib-limit": 8000} {
		if end, _ := ends.Lookup(topic, 0); end.Offset != want {
			t.Errorf("%s holds %d records, want %d", topic, end.Offset, want)
		}
	}
}
