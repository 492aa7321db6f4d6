package coordinator

import (
	"context"
	"errors"
	"time"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Preferred replica election: triggered by /admin/preferred_replica_election
// (kafka-preferred-replica-election --zookeeper) and by the automatic leader
// rebalance timer.

// watchPreferredElection arms the exists watch on
// /admin/preferred_replica_election and processes it when present.
func (n *Node) watchPreferredElection(ctx context.Context) error {
	ok, _, err := n.z.ExistsW(ctx, PreferredReplicaElection, n.ctrlWatcher("PreferredReplicaLeaderElection", n.onPreferredElectionZnode))
	if err != nil || !ok {
		return err
	}
	return n.processPreferredElectionZnode(ctx)
}

func (n *Node) onPreferredElectionZnode(ctx context.Context) error {
	return n.watchPreferredElection(ctx)
}

func (n *Node) processPreferredElectionZnode(ctx context.Context) error {
	data, _, err := n.z.Get(ctx, PreferredReplicaElection)
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	tps, derr := DecodePreferredElection(data)
	if derr != nil {
		n.log.WithError(derr).Warn("ignoring unreadable preferred replica election request")
	}
	if err := n.electPreferred(ctx, tps); err != nil {
		return err
	}
	if _, err := n.fenced(ctx, DeleteOp{Path: PreferredReplicaElection, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
		return err
	}
	return nil
}

// electPreferred moves leadership to the preferred (first) replica where it
// is live, in the ISR and not already leader.
func (n *Node) electPreferred(ctx context.Context, tps []TopicPartition) error {
	c := n.ctrl
	b := controller.NewBatch()
	for _, tp := range tps {
		reps := c.replicas(tp)
		s, ok := c.states[tp]
		if !ok || len(reps) == 0 || c.toDelete[tp.Topic] || s.Leader == reps[0] {
			continue
		}
		if _, err := n.electOne(ctx, b, ElectionPreferred, tp, true); err != nil && !errors.Is(err, ErrPreferredLeaderNotAvailable) {
			return err
		}
	}
	n.send(b)
	return nil
}

// scheduleAutoRebalance arms the leader imbalance check: first after 5 s,
// then every LeaderImbalanceCheckInterval (300 s when zero).
func (n *Node) scheduleAutoRebalance(delay time.Duration) {
	if !n.cfg.AutoLeaderRebalanceEnable {
		return
	}
	gen := n.generation
	time.AfterFunc(delay, func() {
		n.enqueueCtrl("AutoPreferredReplicaLeaderElection", gen, func(ctx context.Context) error {
			interval := n.cfg.LeaderImbalanceCheckInterval
			if interval <= 0 {
				interval = 300 * time.Second
			}
			defer n.scheduleAutoRebalance(interval)
			return n.checkLeaderImbalance(ctx)
		})
	})
}

// checkLeaderImbalance is checkAndTriggerAutoLeaderRebalance: per preferred
// broker, when more than LeaderImbalancePerBrokerPercentage percent of the
// partitions it prefers are led by others, elect it where possible.
func (n *Node) checkLeaderImbalance(ctx context.Context) error {
	c := n.ctrl
	pct := n.cfg.LeaderImbalancePerBrokerPercentage
	if pct <= 0 {
		pct = 10
	}
	byPreferred := map[int32][]TopicPartition{}
	for _, tp := range c.partitions() {
		reps := c.replicas(tp)
		if len(reps) == 0 || c.toDelete[tp.Topic] {
			continue
		}
		byPreferred[reps[0]] = append(byPreferred[reps[0]], tp)
	}
	for broker, tps := range byPreferred {
		var notLed []TopicPartition
		for _, tp := range tps {
			if s, ok := c.states[tp]; ok && s.Leader != broker {
				notLed = append(notLed, tp)
			}
		}
		if len(notLed)*100 <= pct*len(tps) || !c.isLive(broker) {
			continue
		}
		n.log.WithFields(logrus.Fields{"target": broker, "not_led": len(notLed), "preferred": len(tps)}).Info("leader imbalance: electing preferred replicas")
		sortTPs(notLed)
		if err := n.electPreferred(ctx, notLed); err != nil {
			return err
		}
	}
	return nil
}
