package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// groupProps make groups quick to form in tests: Kafka's 3 s initial
// rebalance delay only slows a test down, and a few offsets partitions load
// faster than 50. The replication factor stays Kafka's default of 3.
var groupProps = map[string]string{
	"group.initial.rebalance.delay.ms": "0",
	"offsets.topic.num.partitions":     "6",
}

// groupCluster starts three brokers and creates topic with partitions
// partitions replicated three times.
func groupCluster(t *testing.T, topic string, partitions int32) *cluster {
	t.Helper()
	c := startCluster(t, ensemble, 3, groupProps)
	c.createTopic(topic, partitions)
	return c
}

func (c *cluster) createTopic(topic string, partitions int32) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.admin().CreateTopic(ctx, partitions, 3, nil, topic)
	if err != nil || resp.Err != nil {
		c.t.Fatalf("create topic %s: %v %v", topic, err, resp.Err)
	}
	c.waitLeaders(topic, int(partitions))
}

func (c *cluster) admin() *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// produce writes n records "<prefix>-<i>" to topic, spread over its
// partitions, and waits for every acknowledgement.
func (c *cluster) produce(topic, prefix string, n int) []string {
	c.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		c.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var values []string
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("%s-%d", prefix, i)
		values = append(values, v)
		recs = append(recs, &kgo.Record{Value: []byte(v)})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		c.t.Fatalf("produce: %v", err)
	}
	return values
}

// member is one kgo group consumer that commits what it has polled after
// every poll, so a restart resumes exactly after what it reported.
type member struct {
	t      *testing.T
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	values   []string
	assigned map[int32]bool
	revoked  int // partitions revoked or lost so far
}

func (c *cluster) join(group, topic string, extra ...kgo.Opt) *member {
	c.t.Helper()
	m := &member{t: c.t, done: make(chan struct{}), assigned: map[int32]bool{}}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.FetchMaxWait(500 * time.Millisecond),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
			m.mu.Lock()
			for _, p := range a[topic] {
				m.assigned[p] = true
			}
			m.mu.Unlock()
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
			m.mu.Lock()
			for _, p := range r[topic] {
				delete(m.assigned, p)
				m.revoked++
			}
			m.mu.Unlock()
		}),
		kgo.OnPartitionsLost(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
			m.mu.Lock()
			for _, p := range r[topic] {
				delete(m.assigned, p)
				m.revoked++
			}
			m.mu.Unlock()
		}),
	}, extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		c.t.Fatal(err)
	}
	m.cl = cl
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.loop(ctx)
	c.t.Cleanup(m.close)
	return m
}

func (m *member) loop(ctx context.Context) {
	defer close(m.done)
	for ctx.Err() == nil {
		fs := m.cl.PollFetches(ctx)
		if fs.IsClientClosed() || ctx.Err() != nil {
			return
		}
		var got []string
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		if len(got) == 0 {
			continue
		}
		// Commit before reporting: what a test sees is committed.
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := m.cl.CommitUncommittedOffsets(cctx)
		cancel()
		if err != nil {
			m.t.Logf("commit: %v", err)
		}
		m.mu.Lock()
		m.values = append(m.values, got...)
		m.mu.Unlock()
	}
}

// close stops polling and leaves the group (a static member does not send
// LeaveGroup: kgo leaves that to the session timeout, as Kafka's client does).
func (m *member) close() {
	if m.cancel == nil {
		return
	}
	m.cancel()
	<-m.done
	m.cl.Close()
	m.cancel = nil
}

func (m *member) got() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.values...)
}

func (m *member) partitions() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ps []int32
	for p := range m.assigned {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// waitAll waits until the members together received want, and checks that
// no value came twice and none that was not wanted.
func waitAll(t *testing.T, want []string, ms ...*member) {
	t.Helper()
	eventually(t, 90*time.Second, "every record consumed", func() error {
		n := 0
		for _, m := range ms {
			n += len(m.got())
		}
		if n < len(want) {
			return fmt.Errorf("%d of %d records consumed", n, len(want))
		}
		return nil
	})
	seen := map[string]int{}
	for _, m := range ms {
		for _, v := range m.got() {
			seen[v]++
		}
	}
	for _, v := range want {
		if seen[v] != 1 {
			t.Errorf("record %s consumed %d times", v, seen[v])
		}
		delete(seen, v)
	}
	for v, n := range seen {
		t.Errorf("unexpected record %s (%d times)", v, n)
	}
}

// waitSplit waits until the members hold disjoint sets of partitions that
// cover 0..n-1, each member at least one.
func waitSplit(t *testing.T, n int32, ms ...*member) {
	t.Helper()
	eventually(t, 90*time.Second, "partitions split between members", func() error {
		owner := map[int32]int{}
		for i, m := range ms {
			ps := m.partitions()
			if len(ps) == 0 {
				return fmt.Errorf("member %d holds no partition", i)
			}
			for _, p := range ps {
				if o, dup := owner[p]; dup {
					return fmt.Errorf("partition %d held by members %d and %d", p, o, i)
				}
				owner[p] = i
			}
		}
		if int32(len(owner)) != n {
			return fmt.Errorf("%d of %d partitions held", len(owner), n)
		}
		return nil
	})
}

// groupsTool runs Samsa's kafka-consumer-groups or, with java set, Kafka's
// ConsumerGroupCommand.
func groupsTool(t *testing.T, java bool, args ...string) toolRun {
	t.Helper()
	if java {
		return harness.KafkaTool(t, "kafka.admin.ConsumerGroupCommand", args...)
	}
	return samsaTool(t, "", "kafka-consumer-groups", args...)
}

// describeRows returns the lines of a --describe table, byte for byte,
// with the rows after the header sorted: Kafka orders members with equally
// many partitions by a hash map's order.
func describeRows(out string) []string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" {
			rows = append(rows, l)
		}
	}
	if len(rows) > 1 {
		sort.Strings(rows[1:])
	}
	return rows
}

// TestGroupConsumption: two members of one group split the partitions and
// together get each record once; a second group gets every record; a
// member restarted in its group resumes after its last commit; Samsa's tool
// and Kafka's describe and list the group alike.
func TestGroupConsumption(t *testing.T) {
	const topic, partitions = "events", 4
	c := groupCluster(t, topic, partitions)
	want := c.produce(topic, "a", 200)

	m1 := c.join("g1", topic, kgo.Balancers(kgo.RangeBalancer()), kgo.ClientID("c1"))
	m2 := c.join("g1", topic, kgo.Balancers(kgo.RangeBalancer()), kgo.ClientID("c2"))
	waitSplit(t, partitions, m1, m2)
	waitAll(t, want, m1, m2)

	other := c.join("g2", topic)
	waitAll(t, want, other)

	// Both tools see the same stable group.
	for _, args := range [][]string{
		{"--describe", "--group", "g1"},
		{"--describe", "--group", "g1", "--members"},
		{"--describe", "--group", "g1", "--state"},
		{"--list"},
	} {
		full := append([]string{"--bootstrap-server", c.bootstrap()}, args...)
		var samsa, java toolRun
		eventually(t, 30*time.Second, fmt.Sprint(args), func() error {
			samsa, java = groupsTool(t, false, full...), groupsTool(t, true, full...)
			s, j := describeRows(samsa.Stdout), describeRows(java.Stdout)
			if strings.Join(s, "\n") != strings.Join(j, "\n") {
				return fmt.Errorf("samsa:\n%s\nkafka:\n%s\nkafka stderr: %s", samsa.Stdout, java.Stdout, java.Stderr)
			}
			return nil
		})
		if samsa.ExitCode != 0 {
			t.Errorf("%v: exit %d: %s", args, samsa.ExitCode, samsa.Stderr)
		}
	}

	// A restarted member resumes after the last commit: it gets only the
	// records produced after the group stopped.
	m1.close()
	m2.close()
	more := c.produce(topic, "b", 40)
	m3 := c.join("g1", topic)
	waitAll(t, more, m3)

	// Kafka's own console consumer in a group of its own: while it runs and
	// after it has gone, both tools describe its group alike.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	console := harness.KafkaCommand(ctx, t, "kafka.tools.ConsoleConsumer", "--bootstrap-server", c.bootstrap(),
		"--topic", topic, "--group", "jconsole", "--from-beginning")
	var consoleOut syncBuffer
	console.Stdout = &consoleOut
	if err := console.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "console consumer got every record", func() error {
		if n := strings.Count(consoleOut.String(), "\n"); n < len(want)+len(more) {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})
	jargs := []string{"--bootstrap-server", c.bootstrap(), "--describe", "--group", "jconsole"}
	eventually(t, 30*time.Second, "console consumer's group described alike", func() error {
		s, j := groupsTool(t, false, jargs...), groupsTool(t, true, jargs...)
		if strings.Join(describeRows(s.Stdout), "\n") != strings.Join(describeRows(j.Stdout), "\n") || s.Stderr != j.Stderr {
			return fmt.Errorf("samsa:\n%s%s\nkafka:\n%s%s", s.Stdout, s.Stderr, j.Stdout, j.Stderr)
		}
		if !strings.Contains(s.Stdout, "consumer-jconsole-1") {
			return fmt.Errorf("no row of the console consumer's member:\n%s", s.Stdout)
		}
		return nil
	})
	cancel()
	_ = console.Wait()

	// The group with no members left is Empty; both tools say so.
	m3.close()
	args := []string{"--bootstrap-server", c.bootstrap(), "--describe", "--group", "g1"}
	eventually(t, 30*time.Second, "empty group described alike", func() error {
		s, j := groupsTool(t, false, args...), groupsTool(t, true, args...)
		if s.Stderr != j.Stderr || strings.Join(describeRows(s.Stdout), "\n") != strings.Join(describeRows(j.Stdout), "\n") {
			return fmt.Errorf("samsa:\n%s%s\nkafka:\n%s%s", s.Stdout, s.Stderr, j.Stdout, j.Stderr)
		}
		if !strings.Contains(s.Stderr, "Consumer group 'g1' has no active members.") {
			return fmt.Errorf("stderr %q", s.Stderr)
		}
		return nil
	})
}

func (m *member) revocations() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.revoked
}

// TestGroupRebalances moves partitions between members as they join and
// leave, with the eager range assignor, the cooperative-sticky one and static
// members; records are produced only while the group is stable, so each
// must arrive exactly once whatever the rebalances did.
func TestGroupRebalances(t *testing.T) {
	const partitions = 6
	c := startCluster(t, ensemble, 3, groupProps)
	for _, tc := range []struct {
		group    string
		balancer kgo.GroupBalancer
	}{
		{"eager", kgo.RangeBalancer()},
		{"cooperative", kgo.CooperativeStickyBalancer()},
	} {
		t.Run(tc.group, func(t *testing.T) {
			topic := tc.group
			c.createTopic(topic, partitions)
			join := func() *member { return c.join(tc.group, topic, kgo.Balancers(tc.balancer)) }
			m1 := join()
			waitSplit(t, partitions, m1)
			batch1 := c.produce(topic, tc.group+"-1", 60)
			waitAll(t, batch1, m1)

			m2, m3 := join(), join()
			waitSplit(t, partitions, m1, m2, m3)
			batch2 := c.produce(topic, tc.group+"-2", 60)
			waitAll(t, append(batch1, batch2...), m1, m2, m3)

			m2.close()
			waitSplit(t, partitions, m1, m3)
			batch3 := c.produce(topic, tc.group+"-3", 60)
			waitAll(t, append(append(batch1, batch2...), batch3...), m1, m2, m3)
			m1.close()
			m3.close()
		})
	}

	t.Run("static", func(t *testing.T) {
		const topic = "static"
		c.createTopic(topic, partitions)
		join := func(id string) *member {
			return c.join("static", topic, kgo.InstanceID(id), kgo.Balancers(kgo.RangeBalancer()))
		}
		s1, s2 := join("s1"), join("s2")
		waitSplit(t, partitions, s1, s2)
		batch1 := c.produce(topic, "static-1", 60)
		waitAll(t, batch1, s1, s2)
		held := s2.partitions()
		revoked := s2.revocations()

		// A static member that goes away does not leave the group; back
		// with the same instance id it gets its partitions again and the
		// other member is not disturbed.
		s1.close()
		members := func() (int, error) {
			adm := c.admin()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := adm.DescribeGroups(ctx, "static")
			if err != nil {
				return 0, err
			}
			return len(d["static"].Members), d["static"].Err
		}
		if n, err := members(); err != nil || n != 2 {
			t.Errorf("after a static member closed: %d members (%v), want 2", n, err)
		}
		s1b := join("s1")
		waitSplit(t, partitions, s1b, s2)
		batch2 := c.produce(topic, "static-2", 60)
		waitAll(t, append(batch1, batch2...), s1, s1b, s2)
		if got := s2.partitions(); fmt.Sprint(got) != fmt.Sprint(held) || s2.revocations() != revoked {
			t.Errorf("the other static member was disturbed: held %v then %v, revocations %d then %d",
				held, got, revoked, s2.revocations())
		}
		if n, err := members(); err != nil || n != 2 {
			t.Errorf("after the static member came back: %d members (%v), want 2", n, err)
		}
	})
}

// TestGroupCoordinatorFailover kills the group coordinator's broker with
// SIGKILL: the group carries on under the new coordinator (another replica of
// its __consumer_offsets partition) with the offsets it had committed, so no
// record is delivered twice and none is lost.
func TestGroupCoordinatorFailover(t *testing.T) {
	const topic, partitions, group = "failover", 3, "survivors"
	c := groupCluster(t, topic, partitions)
	m1 := c.join(group, topic, kgo.ClientID("m1"))
	m2 := c.join(group, topic, kgo.ClientID("m2"))
	waitSplit(t, partitions, m1, m2)
	batch1 := c.produce(topic, "before", 90)
	waitAll(t, batch1, m1, m2)

	adm := c.admin()
	coordinator := func() (int32, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r := adm.FindGroupCoordinators(ctx, group)[group]
		return r.NodeID, r.Err
	}
	old, err := coordinator()
	if err != nil {
		t.Fatalf("find coordinator: %v", err)
	}
	t.Logf("coordinator of %s is broker %d; killing it", group, old)
	for _, b := range c.brokers {
		if b.ID() == old {
			b.Kill(syscall.SIGKILL)
		}
	}
	eventually(t, 90*time.Second, "a new coordinator", func() error {
		id, err := coordinator()
		if err != nil {
			return err
		}
		if id == old {
			return fmt.Errorf("coordinator is still %d", id)
		}
		return nil
	})

	batch2 := c.produce(topic, "after", 90)
	waitAll(t, append(batch1, batch2...), m1, m2)

	// The committed offsets survived: a fresh member of the group, once the
	// old ones are gone, starts at the end and receives only new records.
	m1.close()
	m2.close()
	batch3 := c.produce(topic, "later", 30)
	m3 := c.join(group, topic)
	waitAll(t, batch3, m3)
}

// logStamp is the log4j timestamp that starts a WARN line of either tool.
var logStamp = regexp.MustCompile(`(?m)^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] `)

// comparable strips what legitimately differs between two runs: log
// timestamps and the Java stack frames Kafka's tool prints after an error.
// Usage tables are compared whole, wrapping included.
func comparable(s string) string {
	s = logStamp.ReplaceAllString(s, "[time] ")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "\tat ") && !strings.HasPrefix(l, "\t... ") && !strings.HasPrefix(l, "Caused by: ") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// sameRun runs both tools with args and reports a difference in exit
// code, standard output or standard error.
func sameRun(t *testing.T, args ...string) (toolRun, error) {
	t.Helper()
	s, j := groupsTool(t, false, args...), groupsTool(t, true, args...)
	if s.ExitCode != j.ExitCode || s.Stdout != j.Stdout || comparable(s.Stderr) != comparable(j.Stderr) {
		return s, fmt.Errorf("%v differ:\n--- samsa (exit %d) stdout:\n%s--- stderr:\n%s--- kafka (exit %d) stdout:\n%s--- stderr:\n%s\n(stdout %q\nvs %q)\n(stderr %q\nvs %q)",
			args[2:], s.ExitCode, s.Stdout, s.Stderr, j.ExitCode, j.Stdout, j.Stderr, s.Stdout, j.Stdout, comparable(s.Stderr), comparable(j.Stderr))
	}
	return s, nil
}

// TestConsumerGroupsToolAgainstKafka runs Samsa's kafka-consumer-groups and
// Kafka 2.4.1's ConsumerGroupCommand side by side on the same groups and
// wants the same bytes out: describe in every form, resets in every
// scenario, dry run and execute, deletes and their errors.
func TestConsumerGroupsToolAgainstKafka(t *testing.T) {
	const topic = "tool"
	c := groupCluster(t, topic, 3)
	all := c.produce(topic, "r", 30)
	m := c.join("done", topic, kgo.ClientID("done-client"))
	waitAll(t, all, m)
	m.close()
	busy := c.join("busy", topic, kgo.ClientID("busy-client"))
	waitAll(t, all, busy)

	// Reset plans as --export writes them: one group's, and several groups'
	// (where "done" has none).
	dir := t.TempDir()
	single, multi := filepath.Join(dir, "single.csv"), filepath.Join(dir, "multi.csv")
	for path, csv := range map[string]string{
		single: topic + ",2,3\n" + topic + ",0,100\n",
		multi:  "other," + topic + ",0,1\n",
	} {
		if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	bs := c.bootstrap()
	same := func(args ...string) toolRun {
		t.Helper()
		var run toolRun
		eventually(t, 30*time.Second, fmt.Sprint(args), func() (err error) {
			run, err = sameRun(t, append([]string{"--bootstrap-server", bs}, args...)...)
			return err
		})
		return run
	}
	for _, args := range [][]string{
		{"--list"},
		{"--describe", "--group", "nosuch"},
		{"--describe", "--group", "done"},
		{"--describe", "--group", "done", "--members", "--verbose"},
		{"--describe", "--group", "done", "--state"},
		{"--describe", "--group", "busy", "--members", "--verbose"},
		{"--describe", "--all-groups", "--state"},
		{"--describe", "--group", "done", "--group", "nosuch"},
		{"--reset-offsets", "--group", "done", "--topic", topic, "--to-earliest"},
		{"--reset-offsets", "--group", "done", "--topic", topic + ":0,2", "--to-offset", "4", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--to-offset", "100", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--shift-by", "-3", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--to-latest", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--to-datetime", "2999-01-01T00:00:00.000+01:00", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--by-duration", "PT1H", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--to-earliest", "--dry-run", "--export"},
		{"--reset-offsets", "--group", "done", "--all-topics", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--to-earliest", "--dry-run"},
		{"--reset-offsets", "--group", "busy", "--all-topics", "--to-earliest", "--dry-run"},
		{"--reset-offsets", "--group", "done", "--from-file", single, "--dry-run"},
		{"--reset-offsets", "--group", "done", "--from-file", multi, "--dry-run"},
		{"--reset-offsets", "--group", "done", "--from-file", filepath.Join(dir, "nosuch.csv"), "--dry-run"},
		{"--delete-offsets", "--group", "busy", "--topic", topic},
		{"--delete", "--group", "busy"},
		{"--delete", "--group", "nosuch"},
	} {
		same(args...)
	}

	// --execute moves the committed offsets; both tools then describe the
	// moved group alike.
	exec := groupsTool(t, false, "--bootstrap-server", bs, "--reset-offsets", "--group", "done", "--topic", topic+":1", "--shift-by", "-2", "--execute")
	wantPlan := "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n" +
		"done                           tool                           1          8              \n"
	if exec.ExitCode != 0 || exec.Stdout != wantPlan || exec.Stderr != "" {
		t.Fatalf("--execute: exit %d, stdout %q, stderr %q", exec.ExitCode, exec.Stdout, exec.Stderr)
	}
	run := same("--describe", "--group", "done")
	if !strings.Contains(run.Stdout, "done            tool            1          8               10              2") {
		t.Errorf("partition 1 not reset to 8:\n%s", run.Stdout)
	}
	same("--delete-offsets", "--group", "done", "--topic", topic+":1")
	same("--describe", "--group", "done")
	same("--delete", "--group", "done")
	same("--list")
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
