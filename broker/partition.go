package broker

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// partition is one replica this broker hosts, as leader or follower
// (Kafka's cluster.Partition). Its log is set before the partition is
// published in the replica manager and never changes. Appends happen under
// mu so that the leader epoch checked is the epoch written; reads of the
// log need no lock (the log serializes itself) and use a snapshot of the
// high watermark.
//
// The leader records follower fetch offsets and computes the high watermark
// from them (Partition.maybeIncrementLeaderHW, see leaderHighWatermark).
type partition struct {
	tp      storage.TopicPartition
	localID int32
	log     PartitionLog
	// lagMax is replica.lag.time.max.ms: a follower outside the ISR that
	// was caught up this recently still holds the high watermark back.
	// Set before the partition is published.
	lagMax time.Duration

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
		// producers is the idempotent producers' state, taken from the
		// log's own (storage keeps it with Kafka's snapshot files) on load
		// and after truncation, kept by leader and followers alike so that
		// a new leader knows the sequences.
		producers map[int64]*producerEntry
		// producersSweptAt is when expired producers were last looked
		// for (Kafka's PeriodicProducerExpirationCheck, done here on the
		// next append once the interval has passed).
		producersSweptAt time.Time
	}
}

func newPartition(tp storage.TopicPartition, localID int32, log PartitionLog, hw int64, minISR int32) *partition {
	p := &partition{tp: tp, localID: localID, log: log}
	p.mu.leader = -1
	p.mu.leaderEpoch = -1
	p.mu.minISR = minISR
	// Kafka's first producer expiration check comes one interval after
	// the log is loaded.
	p.mu.producersSweptAt = time.Now()
	p.mu.hw = clamp(hw, log.LogStartOffset(), log.LogEndOffset())
	log.SetHighWatermark(p.mu.hw)
	return p
}

// loadProducers takes the producer state from the log; call it once
// before publishing the partition.
func (p *partition) loadProducers() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rebuildProducersLocked()
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
	p.maybeIncrementHWLocked(now)
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
		if err := p.rebuildProducersLocked(); err != nil {
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

// maybeIncrementHWLocked moves the high watermark to leaderHighWatermark;
// it never moves backwards. Returns whether it moved.
// REQUIRES: p.mu held, this broker leader.
func (p *partition) maybeIncrementHWLocked(now time.Time) bool {
	if p.mu.leader != p.localID {
		return false
	}
	hw := leaderHighWatermark(p.log.LogEndOffset(), p.localID, p.mu.isr, p.mu.followers, now, p.lagMax)
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
	ids := idempotentBatches(records, true)
	p.mu.Lock()
	if p.mu.stopped || p.mu.leader != p.localID {
		p.mu.Unlock()
		return storage.AppendResult{}, kerr.NotLeaderForPartition
	}
	if acks == -1 && int32(len(p.mu.isr)) < p.mu.minISR {
		p.mu.Unlock()
		return storage.AppendResult{}, kerr.NotEnoughReplicas
	}
	p.expireProducersLocked(now)
	if len(ids) > 0 {
		dup, err := p.checkProducersLocked(ids)
		if err != nil {
			p.mu.Unlock()
			return storage.AppendResult{}, err
		}
		if dup != nil {
			// Kafka 2.4 answers a retried batch with its first append's
			// offsets and does not write it again.
			res := storage.AppendResult{FirstOffset: dup.firstOffset, LastOffset: dup.lastOffset, LogEndOffset: p.log.LogEndOffset(),
				LogAppendTime: -1, MaxTimestamp: -1, OffsetOfMaxTimestamp: -1, LogStartOffset: p.log.LogStartOffset()}
			p.mu.Unlock()
			return res, nil
		}
	}
	res, err := p.log.Append(records, p.mu.leaderEpoch, now)
	if err == nil {
		p.recordProducersLocked(ids, res.FirstOffset)
		p.maybeIncrementHWLocked(now)
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
	moved := p.maybeIncrementHWLocked(now)
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
	p.maybeIncrementHWLocked(time.Now())
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
func (p *partition) appendAsFollower(epoch int32, fetchOffset int64, records []byte, leaderHW, leaderStart int64) error {
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
		p.recordProducersLocked(idempotentBatches(records, false), 0)
		p.expireProducersLocked(time.Now())
	}
	hw := clamp(leaderHW, p.log.LogStartOffset(), p.log.LogEndOffset())
	moved := hw != p.mu.hw
	p.mu.hw = hw
	p.log.SetHighWatermark(hw)
	// Follow the leader's log start offset (DeleteRecords, retention), as
	// ReplicaFetcherThread does with maybeIncrementLogStartOffset, so that
	// deleted records do not come back after a leader change. Only below
	// our high watermark: storage refuses more, and the rest follows on a
	// later fetch.
	if start := min(leaderStart, hw); start > p.log.LogStartOffset() {
		if _, err := p.log.DeleteRecordsBefore(start); err != nil {
			p.mu.Unlock()
			return fmt.Errorf("broker: raising the log start offset of %s-%d to the leader's %d: %w", p.tp.Topic, p.tp.Partition, start, err)
		}
	}
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
	if err != nil {
		return err
	}
	return p.rebuildProducersLocked()
}

// producerWindow is how many of a producer's latest batches a partition
// remembers to answer retries (Kafka's ProducerStateEntry.NumBatchesToRetain).
const producerWindow = 5

// producerBatch is where one idempotent batch landed.
type producerBatch struct {
	firstSeq, lastSeq       int32
	firstOffset, lastOffset int64
}

// producerEntry is what a partition knows of one idempotent producer:
// its epoch and its latest batches, oldest first.
type producerEntry struct {
	epoch   int16
	batches []producerBatch
}

func (e *producerEntry) lastSeq() int32 {
	if len(e.batches) == 0 {
		return -1
	}
	return e.batches[len(e.batches)-1].lastSeq
}

// add remembers a batch, forgetting older ones beyond the window; a new
// epoch starts the window over.
func (e *producerEntry) add(epoch int16, b producerBatch) {
	if epoch != e.epoch {
		e.epoch, e.batches = epoch, nil
	}
	e.batches = append(e.batches, b)
	if len(e.batches) > producerWindow {
		e.batches = append(e.batches[:0], e.batches[len(e.batches)-producerWindow:]...)
	}
}

// duplicate finds a retried batch among the remembered ones.
func (e *producerEntry) duplicate(epoch int16, firstSeq, lastSeq int32) (producerBatch, bool) {
	if e == nil || epoch != e.epoch {
		return producerBatch{}, false
	}
	for _, b := range e.batches {
		if b.firstSeq == firstSeq && b.lastSeq == lastSeq {
			return b, true
		}
	}
	return producerBatch{}, false
}

// idempotentBatch is the producer fields of one batch of a record set.
type idempotentBatch struct {
	producerID         int64
	epoch              int16
	firstSeq, lastSeq  int32
	baseOffset, lastOf int64 // as written in the set
}

// idempotentBatches lists the batches of a set that carry a producer id.
// relative numbers their offsets from 0 across the whole set, as the log
// will assign them after the set's first offset (a client's batches all
// say base offset 0).
func idempotentBatches(set []byte, relative bool) []idempotentBatch {
	var out []idempotentBatch
	var running int64
	for len(set) >= 61 {
		h, err := protocol.ParseBatchHeader(set)
		if err != nil || int(h.Length)+12 > len(set) {
			return out
		}
		if relative {
			h.BaseOffset = running
		}
		running += int64(h.LastOffsetDelta) + 1
		if h.ProducerID >= 0 && h.BaseSequence >= 0 && !h.Control() {
			out = append(out, idempotentBatch{
				producerID: h.ProducerID, epoch: h.ProducerEpoch,
				firstSeq: h.BaseSequence, lastSeq: h.BaseSequence + h.LastOffsetDelta,
				baseOffset: h.BaseOffset, lastOf: h.BaseOffset + int64(h.LastOffsetDelta),
			})
		}
		set = set[int(h.Length)+12:]
	}
	return out
}

// inSequence is Kafka's ProducerStateManager check: next follows last,
// wrapping after the largest int32.
func inSequence(last, next int32) bool {
	return next == last+1 || (next == 0 && last == math.MaxInt32)
}

// checkProducers validates a leader append's idempotent batches against
// the producer state (Kafka 2.4's ProducerAppendInfo): an older epoch is
// INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0; a producer
// we know nothing of must start at 0 (UNKNOWN_PRODUCER_ID); otherwise the
// first sequence must follow the last (OUT_OF_ORDER_SEQUENCE_NUMBER). A
// retry of one of the last five batches is a duplicate: its original
// place is returned and nothing is appended.
// REQUIRES: p.mu held.
func (p *partition) checkProducersLocked(bs []idempotentBatch) (dup *producerBatch, err error) {
	staged := map[int64]producerEntry{}
	for i, b := range bs {
		e, ok := staged[b.producerID]
		if !ok {
			if cur := p.mu.producers[b.producerID]; cur != nil {
				e = producerEntry{epoch: cur.epoch, batches: append([]producerBatch(nil), cur.batches...)}
				ok = true
			}
		}
		if ok && len(bs) == 1 {
			if d, found := e.duplicate(b.epoch, b.firstSeq, b.lastSeq); found {
				return &d, nil
			}
		}
		switch {
		case ok && b.epoch < e.epoch:
			return nil, newAPIError(kerr.InvalidProducerEpoch, fmt.Sprintf("Producer's epoch in %s-%d is %d, which is smaller than the last seen epoch %d", p.tp.Topic, p.tp.Partition, b.epoch, e.epoch))
		case !ok && b.firstSeq != 0:
			return nil, newAPIError(kerr.UnknownProducerID, fmt.Sprintf("Found no record of producerId=%d on the broker at offset %d in partition %s-%d. It is possible that the last message with the producerId=%d has been removed due to hitting the retention limit.", b.producerID, p.log.LogEndOffset(), p.tp.Topic, p.tp.Partition, b.producerID))
		case ok && b.epoch != e.epoch && b.firstSeq != 0:
			return nil, newAPIError(kerr.OutOfOrderSequenceNumber, fmt.Sprintf("Invalid sequence number for new epoch in partition %s-%d: %d (request epoch), %d (seq. number)", p.tp.Topic, p.tp.Partition, b.epoch, b.firstSeq))
		case ok && b.epoch == e.epoch && !inSequence(e.lastSeq(), b.firstSeq):
			return nil, newAPIError(kerr.OutOfOrderSequenceNumber, fmt.Sprintf("Out of order sequence number for producerId %d in partition %s-%d: %d (incoming seq. number), %d (current end sequence number)", b.producerID, p.tp.Topic, p.tp.Partition, b.firstSeq, e.lastSeq()))
		}
		e.add(b.epoch, producerBatch{firstSeq: b.firstSeq, lastSeq: b.lastSeq, firstOffset: int64(i), lastOffset: int64(i)})
		staged[b.producerID] = e
	}
	return nil, nil
}

// recordProducersLocked remembers where a set's idempotent batches
// landed; firstOffset is where the set starts in the log (leader) or 0
// when the set already carries its offsets (follower, log scan).
// REQUIRES: p.mu held.
func (p *partition) recordProducersLocked(bs []idempotentBatch, shift int64) {
	for _, b := range bs {
		if p.mu.producers == nil {
			p.mu.producers = make(map[int64]*producerEntry)
		}
		e := p.mu.producers[b.producerID]
		if e == nil {
			e = &producerEntry{epoch: b.epoch}
			p.mu.producers[b.producerID] = e
		}
		if b.epoch < e.epoch {
			continue
		}
		e.add(b.epoch, producerBatch{firstSeq: b.firstSeq, lastSeq: b.lastSeq, firstOffset: b.baseOffset + shift, lastOffset: b.lastOf + shift})
	}
}

// producerStateLog is a log that keeps the producer state itself
// (*storage.Log: loaded from its newest snapshot file plus the batches
// after it, reloaded by Truncate).
type producerStateLog interface {
	Producers() []storage.ProducerState
}

// producerExpiringLog is a log that expires idle producers itself
// (*storage.Log, after transactional.id.expiration.ms).
type producerExpiringLog interface {
	RemoveExpiredProducers(now time.Time) []int64
}

// expireProducersLocked drops the producers the log expired, at most once
// per storage.ProducerExpirationCheckInterval. A producer that comes back
// after expiry is unknown: it must start again at sequence 0.
// REQUIRES: p.mu held.
func (p *partition) expireProducersLocked(now time.Time) {
	el, ok := p.log.(producerExpiringLog)
	if !ok || now.Sub(p.mu.producersSweptAt) < storage.ProducerExpirationCheckInterval {
		return
	}
	p.mu.producersSweptAt = now
	for _, id := range el.RemoveExpiredProducers(now) {
		delete(p.mu.producers, id)
	}
}

// rebuildProducersLocked takes the producer state from the log after it
// was opened or truncated. A log without its own state (a test fake) is
// replayed from its start.
// REQUIRES: p.mu held.
func (p *partition) rebuildProducersLocked() error {
	p.mu.producers = nil
	if pl, ok := p.log.(producerStateLog); ok {
		for _, st := range pl.Producers() {
			e := &producerEntry{epoch: st.Epoch}
			for _, b := range st.Batches {
				e.batches = append(e.batches, producerBatch{firstSeq: b.FirstSeq(), lastSeq: b.LastSeq, firstOffset: b.FirstOffset(), lastOffset: b.LastOffset})
			}
			if p.mu.producers == nil {
				p.mu.producers = make(map[int64]*producerEntry)
			}
			p.mu.producers[st.ProducerID] = e
		}
		return nil
	}
	next, end := p.log.LogStartOffset(), p.log.LogEndOffset()
	var buf []byte
	for next < end {
		recs, err := p.log.Read(next, end, 1<<20, true)
		if err != nil {
			return fmt.Errorf("broker: rebuilding producer state of %s-%d at %d: %w", p.tp.Topic, p.tp.Partition, next, err)
		}
		buf, err = recs.AppendTo(buf[:0])
		recs.Release()
		if err != nil {
			return fmt.Errorf("broker: rebuilding producer state of %s-%d at %d: %w", p.tp.Topic, p.tp.Partition, next, err)
		}
		if len(buf) == 0 {
			return nil
		}
		last := next
		for set := buf; len(set) >= 61; {
			h, err := protocol.ParseBatchHeader(set)
			if err != nil || int(h.Length)+12 > len(set) {
				break
			}
			last = h.BaseOffset + int64(h.LastOffsetDelta)
			set = set[int(h.Length)+12:]
		}
		p.recordProducersLocked(idempotentBatches(buf, false), 0)
		if last < next {
			return nil
		}
		next = last + 1
	}
	return nil
}
