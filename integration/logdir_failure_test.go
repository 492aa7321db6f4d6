package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// mountTmpfs mounts a tmpfs of size (mount's syntax, "4m") at a new
// directory of the test and unmounts it at the end. It needs root; the
// test is skipped otherwise.
func mountTmpfs(t *testing.T, name, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestFullLogDir fills the only log dir (a small tmpfs) under a producer.
// As Kafka 2.4 does, the broker takes the dir offline and, having no other,
// halts with "Shutdown broker because all log dirs in ... have failed";
// once there is room again it restarts and every acknowledged record is
// there. It needs root to mount the tmpfs and is skipped otherwise.
func TestFullLogDir(t *testing.T) {
	dir := mountTmpfs(t, "kafka-logs", "4m")

	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk, LogDir: dir, Props: map[string]string{
		"log.segment.bytes":        "1048576",
		"log.index.size.max.bytes": "65536",
	}})
	harness.WaitCluster(t, zk, 1)
	const topic = "full"
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.RecordRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, topic); err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v", err, resp.Err)
	}
	cancel()

	// 8 KiB records until the broker refuses one; 4 MiB hold about 500.
	value := strings.Repeat("x", 8<<10)
	var acked []string
	var refused error
	for i := 0; i < 2000 && refused == nil; i++ {
		v := fmt.Sprintf("%d-%s", i, value)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		refused = cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr()
		cancel()
		if refused == nil {
			acked = append(acked, v)
		}
	}
	if refused == nil {
		t.Fatalf("%d records of 8 KiB fit in a 4 MiB log dir", len(acked))
	}
	t.Logf("%d records acknowledged, then: %v", len(acked), refused)

	select {
	case <-b.Done():
	case <-time.After(90 * time.Second):
		t.Fatalf("the broker still runs with its only log dir full; its output:\n%s", b.LogTail(30))
	}
	_, exitErr := b.Exited()
	var ee *exec.ExitError
	if !errors.As(exitErr, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", exitErr)
	}
	want := "ERROR Shutdown broker because all log dirs in " + dir + " have failed (kafka.log.LogManager)"
	if out := b.LogTail(200); !strings.Contains(out, want) {
		t.Errorf("the output lacks %q:\n%s", want, out)
	}

	// Room again: the broker recovers its log and serves every
	// acknowledged record.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v: %s", err, out)
	}
	b.Restart()
	b.WaitListening()
	cons, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var got []string
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for len(got) < len(acked) && ctx.Err() == nil {
		cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if len(got) < len(acked) {
		t.Fatalf("read back %d records, %d were acknowledged", len(got), len(acked))
	}
	for i, v := range acked {
		if got[i] != v {
			t.Fatalf("record %d differs after the restart", i)
		}
	}
}

// TestLogDirFailure gives broker 1 of three two log dirs, the second a small
// tmpfs, and fills that one under an acks=all producer on a topic of
// replication factor 3. As Kafka 2.4 does, broker 1 takes the full dir
// offline and tells the controller (log_dir_event_notification), which moves
// the leadership of the partitions whose replicas were there to brokers 2
// and 3 and takes broker 1 out of their ISR; broker 1 keeps serving the
// partitions of its healthy dir, and every acknowledged record can be read.
// kafka-topics shows the new leaders, kafka-log-dirs the failed dir. Given
// room again, the restarted broker 1 rejoins the ISR. Needs root (tmpfs).
func TestLogDirFailure(t *testing.T) {
	small := mountTmpfs(t, "small", "2m")
	big := filepath.Join(t.TempDir(), "big")
	chroot := harness.Chroot(t)
	c := &cluster{t: t, connect: ensemble.Connect() + chroot}
	for id := int32(1); id <= 3; id++ {
		props := map[string]string{"log.segment.bytes": "1048576", "log.index.size.max.bytes": "65536"}
		if id == 1 {
			props["log.dirs"] = big + "," + small
		}
		c.brokers = append(c.brokers, harness.StartBroker(t, harness.BrokerOpts{ID: id, ZK: c.connect, Props: props}))
	}
	c.zk = dialZK(t, ensemble.Servers(), chroot)
	c.waitRegistered(3)
	const topic, partitions = "jbod", 4
	c.createAssigned(topic, "1:2:3,1:3:2,1:2:3,1:3:2")

	// Broker 1 spreads its four replicas over its two dirs.
	inSmall := map[int32]bool{}
	eventually(t, 30*time.Second, "replicas in both log dirs of broker 1", func() error {
		clear(inSmall)
		n := 0
		for _, d := range []string{big, small} {
			for p := int32(0); p < partitions; p++ {
				if _, err := os.Stat(filepath.Join(d, fmt.Sprintf("%s-%d", topic, p))); err == nil {
					n++
					inSmall[p] = d == small
				}
			}
		}
		if n != partitions || len(inSmall) != partitions {
			return fmt.Errorf("%d of %d partition dirs", n, partitions)
		}
		return nil
	})
	var smallParts, bigParts []int32
	for p := int32(0); p < partitions; p++ {
		if inSmall[p] {
			smallParts = append(smallParts, p)
		} else {
			bigParts = append(bigParts, p)
		}
	}
	if len(smallParts) == 0 || len(bigParts) == 0 {
		t.Fatalf("partitions in the small dir %v, in the big one %v", smallParts, bigParts)
	}
	t.Logf("in the tmpfs: %v; in the healthy dir: %v", smallParts, bigParts)

	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// Rounds of one 8 KiB record per partition, until the small dir's
	// partitions have left broker 1 and a few rounds more; 2 MiB hold about
	// 250 records, so a few hundred rounds fill it.
	value := strings.Repeat("x", 8<<10)
	acked := map[int32][]string{}
	moved := func() bool {
		for _, p := range smallParts {
			if c.leaderOfPartition(topic, int(p)) == 1 {
				return false
			}
		}
		return true
	}
	after := -1
	for round := 0; round < 1000 && after != 0; round++ {
		recs := make([]*kgo.Record, 0, partitions)
		for p := int32(0); p < partitions; p++ {
			recs = append(recs, &kgo.Record{Partition: p, Value: []byte(fmt.Sprintf("%d-%d-%s", p, round, value))})
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for _, r := range cl.ProduceSync(ctx, recs...) {
			if r.Err != nil {
				t.Logf("round %d, partition %d: %v", round, r.Record.Partition, r.Err)
				continue
			}
			acked[r.Record.Partition] = append(acked[r.Record.Partition], string(r.Record.Value))
		}
		cancel()
		switch {
		case after > 0:
			after--
		case after < 0 && round%10 == 9 && moved():
			after = 20
		}
	}
	if after != 0 {
		t.Fatalf("the partitions of the full dir never left broker 1; its output:\n%s", c.brokers[0].LogTail(40))
	}
	select {
	case <-c.brokers[0].Done():
		t.Fatalf("broker 1 stopped with one healthy log dir left; its output:\n%s", c.brokers[0].LogTail(40))
	default:
	}
	if out := c.brokers[0].LogTail(2000); !strings.Contains(out, "Stopped serving replicas in dir "+small) {
		t.Errorf("broker 1's output does not say it stopped serving %s:\n%s", small, c.brokers[0].LogTail(40))
	}

	// kafka-topics shows the new leaders, and broker 1 out of their ISR.
	line := regexp.MustCompile(`Partition: (\d+)\s+Leader: (-?\d+)\s+Replicas: ([\d,]+)\s+Isr: ([\d,]*)`)
	eventually(t, 30*time.Second, "kafka-topics --describe", func() error {
		run := c.topics("--bootstrap-server", c.bootstrap(), "--describe", "--topic", topic)
		if run.ExitCode != 0 {
			return fmt.Errorf("kafka-topics: %+v", run)
		}
		seen := 0
		for _, m := range line.FindAllStringSubmatch(run.Stdout, -1) {
			seen++
			p, leader, isr := m[1], m[2], ","+m[4]+","
			var want bool
			for _, sp := range smallParts {
				if p == fmt.Sprint(sp) {
					want = true
				}
			}
			switch {
			case want && (leader == "1" || strings.Contains(isr, ",1,")):
				return fmt.Errorf("partition %s of the failed dir: leader %s, isr %s", p, leader, m[4])
			case !want && leader != "1":
				return fmt.Errorf("partition %s of the healthy dir: leader %s, want 1", p, leader)
			}
		}
		if seen != partitions {
			return fmt.Errorf("%d partition lines in:\n%s", seen, run.Stdout)
		}
		return nil
	})

	// Metadata lists broker 1's replicas in the failed dir as offline, and
	// only those (the controller's replicasOnOfflineDirs).
	eventually(t, 30*time.Second, "offline replicas in Metadata", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		md, err := c.admin().Metadata(ctx, topic)
		if err != nil {
			return err
		}
		for _, pd := range md.Topics[topic].Partitions {
			want := slices.Contains(smallParts, pd.Partition)
			if got := slices.Contains(pd.OfflineReplicas, 1); got != want {
				return fmt.Errorf("partition %d: offline replicas %v, want broker 1 listed: %v", pd.Partition, pd.OfflineReplicas, want)
			}
		}
		return nil
	})

	// kafka-log-dirs reports the failed dir with KafkaStorageException.
	run := samsaTool(t, "", "kafka-log-dirs", "--bootstrap-server", c.bootstrap(), "--describe", "--broker-list", "1")
	lines := strings.Split(strings.TrimSpace(run.Stdout), "\n")
	var described struct {
		Brokers []struct {
			LogDirs []struct {
				LogDir string  `json:"logDir"`
				Error  *string `json:"error"`
			} `json:"logDirs"`
		} `json:"brokers"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &described); err != nil || len(described.Brokers) != 1 {
		t.Fatalf("kafka-log-dirs: %v: %+v", err, run)
	}
	dirErrs := map[string]string{}
	for _, d := range described.Brokers[0].LogDirs {
		dirErrs[d.LogDir] = "null"
		if d.Error != nil {
			dirErrs[d.LogDir] = *d.Error
		}
	}
	if want := map[string]string{big: "null", small: "org.apache.kafka.common.errors.KafkaStorageException"}; !maps.Equal(dirErrs, want) {
		t.Errorf("kafka-log-dirs errors by dir: %v, want %v", dirErrs, want)
	}

	// Nothing acknowledged is lost, and the healthy dir took records to the end.
	for _, p := range bigParts {
		if len(acked[p]) == 0 {
			t.Fatalf("no record acknowledged on partition %d", p)
		}
	}
	offsets := map[string]map[int32]kgo.Offset{topic: {}}
	for p := int32(0); p < partitions; p++ {
		offsets[topic][p] = kgo.NewOffset().AtStart()
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ConsumePartitions(offsets), kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	got := map[int32]map[string]bool{}
	for p := int32(0); p < partitions; p++ {
		got[p] = map[string]bool{}
	}
	missing := func() int {
		n := 0
		for p, vs := range acked {
			for _, v := range vs {
				if !got[p][v] {
					n++
				}
			}
		}
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for missing() > 0 && ctx.Err() == nil {
		cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got[r.Partition][string(r.Value)] = true })
	}
	if n := missing(); n > 0 {
		t.Fatalf("%d acknowledged records cannot be read", n)
	}

	// With room again, a restarted broker 1 recovers the dir, catches up
	// and rejoins the ISR of its partitions.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", small).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v: %s", err, out)
	}
	c.brokers[0].Restart()
	c.brokers[0].WaitListening()
	eventually(t, time.Minute, "broker 1 back in every ISR", func() error {
		for _, p := range smallParts {
			m := c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))
			var isr []int
			for _, r := range m["isr"].([]any) {
				isr = append(isr, int(r.(float64)))
			}
			if !containsInt(isr, 1) {
				return fmt.Errorf("partition %d: isr %v", p, isr)
			}
		}
		return nil
	})
}
