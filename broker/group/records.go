package group

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The __consumer_offsets record formats, byte for byte as Kafka 2.4's GroupMetadataManager
// writes them (inter.broker.protocol.version 2.4). Keys and values start with a big-endian
// int16 schema version; fields use Kafka's classic Struct encoding (int16-length strings,
// -1 for null, int32-length bytes and arrays). These layouts are part of the on-disk format
// shared with real Kafka brokers; never change them.
//
//	key v0/v1 (offset commit):  group string, topic string, partition int32
//	key v2 (group metadata):    group string
//	offset value v0: offset int64, metadata string, timestamp int64
//	offset value v1: offset int64, metadata string, commit_timestamp int64, expire_timestamp int64
//	offset value v2: offset int64, metadata string, commit_timestamp int64
//	offset value v3: offset int64, leader_epoch int32, metadata string, commit_timestamp int64
//	group value v0:  protocol_type string, generation int32, protocol nullable string,
//	                 leader nullable string, members [member v0]
//	group value v1:  as v0 with members [member v1]
//	group value v2:  as v1 with current_state_timestamp int64 before members
//	group value v3:  as v2 with members [member v3]
//	member v0: member_id, client_id, client_host string, session_timeout int32,
//	           subscription bytes, assignment bytes
//	member v1/v2: member_id, client_id, client_host, rebalance_timeout int32,
//	           session_timeout int32, subscription, assignment
//	member v3: member_id, group_instance_id nullable string, client_id, client_host,
//	           rebalance_timeout, session_timeout, subscription, assignment
//
// Kafka 2.4 writes offset key v1, offset value v3 (v1 when the commit carries an expire
// timestamp, i.e. OffsetCommit v2-v4 with a retention time), group key v2 and group value v3.
// A null record value is a tombstone.
const (
	offsetKeyVersion   int16 = 1
	groupKeyVersion    int16 = 2
	groupValueVersion  int16 = 3
	offsetValueV1      int16 = 1
	offsetValueV3      int16 = 3
	noTimestamp        int64 = -1 // OffsetCommitRequest.DEFAULT_TIMESTAMP
	noLeaderEpoch      int32 = -1 // RecordBatch.NO_PARTITION_LEADER_EPOCH
	maxKnownKeyVersion int16 = 2
)

// ErrCorruptRecord marks a __consumer_offsets key or value that cannot be decoded.
var ErrCorruptRecord = errors.New("group: corrupt __consumer_offsets record")

// Key is a decoded __consumer_offsets record key. Versions 0 and 1 are offset commit keys
// (Group, Topic, Partition); version 2 is a group metadata key (Group only).
type Key struct {
	Version   int16
	Group     string
	Topic     string
	Partition int32
}

// IsOffset reports whether the key is an offset commit key.
func (k Key) IsOffset() bool { return k.Version <= 1 }

// OffsetValue is a committed offset. LeaderEpoch is -1 when unknown; ExpireTimestamp is -1
// unless the commit asked for an explicit retention (OffsetCommit v2-v4).
type OffsetValue struct {
	Version         int16 // set by DecodeOffsetValue; EncodeOffsetValue chooses its own
	Offset          int64
	LeaderEpoch     int32
	Metadata        string
	CommitTimestamp int64
	ExpireTimestamp int64
}

// GroupValue is a group metadata record value.
type GroupValue struct {
	Version               int16 // set by DecodeGroupValue; EncodeGroupValue writes version 3
	ProtocolType          string
	Generation            int32
	Protocol              *string
	Leader                *string
	CurrentStateTimestamp int64 // -1 when absent
	Members               []MemberValue
}

// MemberValue is one member inside a GroupValue. Subscription is the member's metadata for
// the group's chosen protocol.
type MemberValue struct {
	MemberID         string
	InstanceID       *string
	ClientID         string
	ClientHost       string
	RebalanceTimeout int32
	SessionTimeout   int32
	Subscription     []byte
	Assignment       []byte
}

// EncodeOffsetKey returns the offset commit key (version 1).
func EncodeOffsetKey(group, topic string, partition int32) []byte {
	b := make([]byte, 0, 2+2+len(group)+2+len(topic)+4)
	b = appendInt16(b, offsetKeyVersion)
	b = appendString(b, group)
	b = appendString(b, topic)
	return appendInt32(b, partition)
}

// EncodeGroupKey returns the group metadata key (version 2).
func EncodeGroupKey(group string) []byte {
	b := make([]byte, 0, 2+2+len(group))
	b = appendInt16(b, groupKeyVersion)
	return appendString(b, group)
}

// EncodeOffsetValue returns the value Kafka 2.4 writes: version 1 when ExpireTimestamp is
// set (not -1), else version 3.
func EncodeOffsetValue(v OffsetValue) []byte {
	b := make([]byte, 0, 2+8+4+2+len(v.Metadata)+8+8)
	if v.ExpireTimestamp != noTimestamp {
		b = appendInt16(b, offsetValueV1)
		b = appendInt64(b, v.Offset)
		b = appendString(b, v.Metadata)
		b = appendInt64(b, v.CommitTimestamp)
		return appendInt64(b, v.ExpireTimestamp)
	}
	b = appendInt16(b, offsetValueV3)
	b = appendInt64(b, v.Offset)
	b = appendInt32(b, v.LeaderEpoch)
	b = appendString(b, v.Metadata)
	return appendInt64(b, v.CommitTimestamp)
}

// EncodeGroupValue returns the group metadata value in version 3.
func EncodeGroupValue(v GroupValue) []byte {
	b := make([]byte, 0, 64)
	b = appendInt16(b, groupValueVersion)
	b = appendString(b, v.ProtocolType)
	b = appendInt32(b, v.Generation)
	b = appendNullableString(b, v.Protocol)
	b = appendNullableString(b, v.Leader)
	b = appendInt64(b, v.CurrentStateTimestamp)
	b = appendInt32(b, int32(len(v.Members)))
	for _, m := range v.Members {
		b = appendString(b, m.MemberID)
		b = appendNullableString(b, m.InstanceID)
		b = appendString(b, m.ClientID)
		b = appendString(b, m.ClientHost)
		b = appendInt32(b, m.RebalanceTimeout)
		b = appendInt32(b, m.SessionTimeout)
		b = appendBytes(b, m.Subscription)
		b = appendBytes(b, m.Assignment)
	}
	return b
}

// DecodeKey decodes any __consumer_offsets key. Like Kafka, bytes after the schema's fields
// are ignored.
func DecodeKey(b []byte) (Key, error) {
	r := reader{b: b}
	k := Key{Version: r.int16()}
	if r.err == nil && (k.Version < 0 || k.Version > maxKnownKeyVersion) {
		return Key{}, fmt.Errorf("%w: unknown key version %d", ErrCorruptRecord, k.Version)
	}
	k.Group = r.string()
	if k.IsOffset() {
		k.Topic = r.string()
		k.Partition = r.int32()
	}
	if r.err != nil {
		return Key{}, fmt.Errorf("%w: key: %v", ErrCorruptRecord, r.err)
	}
	return k, nil
}

// DecodeOffsetValue decodes an offset commit value of any version (0-3). Version 0 and 2
// have no leader epoch or expire timestamp; those fields come back as -1.
func DecodeOffsetValue(b []byte) (OffsetValue, error) {
	r := reader{b: b}
	v := OffsetValue{Version: r.int16(), LeaderEpoch: noLeaderEpoch, ExpireTimestamp: noTimestamp}
	switch {
	case r.err != nil:
	case v.Version == 0 || v.Version == 2:
		v.Offset = r.int64()
		v.Metadata = r.string()
		v.CommitTimestamp = r.int64()
	case v.Version == 1:
		v.Offset = r.int64()
		v.Metadata = r.string()
		v.CommitTimestamp = r.int64()
		v.ExpireTimestamp = r.int64()
	case v.Version == 3:
		v.Offset = r.int64()
		v.LeaderEpoch = r.int32()
		v.Metadata = r.string()
		v.CommitTimestamp = r.int64()
		if v.LeaderEpoch < 0 {
			v.LeaderEpoch = noLeaderEpoch // Kafka reads any negative epoch as "none"
		}
	default:
		return OffsetValue{}, fmt.Errorf("%w: unknown offset value version %d", ErrCorruptRecord, v.Version)
	}
	if r.err != nil {
		return OffsetValue{}, fmt.Errorf("%w: offset value: %v", ErrCorruptRecord, r.err)
	}
	return v, nil
}

// DecodeGroupValue decodes a group metadata value of any version (0-3). Absent fields come
// back as Kafka fills them: rebalance timeout = session timeout for v0, timestamp -1 before v2.
func DecodeGroupValue(b []byte) (GroupValue, error) {
	r := reader{b: b}
	v := GroupValue{Version: r.int16(), CurrentStateTimestamp: noTimestamp}
	if r.err == nil && (v.Version < 0 || v.Version > groupValueVersion) {
		return GroupValue{}, fmt.Errorf("%w: unknown group metadata version %d", ErrCorruptRecord, v.Version)
	}
	v.ProtocolType = r.string()
	v.Generation = r.int32()
	v.Protocol = r.nullableString()
	v.Leader = r.nullableString()
	if v.Version >= 2 {
		v.CurrentStateTimestamp = r.int64()
	}
	n := r.arrayLen()
	for i := int32(0); i < n && r.err == nil; i++ {
		var m MemberValue
		m.MemberID = r.string()
		if v.Version >= 3 {
			m.InstanceID = r.nullableString()
		}
		m.ClientID = r.string()
		m.ClientHost = r.string()
		if v.Version >= 1 {
			m.RebalanceTimeout = r.int32()
		}
		m.SessionTimeout = r.int32()
		if v.Version == 0 {
			m.RebalanceTimeout = m.SessionTimeout
		}
		m.Subscription = r.bytes()
		m.Assignment = r.bytes()
		v.Members = append(v.Members, m)
	}
	if r.err != nil {
		return GroupValue{}, fmt.Errorf("%w: group metadata value: %v", ErrCorruptRecord, r.err)
	}
	return v, nil
}

func appendInt16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendString(b []byte, s string) []byte {
	b = appendInt16(b, int16(len(s)))
	return append(b, s...)
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return appendInt16(b, -1)
	}
	return appendString(b, *s)
}

func appendBytes(b []byte, p []byte) []byte {
	b = appendInt32(b, int32(len(p)))
	return append(b, p...)
}

// reader decodes Kafka's classic Struct fields; the first error sticks and later reads
// return zero values, so decoders check r.err once at the end.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%s needs %d bytes, %d left", what, n, len(r.b))
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) int16() int16 {
	p := r.take(2, "int16")
	if p == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(p))
}

func (r *reader) int32() int32 {
	p := r.take(4, "int32")
	if p == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(p))
}

func (r *reader) int64() int64 {
	p := r.take(8, "int64")
	if p == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(p))
}

func (r *reader) string() string {
	n := r.int16()
	if r.err == nil && n < 0 {
		r.err = fmt.Errorf("string length %d cannot be negative", n)
	}
	return string(r.take(int(n), "string"))
}

func (r *reader) nullableString() *string {
	n := r.int16()
	if r.err != nil || n < 0 { // Kafka reads any negative length as null
		return nil
	}
	s := string(r.take(int(n), "string"))
	return &s
}

func (r *reader) bytes() []byte {
	n := r.int32()
	if r.err == nil && n < 0 {
		r.err = fmt.Errorf("bytes length %d cannot be negative", n)
	}
	p := r.take(int(n), "bytes")
	if p == nil {
		return nil
	}
	return append([]byte{}, p...)
}

// arrayLen reads an array count, refusing counts that cannot fit in the bytes left (each
// element takes at least one byte), so a corrupt count never drives a huge loop.
func (r *reader) arrayLen() int32 {
	n := r.int32()
	if r.err != nil {
		return 0
	}
	if n < 0 || int(n) > len(r.b) {
		r.err = fmt.Errorf("array size %d invalid with %d bytes left", n, len(r.b))
		return 0
	}
	return n
}
