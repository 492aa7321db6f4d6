package storage

import (
	"encoding/binary"
	"fmt"
	"time"
)

// AppendResult describes one append.
type AppendResult struct {
	FirstOffset, LastOffset, LogEndOffset int64
	LogAppendTime                         int64 // -1 unless LogAppendTime
	MaxTimestamp, OffsetOfMaxTimestamp    int64
	LogStartOffset                        int64
}

// setInfo is what one validation pass learns about a record set.
type setInfo struct {
	batches       int
	firstBase     int64 // follower: first batch's base offset
	lastOffset    int64 // follower: last batch's last offset
	maxTs         int64
	maxTsBatchEnd int64 // relative (leader) or absolute (follower) last offset of the max-timestamp batch
	records       int64 // sum of lastOffsetDelta+1
}

// Append appends producer batches as the leader: it validates them (magic 2, sizes, CRC-32C,
// record counts, max.message.bytes, timestamps), then assigns offsets by rewriting each
// batch's baseOffset and partitionLeaderEpoch in place (both outside the CRC). With
// LogAppendTime it also sets the timestamp-type bit and maxTimestamp and recomputes the CRC.
// The caller's slice is modified and written as is.
func (l *Log) Append(batches []byte, leaderEpoch int32, now time.Time) (AppendResult, error) {
	cfg := l.Config()
	nowMs := now.UnixMilli()
	info := setInfo{maxTs: noTimestamp}
	var relOffset int64
	err := splitBatches(batches, func(b []byte, h batchHeader) error {
		if err := checkBatchSize(cfg, h); err != nil {
			return err
		}
		if h.BaseOffset != 0 {
			return fmt.Errorf("%w: the baseOffset of a produced batch must be 0, got %d", ErrCorruptBatch, h.BaseOffset)
		}
		if h.Attributes&attrControl != 0 {
			return fmt.Errorf("%w: clients may not write control batches", ErrCorruptBatch)
		}
		if h.NumRecords != h.LastOffsetDelta+1 {
			return fmt.Errorf("%w: record count %d does not match lastOffsetDelta %d", ErrCorruptBatch, h.NumRecords, h.LastOffsetDelta)
		}
		if !cfg.logAppendTime() && cfg.MessageTimestampDifferenceMaxMs != maxInt64 {
			if err := checkTimestamps(b, h, nowMs, cfg.MessageTimestampDifferenceMaxMs); err != nil {
				return err
			}
		}
		if cfg.compactPolicy() {
			if err := checkKeys(b, h); err != nil {
				return err
			}
		}
		relOffset += int64(h.LastOffsetDelta) + 1
		if h.MaxTimestamp > info.maxTs {
			info.maxTs, info.maxTsBatchEnd = h.MaxTimestamp, relOffset-1
		}
		info.batches++
		return nil
	})
	if err != nil {
		return AppendResult{}, fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	info.records = relOffset
	if cfg.logAppendTime() {
		info.maxTs, info.maxTsBatchEnd = nowMs, relOffset-1
	}
	return l.appendSet(batches, info, cfg, true, leaderEpoch, now)
}

// AppendAsFollower appends batches copied from the leader byte for byte: it checks CRCs,
// sizes and offset order, and that the first offset is not below the log end offset.
func (l *Log) AppendAsFollower(batches []byte) (AppendResult, error) {
	cfg := l.Config()
	info := setInfo{maxTs: noTimestamp, firstBase: -1, lastOffset: -1}
	err := splitBatches(batches, func(b []byte, h batchHeader) error {
		if err := checkBatchSize(cfg, h); err != nil {
			return err
		}
		if info.batches == 0 {
			info.firstBase = h.BaseOffset
		} else if h.BaseOffset <= info.lastOffset {
			return fmt.Errorf("%w: out of order offsets: batch at %d after offset %d", ErrCorruptBatch, h.BaseOffset, info.lastOffset)
		}
		info.lastOffset = h.lastOffset()
		if h.MaxTimestamp > info.maxTs {
			info.maxTs, info.maxTsBatchEnd = h.MaxTimestamp, h.lastOffset()
		}
		info.batches++
		info.records += int64(h.LastOffsetDelta) + 1
		return nil
	})
	if err != nil {
		return AppendResult{}, fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	return l.appendSet(batches, info, cfg, false, -1, time.Now())
}

const maxInt64 = 1<<63 - 1

func checkBatchSize(cfg LogConfig, h batchHeader) error {
	if h.size() > int64(cfg.MaxMessageBytes) {
		return fmt.Errorf("%w: batch of %d bytes, max.message.bytes is %d", ErrMessageTooLarge, h.size(), cfg.MaxMessageBytes)
	}
	return nil
}

// checkKeys refuses records without a key on a compacted topic, as Kafka's LogValidator does.
func checkKeys(b []byte, h batchHeader) error {
	missing := false
	err := forEachRecord(b, func(r recordView) bool {
		missing = r.Key == nil
		return !missing
	})
	if err != nil {
		return err
	}
	if missing {
		return fmt.Errorf("%w: compacted topic cannot accept a record without a key (batch at offset %d)", ErrCorruptBatch, h.BaseOffset)
	}
	return nil
}

// checkTimestamps applies message.timestamp.difference.max.ms to every record of an
// uncompressed batch and to the first and max timestamps of a compressed one.
func checkTimestamps(b []byte, h batchHeader, nowMs, maxDiff int64) error {
	bad := func(ts int64) bool {
		if ts == noTimestamp {
			return false
		}
		d := ts - nowMs
		return d > maxDiff || -d > maxDiff
	}
	for _, ts := range []int64{h.FirstTimestamp, h.MaxTimestamp} {
		if bad(ts) {
			return fmt.Errorf("%w: timestamp %d is more than %d ms from now (%d)", ErrInvalidTimestamp, ts, maxDiff, nowMs)
		}
	}
	if h.Attributes&attrCompressionMask != 0 {
		return nil
	}
	var badTs int64
	err := forEachRecord(b, func(r recordView) bool {
		if bad(r.Timestamp) {
			badTs = r.Timestamp
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if badTs != 0 {
		return fmt.Errorf("%w: timestamp %d is more than %d ms from now (%d)", ErrInvalidTimestamp, badTs, maxDiff, nowMs)
	}
	return nil
}

// appendSet writes a validated set under the log lock.
func (l *Log) appendSet(batches []byte, info setInfo, cfg LogConfig, leader bool, leaderEpoch int32, now time.Time) (AppendResult, error) {
	res := AppendResult{FirstOffset: -1, LastOffset: -1, LogAppendTime: -1, MaxTimestamp: info.maxTs, OffsetOfMaxTimestamp: -1}
	if int64(len(batches)) > cfg.SegmentBytes {
		return res, fmt.Errorf("storage: %s: %w: %d bytes, segment.bytes is %d", l.tp, ErrRecordBatchTooLarge, len(batches), cfg.SegmentBytes)
	}
	l.mu.Lock()
	if err := l.checkOnline(); err != nil {
		l.mu.Unlock()
		return res, err
	}
	if l.mu.closed {
		l.mu.Unlock()
		return res, fmt.Errorf("storage: %s: %w", l.tp, ErrClosed)
	}
	leo := l.leo.Load()
	if info.batches == 0 {
		l.mu.Unlock()
		res.LogEndOffset, res.LogStartOffset = leo, l.logStart.Load()
		return res, nil
	}
	var first, last, offsetOfMax int64
	if leader {
		first, last = leo, leo+info.records-1
		offsetOfMax = leo + info.maxTsBatchEnd
		assignOffsets(batches, leo, leaderEpoch, cfg.logAppendTime(), now.UnixMilli())
		if cfg.logAppendTime() {
			res.LogAppendTime = now.UnixMilli()
		}
	} else {
		if info.firstBase < leo {
			l.mu.Unlock()
			return res, fmt.Errorf("storage: %s: %w: follower append at offset %d below log end offset %d", l.tp, ErrOffsetOutOfRange, info.firstBase, leo)
		}
		first, last, offsetOfMax = info.firstBase, info.lastOffset, info.maxTsBatchEnd
	}
	seg := l.active()
	if seg.shouldRoll(cfg, int64(len(batches)), info.maxTs, last, now) {
		var err error
		if seg, err = l.rollLocked(first, now); err != nil {
			l.mu.Unlock()
			return res, l.failIO("rolling log segment for", err)
		}
	}
	if err := seg.append(batches, last, info.maxTs, offsetOfMax, cfg.IndexIntervalBytes); err != nil {
		l.mu.Unlock()
		return res, l.failIO("appending records to", err)
	}
	if err := l.assignEpochs(batches, leader, leaderEpoch, first); err != nil {
		// The records are written; the dir goes offline and nothing more is served from it.
		l.log.WithError(l.failIO("writing the leader epoch checkpoint of", err)).Errorf("Error writing leader epoch checkpoint of %s", l.tp)
	}
	l.producers.applySet(batches)
	l.producers.mapEnd = last + 1
	l.leo.Store(last + 1)
	unflushed := last + 1 - l.recoveryPoint.Load()
	res.FirstOffset, res.LastOffset, res.LogEndOffset = first, last, last+1
	res.OffsetOfMaxTimestamp = offsetOfMax
	res.LogStartOffset = l.logStart.Load()
	l.mu.Unlock()
	if unflushed >= cfg.FlushMessages {
		if err := l.flushTo(last + 1); err != nil {
			return res, l.failIO("flushing log for", err)
		}
	}
	return res, nil
}

// assignOffsets rewrites baseOffset and partitionLeaderEpoch of each batch (outside the CRC)
// and, for LogAppendTime, the attributes and maxTimestamp (then the CRC).
func assignOffsets(set []byte, next int64, epoch int32, logAppendTime bool, nowMs int64) {
	for pos := 0; pos < len(set); {
		b := set[pos:]
		size := int(binary.BigEndian.Uint32(b[offLength:])) + batchLogOverhead
		binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(next))
		binary.BigEndian.PutUint32(b[offLeaderEpoch:], uint32(epoch))
		if logAppendTime {
			attrs := binary.BigEndian.Uint16(b[offAttributes:]) | attrTimestampLogAppend
			binary.BigEndian.PutUint16(b[offAttributes:], attrs)
			binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(nowMs))
			binary.BigEndian.PutUint32(b[offCRC:], batchCRC(b[:size]))
		}
		next += int64(int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:]))) + 1
		pos += size
	}
}

// assignEpochs feeds the leader epoch cache: the leader's epoch at the first offset, or each
// follower batch's epoch at its base offset. REQUIRES: l.mu.
func (l *Log) assignEpochs(set []byte, leader bool, epoch int32, first int64) error {
	if leader {
		return l.epochs.assign(epoch, first)
	}
	for pos := 0; pos < len(set); {
		b := set[pos:]
		e := int32(binary.BigEndian.Uint32(b[offLeaderEpoch:]))
		if err := l.epochs.assign(e, int64(binary.BigEndian.Uint64(b[offBaseOffset:]))); err != nil {
			return err
		}
		pos += int(binary.BigEndian.Uint32(b[offLength:])) + batchLogOverhead
	}
	return nil
}
