package broker

import (
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/storage"
)

// partition is one replica this broker hosts, as leader or follower
// (Kafka's cluster.Partition). Its log is set before the partition is
// published in the replica manager and never changes. Appends happen under
// mu so that the leader epoch checked is the epoch written; reads of the
// log need no lock (the log serializes itself) and use a snapshot of the
// high watermark.
//
// The replication work adds follower fetching and ISR changes; the leader
// side already records follower fetch offsets and computes the high
// watermark from the ISR (Partition.maybeIncrementLeaderHW).
type partition struct {
	tp      storage.TopicPartition
	localID int32
	log     PartitionLog

	changed waitList // signalled on append, high watermark advance, state change

	mu struct {
		sync.Mutex
		leader          int32
		leaderEpoch     int32 // -1 until the first LeaderAndIsr
		controllerEpoch int32
		zkVersion       int32
		replicas, isr   []int32
		hw              int64
		followers       map[int32]*followerState // leader only, by replica id
		// leaderEpochStartOffset is the log end when this broker became
		// leader; a follower must reach it to join the ISR.
		leaderEpochStartOffset int64
		isrUpdating            bool // an ISR change is being written to ZooKeeper
		truncating             bool // follower: must find the divergence point before fetching
		minISR                 int32
		stopped                bool // StopReplica(delete) removed it
	}
}

func newPartition(tp storage.TopicPartition, localID int32, log PartitionLog, hw int64, minISR int32) *partition {
	p := &partition{tp: tp, localID: localID, log: log}
	p.mu.leader = -1
	p.mu.leaderEpoch = -1
	p.mu.minISR = minISR
	p.mu.hw = clamp(hw, log.LogStartOffset(), log.LogEndOffset())
	log.SetHighWatermark(p.mu.hw)
	return p
}

func clamp(v, lo, hi int64) int64 { return max(lo, min(v, hi)) }

// partitionState is what LeaderAndIsr sets.
type partitionState struct {
	leader, leaderEpoch, controllerEpoch, zkVersion int32
	replicas, isr                                   []int32
}

// leaderEpoch returns the current leader epoch (-1 before any LeaderAndIsr).
func (p *partition) leaderEpoch() int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.leaderEpoch
}

// makeLeader applies a LeaderAndIsr that makes this broker leader: the new
// epoch starts at the log end (Kafka: leaderEpochStartOffset = LEO).
func (p *partition) makeLeader(st partitionState) error {
	p.mu.Lock()
	leo := p.log.LogEndOffset()
	if err := p.log.AssignLeaderEpoch(st.leaderEpoch, leo); err != nil {
		p.mu.Unlock()
		return err
	}
	p.setStateLocked(st)
	p.mu.leaderEpochStartOffset = leo
	now := time.Now()
	p.mu.followers = make(map[int32]*followerState)
	for _, id := range st.replicas {
		if id == p.localID {
			continue
		}
		f := &followerState{leo: -1}
		if contains(st.isr, id) {
			f.caughtUp = now // Kafka gives ISR members a full lag period
		}
		p.mu.followers[id] = f
	}
	p.maybeIncrementHWLocked()
	p.mu.Unlock()
	p.changed.notify()
	return nil
}

// makeFollower applies a LeaderAndIsr that makes another broker leader.
// The ISR is only the leader's business: clear it (Kafka does too). What
// lies above the point where our log and the leader's diverge must go: the
// fetcher finds that point with OffsetForLeaderEpoch before it fetches
// (KIP-101/279), so the partition starts in the truncating state.
func (p *partition) makeFollower(st partitionState) error {
	p.mu.Lock()
	p.setStateLocked(st)
	p.mu.isr = nil
	p.mu.followers = nil
	p.mu.truncating = true
	p.mu.Unlock()
	p.changed.notify()
	return nil
}

// truncationTarget is what a follower in the truncating state asks the
// leader: its latest leader epoch (ok false: no epochs, truncate to the
// high watermark without asking).
func (p *partition) truncationTarget() (currentEpoch, latest int32, truncating, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.mu.truncating {
		return 0, 0, false, false
	}
	latest, ok = p.log.LatestEpoch()
	return p.mu.leaderEpoch, latest, true, ok
}

// truncateFromLeader applies the leader's OffsetForLeaderEpoch answer
// (AbstractFetcherThread.getOffsetTruncationState, Kafka 2.4): no answer
// (endOffset -1) truncates to the high watermark; if our end of the
// leader's epoch is that epoch too, truncate to the smaller end and fetch;
// if our log knows only an older epoch, truncate to our end of it and ask
// again. currentEpoch guards against a LeaderAndIsr in between.
func (p *partition) truncateFromLeader(currentEpoch, leaderEpoch int32, leaderEnd int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.mu.truncating || p.mu.leaderEpoch != currentEpoch {
		return nil
	}
	leo := p.log.LogEndOffset()
	target, done := p.mu.hw, true
	if leaderEnd >= 0 {
		target = min(leaderEnd, leo)
		if leaderEpoch >= 0 {
			if fe, fEnd := p.log.EndOffsetForEpoch(leaderEpoch); fe >= 0 && fe != leaderEpoch {
				target, done = min(fEnd, leo), false
			}
		}
	}
	if target < leo {
		if err := p.log.Truncate(max(target, p.log.LogStartOffset())); err != nil {
			return err
		}
		p.mu.hw = min(p.mu.hw, p.log.LogEndOffset())
	}
	p.mu.truncating = !done
	return nil
}

// REQUIRES: p.mu held.
func (p *partition) setStateLocked(st partitionState) {
	p.mu.leader = st.leader
	p.mu.leaderEpoch = st.leaderEpoch
	p.mu.controllerEpoch = st.controllerEpoch
	p.mu.zkVersion = st.zkVersion
	p.mu.replicas = append([]int32(nil), st.replicas...)
	p.mu.isr = append([]int32(nil), st.isr...)
}

// stop marks the partition removed; waiting requests see it at once.
func (p *partition) stop() {
	p.mu.Lock()
	p.mu.stopped = true
	p.mu.leader = -1
	p.mu.Unlock()
	p.changed.notify()
}

// maybeIncrementHWLocked moves the high watermark to the smallest log end
// of the ISR (the leader's own and each follower's last fetch offset); it
// never moves backwards. Returns whether it moved.
// REQUIRES: p.mu held, this broker leader.
func (p *partition) maybeIncrementHWLocked() bool {
	if p.mu.leader != p.localID {
		return false
	}
	hw := p.log.LogEndOffset()
	for _, id := range p.mu.isr {
		if id == p.localID {
			continue
		}
		f, ok := p.mu.followers[id]
		if !ok || f.leo < 0 {
			return false
		}
		hw = min(hw, f.leo)
	}
	if hw <= p.mu.hw {
		return false
	}
	p.mu.hw = hw
	p.log.SetHighWatermark(hw)
	return true
}

// appendAsLeader appends a produce request's batches. acks=-1 needs
// min.insync.replicas in the ISR before anything is written.
func (p *partition) appendAsLeader(records []byte, acks int16, now time.Time) (storage.AppendResult, error) {
	p.mu.Lock()
	if p.mu.stopped || p.mu.leader != p.localID {
		p.mu.Unlock()
		return storage.AppendResult{}, kerr.NotLeaderForPartition
	}
	if acks == -1 && int32(len(p.mu.isr)) < p.mu.minISR {
		p.mu.Unlock()
		return storage.AppendResult{}, kerr.NotEnoughReplicas
	}
	res, err := p.log.Append(records, p.mu.leaderEpoch, now)
	if err == nil {
		p.maybeIncrementHWLocked()
	}
	p.mu.Unlock()
	if err == nil {
		p.changed.notify()
	}
	return res, err
}

// followerState is what the leader knows of one follower
// (Kafka's Replica on the leader).
type followerState struct {
	leo            int64     // last fetch offset; -1 = none yet
	lastFetch      time.Time // when it last fetched
	leoAtLastFetch int64     // our log end at its last fetch
	caughtUp       time.Time // last time it was known to be caught up
}

// isrChange is an ISR update to write through the coordinator.
type isrChange struct {
	newISR                               []int32
	leaderEpoch, controllerEpoch, zkVers int32
}

// followerFetched records a follower's fetch offset (its log end), maybe
// advances the high watermark, and returns the ISR expansion to write when
// the follower has caught up (Partition.maybeExpandIsr): it is a replica,
// not in the ISR, at or past the high watermark and the start of this
// leader epoch.
func (p *partition) followerFetched(id int32, fetchOffset int64, now time.Time) *isrChange {
	p.mu.Lock()
	f, ok := p.mu.followers[id]
	if p.mu.leader != p.localID || !ok {
		p.mu.Unlock()
		return nil
	}
	leo := p.log.LogEndOffset()
	switch {
	case fetchOffset >= leo:
		f.caughtUp = now
	case fetchOffset >= f.leoAtLastFetch && !f.lastFetch.IsZero():
		f.caughtUp = f.lastFetch
	}
	f.leo, f.lastFetch, f.leoAtLastFetch = fetchOffset, now, leo
	moved := p.maybeIncrementHWLocked()
	var ch *isrChange
	if !contains(p.mu.isr, id) && !p.mu.isrUpdating && fetchOffset >= p.mu.hw && fetchOffset >= p.mu.leaderEpochStartOffset {
		ch = p.beginISRChangeLocked(append(append([]int32(nil), p.mu.isr...), id))
	}
	p.mu.Unlock()
	if moved {
		p.changed.notify()
	}
	return ch
}

// outOfSyncChange returns the ISR shrink to write when followers lag
// (Partition.maybeShrinkIsr): an ISR member that is not at our log end and
// has not been caught up for lagMax.
func (p *partition) outOfSyncChange(now time.Time, lagMax time.Duration) (*isrChange, []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader != p.localID || p.mu.stopped || p.mu.isrUpdating {
		return nil, nil
	}
	leo := p.log.LogEndOffset()
	var keep, out []int32
	for _, id := range p.mu.isr {
		f, ok := p.mu.followers[id]
		if id != p.localID && ok && f.leo != leo && now.Sub(f.caughtUp) > lagMax {
			out = append(out, id)
			continue
		}
		keep = append(keep, id)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return p.beginISRChangeLocked(keep), out
}

// REQUIRES: p.mu held.
func (p *partition) beginISRChangeLocked(newISR []int32) *isrChange {
	p.mu.isrUpdating = true
	return &isrChange{newISR: newISR, leaderEpoch: p.mu.leaderEpoch, controllerEpoch: p.mu.controllerEpoch, zkVers: p.mu.zkVersion}
}

// finishISRChange applies a written ISR change (zkVersion is the state
// znode's new version) unless the partition moved on meanwhile; with err
// it only ends the update (the controller will send the truth).
func (p *partition) finishISRChange(ch *isrChange, zkVersion int32, err error) (applied bool, oldISR []int32) {
	p.mu.Lock()
	p.mu.isrUpdating = false
	if err != nil || p.mu.leader != p.localID || p.mu.leaderEpoch != ch.leaderEpoch || p.mu.zkVersion != ch.zkVers {
		p.mu.Unlock()
		return false, nil
	}
	oldISR = p.mu.isr
	p.mu.isr = ch.newISR
	p.mu.zkVersion = zkVersion
	p.maybeIncrementHWLocked()
	p.mu.Unlock()
	p.changed.notify()
	return true, oldISR
}

// snapshot is a consistent view for reads.
type snapshot struct {
	isLeader    bool
	stopped     bool
	leaderEpoch int32
	hw          int64
	isrSize     int
	minISR      int32
}

func (p *partition) snapshot() snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return snapshot{
		isLeader:    p.mu.leader == p.localID && !p.mu.stopped,
		stopped:     p.mu.stopped,
		leaderEpoch: p.mu.leaderEpoch,
		hw:          p.mu.hw,
		isrSize:     len(p.mu.isr),
		minISR:      p.mu.minISR,
	}
}

func (p *partition) highWatermark() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.hw
}

// followerOf returns the leader epoch and leader this replica follows.
func (p *partition) followerOf() (epoch, leader int32, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.stopped || p.mu.leader == p.localID || p.mu.leader < 0 {
		return 0, 0, false
	}
	return p.mu.leaderEpoch, p.mu.leader, true
}

// appendAsFollower appends fetched batches as they are (offsets kept) and
// takes the leader's high watermark, bounded by our log end. It does
// nothing if the partition changed leader epoch or log end since the
// fetch was sent (a LeaderAndIsr or truncation raced with it).
func (p *partition) appendAsFollower(epoch int32, fetchOffset int64, records []byte, leaderHW int64) error {
	p.mu.Lock()
	if p.mu.stopped || p.mu.leader == p.localID || p.mu.leaderEpoch != epoch || p.mu.truncating || p.log.LogEndOffset() != fetchOffset {
		p.mu.Unlock()
		return nil
	}
	if len(records) > 0 {
		if _, err := p.log.AppendAsFollower(records); err != nil {
			p.mu.Unlock()
			return fmt.Errorf("broker: appending fetched batches to %s-%d at %d: %w", p.tp.Topic, p.tp.Partition, fetchOffset, err)
		}
	}
	hw := clamp(leaderHW, p.log.LogStartOffset(), p.log.LogEndOffset())
	moved := hw != p.mu.hw
	p.mu.hw = hw
	p.log.SetHighWatermark(hw)
	p.mu.Unlock()
	if moved || len(records) > 0 {
		p.changed.notify()
	}
	return nil
}

// handleOutOfRange resets a follower whose fetch offset the leader does not
// have: past the leader's end, truncate to the leader's high watermark;
// before the leader's log start, start over there.
func (p *partition) handleOutOfRange(epoch int32, leaderHW, leaderStart int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.stopped || p.mu.leader == p.localID || p.mu.leaderEpoch != epoch {
		return nil
	}
	leo := p.log.LogEndOffset()
	var err error
	switch {
	case leaderStart > leo:
		err = p.log.TruncateFully(leaderStart)
	case leaderHW >= 0 && leaderHW < leo:
		err = p.log.Truncate(max(leaderHW, p.log.LogStartOffset()))
	}
	p.mu.hw = clamp(p.mu.hw, p.log.LogStartOffset(), p.log.LogEndOffset())
	return err
}
