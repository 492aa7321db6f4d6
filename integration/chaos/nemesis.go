package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/integration/harness"
)

// Cluster is what the nemeses act on: the brokers and their own ZooKeeper
// ensemble, real processes all.
type Cluster struct {
	Brokers  []*harness.Broker
	Ensemble *harness.Ensemble
	// SessionTimeout is the brokers' zookeeper.session.timeout.ms; a pause
	// outlasts it so the paused broker's registration expires.
	SessionTimeout time.Duration
	// Seeds are the brokers' addresses, for asking who the controller is.
	Seeds []string
	// Topic is the workload's topic, whose partition leaders the
	// ZooKeeper cut aims at.
	Topic string
	// Firewall, when not nil, enables the network partitions; every broker
	// (and, for the halves split, every ZooKeeper node) must then run
	// under a uid of its own.
	Firewall *Firewall
	// Clocks, when not nil, enables the clock skew of ZooKeeper nodes,
	// which must have been started with Clocks.Env.
	Clocks *Clocks
	// Rand draws the halves of a split.
	Rand *rand.Rand
	// Workload, when not nil, lets a fault write into the history: the
	// ZooKeeper cut sends a write straight to the stale leader.
	Workload *Workload
}

// Fault is one nemesis: Inject breaks something and Heal repairs it. Both
// run on the test's goroutine, as the harness requires.
type Fault struct {
	// Key names the fault in SAMSA_CHAOS_FAULTS; Name in reports.
	Key    string
	Name   string
	Inject func(ctx context.Context) (string, error)
	Heal   func(ctx context.Context) error
	// Hold is how long the fault lasts before Heal.
	Hold time.Duration
	// Probe, when not nil, runs at the end of Hold, before Heal, and
	// returns a note on what it saw for the fault log.
	Probe func(ctx context.Context) string
}

// Node is one process as the firewall sees it: the uid it runs as and the
// address it listens on.
type Node struct {
	Name string
	UID  uint32
	Host string
}

// Faults returns the nemeses, in the rotation order a run uses, and the
// reasons some are left out (no firewall, no libfaketime). round selects
// the victim so successive rotations hit different processes.
//
// A killed broker stays down past the session timeout: until its old
// session expires its registration znode still exists, and a broker that
// starts then refuses to register (as Kafka 2.4's does, with NodeExists).
func (c *Cluster) Faults(round func() int) (faults []Fault, skipped []string) {
	var killed, paused *harness.Broker
	zkDown := -1
	kill := Fault{
		Key:  "kill",
		Name: "kill -9 broker",
		Hold: c.SessionTimeout + 4*time.Second,
		Inject: func(context.Context) (string, error) {
			killed = c.Brokers[round()%len(c.Brokers)]
			killed.Kill(syscall.SIGKILL)
			return fmt.Sprintf("broker %d", killed.ID()), nil
		},
		Heal: func(context.Context) error { killed.Restart(); return nil },
	}
	killController := Fault{
		Key:  "kill-controller",
		Name: "kill -9 controller",
		Hold: c.SessionTimeout + 4*time.Second,
		Inject: func(ctx context.Context) (string, error) {
			b, err := c.controller(ctx)
			if err != nil {
				return "", err
			}
			killed = b
			killed.Kill(syscall.SIGKILL)
			return fmt.Sprintf("broker %d", killed.ID()), nil
		},
		Heal: func(context.Context) error { killed.Restart(); return nil },
	}
	pause := Fault{
		Key:  "pause",
		Name: "SIGSTOP broker past session timeout",
		Hold: c.SessionTimeout + 4*time.Second,
		Inject: func(context.Context) (string, error) {
			paused = c.Brokers[round()%len(c.Brokers)]
			paused.Kill(syscall.SIGSTOP)
			return fmt.Sprintf("broker %d", paused.ID()), nil
		},
		Heal: func(context.Context) error { paused.Kill(syscall.SIGCONT); return nil },
	}
	zkFollower := Fault{
		Key:  "zk-follower",
		Name: "kill ZooKeeper follower",
		Hold: 8 * time.Second,
		Inject: func(ctx context.Context) (string, error) {
			i, err := c.zkNode(ctx, "follower", round())
			if err != nil {
				return "", err
			}
			zkDown = i
			c.Ensemble.Kill(i)
			return fmt.Sprintf("node %d", i), nil
		},
		Heal: func(ctx context.Context) error { return c.Ensemble.Start(ctx, zkDown) },
	}
	zkLeader := Fault{
		Key:  "zk-leader",
		Name: "kill ZooKeeper leader",
		Hold: 8 * time.Second,
		Inject: func(ctx context.Context) (string, error) {
			i, err := c.zkNode(ctx, "leader", 0)
			if err != nil {
				return "", err
			}
			zkDown = i
			c.Ensemble.Kill(i)
			return fmt.Sprintf("node %d", i), nil
		},
		Heal: func(ctx context.Context) error { return c.Ensemble.Start(ctx, zkDown) },
	}

	faults = []Fault{kill, c.cutFromZooKeeper(round), c.zkMajority(round), c.isolateBroker(round), pause, c.cutClients(round)}
	if f, ok := c.skewClock(); ok {
		faults = append(faults, f)
	} else {
		skipped = append(skipped, "zk-clock-skew: no libfaketime in the ZooKeeper nodes")
	}
	faults = append(faults, c.halves(), killController, zkLeader, zkFollower)
	if c.Firewall == nil {
		skipped = append(skipped, "partition-zk, partition-broker, partition-clients, partition-halves: no firewall")
		faults = slices.DeleteFunc(faults, func(f Fault) bool { return strings.HasPrefix(f.Key, "partition-") })
	}
	return faults, skipped
}

// zkMajority kills two of the three ZooKeeper nodes, the leader among them,
// and restarts both: while the quorum is lost brokers keep serving the
// leaders they have, and metadata changes (ISR updates, elections) wait.
func (c *Cluster) zkMajority(round func() int) Fault {
	var down []int
	return Fault{
		Key:  "zk-majority",
		Name: "kill ZooKeeper majority",
		Hold: 10 * time.Second,
		Inject: func(ctx context.Context) (string, error) {
			leader, err := c.zkNode(ctx, "leader", 0)
			if err != nil {
				return "", err
			}
			n := len(c.Ensemble.Servers())
			down = []int{leader}
			for k := 1; len(down) < n/2+1; k++ {
				if i := (leader + round() + k) % n; !slices.Contains(down, i) {
					down = append(down, i)
				}
			}
			for _, i := range down {
				c.Ensemble.Kill(i)
			}
			return fmt.Sprintf("nodes %v", down), nil
		},
		Heal: func(ctx context.Context) error {
			var errs []error
			for _, i := range down {
				errs = append(errs, c.Ensemble.Start(ctx, i))
			}
			return errors.Join(errs...)
		},
	}
}

// controller returns the broker the cluster's metadata names controller.
func (c *Cluster) controller(ctx context.Context) (*harness.Broker, error) {
	md, err := c.metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("chaos: controller: %w", err)
	}
	return c.broker(md.Controller)
}

// leader returns the leader of the workload topic's nth partition (mod
// their number), and that partition.
func (c *Cluster) leader(ctx context.Context, n int) (*harness.Broker, int32, error) {
	md, err := c.metadata(ctx, c.Topic)
	if err != nil {
		return nil, -1, fmt.Errorf("chaos: leader: %w", err)
	}
	parts := md.Topics[c.Topic].Partitions
	if len(parts) == 0 {
		return nil, -1, fmt.Errorf("chaos: leader: no partitions of %s in the metadata", c.Topic)
	}
	p := int32(n % len(parts))
	pd, ok := parts[p]
	if !ok || pd.Leader < 0 {
		return nil, p, fmt.Errorf("chaos: %s[%d] has no leader", c.Topic, p)
	}
	b, err := c.broker(pd.Leader)
	return b, p, err
}

func (c *Cluster) metadata(ctx context.Context, topics ...string) (kadm.Metadata, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds...))
	if err != nil {
		return kadm.Metadata{}, err
	}
	defer cl.Close()
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return kadm.NewClient(cl).Metadata(mctx, topics...)
}

func (c *Cluster) broker(id int32) (*harness.Broker, error) {
	for _, b := range c.Brokers {
		if b.ID() == id {
			return b, nil
		}
	}
	return nil, fmt.Errorf("chaos: broker %d is none of the cluster's", id)
}

// zkNode returns the nth (mod their number) ZooKeeper node in mode.
func (c *Cluster) zkNode(ctx context.Context, mode string, n int) (int, error) {
	var found []int
	for i := range c.Ensemble.Servers() {
		if m, err := c.Ensemble.Mode(ctx, i); err == nil && m == mode {
			found = append(found, i)
		}
	}
	if len(found) == 0 {
		return -1, fmt.Errorf("chaos: no ZooKeeper %s", mode)
	}
	return found[n%len(found)], nil
}
