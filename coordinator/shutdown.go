package coordinator

import (
	"context"
	"errors"
	"fmt"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Controlled shutdown (kafka-zk.md 2.6).
const controlledShutdownVersion int16 = 3

// ControlledShutdown makes one attempt to have the controller move this
// broker's leaderships away before it stops (one round of
// KafkaServer.controlledShutdown): ControlledShutdown v3 to the controller's
// inter-broker endpoint. It fails while a partition is still led by this
// broker. The caller retries controlled.shutdown.max.retries times with
// controlled.shutdown.retry.backoff.ms between attempts, so that the broker's
// configuration, not a constant here, decides. A no-op when
// ControlledShutdownEnable is false.
func (n *Node) ControlledShutdown(ctx context.Context) error {
	if !n.cfg.ControlledShutdownEnable {
		return nil
	}
	if err := n.controlledShutdownOnce(ctx); err != nil {
		return fmt.Errorf("coordinator: controlled shutdown: %w", err)
	}
	n.log.Info("controlled shutdown succeeded")
	return nil
}

func (n *Node) controlledShutdownOnce(ctx context.Context) error {
	id, ok, err := n.z.ControllerID(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("no controller")
	}
	ctrl, err := n.z.Broker(ctx, id)
	if err != nil {
		return fmt.Errorf("controller %d: %w", id, err)
	}
	ep, ok := ctrl.Endpoint(n.cfg.InterBrokerListener)
	if !ok {
		return fmt.Errorf("controller %d has no %s endpoint", id, n.cfg.InterBrokerListener)
	}
	req := kmsg.NewPtrControlledShutdownRequest()
	req.SetVersion(controlledShutdownVersion)
	req.BrokerID = n.cfg.BrokerID
	req.BrokerEpoch = n.BrokerEpoch()
	rctx, cancel := context.WithTimeout(ctx, n.cfg.ControllerSocketTimeout)
	defer cancel()
	kresp, err := n.t.RoundTrip(rctx, hostPort(ep.Host, ep.Port), req)
	if err != nil {
		return err
	}
	resp, ok := kresp.(*kmsg.ControlledShutdownResponse)
	if !ok {
		return fmt.Errorf("unexpected response %T", kresp)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return err
	}
	if len(resp.PartitionsRemaining) > 0 {
		return fmt.Errorf("%d partitions still led by this broker", len(resp.PartitionsRemaining))
	}
	return nil
}

// HandleControlledShutdown is the controller side of ControlledShutdown:
// the broker is marked shutting down, partitions it leads (replication
// factor > 1) elect another leader from the ISR, partitions it follows get
// StopReplica and lose it from the ISR. It returns the partitions the broker
// still leads; the broker retries until none remain. ErrNotController when
// this node is not the controller, ErrStaleBrokerEpoch for an old epoch.
func (n *Node) HandleControlledShutdown(ctx context.Context, brokerID int32, brokerEpoch int64) ([]TopicPartition, error) {
	type result struct {
		tps []TopicPartition
		err error
	}
	ch := make(chan result, 1)
	n.enqueue("ControlledShutdown", func(ctx context.Context) {
		if n.ctrl == nil {
			ch <- result{nil, ErrNotController}
			return
		}
		tps, err := n.doControlledShutdown(ctx, brokerID, brokerEpoch)
		if errors.Is(err, ErrControllerMoved) {
			n.handleCtrlErr(ctx, "ControlledShutdown", err)
			err = ErrNotController
		}
		ch <- result{tps, err}
	})
	select {
	case r := <-ch:
		return r.tps, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.ctx.Done():
		return nil, ErrClosed
	}
}

func (n *Node) doControlledShutdown(ctx context.Context, id int32, epoch int64) ([]TopicPartition, error) {
	c := n.ctrl
	b, ok := c.brokers[id]
	if !ok {
		return nil, fmt.Errorf("%w: Broker id %d does not exist.", ErrBrokerNotAvailable, id)
	}
	if epoch != -1 && epoch < b.Epoch {
		return nil, fmt.Errorf("%w: broker %d sent epoch %d, current is %d", ErrStaleBrokerEpoch, id, epoch, b.Epoch)
	}
	c.shuttingDown[id] = true
	n.log.WithField("target", id).Info("controlled shutdown requested")
	shutting := func(r int32) bool { return c.shuttingDown[r] }
	elections := controller.NewBatch()
	var followers []replicaRef
	for _, tp := range c.partitions() {
		reps := c.replicas(tp)
		s, ok := c.states[tp]
		if !ok || len(reps) < 2 || !contains32(reps, id) || c.toDelete[tp.Topic] {
			continue
		}
		if s.Leader != id {
			followers = append(followers, replicaRef{tp, id})
			continue
		}
		next, elected, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
			leader, isr, ok := controller.ElectControlledShutdown(reps, cur.ISR, c.replicaOnline(tp), shutting)
			if !ok {
				return cur, false
			}
			return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: isr}, true
		})
		if err != nil {
			return nil, err
		}
		if elected {
			elections.AddLeaderAndISR(liveOf(reps, func(r int32) bool { _, ok := c.brokers[r]; return ok }), tp, next, reps, false, c.liveOrShuttingDownIDs())
		}
	}
	n.send(elections)
	if err := n.replicasOffline(ctx, followers); err != nil {
		return nil, err
	}
	var remaining []TopicPartition
	for _, tp := range c.partitions() {
		if s, ok := c.states[tp]; ok && s.Leader == id && len(c.replicas(tp)) > 1 {
			remaining = append(remaining, tp)
		}
	}
	n.log.WithFields(logrus.Fields{"target": id, "remaining": len(remaining)}).Info("controlled shutdown handled")
	return remaining, nil
}

func contains32(xs []int32, x int32) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
