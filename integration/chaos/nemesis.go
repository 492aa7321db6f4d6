package chaos

import (
	"context"
	"fmt"
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
}

// Fault is one nemesis: Inject breaks something and Heal repairs it. Both
// run on the test's goroutine, as the harness requires.
type Fault struct {
	Name   string
	Inject func(ctx context.Context) (string, error)
	Heal   func(ctx context.Context) error
	// Hold is how long the fault lasts before Heal.
	Hold time.Duration
}

// Faults returns the nemeses, in the rotation order a run uses. round
// selects the victim so successive rotations hit different processes.
//
// A killed broker stays down past the session timeout: until its old
// session expires its registration znode still exists, and a broker that
// starts then refuses to register (as Kafka 2.4's does, with NodeExists).
func (c *Cluster) Faults(round func() int) []Fault {
	var killed, paused *harness.Broker
	zkDown := -1
	return []Fault{
		{
			Name: "kill -9 broker",
			Hold: c.SessionTimeout + 4*time.Second,
			Inject: func(context.Context) (string, error) {
				killed = c.Brokers[round()%len(c.Brokers)]
				killed.Kill(syscall.SIGKILL)
				return fmt.Sprintf("broker %d", killed.ID()), nil
			},
			Heal: func(context.Context) error { killed.Restart(); return nil },
		},
		{
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
		},
		{
			Name: "SIGSTOP broker past session timeout",
			Hold: c.SessionTimeout + 4*time.Second,
			Inject: func(context.Context) (string, error) {
				paused = c.Brokers[round()%len(c.Brokers)]
				paused.Kill(syscall.SIGSTOP)
				return fmt.Sprintf("broker %d", paused.ID()), nil
			},
			Heal: func(context.Context) error { paused.Kill(syscall.SIGCONT); return nil },
		},
		{
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
		},
		{
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
		},
	}
}

// controller returns the broker the cluster's metadata names controller.
func (c *Cluster) controller(ctx context.Context) (*harness.Broker, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds...))
	if err != nil {
		return nil, fmt.Errorf("chaos: controller: %w", err)
	}
	defer cl.Close()
	mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	md, err := kadm.NewClient(cl).BrokerMetadata(mctx)
	if err != nil {
		return nil, fmt.Errorf("chaos: controller: %w", err)
	}
	for _, b := range c.Brokers {
		if b.ID() == md.Controller {
			return b, nil
		}
	}
	return nil, fmt.Errorf("chaos: controller %d is none of the brokers", md.Controller)
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
