package coordinator

import (
	"context"
	"errors"
	"sort"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Partition reassignment as Kafka 2.4 runs it for
// kafka-reassign-partitions --zookeeper (KIP-455 in the controller): with
// ORS the original replicas and TRS the target, the assignment becomes
// RS = TRS + (ORS - TRS) with adding = TRS - ORS and removing = ORS - TRS,
// written to the topic znode; the new replicas start following; once the
// ISR contains all of TRS the leader moves into TRS if needed, the removed
// replicas are stopped and deleted, RS = TRS is written and the partition
// leaves /admin/reassign_partitions (deleted when empty).

// reassignment is one partition's reassignment in progress.
type reassignment struct {
	target, adding, removing []int32
}

func minus(a, b []int32) []int32 {
	var out []int32
	for _, x := range a {
		if !contains32(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// plan is ReplicaAssignment.reassignTo: the full replica set during the
// move and the adding and removing replicas.
func plan(origin, target []int32) (rs []int32, r reassignment) {
	rs = append([]int32{}, target...)
	for _, x := range origin {
		if !contains32(rs, x) {
			rs = append(rs, x)
		}
	}
	return rs, reassignment{target: target, adding: minus(rs, origin), removing: minus(rs, target)}
}

// origin is the partition's replicas without those being added.
func (c *controllerState) origin(tp TopicPartition) []int32 {
	if r, ok := c.reassigning[tp]; ok {
		return minus(c.replicas(tp), r.adding)
	}
	return c.replicas(tp)
}

// writeTopicAssignment writes a topic's znode from the context (fenced).
func (n *Node) writeTopicAssignment(ctx context.Context, topic string) error {
	c := n.ctrl
	adding, removing := map[int32][]int32{}, map[int32][]int32{}
	for tp, r := range c.reassigning {
		if tp.Topic != topic {
			continue
		}
		if len(r.adding) > 0 {
			adding[tp.Partition] = r.adding
		}
		if len(r.removing) > 0 {
			removing[tp.Partition] = r.removing
		}
	}
	_, err := n.fenced(ctx, SetDataOp{Path: TopicPath(topic), Data: EncodeTopicAssignment(c.assignments[topic], adding, removing), Version: -1})
	return err
}

// watchReassignments arms the exists watch on /admin/reassign_partitions
// and starts the reassignments it lists.
func (n *Node) watchReassignments(ctx context.Context) error {
	ok, _, err := n.z.ExistsW(ctx, ReassignPartitionsPath, n.ctrlWatcher("ZkPartitionReassignment", n.watchReassignments))
	if err != nil || !ok {
		return err
	}
	data, _, err := n.z.Get(ctx, ReassignPartitionsPath)
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	rs, derr := DecodeReassignment(data)
	if derr != nil {
		n.log.WithError(derr).Error("unreadable /admin/reassign_partitions; deleting it")
		_, err := n.fenced(ctx, DeleteOp{Path: ReassignPartitionsPath, Version: -1})
		if errors.Is(err, ErrNoNode) {
			return nil
		}
		return err
	}
	c := n.ctrl
	var done []TopicPartition
	for _, r := range rs {
		tp := r.TopicPartition
		cur, known := c.assignments[tp.Topic][tp.Partition]
		switch {
		case !known || c.toDelete[tp.Topic] || len(r.Replicas) == 0 || hasDuplicates(r.Replicas):
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": r.Replicas}).Error("invalid reassignment; dropping it")
			done = append(done, tp)
		case c.reassigning[tp].target != nil && equalInt32s(c.reassigning[tp].target, r.Replicas):
			// In progress already (our own rewrite of the znode fired the watch).
		case c.reassigning[tp].target == nil && equalInt32s(cur, r.Replicas):
			done = append(done, tp)
		default:
			if err := n.reassign(ctx, tp, r.Replicas); err != nil {
				return err
			}
		}
	}
	return n.removeFromReassignZnode(ctx, done...)
}

func hasDuplicates(xs []int32) bool {
	seen := map[int32]bool{}
	for _, x := range xs {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// reassign is onPartitionReassignment for a new target, from either
// trigger: the assignment becomes RS = TRS + ORS (updateCurrentReassignment,
// U1-U3: a replaced or cancelled reassignment's replicas that are no longer
// in RS are stopped and deleted), then phase A or B.
func (n *Node) reassign(ctx context.Context, tp TopicPartition, target []int32) error {
	c := n.ctrl
	cur := c.replicas(tp)
	prev := c.reassigning[tp]
	rs, r := plan(c.origin(tp), target)
	n.log.WithFields(logrus.Fields{"partition": tp.String(), "target": target, "adding": r.adding, "removing": r.removing}).Info("reassigning partition")
	c.reassigning[tp] = r
	c.assignments[tp.Topic][tp.Partition] = rs
	if !equalInt32s(cur, rs) || !equalInt32s(prev.adding, r.adding) || !equalInt32s(prev.removing, r.removing) {
		if err := n.writeTopicAssignment(ctx, tp.Topic); err != nil {
			return err
		}
	}
	if unneeded := minus(cur, rs); len(unneeded) > 0 {
		if err := n.stopRemovedReplicas(ctx, tp, unneeded); err != nil {
			return err
		}
	}
	return n.checkReassignment(ctx, tp, true)
}

// beingReassigned is ReplicaAssignment.isBeingReassigned.
func (r reassignment) beingReassigned() bool {
	return len(r.adding) > 0 || len(r.removing) > 0
}

// checkReassignment re-reads the partition's state (re-arming the data
// watch that reports ISR changes) and completes the reassignment once the
// ISR holds every target replica. first: the reassignment just started.
func (n *Node) checkReassignment(ctx context.Context, tp TopicPartition, first bool) error {
	c := n.ctrl
	r, ok := c.reassigning[tp]
	if !ok {
		return nil
	}
	if !r.beingReassigned() {
		// A cancellation or a reordering: nothing to wait for.
		return n.completeReassignment(ctx, tp)
	}
	data, st, err := n.z.GetW(ctx, PartitionStatePath(tp.Topic, tp.Partition), n.ctrlWatcher("PartitionReassignmentIsrChange", func(ctx context.Context) error {
		return n.checkReassignment(ctx, tp, false)
	}))
	if errors.Is(err, ErrNoNode) {
		return nil // not created yet: the partition's creation comes first
	}
	if err != nil {
		return err
	}
	s, err := DecodePartitionState(data, st.Version)
	if err != nil {
		return err
	}
	c.states[tp] = s
	if len(minus(r.target, s.ISR)) == 0 {
		return n.completeReassignment(ctx, tp)
	}
	if !first {
		return nil
	}
	// Not complete: every replica of RS learns the new assignment (leader
	// epoch bumped) and the adding replicas start as new followers.
	next, changed, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
		return PartitionState{Leader: cur.Leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: cur.ISR}, true
	})
	if err != nil || !changed {
		return err
	}
	b := controller.NewBatch()
	rs := c.replicas(tp)
	b.AddLeaderAndISR(liveOf(minus(rs, r.adding), c.isLive), tp, next, rs, false, c.liveOrShuttingDownIDs())
	b.AddLeaderAndISR(liveOf(r.adding, c.isLive), tp, next, rs, true, c.liveOrShuttingDownIDs())
	n.send(b)
	return nil
}

// completeReassignment is onPartitionReassignment's second half.
func (n *Node) completeReassignment(ctx context.Context, tp TopicPartition) error {
	c := n.ctrl
	r := c.reassigning[tp]
	delete(c.reassigning, tp)
	c.assignments[tp.Topic][tp.Partition] = r.target
	// Move the leader into TRS if needed, else just bump the epoch so every
	// replica learns RS = TRS.
	target := r.target
	next, changed, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
		if contains32(target, cur.Leader) && c.isLive(cur.Leader) {
			return PartitionState{Leader: cur.Leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: cur.ISR}, true
		}
		for _, t := range target {
			if c.isLive(t) && contains32(cur.ISR, t) {
				return PartitionState{Leader: t, LeaderEpoch: cur.LeaderEpoch + 1, ISR: cur.ISR}, true
			}
		}
		return cur, false
	})
	if err != nil {
		return err
	}
	b := controller.NewBatch()
	if changed {
		b.AddLeaderAndISR(liveOf(target, c.isLive), tp, next, target, false, c.liveOrShuttingDownIDs())
		n.send(b)
	}
	if err := n.stopRemovedReplicas(ctx, tp, r.removing); err != nil {
		return err
	}
	if err := n.writeTopicAssignment(ctx, tp.Topic); err != nil {
		return err
	}
	// Only an entry asking for what was just reached leaves the znode
	// (maybeRemoveFromZkReassignment); a newer target stays to be started.
	if err := n.dropFromReassignZnode(ctx, func(z Reassignment) bool {
		return z.TopicPartition == tp && equalInt32s(z.Replicas, target)
	}); err != nil {
		return err
	}
	b.AddUpdateMetadata(c.liveOrShuttingDownIDs(), tp)
	n.send(b)
	n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": target}).Info("reassignment completed")
	return n.resumeDeletions(ctx)
}

// stopRemovedReplicas is stopRemovedReplicasOfReassignedPartition: the
// replicas go offline (StopReplica, out of the ISR), then are deleted.
func (n *Node) stopRemovedReplicas(ctx context.Context, tp TopicPartition, removed []int32) error {
	if len(removed) == 0 {
		return nil
	}
	refs := make([]replicaRef, 0, len(removed))
	for _, rm := range removed {
		refs = append(refs, replicaRef{tp, rm})
	}
	if err := n.replicasOffline(ctx, refs); err != nil {
		return err
	}
	b := controller.NewBatch()
	for _, rm := range removed {
		b.AddStopReplica(rm, tp, true)
	}
	n.send(b)
	return nil
}

// removeFromReassignZnode drops partitions from /admin/reassign_partitions,
// deleting it when nothing is left (fenced).
func (n *Node) removeFromReassignZnode(ctx context.Context, tps ...TopicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	drop := map[TopicPartition]bool{}
	for _, tp := range tps {
		drop[tp] = true
	}
	return n.dropFromReassignZnode(ctx, func(r Reassignment) bool { return drop[r.TopicPartition] })
}

// dropFromReassignZnode rewrites /admin/reassign_partitions without the
// entries drop selects, deleting it when nothing is left (fenced).
func (n *Node) dropFromReassignZnode(ctx context.Context, drop func(Reassignment) bool) error {
	data, st, err := n.z.Get(ctx, ReassignPartitionsPath)
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	rs, err := DecodeReassignment(data)
	if err != nil {
		rs = nil
	}
	var keep []Reassignment
	for _, r := range rs {
		if !drop(r) {
			keep = append(keep, r)
		}
	}
	if len(keep) == len(rs) && len(rs) > 0 {
		return nil
	}
	if len(keep) == 0 {
		_, err = n.fenced(ctx, DeleteOp{Path: ReassignPartitionsPath, Version: st.Version})
	} else {
		_, err = n.fenced(ctx, SetDataOp{Path: ReassignPartitionsPath, Data: EncodeReassignment(keep), Version: st.Version})
	}
	if errors.Is(err, ErrBadVersion) {
		// The tool rewrote it meanwhile; the watch brings us back.
		return nil
	}
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	return err
}

// resumeReassignments restarts the reassignments recorded in topic znodes
// (adding/removing replicas) at failover, then those of the admin znode.
func (n *Node) resumeReassignments(ctx context.Context) error {
	c := n.ctrl
	tps := make([]TopicPartition, 0, len(c.reassigning))
	for tp := range c.reassigning {
		tps = append(tps, tp)
	}
	sortTPs(tps)
	for _, tp := range tps {
		if err := n.checkReassignment(ctx, tp, true); err != nil {
			return err
		}
	}
	return n.watchReassignments(ctx)
}

// recordReassignments notes in-progress reassignments found in a topic
// znode (non-empty adding/removing replicas).
func (c *controllerState) recordReassignments(topic string, a TopicAssignment) {
	parts := make([]int32, 0, len(a.Adding)+len(a.Removing))
	for p := range a.Adding {
		parts = append(parts, p)
	}
	for p := range a.Removing {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	for _, p := range parts {
		tp := TopicPartition{Topic: topic, Partition: p}
		if _, ok := c.reassigning[tp]; ok {
			continue
		}
		if len(a.Adding[p]) == 0 && len(a.Removing[p]) == 0 {
			continue
		}
		rs := a.Partitions[p]
		c.reassigning[tp] = reassignment{target: minus(rs, a.Removing[p]), adding: a.Adding[p], removing: a.Removing[p]}
	}
}
