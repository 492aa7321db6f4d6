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
		followerLEO     map[int32]int64 // leader only: last fetch offset of each follower
		minISR          int32
		stopped         bool // StopReplica(delete) removed it
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
	p.mu.followerLEO = make(map[int32]int64)
	p.maybeIncrementHWLocked()
	p.mu.Unlock()
	p.changed.notify()
	return nil
}

// makeFollower applies a LeaderAndIsr that makes another broker leader.
// The ISR is only the leader's business: clear it (Kafka does too). What
// lies above the high watermark may not be on the new leader: truncate it
// (Kafka before KIP-101; OffsetForLeaderEpoch would keep more).
func (p *partition) makeFollower(st partitionState) error {
	p.mu.Lock()
	p.setStateLocked(st)
	p.mu.isr = nil
	p.mu.followerLEO = nil
	var err error
	if p.log.LogEndOffset() > p.mu.hw {
		err = p.log.Truncate(p.mu.hw)
	}
	p.mu.Unlock()
	p.changed.notify()
	return err
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
		leo, ok := p.mu.followerLEO[id]
		if !ok {
			return false
		}
		hw = min(hw, leo)
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

// followerFetched records a follower's fetch offset (its log end) and
// maybe advances the high watermark.
func (p *partition) followerFetched(id int32, fetchOffset int64) {
	p.mu.Lock()
	if p.mu.leader != p.localID || !contains(p.mu.replicas, id) {
		p.mu.Unlock()
		return
	}
	p.mu.followerLEO[id] = fetchOffset
	moved := p.maybeIncrementHWLocked()
	p.mu.Unlock()
	if moved {
		p.changed.notify()
	}
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
	if p.mu.stopped || p.mu.leader == p.localID || p.mu.leaderEpoch != epoch || p.log.LogEndOffset() != fetchOffset {
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
