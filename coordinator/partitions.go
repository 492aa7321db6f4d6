package coordinator

import (
	"context"
	"errors"
	"fmt"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// The partition and replica state machines: creation of new partitions,
// elections and ISR shrinking, all written fenced to the state znodes.

type replicaRef struct {
	tp      TopicPartition
	replica int32
}

// updateState writes a partition's new state conditionally on the cached
// zkVersion, fenced. On a version conflict it re-reads the znode and
// recomputes, as Kafka's elections do; a znode written by a newer
// controller means this one is stale. When compute declines on the cached
// state, the znode is read once to decline on fresh data only: a leader
// changes the ISR in ZooKeeper directly and the controller hears of it
// later (isr_change_notification), so a replica that just rejoined the ISR
// may be missing from the cache; Kafka reads the states from ZooKeeper
// before every election.
func (n *Node) updateState(ctx context.Context, tp TopicPartition, compute func(cur PartitionState) (PartitionState, bool)) (PartitionState, bool, error) {
	c := n.ctrl
	refreshed := false
	for attempt := 0; attempt < 5; attempt++ {
		cur := c.states[tp]
		next, ok := compute(cur)
		if !ok {
			if refreshed {
				return cur, false, nil
			}
			refreshed = true
			fresh, err := n.z.PartitionState(ctx, tp)
			if err != nil {
				if errors.Is(err, ErrNoNode) {
					return cur, false, nil
				}
				return cur, false, err
			}
			if fresh.ControllerEpoch > c.epoch {
				return cur, false, fmt.Errorf("%w: %s was written by controller epoch %d > %d", ErrControllerMoved, tp, fresh.ControllerEpoch, c.epoch)
			}
			if fresh.ZkVersion == cur.ZkVersion {
				return cur, false, nil
			}
			c.states[tp] = fresh
			continue
		}
		next.ControllerEpoch = c.epoch
		rs, err := n.fenced(ctx, SetDataOp{Path: PartitionStatePath(tp.Topic, tp.Partition), Data: EncodePartitionState(next), Version: cur.ZkVersion})
		if err == nil {
			next.ZkVersion = rs[0].Stat.Version
			c.states[tp] = next
			return next, true, nil
		}
		if !errors.Is(err, ErrBadVersion) {
			return cur, false, err
		}
		fresh, rerr := n.z.PartitionState(ctx, tp)
		if rerr != nil {
			return cur, false, rerr
		}
		if fresh.ControllerEpoch > c.epoch {
			return cur, false, fmt.Errorf("%w: %s was written by controller epoch %d > %d", ErrControllerMoved, tp, fresh.ControllerEpoch, c.epoch)
		}
		c.states[tp] = fresh
	}
	return c.states[tp], false, fmt.Errorf("coordinator: %s: state update kept conflicting", tp)
}

// uncleanAllowed reads the topic's unclean.leader.election.enable override,
// over the broker-level value in effect (static or dynamic), as the
// controller's LogConfig.fromProps over its live KafkaConfig does.
func (n *Node) uncleanAllowed(ctx context.Context, topic string) bool {
	cfg, err := n.z.TopicConfig(ctx, topic)
	if err == nil {
		if v, ok := cfg["unclean.leader.election.enable"]; ok {
			return v == "true"
		}
	}
	return n.uncleanDefault.Load()
}

// SetUncleanLeaderElectionDefault sets the broker-level
// unclean.leader.election.enable in effect, which the broker's dynamic
// configs may change at any time. Turning it on is
// KafkaController.enableDefaultUncleanLeaderElection: if this node is the
// controller it elects leaders for offline partitions again at once, so a
// partition whose ISR is all gone comes back on an out-of-sync replica
// without waiting for another broker change.
func (n *Node) SetUncleanLeaderElectionDefault(enabled bool) {
	if n.uncleanDefault.Swap(enabled) == enabled || !enabled {
		return
	}
	n.log.Info("unclean.leader.election.enable is now true: electing leaders for offline partitions")
	n.enqueue("UncleanLeaderElectionEnable", func(ctx context.Context) {
		if n.ctrl == nil {
			return
		}
		if _, err := n.triggerOnlinePartitions(ctx); err != nil {
			n.handleCtrlErr(ctx, "UncleanLeaderElectionEnable", err)
		}
	})
}

// triggerOnlinePartitions moves New and Offline partitions to Online:
// initial election for partitions without state, offline election for
// partitions whose leader is not live. It reports whether anything was
// elected (requests sent).
func (n *Node) triggerOnlinePartitions(ctx context.Context) (bool, error) {
	c := n.ctrl
	var fresh, offline []TopicPartition
	for _, tp := range c.partitions() {
		if c.toDelete[tp.Topic] {
			continue
		}
		s, ok := c.states[tp]
		switch {
		case !ok:
			fresh = append(fresh, tp)
		case !c.isLive(s.Leader):
			offline = append(offline, tp)
		}
	}
	if err := n.createPartitions(ctx, fresh); err != nil {
		return false, err
	}
	elected, err := n.electOffline(ctx, offline)
	return elected || len(fresh) > 0, err
}

// createPartitions is onNewPartitionCreation: initial leader and ISR written
// to new state znodes (fenced), LeaderAndIsr (isNew) to the ISR and
// UpdateMetadata to all brokers. Partitions with no live replica stay New
// and are retried when a broker starts.
func (n *Node) createPartitions(ctx context.Context, tps []TopicPartition) error {
	c := n.ctrl
	b := controller.NewBatch()
	var adopted []TopicPartition
	for _, tp := range tps {
		replicas := c.replicas(tp)
		leader, isr, ok := controller.InitialLeaderAndISR(replicas, c.isLive)
		if !ok {
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": replicas}).
				Error("no live replica for new partition; it stays offline until one starts")
			continue
		}
		s := PartitionState{Leader: leader, LeaderEpoch: 0, ControllerEpoch: c.epoch, ISR: isr}
		for _, p := range []string{TopicPartitionsPath(tp.Topic), PartitionPath(tp.Topic, tp.Partition)} {
			if _, err := n.fenced(ctx, CreateOp{Path: p, Mode: ModePersistent}); err != nil && !errors.Is(err, ErrNodeExists) {
				return err
			}
		}
		_, err := n.fenced(ctx, CreateOp{Path: PartitionStatePath(tp.Topic, tp.Partition), Data: EncodePartitionState(s), Mode: ModePersistent})
		if errors.Is(err, ErrNodeExists) {
			// Written already (by us before a failover, or by a previous
			// controller): take it as it is.
			existing, rerr := n.z.PartitionState(ctx, tp)
			if rerr != nil {
				return rerr
			}
			c.states[tp] = existing
			adopted = append(adopted, tp)
			if c.isLive(existing.Leader) {
				b.AddLeaderAndISR(liveOf(replicas, c.isLive), tp, existing, replicas, false, c.liveOrShuttingDownIDs())
			}
			continue
		}
		if err != nil {
			return err
		}
		s.ZkVersion = 0
		c.states[tp] = s
		b.AddLeaderAndISR(isr, tp, s, replicas, true, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	// Adopted partitions whose leader is gone get elected.
	var offline []TopicPartition
	for _, tp := range adopted {
		if !c.isLive(c.states[tp].Leader) {
			offline = append(offline, tp)
		}
	}
	_, err := n.electOffline(ctx, offline)
	return err
}

// electOffline runs the offline election for tps and sends the results.
func (n *Node) electOffline(ctx context.Context, tps []TopicPartition) (bool, error) {
	c := n.ctrl
	b := controller.NewBatch()
	elected := false
	for _, tp := range tps {
		replicas := c.replicas(tp)
		unclean := n.uncleanAllowed(ctx, tp.Topic)
		s, ok, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
			leader, isr, ok := controller.ElectOffline(replicas, cur.ISR, c.replicaOnline(tp), unclean)
			if !ok {
				return cur, false
			}
			return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: isr}, true
		})
		if err != nil {
			return elected, err
		}
		if !ok {
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": replicas, "isr": c.states[tp].ISR}).
				Error("no eligible leader for offline partition")
			continue
		}
		elected = true
		b.AddLeaderAndISR(liveOf(replicas, c.isLive), tp, s, replicas, false, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	return elected, nil
}

func liveOf(ids []int32, live func(int32) bool) []int32 {
	var out []int32
	for _, id := range ids {
		if live(id) {
			out = append(out, id)
		}
	}
	return out
}

// replicasOffline moves replicas to OfflineReplica: StopReplica (no
// delete) to the replica, removal from the ISR in ZooKeeper with the leader
// epoch bumped, LeaderAndIsr to the remaining live replicas.
func (n *Node) replicasOffline(ctx context.Context, refs []replicaRef) error {
	c := n.ctrl
	b := controller.NewBatch()
	for _, ref := range refs {
		if c.toDelete[ref.tp.Topic] {
			continue
		}
		b.AddStopReplica(ref.replica, ref.tp, false)
		if _, ok := c.states[ref.tp]; !ok {
			continue
		}
		s, changed, err := n.updateState(ctx, ref.tp, func(cur PartitionState) (PartitionState, bool) {
			return controller.RemoveFromISR(cur, ref.replica, c.epoch)
		})
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		var recipients []int32
		for _, r := range c.replicas(ref.tp) {
			if r != ref.replica && c.isLive(r) {
				recipients = append(recipients, r)
			}
		}
		b.AddLeaderAndISR(recipients, ref.tp, s, c.replicas(ref.tp), false, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	return nil
}
