package broker

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
)

// ISR maintenance by the partition leader (Kafka 2.4, kafka-zk.md 3.3):
// followers that caught up join the ISR when they fetch; followers lagging
// more than replica.lag.time.max.ms leave it, checked every half of it.
// Each change is a compare-and-set of the partition state znode through
// the coordinator (leader epoch unchanged, controller epoch of the
// LeaderAndIsr that made us leader), followed by an isr_change_
// notification so the controller tells every broker. A failed write is
// dropped: the controller's next LeaderAndIsr carries the truth.

// isrLoop runs the shrink check.
func (s *Server) isrLoop() {
	t := time.NewTicker(max(s.cfg.Replication.LagTimeMax/2, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			for _, p := range s.parts.all() {
				if ch, out := p.outOfSyncChange(now, s.cfg.Replication.LagTimeMax); ch != nil {
					s.parts.log.Infof("Shrinking ISR of %s-%d: out of sync replicas %v", p.tp.Topic, p.tp.Partition, out)
					s.writeISRChange(p, ch)
				}
			}
		}
	}
}

// expandISR writes an expansion off the fetch path.
func (s *Server) expandISR(p *partition, ch *isrChange) {
	if !s.goAttach(func() { s.writeISRChange(p, ch) }) {
		p.finishISRChange(ch, 0, context.Canceled)
	}
}

func (s *Server) writeISRChange(p *partition, ch *isrChange) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
	defer cancel()
	tp := coordinator.TopicPartition{Topic: p.tp.Topic, Partition: p.tp.Partition}
	v, err := s.deps.Node.UpdateLeaderAndISR(ctx, tp, coordinator.PartitionState{
		Leader: s.cfg.BrokerID, LeaderEpoch: ch.leaderEpoch, ControllerEpoch: ch.controllerEpoch,
		ISR: ch.newISR, ZkVersion: ch.zkVers,
	})
	applied, old := p.finishISRChange(ch, v, err)
	if err != nil {
		s.parts.log.Infof("Cached zkVersion %d of %s-%d not equal to that in zookeeper, skip updating ISR: %v", ch.zkVers, p.tp.Topic, p.tp.Partition, err)
		return
	}
	if applied {
		s.parts.log.Infof("ISR of %s-%d updated from %s to %s and zkVersion updated to [%d]", p.tp.Topic, p.tp.Partition, ids(old), ids(ch.newISR), v)
		s.deps.Node.NotifyISRChange(tp)
	}
}

// leaderHighWatermark is the high watermark Kafka 2.4's
// Partition.maybeIncrementLeaderHW aims for: the smallest log end offset
// of the leader and of every follower that is in the ISR or was caught up
// within lagMax (a follower about to rejoin the ISR must have the records
// below the high watermark, or it could become leader without them). A
// follower in that set whose log end is unknown (no fetch yet, -1) blocks
// any advance.
func leaderHighWatermark(leo int64, localID int32, isr []int32, followers map[int32]*followerState, now time.Time, lagMax time.Duration) int64 {
	hw := leo
	for id, f := range followers {
		if id == localID || f.leo >= hw {
			continue
		}
		if contains(isr, id) || (!f.caughtUp.IsZero() && now.Sub(f.caughtUp) <= lagMax) {
			hw = f.leo
		}
	}
	return hw
}

func ids(s []int32) string {
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ",")
}
