package broker

// Down-conversion of stored magic 2 batches for Fetch v0-3, which can only
// carry magic 0 (v0, v1) or magic 1 (v2, v3) message sets: Kafka 2.4.1's
// KafkaApis.maybeConvertFetchedData with LazyDownConversionRecords and its
// Send, and RecordsUtil.downConvert, reproduced byte for byte.
//
// Each batch converts on its own. Control batches are dropped. An
// uncompressed batch becomes one message per record at or after the fetch
// offset (earlier ones are dropped); a compressed batch becomes one wrapper
// in the same codec holding all its records (inner offsets absolute in
// magic 0, relative to the first record in magic 1; the wrapper carries the
// last record's offset and the max timestamp). Magic 1 keeps timestamps;
// LogAppendTime batches give every message the batch's max timestamp and
// the timestamp type bit. Headers are lost.
//
// The partition's records are sized as Kafka sizes them before converting
// anything: the larger of the stored bytes and the first converted batch
// (at least one whole converted batch must fit), or an overflow stub when
// nothing converts. The converted bytes are then cut at that size, or
// padded with Kafka's overflow "batch" (offset -1 and a length past the
// end), which clients read as a partial trailing message and skip. As in
// Kafka, the batches after the first convert in chunks of up to 128 KiB of
// stored bytes, a chunk that cannot convert (zstd) ends the data with
// overflow padding, and the first converted batch, if it was not the first
// batch, appears twice.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

const (
	// downConvertChunk is LazyDownConversionRecordsSend.MAX_READ_SIZE.
	downConvertChunk = 128 << 10
	// minOverflowLength is MIN_OVERFLOW_MESSAGE_LENGTH (LOG_OVERHEAD).
	minOverflowLength = 12
	// batchOverhead is DefaultRecordBatch.RECORD_BATCH_OVERHEAD.
	batchOverhead = 61
)

// errDownConvertZstd is Kafka's UnsupportedCompressionTypeException for a
// zstd batch below magic 2.
var errDownConvertZstd = errors.New("broker: down-conversion of zstandard-compressed batches is not supported")

// fetchMagic is the newest message format a Fetch version can carry.
func fetchMagic(version int16) int8 {
	switch {
	case version <= 1:
		return 0
	case version <= 3:
		return 1
	}
	return 2
}

// downConvert converts stored (whole, magic 2) batches for a client that
// reads toMagic, from fetch offset firstOffset. errDownConvertZstd means
// the first convertible batch is zstd: Kafka then answers the partition
// UNSUPPORTED_COMPRESSION_TYPE.
func downConvert(stored []byte, toMagic int8, firstOffset int64) ([]byte, error) {
	batches, err := splitBatches(stored)
	if err != nil {
		return nil, err
	}
	if len(batches) == 0 {
		// Only the start of a batch: with no batch to look at, Kafka's
		// hasCompatibleMagic holds and the bytes go out unconverted.
		return stored, nil
	}
	// LazyDownConversionRecords' constructor: the first batch that
	// converts to something.
	var first []byte
	for _, b := range batches {
		c, err := downConvertBatches([][]byte{b}, toMagic, firstOffset)
		if err != nil {
			return nil, err
		}
		if len(c) > 0 {
			first = c
			break
		}
	}
	if first == nil {
		return appendOverflow(nil, minOverflowLength), nil
	}
	size := max(len(stored), len(first))
	out := make([]byte, 0, size)
	out = append(out, first...)
	// The Send's iterator skips one batch, whichever batch converted first.
	for i := 1; i < len(batches) && len(out) < size; {
		chunk := [][]byte{batches[i]}
		read := len(batches[i])
		for i++; i < len(batches) && read+len(batches[i]) <= downConvertChunk; i++ {
			chunk = append(chunk, batches[i])
			read += len(batches[i])
		}
		c, err := downConvertBatches(chunk, toMagic, firstOffset)
		if err != nil {
			break // Kafka pads the rest with overflow
		}
		out = append(out, c...)
	}
	if len(out) > size {
		return out[:size], nil
	}
	return appendOverflow(out, size-len(out)), nil
}

// appendOverflow appends remaining bytes of Kafka's overflow batches:
// offset -1, a length one past the remaining bytes (at least a batch
// header's), then zeros, each at most 128 KiB.
func appendOverflow(dst []byte, remaining int) []byte {
	for remaining > 0 {
		n := max(minOverflowLength, min(remaining+1, downConvertChunk))
		buf := make([]byte, n)
		binary.BigEndian.PutUint64(buf, ^uint64(0))
		binary.BigEndian.PutUint32(buf[8:], uint32(max(remaining+1, batchOverhead)))
		w := min(n, remaining)
		dst = append(dst, buf[:w]...)
		remaining -= w
	}
	return dst
}

// splitBatches cuts stored data into whole batches; a trailing partial
// batch is left out, as Kafka's batch iterators stop there.
func splitBatches(stored []byte) ([][]byte, error) {
	var out [][]byte
	for rest := stored; len(rest) >= minOverflowLength; {
		n := int64(int32(binary.BigEndian.Uint32(rest[8:]))) + minOverflowLength
		if n < batchOverhead {
			return nil, fmt.Errorf("broker: down-converting: %w: batch length %d", protocol.ErrCorruptMessage, n-minOverflowLength)
		}
		if n > int64(len(rest)) {
			break
		}
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	return out, nil
}

// downConvertBatches is RecordsUtil.downConvert over a list of batches.
func downConvertBatches(batches [][]byte, toMagic int8, firstOffset int64) ([]byte, error) {
	var out []byte
	for _, b := range batches {
		var err error
		if out, err = downConvertBatch(out, b, toMagic, firstOffset); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// downConvertBatch appends batch b converted to toMagic (nothing for a
// control batch or an uncompressed batch wholly before firstOffset).
func downConvertBatch(dst, b []byte, toMagic int8, firstOffset int64) ([]byte, error) {
	h, err := protocol.ParseBatchHeader(b)
	if err != nil {
		return dst, fmt.Errorf("broker: down-converting: %w", err)
	}
	if h.Control() {
		return dst, nil
	}
	codec := h.Compression()
	if codec == compress.Zstd {
		return dst, errDownConvertZstd
	}
	type rec struct {
		offset, ts int64
		key, value []byte
	}
	var recs []rec
	err = protocol.ForEachRecord(b, func(r protocol.Record) error {
		off := h.BaseOffset + int64(r.OffsetDelta)
		if codec == compress.None && off < firstOffset {
			return nil
		}
		recs = append(recs, rec{offset: off, ts: h.FirstTimestamp + r.TimestampDelta, key: r.Key, value: r.Value})
		return nil
	})
	if err != nil {
		return dst, fmt.Errorf("broker: down-converting: %w", err)
	}
	if len(recs) == 0 {
		return dst, nil
	}
	lat := h.LogAppendTime()
	var attrs int8
	if lat && toMagic > 0 {
		attrs = 0x08
	}
	msg := func(r rec, offset int64) protocol.LegacyMessage {
		m := protocol.LegacyMessage{Offset: offset, Magic: toMagic, Attributes: attrs, Timestamp: r.ts, Key: r.key, Value: r.value}
		if lat {
			m.Timestamp = h.MaxTimestamp
		}
		return m
	}
	if codec == compress.None {
		for _, r := range recs {
			dst = protocol.AppendLegacyMessage(dst, msg(r, r.offset))
		}
		return dst, nil
	}
	base := recs[0].offset
	inner := make([]protocol.LegacyMessage, len(recs))
	maxTs := int64(batchNoTimestamp)
	for i, r := range recs {
		off := r.offset
		if toMagic > 0 {
			off -= base
		}
		inner[i] = msg(r, off)
		maxTs = max(maxTs, inner[i].Timestamp)
	}
	if lat {
		maxTs = h.MaxTimestamp
	}
	return protocol.AppendLegacyWrapper(dst, toMagic, recs[len(recs)-1].offset, maxTs, attrs, codec, inner)
}

// downconversionEnabled is the topic's message.downconversion.enable, the
// live value its hosted log's config carries (true when not hosted: the
// read then fails on its own).
func (s *Server) downconversionEnabled(tp storage.TopicPartition) bool {
	p, ok := s.parts.get(tp)
	return !ok || p.log.Config().MessageDownconversionEnable
}

// downConvertRead turns a partition read for a Fetch below v4 into the
// message set such a client reads (KafkaApis.maybeConvertFetchedData). The
// records are copied out of the log and released. A partition without
// records answers empty records, as Kafka does, not null.
func (s *Server) downConvertRead(req *kmsg.FetchRequest, r partitionRead) partitionRead {
	if r.records == nil || r.records.Size() == 0 {
		if r.records != nil {
			r.records.Release()
			r.records = nil
		}
		if r.rp.RecordBatches == nil {
			r.rp.RecordBatches = []byte{}
		}
		return r
	}
	recs := r.records
	r.records = nil
	defer recs.Release()
	if req.ReplicaID < 0 && !s.downconversionEnabled(r.tp) {
		r.rp = fetchErrorPartition(r.tp.Partition, kerr.UnsupportedVersion)
		r.rp.RecordBatches = []byte{}
		return r
	}
	stored, err := recs.AppendTo(make([]byte, 0, recs.Size()))
	if err == nil {
		r.rp.RecordBatches, err = downConvert(stored, fetchMagic(req.Version), r.fetchOffset)
	}
	switch {
	case errors.Is(err, errDownConvertZstd):
		r.rp = fetchErrorPartition(r.tp.Partition, kerr.UnsupportedCompressionType)
		r.rp.RecordBatches = []byte{}
	case err != nil:
		s.apiLog.Warnf("Down-converting %s for a fetch v%d failed: %v", r.tp, req.Version, err)
		r.rp = fetchErrorPartition(r.tp.Partition, kerr.CorruptMessage)
		r.rp.RecordBatches = []byte{}
	}
	return r
}

// legacyFetchSlice gives a fetch below v4 the bytes Kafka's LogSegment.read
// would: when the whole batches read (recs, at most maxBytes unless the
// first batch alone is larger) leave room under maxBytes and the segment
// holds more below maxOffset, the start of the next batch follows, cut at
// maxBytes. Old clients skip a partial trailing message, and the
// down-conversion sizes its output by these bytes, so the cut matters to
// the bytes sent. The next batch is at most max.message.bytes (plus its
// log overhead) long, which bounds the second read.
func legacyFetchSlice(log PartitionLog, recs Records, offset, maxOffset int64, maxBytes int32) (Records, error) {
	if recs.Size() >= maxBytes {
		return recs, nil
	}
	extra := int64(log.Config().MaxMessageBytes) + minOverflowLength
	more, err := log.Read(offset, maxOffset, int32(min(int64(maxBytes)+extra, 1<<31-1)), true)
	if err != nil {
		return recs, nil // keep the whole batches already read
	}
	defer more.Release()
	if more.Size() <= recs.Size() {
		return recs, nil
	}
	b, err := more.AppendTo(make([]byte, 0, more.Size()))
	if err != nil {
		return recs, nil
	}
	recs.Release()
	return byteRecords(b[:min(len(b), int(maxBytes))]), nil
}

// byteRecords are records already in memory.
type byteRecords []byte

func (b byteRecords) Size() int32                         { return int32(len(b)) }
func (b byteRecords) AppendTo(dst []byte) ([]byte, error) { return append(dst, b...), nil }
func (b byteRecords) WriteTo(w io.Writer) (int64, error)  { n, err := w.Write(b); return int64(n), err }
func (b byteRecords) Release()                            {}
