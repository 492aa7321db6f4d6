package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Producer state snapshot files (Kafka 2.4's ProducerStateManager, part of the on-disk
// format; never change). <offset>.snapshot holds the producer state of a log up to offset
// (exclusive):
//
//	0  version int16 (= 1)
//	2  crc uint32: CRC-32C of bytes [6, end)
//	6  count int32, then count entries of 46 bytes:
//	   producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64,
//	   offsetDelta int32, timestamp int64, coordinatorEpoch int32,
//	   currentTxnFirstOffset int64 (-1: no open transaction)
const (
	producerSnapshotVersion     = 1
	producerSnapshotHeaderSize  = 10
	producerSnapshotEntrySize   = 46
	producerSnapshotCRCStart    = 6
	producerSnapshotCountOffset = 6
)

// ErrCorruptProducerSnapshot is what DecodeProducerSnapshot returns for a file Kafka would
// reject (CorruptSnapshotException): the log then rebuilds the state from its batches.
var ErrCorruptProducerSnapshot = errors.New("storage: corrupt producer snapshot")

// ProducerSnapshotEntry is one producer in a snapshot file: its epoch and its last data
// batch (LastOffset -1 when the producer has written only transaction markers).
type ProducerSnapshotEntry struct {
	ProducerID            int64
	ProducerEpoch         int16
	LastSequence          int32
	LastOffset            int64
	OffsetDelta           int32 // last offset minus first offset of the last batch
	Timestamp             int64 // max timestamp of the last entry
	CoordinatorEpoch      int32
	CurrentTxnFirstOffset int64
}

// EncodeProducerSnapshot renders a snapshot file. Entries are written in the given order
// (Kafka writes its hash map's order; readers do not care).
func EncodeProducerSnapshot(entries []ProducerSnapshotEntry) []byte {
	b := make([]byte, producerSnapshotHeaderSize+len(entries)*producerSnapshotEntrySize)
	binary.BigEndian.PutUint16(b[0:], producerSnapshotVersion)
	binary.BigEndian.PutUint32(b[producerSnapshotCountOffset:], uint32(len(entries)))
	p := b[producerSnapshotHeaderSize:]
	for _, e := range entries {
		binary.BigEndian.PutUint64(p[0:], uint64(e.ProducerID))
		binary.BigEndian.PutUint16(p[8:], uint16(e.ProducerEpoch))
		binary.BigEndian.PutUint32(p[10:], uint32(e.LastSequence))
		binary.BigEndian.PutUint64(p[14:], uint64(e.LastOffset))
		binary.BigEndian.PutUint32(p[22:], uint32(e.OffsetDelta))
		binary.BigEndian.PutUint64(p[26:], uint64(e.Timestamp))
		binary.BigEndian.PutUint32(p[34:], uint32(e.CoordinatorEpoch))
		binary.BigEndian.PutUint64(p[38:], uint64(e.CurrentTxnFirstOffset))
		p = p[producerSnapshotEntrySize:]
	}
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[producerSnapshotCRCStart:], castagnoli))
	return b
}

// DecodeProducerSnapshot parses a snapshot file as Kafka's readSnapshot does: an unknown
// version, a CRC mismatch or a truncated array is ErrCorruptProducerSnapshot. Bytes after
// the array are covered by the CRC but otherwise ignored, as in Kafka.
func DecodeProducerSnapshot(b []byte) ([]ProducerSnapshotEntry, error) {
	if len(b) < producerSnapshotHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, the header needs %d", ErrCorruptProducerSnapshot, len(b), producerSnapshotHeaderSize)
	}
	if v := int16(binary.BigEndian.Uint16(b)); v != producerSnapshotVersion {
		return nil, fmt.Errorf("%w: unknown file version %d", ErrCorruptProducerSnapshot, v)
	}
	if stored, computed := binary.BigEndian.Uint32(b[2:]), crc32.Checksum(b[producerSnapshotCRCStart:], castagnoli); stored != computed {
		return nil, fmt.Errorf("%w: CRC is no longer valid, stored %d, computed %d", ErrCorruptProducerSnapshot, stored, computed)
	}
	n := int32(binary.BigEndian.Uint32(b[producerSnapshotCountOffset:]))
	rest := b[producerSnapshotHeaderSize:]
	if n < 0 || int64(n)*producerSnapshotEntrySize > int64(len(rest)) {
		return nil, fmt.Errorf("%w: %d entries in %d bytes", ErrCorruptProducerSnapshot, n, len(rest))
	}
	out := make([]ProducerSnapshotEntry, n)
	for i := range out {
		p := rest[i*producerSnapshotEntrySize:]
		out[i] = ProducerSnapshotEntry{
			ProducerID:            int64(binary.BigEndian.Uint64(p[0:])),
			ProducerEpoch:         int16(binary.BigEndian.Uint16(p[8:])),
			LastSequence:          int32(binary.BigEndian.Uint32(p[10:])),
			LastOffset:            int64(binary.BigEndian.Uint64(p[14:])),
			OffsetDelta:           int32(binary.BigEndian.Uint32(p[22:])),
			Timestamp:             int64(binary.BigEndian.Uint64(p[26:])),
			CoordinatorEpoch:      int32(binary.BigEndian.Uint32(p[34:])),
			CurrentTxnFirstOffset: int64(binary.BigEndian.Uint64(p[38:])),
		}
	}
	return out, nil
}

// snapshotFiles lists the offsets of the snapshot files in dir, ascending.
func snapshotFiles(fsys FS, dir string) ([]int64, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: list %s: %w", dir, err)
	}
	var out []int64
	for _, e := range ents {
		if e.IsDir || !strings.HasSuffix(e.Name, snapshotSuffix) {
			continue
		}
		if off, ok := parseFilenameOffset(e.Name); ok && len(e.Name) == offsetNameWidth+len(snapshotSuffix) {
			out = append(out, off)
		}
	}
	slices.Sort(out)
	return out, nil
}

// deleteSnapshotsWhere removes the snapshot files whose offset matches pred.
func deleteSnapshotsWhere(fsys FS, dir string, pred func(int64) bool) error {
	offs, err := snapshotFiles(fsys, dir)
	if err != nil {
		return err
	}
	for _, off := range offs {
		if !pred(off) {
			continue
		}
		name := filepath.Join(dir, filenamePrefix(off)+snapshotSuffix)
		if err := fsys.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("storage: remove %s: %w", name, err)
		}
	}
	return nil
}

// writeSnapshotFile writes <offset>.snapshot through a temporary name so that a reader
// never sees half a file. Like Kafka it does not fsync: a snapshot lost in a crash only
// costs a longer replay, and a torn one fails its CRC and is ignored.
func writeSnapshotFile(fsys FS, dir string, offset int64, data []byte) error {
	name := filepath.Join(dir, filenamePrefix(offset)+snapshotSuffix)
	tmp := name + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("storage: write %s: %w", name, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return fmt.Errorf("storage: write %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("storage: close %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, name); err != nil {
		return fmt.Errorf("storage: rename %s: %w", tmp, err)
	}
	return nil
}
