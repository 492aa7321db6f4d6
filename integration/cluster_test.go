package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// cluster is n Samsa brokers under one chroot of the package's ensemble.
type cluster struct {
	t       *testing.T
	zk      *zkClient
	connect string // zookeeper.connect with chroot
	brokers []*harness.Broker

	// isr, while a fault runs, also learns of every ISR the test itself
	// reads: a short shrink can fall between two polls of its watcher.
	isr *isrWatch
}

// sessionTimeout is short so failover tests run quickly; Kafka 2.4's
// default is 6000 ms.
const sessionTimeout = 6 * time.Second

func startCluster(t *testing.T, e *harness.Ensemble, n int, props map[string]string) *cluster {
	t.Helper()
	chroot := harness.Chroot(t)
	c := &cluster{t: t, connect: e.Connect() + chroot}
	for i := 1; i <= n; i++ {
		c.brokers = append(c.brokers, harness.StartBroker(t, harness.BrokerOpts{ID: int32(i), ZK: c.connect, Props: props}))
	}
	c.zk = dialZK(t, e.Servers(), chroot)
	c.waitRegistered(n)
	return c
}

func (c *cluster) bootstrap() string {
	addrs := make([]string, len(c.brokers))
	for i, b := range c.brokers {
		addrs[i] = b.Addr()
	}
	return strings.Join(addrs, ",")
}

// waitRegistered waits until n brokers are registered and a controller is elected.
func (c *cluster) waitRegistered(n int) {
	c.t.Helper()
	eventually(c.t, time.Minute, "brokers registered and controller elected", func() error {
		if !c.zk.exists("/brokers/ids") {
			return fmt.Errorf("no /brokers/ids yet")
		}
		if ids := c.zk.children("/brokers/ids"); len(ids) != n {
			return fmt.Errorf("registered brokers %v, want %d", ids, n)
		}
		if _, err := c.controller(); err != nil {
			return err
		}
		return nil
	})
}

func (c *cluster) controller() (int, error) {
	b, _, err := c.zk.get("/controller")
	if err != nil {
		return -1, fmt.Errorf("/controller: %w", err)
	}
	var v struct{ Brokerid int }
	if err := json.Unmarshal(b, &v); err != nil {
		return -1, err
	}
	return v.Brokerid, nil
}

func (c *cluster) controllerEpoch() int {
	c.t.Helper()
	b, _ := c.zk.mustGet("/controller_epoch")
	e, err := strconv.Atoi(string(b))
	if err != nil {
		c.t.Fatalf("/controller_epoch is not a decimal integer: %q", b)
	}
	return e
}

func (c *cluster) topics(args ...string) toolRun {
	c.t.Helper()
	return samsaTool(c.t, "", "kafka-topics", args...)
}

// TestZnodesAsKafkaWritesThem starts three brokers, creates a topic with the
// tutorial's command and checks every znode's JSON field by field against
// Kafka 2.4's (reference section 1.2).
func TestZnodesAsKafkaWritesThem(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)

	for _, p := range []string{"/consumers", "/brokers/ids", "/brokers/topics", "/config/changes", "/admin/delete_topics",
		"/brokers/seqid", "/isr_change_notification", "/latest_producer_id_block", "/log_dir_event_notification",
		"/config/topics", "/config/clients", "/config/users", "/config/brokers"} {
		if !c.zk.exists(p) {
			t.Errorf("persistent path %s missing", p)
		}
	}

	// /cluster/id: {"version":"1","id":"<22 chars>"} with version a string.
	raw, _ := c.zk.mustGet("/cluster/id")
	if !regexp.MustCompile(`^\{"version":"1","id":"[A-Za-z0-9_-]{22}"\}$`).Match(raw) {
		t.Errorf("/cluster/id = %s", raw)
	}

	// /brokers/ids/<id>: v4 JSON in the key order Kafka 2.4.1's Scala 2.13
	// build writes (hash order of its map), ephemeral, epoch = czxid.
	brokerRE := regexp.MustCompile(`^\{"listener_security_protocol_map":\{"PLAINTEXT":"PLAINTEXT"\},"endpoints":\["PLAINTEXT://([0-9.]+):(\d+)"\],"jmx_port":-1,"port":(\d+),"host":"([0-9.]+)","version":4,"timestamp":"(\d{13})"\}$`)
	for _, b := range c.brokers {
		raw, st := c.zk.mustGet(fmt.Sprintf("/brokers/ids/%d", b.ID()))
		m := brokerRE.FindStringSubmatch(string(raw))
		if m == nil {
			t.Errorf("broker %d znode = %s", b.ID(), raw)
			continue
		}
		host, port, _ := net.SplitHostPort(b.Addr())
		if m[1] != host || m[2] != port || m[4] != host || m[3] != port {
			t.Errorf("broker %d znode advertises %s:%s (host %s port %s), listens on %s", b.ID(), m[1], m[2], m[4], m[3], b.Addr())
		}
		if st.EphemeralOwner == 0 {
			t.Errorf("broker %d znode is not ephemeral", b.ID())
		}
		if st.Version != 1 {
			t.Errorf("broker %d znode data version %d, want 1 (created empty, then set, as Kafka's CheckedEphemeral)", b.ID(), st.Version)
		}
	}

	// /controller: {"version":1,"brokerid":N,"timestamp":"<ms>"}; /controller_epoch: text.
	raw, st := c.zk.mustGet("/controller")
	if !regexp.MustCompile(`^\{"version":1,"brokerid":[123],"timestamp":"\d{13}"\}$`).Match(raw) || st.EphemeralOwner == 0 {
		t.Errorf("/controller = %s (ephemeral owner %d)", raw, st.EphemeralOwner)
	}
	if e := c.controllerEpoch(); e < 1 {
		t.Errorf("/controller_epoch = %d, want >= 1", e)
	}

	// The tutorial's create, with replication factor 3 so every broker holds a replica.
	r := c.topics("--create", "--zookeeper", c.connect, "--replication-factor", "3", "--partitions", "3", "--topic", "test")
	if r.ExitCode != 0 || r.Stdout != "Created topic test.\n" {
		t.Fatalf("create: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}

	raw, _ = c.zk.mustGet("/config/topics/test")
	if string(raw) != `{"version":1,"config":{}}` {
		t.Errorf("/config/topics/test = %s", raw)
	}
	raw, _ = c.zk.mustGet("/brokers/topics/test")
	var assign struct {
		Version          int                `json:"version"`
		Partitions       map[string][]int32 `json:"partitions"`
		AddingReplicas   map[string][]int32 `json:"adding_replicas"`
		RemovingReplicas map[string][]int32 `json:"removing_replicas"`
	}
	if err := json.Unmarshal(raw, &assign); err != nil || assign.Version != 2 || len(assign.Partitions) != 3 ||
		assign.AddingReplicas == nil || assign.RemovingReplicas == nil ||
		!strings.HasPrefix(string(raw), `{"version":2,"partitions":{`) {
		t.Fatalf("/brokers/topics/test = %s", raw)
	}
	for p, replicas := range assign.Partitions {
		if len(replicas) != 3 {
			t.Errorf("partition %s replicas %v", p, replicas)
		}
		seen := map[int32]bool{}
		for _, r := range replicas {
			seen[r] = true
		}
		if len(seen) != 3 {
			t.Errorf("partition %s has duplicate replicas %v", p, replicas)
		}
	}

	// The controller elects the first replica and writes the state znodes.
	stateRE := regexp.MustCompile(`^\{"controller_epoch":(\d+),"leader":(-?\d+),"version":1,"leader_epoch":(\d+),"isr":\[([0-9,]*)\]\}$`)
	ctrlEpoch := c.controllerEpoch()
	for p, replicas := range assign.Partitions {
		statePath := "/brokers/topics/test/partitions/" + p + "/state"
		eventually(t, 30*time.Second, statePath, func() error {
			if !c.zk.exists(statePath) {
				return fmt.Errorf("missing")
			}
			return nil
		})
		raw, _ := c.zk.mustGet(statePath)
		m := stateRE.FindStringSubmatch(string(raw))
		if m == nil {
			t.Errorf("%s = %s", statePath, raw)
			continue
		}
		if m[1] != strconv.Itoa(ctrlEpoch) || m[2] != strconv.Itoa(int(replicas[0])) || m[3] != "0" {
			t.Errorf("%s = %s; want controller_epoch %d, leader %d (first replica), leader_epoch 0", statePath, raw, ctrlEpoch, replicas[0])
		}
		isr := strings.Split(m[4], ",")
		if len(isr) != 3 {
			t.Errorf("%s isr %v, want all three replicas", statePath, isr)
		}
	}
}

// TestControllerFailover kills the controller's broker with SIGKILL: another
// broker becomes controller within the session timeout plus a margin, the
// epoch goes up and the dead broker's registration disappears.
func TestControllerFailover(t *testing.T) {
	c := startCluster(t, ensemble, 3, map[string]string{"zookeeper.session.timeout.ms": strconv.Itoa(int(sessionTimeout / time.Millisecond))})
	first, err := c.controller()
	if err != nil {
		t.Fatal(err)
	}
	epoch := c.controllerEpoch()
	c.brokers[first-1].Kill(syscall.SIGKILL)
	start := time.Now()

	eventually(t, sessionTimeout+15*time.Second, "a new controller", func() error {
		id, err := c.controller()
		if err != nil {
			return err
		}
		if id == first {
			return fmt.Errorf("controller is still the dead broker %d", id)
		}
		return nil
	})
	t.Logf("new controller after %v", time.Since(start).Round(100*time.Millisecond))
	if e := c.controllerEpoch(); e <= epoch {
		t.Errorf("controller epoch %d after failover, was %d", e, epoch)
	}
	ids := c.zk.children("/brokers/ids")
	sort.Strings(ids)
	for _, id := range ids {
		if id == strconv.Itoa(first) {
			t.Errorf("dead broker %d still registered: %v", first, ids)
		}
	}
	if len(ids) != 2 {
		t.Errorf("registered brokers %v, want the two live ones", ids)
	}
}

// TestSecondBrokerWithSameID starts a broker whose id is taken: it must
// refuse to start with a clear error, and the first keeps its registration.
func TestSecondBrokerWithSameID(t *testing.T) {
	c := startCluster(t, ensemble, 1, nil)
	_, before := c.zk.mustGet("/brokers/ids/1")
	dup := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: c.connect, NoWait: true})
	select {
	case <-dup.Done():
	case <-time.After(time.Minute):
		t.Fatal("second broker with id 1 is still running")
	}
	out := dup.LogTail(30)
	if !strings.Contains(out, "broker.id") && !strings.Contains(out, "already registered") {
		t.Errorf("second broker's error does not explain the id clash:\n%s", out)
	}
	_, after := c.zk.mustGet("/brokers/ids/1")
	if after.Czxid != before.Czxid {
		t.Errorf("the first broker's registration was replaced")
	}
}

// TestLogDirOfAnotherCluster: a log dir written under one cluster refuses to
// serve another (the tutorial's "clear kafka-logs and try again" case); the
// broker says which dir, which ids, and what to do.
func TestLogDirOfAnotherCluster(t *testing.T) {
	first := startCluster(t, ensemble, 1, nil)
	logDir := first.brokers[0].LogDir()
	if err := first.brokers[0].Stop(); err != nil {
		t.Fatalf("stopping the first broker: %v", err)
	}
	other := harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: ensemble.Connect() + other, LogDir: logDir, NoWait: true})
	select {
	case <-b.Done():
	case <-time.After(time.Minute):
		t.Fatal("broker started on a log dir of another cluster")
	}
	out := b.LogTail(40)
	for _, want := range []string{logDir, "cluster.id", "meta.properties"} {
		if !strings.Contains(out, want) {
			t.Errorf("refusal does not mention %q:\n%s", want, out)
		}
	}
}

// TestSessionExpiryReregisters pauses a broker past its ZooKeeper session
// timeout: its registration disappears, and once it runs again it registers
// anew with a new broker epoch (the znode's czxid), as Kafka's
// RegisterBrokerAndReelect does.
func TestSessionExpiryReregisters(t *testing.T) {
	c := startCluster(t, ensemble, 2, map[string]string{"zookeeper.session.timeout.ms": strconv.Itoa(int(sessionTimeout / time.Millisecond))})
	_, before := c.zk.mustGet("/brokers/ids/2")
	c.brokers[1].Kill(syscall.SIGSTOP)
	eventually(t, sessionTimeout+20*time.Second, "paused broker's registration expires", func() error {
		if c.zk.exists("/brokers/ids/2") {
			return fmt.Errorf("/brokers/ids/2 still there")
		}
		return nil
	})
	c.brokers[1].Kill(syscall.SIGCONT)
	eventually(t, 30*time.Second, "broker 2 registers again", func() error {
		_, st, err := c.zk.get("/brokers/ids/2")
		if err != nil {
			return err
		}
		if st.Czxid == before.Czxid {
			return fmt.Errorf("same registration")
		}
		return nil
	})
	if _, err := c.controller(); err != nil {
		t.Errorf("no controller after the session expiry: %v", err)
	}
}
