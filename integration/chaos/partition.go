package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// brokerNode is broker b as the firewall sees it.
func (c *Cluster) brokerNode(i int) Node {
	b := c.Brokers[i]
	return Node{Name: fmt.Sprintf("broker %d", b.ID()), UID: b.UID(), Host: b.Host()}
}

// zkNodes are the ZooKeeper nodes as the firewall sees them.
func (c *Cluster) zkNodes() []Node {
	var out []Node
	for i := range c.Ensemble.Servers() {
		out = append(out, Node{Name: fmt.Sprintf("zk %d", i), UID: c.Ensemble.UID(i), Host: c.Ensemble.Host(i)})
	}
	return out
}

// heal removes every rule of the firewall.
func (c *Cluster) heal(ctx context.Context) error { return c.Firewall.Heal(ctx) }

// undoIfFailed heals a partition whose rules could not all be added: a
// fault that failed to inject is not healed by the nemesis, and half a
// partition must not outlive it.
func (c *Cluster) undoIfFailed(ctx context.Context, errs []error) error {
	err := errors.Join(errs...)
	if err != nil {
		err = errors.Join(err, c.heal(ctx))
	}
	return err
}

// cutFromZooKeeper is the 2013 Kafka scenario: the leader of a partition
// loses every ZooKeeper node while clients (and the other brokers) still
// reach it. Its session expires, the controller elects a new leader, and
// the old one, which has not heard of it, must not acknowledge an acks=all
// write the new leader will not have: its followers fetch from the new
// leader, and it cannot shrink the ISR without ZooKeeper.
func (c *Cluster) cutFromZooKeeper(round func() int) Fault {
	var victim *harness.Broker
	var part int32
	return Fault{
		Key:  "partition-zk",
		Name: "partition leader from ZooKeeper",
		Hold: c.SessionTimeout + 6*time.Second,
		Inject: func(ctx context.Context) (string, error) {
			b, p, err := c.leader(ctx, round())
			if err != nil {
				return "", err
			}
			victim, part = b, p
			node := Node{Name: fmt.Sprintf("broker %d", b.ID()), UID: b.UID(), Host: b.Host()}
			var errs []error
			for _, z := range c.zkNodes() {
				// Only the broker's packets to ZooKeeper: the server
				// never opens connections to a client.
				errs = append(errs, c.Firewall.Drop(ctx, node.UID, z.Host))
			}
			return fmt.Sprintf("%s, leader of %s[%d]", node.Name, c.Topic, p), c.undoIfFailed(ctx, errs)
		},
		// By the end of the hold the session has expired and another
		// leader was elected: the old one must not acknowledge.
		Probe: func(ctx context.Context) string { return c.probeStaleLeader(ctx, victim, part) },
		Heal:  c.heal,
	}
}

// isolateBroker cuts one broker from the other brokers, both ways, while
// it keeps ZooKeeper and its clients: its followers fall out of the ISRs it
// leads, and min.insync.replicas must stop its acks=all writes.
func (c *Cluster) isolateBroker(round func() int) Fault {
	return Fault{
		Key:  "partition-broker",
		Name: "partition broker from brokers",
		Hold: c.SessionTimeout + 6*time.Second,
		Inject: func(ctx context.Context) (string, error) {
			v := round() % len(c.Brokers)
			victim := c.brokerNode(v)
			var errs []error
			for i := range c.Brokers {
				if i != v {
					errs = append(errs, c.Firewall.Cut(ctx, victim, c.brokerNode(i)))
				}
			}
			return victim.Name, c.undoIfFailed(ctx, errs)
		},
		Heal: c.heal,
	}
}

// cutClients drops every packet the workload's clients (this test process)
// send to the leader of one of the workload's partitions, while the leader
// keeps ZooKeeper and the other brokers. Dropping one direction stalls
// TCP both ways: the clients' requests, and the acknowledgements of the
// broker's responses, vanish. The clients time out and retry; on the heal
// the requests TCP has kept retransmitting arrive late, after their
// retries. Acknowledged writes must survive, and the leader must go on
// serving its followers meanwhile.
func (c *Cluster) cutClients(round func() int) Fault {
	return Fault{
		Key:  "partition-clients",
		Name: "partition clients from a leader",
		Hold: 12 * time.Second,
		Inject: func(ctx context.Context) (string, error) {
			b, p, err := c.leader(ctx, round())
			if err != nil {
				return "", err
			}
			victim := fmt.Sprintf("broker %d, leader of %s[%d]", b.ID(), c.Topic, p)
			if err := c.Firewall.Drop(ctx, uint32(os.Geteuid()), b.Host()); err != nil {
				return victim, c.undoIfFailed(ctx, []error{err})
			}
			// The cut must hold for a new connection of the clients' uid,
			// as the skew is measured before it counts as injected.
			d := net.Dialer{Timeout: 2 * time.Second}
			if conn, err := d.DialContext(ctx, "tcp", b.Addr()); err == nil {
				conn.Close()
				return victim, c.undoIfFailed(ctx, []error{fmt.Errorf("chaos: the cut did not take effect: %s accepted a connection", b.Addr())})
			}
			return victim, nil
		},
		Heal: c.heal,
	}
}

// halves splits the brokers and the ZooKeeper nodes into two random halves
// and cuts every link between them, both ways. ZooKeeper nodes that run as
// the test's own uid cannot be told apart, so they then stay whole and only
// the brokers' links to the other side's nodes are cut.
func (c *Cluster) halves() Fault {
	return Fault{
		Key:  "partition-halves",
		Name: "partition random halves",
		Hold: c.SessionTimeout + 6*time.Second,
		Inject: func(ctx context.Context) (string, error) {
			var nodes []Node
			for i := range c.Brokers {
				nodes = append(nodes, c.brokerNode(i))
			}
			nodes = append(nodes, c.zkNodes()...)
			c.Rand.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
			a, b := nodes[:len(nodes)/2], nodes[len(nodes)/2:]
			var errs []error
			for _, x := range a {
				for _, y := range b {
					if x.UID != 0 {
						errs = append(errs, c.Firewall.Drop(ctx, x.UID, y.Host))
					}
					if y.UID != 0 {
						errs = append(errs, c.Firewall.Drop(ctx, y.UID, x.Host))
					}
				}
			}
			return names(a) + " | " + names(b), c.undoIfFailed(ctx, errs)
		},
		Heal: c.heal,
	}
}

func names(ns []Node) string {
	var s []string
	for _, n := range ns {
		s = append(s, n.Name)
	}
	return strings.Join(s, ", ")
}

// skewClock moves the ZooKeeper leader's wall clock 30 s ahead or behind,
// in turn from one injection to the next, and checks through a znode's creation time, which the leader
// stamps, that the skew took effect. ok is false without Clocks.
func (c *Cluster) skewClock() (f Fault, ok bool) {
	if c.Clocks == nil {
		return Fault{}, false
	}
	const skew = 30 * time.Second
	skewed, injected := -1, 0
	return Fault{
		Key:  "zk-clock-skew",
		Name: "skew ZooKeeper leader clock",
		Hold: 10 * time.Second,
		Inject: func(ctx context.Context) (string, error) {
			i, err := c.zkNode(ctx, "leader", 0)
			if err != nil {
				return "", err
			}
			// Ahead and behind in turn (round's parity would not do: a
			// rotation of an even number of faults keeps it).
			offset := skew
			if injected%2 == 1 {
				offset = -skew
			}
			injected++
			if err := c.Clocks.Set(i, offset); err != nil {
				return "", err
			}
			skewed = i
			mctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			got, err := measureSkew(mctx, c.Ensemble.Servers())
			victim := fmt.Sprintf("node %d %+v, measured %+v", i, offset, got.Round(time.Second))
			if err == nil {
				if d := got - offset; d < -5*time.Second || d > 5*time.Second {
					err = fmt.Errorf("chaos: the skew did not take effect: znode ctime is %v off, want %v", got.Round(time.Second), offset)
				}
			}
			if err != nil {
				// Not injected, so not healed by the nemesis: undo it.
				return victim, errors.Join(err, c.Clocks.Set(i, 0))
			}
			return victim, nil
		},
		Heal: func(ctx context.Context) error {
			if err := c.Clocks.Set(skewed, 0); err != nil {
				return err
			}
			got, err := measureSkew(ctx, c.Ensemble.Servers())
			if err == nil && (got < -5*time.Second || got > 5*time.Second) {
				err = fmt.Errorf("chaos: the clock is still %v off after healing", got.Round(time.Second))
			}
			return err
		},
	}, true
}
