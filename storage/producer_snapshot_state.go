package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"
)

// producerBatchesToRetain is Kafka's ProducerStateEntry.NumBatchesToRetain: how many of a
// producer's latest batches are remembered to recognise a retry.
const producerBatchesToRetain = 5

// Offsets of the producer fields of a batch header that batchHeader does not decode.
const (
	offProducerEpoch = 51
	offBaseSequence  = 53
)

// ProducerBatch is one data batch of an idempotent producer (Kafka's BatchMetadata).
type ProducerBatch struct {
	LastSeq     int32
	LastOffset  int64
	OffsetDelta int32 // last offset minus first offset
	Timestamp   int64 // the batch's max timestamp
}

// FirstSeq is the batch's base sequence, wrapping below zero as Kafka's decrementSequence.
func (b ProducerBatch) FirstSeq() int32 {
	if b.LastSeq < b.OffsetDelta {
		return int32(int64(math.MaxInt32) - int64(b.OffsetDelta-b.LastSeq) + 1)
	}
	return b.LastSeq - b.OffsetDelta
}

// FirstOffset is the batch's base offset.
func (b ProducerBatch) FirstOffset() int64 { return b.LastOffset - int64(b.OffsetDelta) }

// ProducerState is what a log knows of one producer (Kafka's ProducerStateEntry).
type ProducerState struct {
	ProducerID            int64
	Epoch                 int16
	CoordinatorEpoch      int32
	LastTimestamp         int64
	CurrentTxnFirstOffset int64           // -1: no open transaction
	Batches               []ProducerBatch // oldest first, at most 5; one after a snapshot load
}

// producerStates is a log's producer state (Kafka's ProducerStateManager without the
// transaction bookkeeping). It changes only under Log.mu. mapEnd is the offset the state
// reflects; snapEnd the offset of the newest snapshot written or loaded.
type producerStates struct {
	m       map[int64]*ProducerState
	mapEnd  int64
	snapEnd int64
}

func (ps *producerStates) reset(offset int64) {
	ps.m = nil
	ps.mapEnd, ps.snapEnd = offset, offset
}

// incrementSequence is Kafka's DefaultRecordBatch.incrementSequence.
func incrementSequence(seq, inc int32) int32 {
	if seq > math.MaxInt32-inc {
		return inc - (math.MaxInt32 - seq) - 1
	}
	return seq + inc
}

// apply records one stored batch (its header bytes, absolute offsets), as Kafka's
// ProducerAppendInfo does for a replicated batch. Batches without a producer id and batches
// of an older epoch than the one known change nothing. A control batch (transaction
// marker) closes the open transaction; its coordinator epoch is not read (Samsa writes no
// markers).
func (ps *producerStates) apply(hdr []byte, h batchHeader) {
	if h.ProducerID < 0 {
		return
	}
	epoch := int16(binary.BigEndian.Uint16(hdr[offProducerEpoch:]))
	e := ps.m[h.ProducerID]
	if e == nil {
		e = &ProducerState{ProducerID: h.ProducerID, Epoch: -1, CoordinatorEpoch: -1, LastTimestamp: -1, CurrentTxnFirstOffset: -1}
		if ps.m == nil {
			ps.m = make(map[int64]*ProducerState)
		}
		ps.m[h.ProducerID] = e
	}
	if epoch < e.Epoch {
		return
	}
	if epoch != e.Epoch {
		e.Epoch, e.Batches = epoch, nil
	}
	e.LastTimestamp = h.MaxTimestamp
	if h.Attributes&attrControl != 0 {
		e.CurrentTxnFirstOffset = -1
		return
	}
	base := int32(binary.BigEndian.Uint32(hdr[offBaseSequence:]))
	if len(e.Batches) == producerBatchesToRetain {
		e.Batches = append(e.Batches[:0], e.Batches[1:]...)
	}
	e.Batches = append(e.Batches, ProducerBatch{
		LastSeq: incrementSequence(base, h.LastOffsetDelta), LastOffset: h.lastOffset(),
		OffsetDelta: h.LastOffsetDelta, Timestamp: h.MaxTimestamp,
	})
	if h.Attributes&attrTransactional != 0 && e.CurrentTxnFirstOffset < 0 {
		e.CurrentTxnFirstOffset = h.BaseOffset
	}
}

// applySet records every batch of a stored record set.
func (ps *producerStates) applySet(set []byte) {
	for pos := 0; pos+batchHeaderSize <= len(set); {
		h, err := parseBatchHeader(set[pos:])
		if err != nil || h.size() > int64(len(set)-pos) {
			return
		}
		ps.apply(set[pos:], h)
		pos += int(h.size())
	}
}

// snapshotEntries renders the state as Kafka's writeSnapshot does (last batch only),
// ordered by producer id so that equal states give equal files.
func (ps *producerStates) snapshotEntries() []ProducerSnapshotEntry {
	out := make([]ProducerSnapshotEntry, 0, len(ps.m))
	for _, e := range ps.m {
		se := ProducerSnapshotEntry{
			ProducerID: e.ProducerID, ProducerEpoch: e.Epoch, LastSequence: -1, LastOffset: -1,
			Timestamp: e.LastTimestamp, CoordinatorEpoch: e.CoordinatorEpoch, CurrentTxnFirstOffset: e.CurrentTxnFirstOffset,
		}
		if n := len(e.Batches); n > 0 {
			last := e.Batches[n-1]
			se.LastSequence, se.LastOffset, se.OffsetDelta = last.LastSeq, last.LastOffset, last.OffsetDelta
		}
		out = append(out, se)
	}
	slices.SortFunc(out, func(a, b ProducerSnapshotEntry) int { return cmpInt64(a.ProducerID, b.ProducerID) })
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ProducerExpirationCheckInterval is how often Kafka 2.4 looks for expired producers
// (LogManager.ProducerIdExpirationCheckIntervalMs, not configurable in 2.4).
const ProducerExpirationCheckInterval = 10 * time.Minute

// producerExpired is ProducerStateManager.isProducerExpired: no open transaction and no
// batch for maxMs by the producer's last batch timestamp. maxMs <= 0 never expires.
func producerExpired(nowMs, maxMs int64, lastTimestamp, txnFirstOffset int64) bool {
	return maxMs > 0 && txnFirstOffset < 0 && nowMs-lastTimestamp >= maxMs
}

// removeExpired is ProducerStateManager.removeExpiredProducers; it returns the ids removed,
// in order.
func (ps *producerStates) removeExpired(nowMs, maxMs int64) []int64 {
	var gone []int64
	for id, e := range ps.m {
		if producerExpired(nowMs, maxMs, e.LastTimestamp, e.CurrentTxnFirstOffset) {
			delete(ps.m, id)
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	return gone
}

// load replaces the state with a snapshot's entries (Kafka's readSnapshot: the last batch
// becomes the only one remembered). Entries expired at nowMs are left out, as Kafka's
// loadFromSnapshot filters them.
func (ps *producerStates) load(entries []ProducerSnapshotEntry, offset, nowMs, maxMs int64) {
	ps.reset(offset)
	for _, se := range entries {
		if producerExpired(nowMs, maxMs, se.Timestamp, se.CurrentTxnFirstOffset) {
			continue
		}
		e := &ProducerState{ProducerID: se.ProducerID, Epoch: se.ProducerEpoch, CoordinatorEpoch: se.CoordinatorEpoch,
			LastTimestamp: se.Timestamp, CurrentTxnFirstOffset: se.CurrentTxnFirstOffset}
		if e.CurrentTxnFirstOffset < 0 {
			e.CurrentTxnFirstOffset = -1
		}
		if se.LastOffset >= 0 {
			e.Batches = []ProducerBatch{{LastSeq: se.LastSequence, LastOffset: se.LastOffset, OffsetDelta: se.OffsetDelta, Timestamp: se.Timestamp}}
		}
		if ps.m == nil {
			ps.m = make(map[int64]*ProducerState)
		}
		ps.m[se.ProducerID] = e
	}
}

// Producers returns a copy of the producer state at the log end offset, ordered by
// producer id. A partition leader seeds its sequence checks from it after opening or
// truncating the log.
func (l *Log) Producers() []ProducerState {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]ProducerState, 0, len(l.producers.m))
	for _, e := range l.producers.m {
		c := *e
		c.Batches = slices.Clone(e.Batches)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b ProducerState) int { return cmpInt64(a.ProducerID, b.ProducerID) })
	return out
}

// RemoveExpiredProducers forgets the producers whose last batch is older than
// transactional.id.expiration.ms (LogConfig.ProducerIDExpirationMs) at now and that have no
// open transaction, as Kafka's PeriodicProducerExpirationCheck does every
// ProducerExpirationCheckInterval. It returns the producer ids removed, in order, so that a
// caller mirroring the state can drop them too. The next snapshot leaves them out.
func (l *Log) RemoveExpiredProducers(now time.Time) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.producers.removeExpired(now.UnixMilli(), l.Config().ProducerIDExpirationMs)
}

// takeProducerSnapshotLocked writes <mapEnd>.snapshot unless one at that offset or later
// was already written or loaded (Kafka's takeSnapshot). REQUIRES: l.mu.
func (l *Log) takeProducerSnapshotLocked() error {
	ps := &l.producers
	if ps.mapEnd <= ps.snapEnd {
		return nil
	}
	l.log.Infof("Writing producer snapshot at offset %d", ps.mapEnd)
	if err := writeSnapshotFile(l.fs, l.dir, ps.mapEnd, EncodeProducerSnapshot(ps.snapshotEntries())); err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	ps.snapEnd = ps.mapEnd
	return nil
}

// truncateProducerHeadLocked drops the snapshots below a new log start offset (Kafka's
// truncateHead, after retention or DeleteRecords). REQUIRES: l.mu.
func (l *Log) truncateProducerHeadLocked(logStart int64) {
	ps := &l.producers
	ps.mapEnd = max(ps.mapEnd, logStart)
	if err := deleteSnapshotsWhere(l.fs, l.dir, func(off int64) bool { return off < logStart }); err != nil {
		l.log.WithError(err).Warnf("Error deleting producer snapshots of %s below %d", l.tp, logStart)
	}
	offs, err := snapshotFiles(l.fs, l.dir)
	switch {
	case err == nil && len(offs) > 0:
		ps.snapEnd = offs[len(offs)-1]
	case err == nil:
		ps.snapEnd = logStart
	}
}

// reloadProducersLocked rebuilds the state up to the log end offset from the newest usable
// snapshot and the batches after it (Log.rebuildProducerState and truncateAndReload).
// Snapshots above the log end, or at or below the log start, are deleted first; a corrupt
// snapshot is deleted with a warning and the next older one tried. With no snapshot the
// whole log is replayed. Snapshots are taken at the bases of the last two segments when
// the replay passes them, and at the log end. REQUIRES: l.mu (or a log not yet shared).
func (l *Log) reloadProducersLocked() error {
	leo, logStart := l.leo.Load(), l.logStart.Load()
	ps := &l.producers
	if err := deleteSnapshotsWhere(l.fs, l.dir, func(off int64) bool { return off > leo || off <= logStart }); err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	ps.reset(logStart)
	offs, err := snapshotFiles(l.fs, l.dir)
	if err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	for i := len(offs) - 1; i >= 0; i-- {
		name := filepath.Join(l.dir, filenamePrefix(offs[i])+snapshotSuffix)
		data, _, err := readFile(l.fs, name)
		if err != nil {
			return fmt.Errorf("storage: %s: %w", l.tp, err)
		}
		entries, err := DecodeProducerSnapshot(data)
		if err != nil {
			l.log.Warnf("Failed to load producer snapshot from '%s': %v", name, err)
			if err := l.fs.Remove(name); err != nil {
				return fmt.Errorf("storage: %s: remove %s: %w", l.tp, name, err)
			}
			continue
		}
		l.log.Infof("Loading producer state from snapshot file '%s'", name)
		ps.load(entries, offs[i], time.Now().UnixMilli(), l.Config().ProducerIDExpirationMs)
		break
	}
	if err := l.replayProducersLocked(leo); err != nil {
		return err
	}
	ps.mapEnd = leo
	return l.takeProducerSnapshotLocked()
}

// replayProducersLocked applies the batch headers from the state's end to end.
func (l *Log) replayProducersLocked(end int64) error {
	ps := &l.producers
	segs := l.segments()
	snapAt := map[int64]bool{}
	for i := max(len(segs)-2, 0); i < len(segs); i++ {
		snapAt[segs[i].base] = true
	}
	hdr := make([]byte, batchHeaderSize)
	for i := floorSegment(segs, ps.mapEnd); i < len(segs) && ps.mapEnd < end; i++ {
		s := segs[i]
		ps.mapEnd = max(ps.mapEnd, s.base)
		if snapAt[s.base] {
			if err := l.takeProducerSnapshotLocked(); err != nil {
				return err
			}
		}
		size := s.size.Load()
		for pos := int64(0); pos < size; {
			h, st, err := readHeaderAt(s.log, pos, size, hdr)
			if st == headerCorrupt && err != nil && !errors.Is(err, ErrCorruptBatch) {
				return fmt.Errorf("storage: %s: rebuilding producer state: %w", l.tp, err)
			}
			if st != headerOK || h.BaseOffset >= end {
				break
			}
			if h.lastOffset() >= ps.mapEnd {
				ps.apply(hdr, h)
				ps.mapEnd = h.lastOffset() + 1
			}
			pos += h.size()
		}
	}
	return nil
}

// deleteSnapshotsAfterRecoveryPointCheckpoint keeps the snapshots of the last two segments
// and of everything from the segment below the recovery point on, and deletes the older
// ones (Log.deleteSnapshotsAfterRecoveryPointCheckpoint, after the recovery points are
// checkpointed).
func (l *Log) deleteSnapshotsAfterRecoveryPointCheckpoint() {
	l.mu.Lock()
	defer l.mu.Unlock()
	segs := l.segments()
	if len(segs) == 0 {
		return
	}
	lower := func(offset int64) (int64, bool) { // base of the last segment below offset
		for i := len(segs) - 1; i >= 0; i-- {
			if segs[i].base < offset {
				return segs[i].base, true
			}
		}
		return 0, false
	}
	active := segs[len(segs)-1].base
	twoSegments, ok := lower(active)
	if !ok {
		twoSegments = active
	}
	rp := l.recoveryPoint.Load()
	rpOffset, ok := lower(rp)
	if !ok {
		rpOffset = rp
	}
	keepFrom := min(twoSegments, rpOffset)
	if err := deleteSnapshotsWhere(l.fs, l.dir, func(off int64) bool { return off < keepFrom }); err != nil {
		l.log.WithError(err).Warnf("Error deleting producer snapshots of %s below %d", l.tp, keepFrom)
	}
}
