package protocol

// Legacy message sets: magic 0 and 1, the only formats of Produce v0-2 and
// Fetch v0-3 (Kafka's LegacyRecord and AbstractLegacyRecordBatch).
//
// A message set is a run of entries; each entry is
//
//	offset int64, size int32, crc uint32, magic int8, attributes int8,
//	[timestamp int64, magic 1 only], key bytes, value bytes
//
// where size counts the bytes after it, bytes are an int32 length (-1 =
// null) and the CRC is CRC-32 (IEEE) of everything from magic to the end.
// Attribute bits 0-2 are the codec; bit 3 (magic 1) marks LogAppendTime.
// A compressed entry (a wrapper) holds a null key and, as its value, a
// compressed message set of uncompressed inner messages. Inner offsets are
// absolute in magic 0 and relative (0..n-1) in magic 1, where the wrapper
// carries the absolute offset of the last inner message.

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/samsa-broker/samsa/internal/compress"
)

// Legacy layout; part of the wire format, never change.
const (
	// LegacyOverheadV0 is the smallest magic 0 message (crc, magic,
	// attributes and two lengths); below it an entry is corrupt.
	LegacyOverheadV0 = 14
	// LegacyOverheadV1 adds the timestamp.
	LegacyOverheadV1 = 22
	// legacyCRCEnd is where the CRC-covered part of a message begins,
	// counted from the start of the entry.
	legacyCRCEnd = logOverhead + 4

	legacyAttrCodecMask     = 0x07
	legacyAttrLogAppendTime = 0x08
	// noTimestamp is Kafka's RecordBatch.NO_TIMESTAMP, the timestamp of
	// every magic 0 message.
	noTimestamp = -1
)

// LegacyMessage is one magic 0 or 1 message. Key and Value are nil when
// null; from a decoder they alias its input (or a decompressed copy).
type LegacyMessage struct {
	Offset     int64
	Magic      int8
	Attributes int8
	Timestamp  int64 // noTimestamp (-1) in magic 0
	Key, Value []byte
}

// Compression is the codec of a wrapper (None for a plain message).
func (m LegacyMessage) Compression() compress.Codec {
	return compress.Codec(m.Attributes & legacyAttrCodecMask)
}

// LogAppendTime reports the magic 1 timestamp type bit.
func (m LegacyMessage) LogAppendTime() bool {
	return m.Magic > 0 && m.Attributes&legacyAttrLogAppendTime != 0
}

// LegacyEntry is one shallow entry of a message set: the message and the
// entry's bytes (offset and size included), for the CRC check.
type LegacyEntry struct {
	LegacyMessage
	CRC uint32 // as stored
	Raw []byte
}

// Size is the entry's length with its 12-byte offset and size prefix, what
// Kafka compares with max.message.bytes.
func (e LegacyEntry) Size() int { return len(e.Raw) }

// Valid reports whether the stored CRC matches the message.
func (e LegacyEntry) Valid() bool {
	return crc32.ChecksumIEEE(e.Raw[legacyCRCEnd:]) == e.CRC
}

// ParseLegacyEntries splits a message set into its shallow entries the way
// Kafka's ByteBufferLogInputStream does: a trailing entry cut short ends
// the set and is dropped; an entry smaller than a magic 0 message or with
// a magic other than 0 and 1 is ErrCorruptMessage, and so is a message
// whose key or value runs past its size. CRCs are not checked (see Valid):
// Kafka checks them after the size limit.
func ParseLegacyEntries(set []byte) ([]LegacyEntry, error) {
	var out []LegacyEntry
	for rest := set; len(rest) >= logOverhead; {
		size := int32(binary.BigEndian.Uint32(rest[8:]))
		if size < LegacyOverheadV0 {
			return nil, fmt.Errorf("%w: record size %d is less than the minimum record overhead (%d)", ErrCorruptMessage, size, LegacyOverheadV0)
		}
		if int64(size) > int64(len(rest)-logOverhead) {
			break // partial trailing entry
		}
		raw := rest[:logOverhead+int(size)]
		rest = rest[len(raw):]
		e, err := parseLegacyEntry(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// parseLegacyEntry decodes one whole entry.
func parseLegacyEntry(raw []byte) (LegacyEntry, error) {
	e := LegacyEntry{Raw: raw}
	e.Offset = int64(binary.BigEndian.Uint64(raw))
	e.CRC = binary.BigEndian.Uint32(raw[logOverhead:])
	b := raw[legacyCRCEnd:]
	e.Magic = int8(b[0])
	e.Attributes = int8(b[1])
	b = b[2:]
	e.Timestamp = noTimestamp
	switch e.Magic {
	case 0:
	case 1:
		if len(b) < 8+8 {
			return e, fmt.Errorf("%w: magic 1 message of %d bytes is shorter than its overhead", ErrCorruptMessage, len(raw)-logOverhead)
		}
		e.Timestamp = int64(binary.BigEndian.Uint64(b))
		b = b[8:]
	default:
		return e, fmt.Errorf("%w: invalid magic found in record: %d", ErrCorruptMessage, e.Magic)
	}
	var ok bool
	if e.Key, b, ok = legacyBytes(b); !ok {
		return e, fmt.Errorf("%w: message key runs past the message", ErrCorruptMessage)
	}
	if e.Value, b, ok = legacyBytes(b); !ok || len(b) != 0 {
		return e, fmt.Errorf("%w: message value does not end the message", ErrCorruptMessage)
	}
	return e, nil
}

// legacyBytes reads int32-length-prefixed bytes; a negative length is null.
func legacyBytes(b []byte) (v, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, b, false
	}
	n := int32(binary.BigEndian.Uint32(b))
	b = b[4:]
	if n < 0 {
		return nil, b, true
	}
	if int64(n) > int64(len(b)) {
		return nil, b, false
	}
	return b[:n:n], b[n:], true
}

// LegacyInner is one message inside a wrapper, with whether its own CRC
// holds (Kafka checks inner CRCs during validation, after other checks).
type LegacyInner struct {
	LegacyMessage
	Valid bool
}

// Inner returns the messages of a compressed wrapper the way Kafka's
// DeepRecordsIterator yields them: decompressed (at most limit bytes),
// offsets made absolute for magic 1 (wrapper offset minus the last inner
// offset, or 0-based when the wrapper offset is 0), and magic 1 timestamps
// replaced by the wrapper's when it is LogAppendTime. A trailing inner
// message cut short is dropped. Errors: ErrInvalidRecord for what Kafka's
// InvalidRecordException covers (null value, zstd wrapper, no inner
// messages, a wrapper offset below the last inner one), ErrCorruptMessage
// for undecodable data.
func (e LegacyEntry) Inner(limit int) ([]LegacyInner, error) {
	codec := e.Compression()
	switch {
	case codec == compress.None:
		return nil, fmt.Errorf("%w: message at offset %d is not a compressed wrapper", ErrInvalidRecord, e.Offset)
	case codec == compress.Zstd:
		return nil, fmt.Errorf("%w: invalid wrapper compressionType found in legacy deep record iterator %d", ErrInvalidRecord, e.Magic)
	case !codec.Valid():
		return nil, fmt.Errorf("%w: unknown compression codec %d", ErrCorruptMessage, codec)
	case e.Value == nil:
		return nil, fmt.Errorf("%w: found invalid compressed record set with null value (magic = %d)", ErrInvalidRecord, e.Magic)
	}
	data, err := decompressLegacy(codec, e.Magic, e.Value, limit)
	if err != nil {
		return nil, err
	}
	var inner []LegacyInner
	for len(data) >= logOverhead {
		size := int32(binary.BigEndian.Uint32(data[8:]))
		if size < LegacyOverheadV0 {
			return nil, fmt.Errorf("%w: record size is less than the minimum record overhead (%d)", ErrCorruptMessage, LegacyOverheadV0)
		}
		if int64(size) > int64(len(data)-logOverhead) {
			break
		}
		raw := data[:logOverhead+int(size)]
		data = data[len(raw):]
		ie, err := parseLegacyEntry(raw)
		if err != nil {
			return nil, err
		}
		if ie.Magic == 1 && e.Magic == 1 && e.LogAppendTime() {
			ie.Timestamp = e.Timestamp
		}
		inner = append(inner, LegacyInner{LegacyMessage: ie.LegacyMessage, Valid: ie.Valid()})
	}
	if len(inner) == 0 {
		return nil, fmt.Errorf("%w: found invalid compressed record set with no inner records", ErrInvalidRecord)
	}
	if e.Magic == 1 {
		base := int64(0)
		if e.Offset != 0 {
			last := inner[len(inner)-1].Offset
			if e.Offset < last {
				return nil, fmt.Errorf("%w: found invalid wrapper offset in compressed v1 message set, wrapper offset '%d' is less than the last inner message offset '%d' and it is not zero", ErrInvalidRecord, e.Offset, last)
			}
			base = e.Offset - last
		}
		for i := range inner {
			inner[i].Offset += base
		}
	}
	return inner, nil
}

// AppendLegacyMessage appends one entry holding m: offset, size, CRC and
// the message in m.Magic's layout (the timestamp only in magic 1), with
// m.Attributes as given.
func AppendLegacyMessage(dst []byte, m LegacyMessage) []byte {
	size := LegacyOverheadV0 + len(m.Key) + len(m.Value)
	if m.Magic > 0 {
		size += 8
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.Offset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(size))
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, byte(m.Magic), byte(m.Attributes))
	if m.Magic > 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(m.Timestamp))
	}
	dst = appendLegacyBytes(dst, m.Key)
	dst = appendLegacyBytes(dst, m.Value)
	binary.BigEndian.PutUint32(dst[start:], crc32.ChecksumIEEE(dst[start+4:]))
	return dst
}

func appendLegacyBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.BigEndian.AppendUint32(dst, ^uint32(0))
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// AppendLegacyWrapper appends a compressed wrapper entry: the inner
// messages (offsets as they should appear inside: absolute for magic 0,
// relative for magic 1) encoded and compressed with codec, under a wrapper
// of the given magic, offset, timestamp and attributes (the codec bits are
// set here), as Kafka's MemoryRecordsBuilder writes it. Magic 0 LZ4 gets
// the frame header checksum of Kafka's old LZ4 stream.
func AppendLegacyWrapper(dst []byte, magic int8, offset, timestamp int64, attributes int8, codec compress.Codec, inner []LegacyMessage) ([]byte, error) {
	var body []byte
	for _, m := range inner {
		body = AppendLegacyMessage(body, m)
	}
	value, err := compress.Compress(codec, nil, body)
	if err != nil {
		return dst, fmt.Errorf("protocol: compressing a legacy wrapper: %w", err)
	}
	if codec == compress.LZ4 && magic == 0 {
		setLZ4HeaderChecksum(value, true)
	}
	return AppendLegacyMessage(dst, LegacyMessage{
		Offset: offset, Magic: magic, Timestamp: timestamp,
		Attributes: attributes&^legacyAttrCodecMask | int8(codec)&legacyAttrCodecMask,
		Value:      value,
	}), nil
}

// decompressLegacy decodes a wrapper's value. Magic 0 LZ4 data carries the
// header checksum Kafka's old stream computed over the wrong bytes
// (KafkaLZ4BlockInputStream ignores it for magic 0): it is corrected on a
// copy first, since standard frame readers check it.
func decompressLegacy(codec compress.Codec, magic int8, value []byte, limit int) ([]byte, error) {
	if codec == compress.LZ4 && magic == 0 {
		value = append([]byte(nil), value...)
		setLZ4HeaderChecksum(value, false)
	}
	out, err := compress.DecompressLimit(codec, value, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: decompressing a legacy wrapper: %w", ErrCorruptMessage, err)
	}
	return out, nil
}
