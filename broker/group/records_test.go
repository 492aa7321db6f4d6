package group

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

// The golden bytes below were produced by Kafka 2.4.1's own GroupMetadataManager
// (offsetCommitKey, groupMetadataKey, offsetCommitValue and groupMetadataValue at
// inter.broker.protocol.version 2.4-IV1), not by this package.
const (
	goldenOffsetKey          = "00010012636f6e736f6c652d636f6e73756d65722d3100047465737400000003"
	goldenGroupKey           = "00020012636f6e736f6c652d636f6e73756d65722d31"
	goldenOffsetValueV3      = "0003000000000000002a0000000700046d65746100000174876e807b"
	goldenOffsetValueNoEpoch = "0003000000000000002affffffff000000000174876e807b"
	goldenOffsetValueV1      = "0001000000000000002a00046d65746100000174876e807b00000174876f6adb"
	goldenGroupValueStable   = "00030008636f6e73756d657200000005000572616e6765000e636f6e73756d65722d312d61626300000174876e807b00000002" +
		"000a696e73742d322d6465660006696e73742d32000a636f6e73756d65722d3200092f31302e302e302e320000ea6000001770" +
		"00000010000000000001000474657374ffffffff00000000" +
		"000e636f6e73756d65722d312d616263ffff000a636f6e73756d65722d31000a2f3132372e302e302e31000493e000002710" +
		"00000010000000000001000474657374ffffffff00000003010203"
	goldenGroupValueEmpty = "00030008636f6e73756d657200000006ffffffff00000174876e807b00000000"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func strp(s string) *string { return &s }

// goldenSubscription is a consumer protocol v0 subscription to "test" with null user data.
var goldenSubscription = []byte{0, 0, 0, 0, 0, 1, 0, 4, 't', 'e', 's', 't', 0xff, 0xff, 0xff, 0xff}

func goldenStableGroup() GroupValue {
	return GroupValue{
		Version: 3, ProtocolType: "consumer", Generation: 5, Protocol: strp("range"), Leader: strp("consumer-1-abc"),
		CurrentStateTimestamp: 1600000000123,
		Members: []MemberValue{
			{MemberID: "inst-2-def", InstanceID: strp("inst-2"), ClientID: "consumer-2", ClientHost: "/10.0.0.2",
				RebalanceTimeout: 60000, SessionTimeout: 6000, Subscription: goldenSubscription, Assignment: []byte{}},
			{MemberID: "consumer-1-abc", ClientID: "consumer-1", ClientHost: "/127.0.0.1",
				RebalanceTimeout: 300000, SessionTimeout: 10000, Subscription: goldenSubscription, Assignment: []byte{1, 2, 3}},
		},
	}
}

func TestRecordEncodingGolden(t *testing.T) {
	tests := []struct {
		name   string
		got    []byte
		golden string
	}{
		{"offset key", EncodeOffsetKey("console-consumer-1", "test", 3), goldenOffsetKey},
		{"group key", EncodeGroupKey("console-consumer-1"), goldenGroupKey},
		{"offset value v3", EncodeOffsetValue(OffsetValue{Offset: 42, LeaderEpoch: 7, Metadata: "meta",
			CommitTimestamp: 1600000000123, ExpireTimestamp: -1}), goldenOffsetValueV3},
		{"offset value v3 without epoch", EncodeOffsetValue(OffsetValue{Offset: 42, LeaderEpoch: -1,
			CommitTimestamp: 1600000000123, ExpireTimestamp: -1}), goldenOffsetValueNoEpoch},
		{"offset value v1 (explicit expiry)", EncodeOffsetValue(OffsetValue{Offset: 42, LeaderEpoch: 7, Metadata: "meta",
			CommitTimestamp: 1600000000123, ExpireTimestamp: 1600000060123}), goldenOffsetValueV1},
		{"group value stable", EncodeGroupValue(goldenStableGroup()), goldenGroupValueStable},
		{"group value empty", EncodeGroupValue(GroupValue{ProtocolType: "consumer", Generation: 6,
			CurrentStateTimestamp: 1600000000123}), goldenGroupValueEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.got); got != tt.golden {
				t.Errorf("encoding differs from Kafka's\n got %s\nwant %s", got, tt.golden)
			}
		})
	}
}

func TestRecordDecodingGolden(t *testing.T) {
	k, err := DecodeKey(unhex(t, goldenOffsetKey))
	if want := (Key{Version: 1, Group: "console-consumer-1", Topic: "test", Partition: 3}); err != nil || k != want || !k.IsOffset() {
		t.Errorf("offset key = %+v, %v; want %+v", k, err, want)
	}
	k, err = DecodeKey(unhex(t, goldenGroupKey))
	if want := (Key{Version: 2, Group: "console-consumer-1"}); err != nil || k != want || k.IsOffset() {
		t.Errorf("group key = %+v, %v; want %+v", k, err, want)
	}
	offsets := []struct {
		golden string
		want   OffsetValue
	}{
		{goldenOffsetValueV3, OffsetValue{Version: 3, Offset: 42, LeaderEpoch: 7, Metadata: "meta", CommitTimestamp: 1600000000123, ExpireTimestamp: -1}},
		{goldenOffsetValueNoEpoch, OffsetValue{Version: 3, Offset: 42, LeaderEpoch: -1, CommitTimestamp: 1600000000123, ExpireTimestamp: -1}},
		{goldenOffsetValueV1, OffsetValue{Version: 1, Offset: 42, LeaderEpoch: -1, Metadata: "meta", CommitTimestamp: 1600000000123, ExpireTimestamp: 1600000060123}},
		// Versions Kafka 2.4 no longer writes but still reads.
		{"0000000000000000002a00046d65746100000174876e807b", OffsetValue{Version: 0, Offset: 42, LeaderEpoch: -1, Metadata: "meta", CommitTimestamp: 1600000000123, ExpireTimestamp: -1}},
		{"0002000000000000002a00046d65746100000174876e807b", OffsetValue{Version: 2, Offset: 42, LeaderEpoch: -1, Metadata: "meta", CommitTimestamp: 1600000000123, ExpireTimestamp: -1}},
	}
	for _, o := range offsets {
		v, err := DecodeOffsetValue(unhex(t, o.golden))
		if err != nil || v != o.want {
			t.Errorf("DecodeOffsetValue(%s) = %+v, %v; want %+v", o.golden, v, err, o.want)
		}
	}
	g, err := DecodeGroupValue(unhex(t, goldenGroupValueStable))
	if want := goldenStableGroup(); err != nil || !reflect.DeepEqual(g, want) {
		t.Errorf("stable group = %+v, %v; want %+v", g, err, want)
	}
	g, err = DecodeGroupValue(unhex(t, goldenGroupValueEmpty))
	if want := (GroupValue{Version: 3, ProtocolType: "consumer", Generation: 6, CurrentStateTimestamp: 1600000000123}); err != nil || !reflect.DeepEqual(g, want) {
		t.Errorf("empty group = %+v, %v; want %+v", g, err, want)
	}
}

func TestDecodeGroupValueOldVersions(t *testing.T) {
	// Version 0: no rebalance timeout (it takes the session timeout), no state timestamp.
	v0 := appendInt16(nil, 0)
	v0 = appendString(v0, "consumer")
	v0 = appendInt32(v0, 2)
	v0 = appendNullableString(v0, strp("range"))
	v0 = appendNullableString(v0, strp("m"))
	v0 = appendInt32(v0, 1)
	v0 = appendString(v0, "m")
	v0 = appendString(v0, "c")
	v0 = appendString(v0, "/h")
	v0 = appendInt32(v0, 10000)
	v0 = appendBytes(v0, []byte{9})
	v0 = appendBytes(v0, []byte{8})
	want := GroupValue{Version: 0, ProtocolType: "consumer", Generation: 2, Protocol: strp("range"), Leader: strp("m"),
		CurrentStateTimestamp: -1, Members: []MemberValue{{MemberID: "m", ClientID: "c", ClientHost: "/h",
			RebalanceTimeout: 10000, SessionTimeout: 10000, Subscription: []byte{9}, Assignment: []byte{8}}}}
	if got, err := DecodeGroupValue(v0); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("v0 = %+v, %v; want %+v", got, err, want)
	}
}

func TestDecodeRejectsCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		in     string
	}{
		{"empty key", decodeKeyErr, ""},
		{"unknown key version", decodeKeyErr, "0003" + goldenGroupKey[4:]},
		{"truncated offset key", decodeKeyErr, goldenOffsetKey[:len(goldenOffsetKey)-2]},
		{"negative key string", decodeKeyErr, "0002ffff"},
		{"unknown offset value version", decodeOffsetErr, "0004" + goldenOffsetValueV3[4:]},
		{"truncated offset value", decodeOffsetErr, goldenOffsetValueV3[:len(goldenOffsetValueV3)-2]},
		{"unknown group value version", decodeGroupErr, "0004" + goldenGroupValueEmpty[4:]},
		{"truncated group value", decodeGroupErr, goldenGroupValueStable[:len(goldenGroupValueStable)-2]},
		{"huge member count", decodeGroupErr, goldenGroupValueEmpty[:len(goldenGroupValueEmpty)-8] + "7fffffff"},
		{"negative member count", decodeGroupErr, goldenGroupValueEmpty[:len(goldenGroupValueEmpty)-8] + "ffffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.decode(unhex(t, tt.in)); !errors.Is(err, ErrCorruptRecord) {
				t.Errorf("error = %v, want ErrCorruptRecord", err)
			}
		})
	}
}

func decodeKeyErr(b []byte) error    { _, err := DecodeKey(b); return err }
func decodeOffsetErr(b []byte) error { _, err := DecodeOffsetValue(b); return err }
func decodeGroupErr(b []byte) error  { _, err := DecodeGroupValue(b); return err }

func TestPartitionFor(t *testing.T) {
	// Expected values computed with Java 17: Utils.abs(groupId.hashCode()) % 50.
	tests := []struct {
		group string
		want  int32
	}{
		{"console-consumer-1", 24},
		{"my-group", 12},          // negative hash code
		{"polygenelubricants", 0}, // hash code Integer.MIN_VALUE
		{"", 0},
		{"gr\u00fcppe-\U0001F600", 14}, // hashed over UTF-16 code units
	}
	for _, tt := range tests {
		if got := PartitionFor(tt.group, 50); got != tt.want {
			t.Errorf("PartitionFor(%q) = %d, want %d", tt.group, got, tt.want)
		}
	}
}

func FuzzDecodeKey(f *testing.F) {
	for _, s := range []string{goldenOffsetKey, goldenGroupKey, ""} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := DecodeKey(b)
		if err != nil {
			return
		}
		// A decoded key re-encodes to a prefix of the input (trailing bytes are ignored).
		var re []byte
		switch k.Version {
		case 1:
			re = EncodeOffsetKey(k.Group, k.Topic, k.Partition)
		case 2:
			re = EncodeGroupKey(k.Group)
		default:
			return
		}
		if !bytes.HasPrefix(b, re) {
			t.Fatalf("key %+v re-encodes to %x, not a prefix of %x", k, re, b)
		}
	})
}

func FuzzDecodeOffsetValue(f *testing.F) {
	for _, s := range []string{goldenOffsetValueV3, goldenOffsetValueV1, goldenOffsetValueNoEpoch} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeOffsetValue(b)
		if err != nil {
			return
		}
		if v.Version != 3 && v.Version != 1 {
			return
		}
		if v.Version == 1 && v.ExpireTimestamp == -1 {
			return // re-encodes as v3
		}
		got, err := DecodeOffsetValue(EncodeOffsetValue(v))
		if err != nil || got != v {
			t.Fatalf("round trip of %+v = %+v, %v", v, got, err)
		}
	})
}

func FuzzDecodeGroupValue(f *testing.F) {
	for _, s := range []string{goldenGroupValueStable, goldenGroupValueEmpty} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeGroupValue(b)
		if err != nil || v.Version != 3 {
			return
		}
		got, err := DecodeGroupValue(EncodeGroupValue(v))
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Fatalf("round trip of %+v = %+v, %v", v, got, err)
		}
	})
}

func FuzzSubscribedTopics(f *testing.F) {
	f.Add(goldenSubscription)
	f.Fuzz(func(t *testing.T, b []byte) {
		subscribedTopics(b) // must not panic or loop on any input
	})
}
