package coordinator

import (
	"context"
	"errors"
	"fmt"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Admin-requested leader elections: the controller's side of the
// ElectLeaders API (KafkaController.electLeaders and
// processReplicaLeaderElection with the AdminClientTriggered trigger).

// ElectionType is Kafka's election type, as ElectLeaders v1+ carries it
// (v0 requests are preferred elections).
type ElectionType int8

const (
	// ElectionPreferred moves leadership to the first replica of the
	// assignment when it is live and in the ISR.
	ElectionPreferred ElectionType = 0
	// ElectionUnclean elects a leader for partitions without a live one,
	// from the ISR first, else from any live replica.
	ElectionUnclean ElectionType = 1
)

// String is the name Kafka's ElectionType enum prints.
func (t ElectionType) String() string {
	switch t {
	case ElectionPreferred:
		return "PREFERRED"
	case ElectionUnclean:
		return "UNCLEAN"
	}
	return fmt.Sprintf("ElectionType(%d)", int8(t))
}

// Per-partition outcomes of ElectLeaders. The errors ElectLeaders returns
// in ElectionResult.Err carry Kafka's exact message and match one of these
// (or ErrTopicNotFound for an unknown partition, ErrInvalidTopic for a
// topic being deleted).
var (
	// ErrElectionNotNeeded: the partition already has the leader the
	// election would pick (Kafka's ELECTION_NOT_NEEDED).
	ErrElectionNotNeeded = errors.New("coordinator: leader election not needed")
	// ErrPreferredLeaderNotAvailable: the preferred replica is dead or out of
	// the ISR (PREFERRED_LEADER_NOT_AVAILABLE).
	ErrPreferredLeaderNotAvailable = errors.New("coordinator: preferred leader not available")
	// ErrEligibleLeadersNotAvailable: no live replica can lead
	// (ELIGIBLE_LEADERS_NOT_AVAILABLE).
	ErrEligibleLeadersNotAvailable = errors.New("coordinator: eligible leaders not available")
	// ErrInvalidElectionType: an election type other than 0 or 1.
	ErrInvalidElectionType = errors.New("coordinator: invalid election type")
)

// ElectionResult is one partition's outcome of ElectLeaders: the leader
// written to the state znode when Err is nil.
type ElectionResult struct {
	Partition TopicPartition
	Leader    int32
	Err       error
}

// ElectLeaders runs an election of the given type for tps (nil: every
// partition the controller knows) on the controller's event goroutine and
// returns one result per distinct partition, sorted. The new leaders are
// written and LeaderAndIsr and UpdateMetadata are queued before it returns;
// the broker waits for its metadata to show them (Kafka's
// DelayedElectLeader). ErrNotController when this node is not the active
// controller (or stops being it during the election); ctx ending first
// returns ctx.Err() while the election still runs.
func (n *Node) ElectLeaders(ctx context.Context, typ ElectionType, tps []TopicPartition) ([]ElectionResult, error) {
	if typ != ElectionPreferred && typ != ElectionUnclean {
		return nil, fmt.Errorf("%w: %d", ErrInvalidElectionType, int8(typ))
	}
	return onController(ctx, n, "ReplicaLeaderElection", func(ctx context.Context) ([]ElectionResult, error) {
		return n.adminElection(ctx, typ, tps)
	})
}

// onController runs fn as a controller event and waits for its result.
// Not the controller: ErrNotController. A fenced write that finds another
// controller resigns this one and is reported as ErrNotController, as Kafka
// answers requests that reach a former controller.
func onController[T any](ctx context.Context, n *Node, name string, fn func(ctx context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	n.enqueue(name, func(ctx context.Context) {
		if n.ctrl == nil {
			var zero T
			ch <- result{zero, ErrNotController}
			return
		}
		v, err := fn(ctx)
		if errors.Is(err, ErrControllerMoved) {
			n.handleCtrlErr(ctx, name, err)
			err = fmt.Errorf("%w: %w", ErrNotController, err)
		}
		ch <- result{v, err}
	})
	var zero T
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-n.ctx.Done():
		return zero, ErrClosed
	}
}

// adminElection is processReplicaLeaderElection for AdminClientTriggered.
func (n *Node) adminElection(ctx context.Context, typ ElectionType, tps []TopicPartition) ([]ElectionResult, error) {
	c := n.ctrl
	if tps == nil {
		tps = c.partitions()
	} else {
		tps = distinctTPs(tps)
	}
	n.log.WithFields(logrus.Fields{"type": typ.String(), "partitions": len(tps)}).Info("starting replica leader election triggered by admin client")
	out := make([]ElectionResult, 0, len(tps))
	b := controller.NewBatch()
	for _, tp := range tps {
		r := ElectionResult{Partition: tp, Leader: controller.NoLeader}
		reps := c.replicas(tp)
		s, hasState := c.states[tp]
		switch {
		case len(reps) == 0:
			r.Err = kafkaErrorf(ErrTopicNotFound, "The partition does not exist.")
		case c.toDelete[tp.Topic]:
			r.Err = kafkaErrorf(ErrInvalidTopic, "The topic is being deleted")
		case hasState && !electionNeeded(typ, s, reps, c.isLive):
			r.Leader = s.Leader
			r.Err = kafkaErrorf(ErrElectionNotNeeded, "Leader election not needed for topic partition")
		default:
			next, err := n.electOne(ctx, b, typ, tp, hasState)
			if errors.Is(err, ErrControllerMoved) {
				return nil, err
			}
			r.Leader, r.Err = next.Leader, err
		}
		out = append(out, r)
	}
	n.send(b)
	return out, nil
}

// electionNeeded is processReplicaLeaderElection's split into electable
// partitions and those that already have a valid leader.
func electionNeeded(typ ElectionType, s PartitionState, reps []int32, live func(int32) bool) bool {
	if typ == ElectionPreferred {
		return s.Leader != reps[0]
	}
	return s.Leader == controller.NoLeader || !live(s.Leader)
}

// electOne elects tp's leader with the strategy of typ, writes the state
// znode and adds LeaderAndIsr for the live replicas to b. A failed
// election is Kafka's StateChangeFailedException, turned into the error
// code of the election type.
func (n *Node) electOne(ctx context.Context, b *controller.Batch, typ ElectionType, tp TopicPartition, hasState bool) (PartitionState, error) {
	c := n.ctrl
	reps := c.replicas(tp)
	strategy, sentinel := "PreferredReplicaPartitionLeaderElectionStrategy", ErrPreferredLeaderNotAvailable
	if typ == ElectionUnclean {
		strategy, sentinel = "OfflinePartitionLeaderElectionStrategy(true)", ErrEligibleLeadersNotAvailable
	}
	failed := kafkaErrorf(sentinel, "Failed to elect leader for partition %s under strategy %s", tp, strategy)
	if !hasState {
		// A partition not yet online has no leadership to change.
		return PartitionState{Leader: controller.NoLeader}, failed
	}
	next, elected, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
		if typ == ElectionPreferred {
			leader, ok := controller.ElectPreferred(reps, cur.ISR, c.replicaOnline(tp))
			if !ok {
				return cur, false
			}
			return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: cur.ISR}, true
		}
		leader, isr, ok := controller.ElectOffline(reps, cur.ISR, c.replicaOnline(tp), true)
		if !ok {
			return cur, false
		}
		return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: isr}, true
	})
	if err != nil {
		return next, err
	}
	if !elected {
		n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": reps, "isr": next.ISR}).Warn(failed.Error())
		return PartitionState{Leader: controller.NoLeader}, failed
	}
	b.AddLeaderAndISR(liveOf(reps, c.isLive), tp, next, reps, false, c.liveOrShuttingDownIDs())
	return next, nil
}

// distinctTPs drops repeated partitions (Kafka takes a set) and sorts.
func distinctTPs(tps []TopicPartition) []TopicPartition {
	seen := make(map[TopicPartition]bool, len(tps))
	out := make([]TopicPartition, 0, len(tps))
	for _, tp := range tps {
		if !seen[tp] {
			seen[tp] = true
			out = append(out, tp)
		}
	}
	sortTPs(out)
	return out
}
