package group

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

type rec struct{ key, value []byte }

func offsetRec(g, t string, p int32, off int64) rec {
	return rec{EncodeOffsetKey(g, t, p), EncodeOffsetValue(OffsetValue{Offset: off, LeaderEpoch: -1, CommitTimestamp: 1000, ExpireTimestamp: -1})}
}

func groupRec(g string, gen int32) rec {
	return rec{EncodeGroupKey(g), EncodeGroupValue(GroupValue{ProtocolType: "consumer", Generation: gen, CurrentStateTimestamp: 2000})}
}

// summary is what a test checks of Loader.Groups: id -> generation (-1 without metadata)
// and offsets.
type loaded struct {
	gen     int32
	offsets map[string]int64
}

func summarize(gs []LoadedGroup) map[string]loaded {
	out := map[string]loaded{}
	for _, g := range gs {
		l := loaded{gen: -1, offsets: map[string]int64{}}
		if g.Metadata != nil {
			l.gen = g.Metadata.Generation
		}
		for _, o := range g.Offsets {
			l.offsets[o.Topic+"/"+string(rune('0'+o.Partition))] = o.Value.Offset
		}
		out[g.ID] = l
	}
	return out
}

func TestLoaderReplay(t *testing.T) {
	tests := []struct {
		name string
		recs []rec
		want map[string]loaded
	}{
		{"last offset wins", []rec{offsetRec("g", "t", 0, 1), offsetRec("g", "t", 0, 2)},
			map[string]loaded{"g": {-1, map[string]int64{"t/0": 2}}}},
		{"offset tombstone", []rec{offsetRec("g", "t", 0, 1), offsetRec("g", "t", 1, 5), {EncodeOffsetKey("g", "t", 0), nil}},
			map[string]loaded{"g": {-1, map[string]int64{"t/1": 5}}}},
		{"last tombstone drops the group", []rec{offsetRec("g", "t", 0, 1), {EncodeOffsetKey("g", "t", 0), nil}},
			map[string]loaded{}},
		{"group metadata and offsets", []rec{groupRec("g", 1), offsetRec("g", "t", 0, 1), groupRec("g", 2)},
			map[string]loaded{"g": {2, map[string]int64{"t/0": 1}}}},
		{"group tombstone keeps offsets", []rec{groupRec("g", 1), offsetRec("g", "t", 0, 1), {EncodeGroupKey("g"), nil}},
			map[string]loaded{"g": {-1, map[string]int64{"t/0": 1}}}},
		{"group tombstone then new generation", []rec{groupRec("g", 1), {EncodeGroupKey("g"), nil}, groupRec("g", 3)},
			map[string]loaded{"g": {3, map[string]int64{}}}},
		{"groups apart", []rec{groupRec("a", 1), offsetRec("b", "t", 0, 7)},
			map[string]loaded{"a": {1, map[string]int64{}}, "b": {-1, map[string]int64{"t/0": 7}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLoader()
			for _, r := range tt.recs {
				if err := l.Add(r.key, r.value); err != nil {
					t.Fatal(err)
				}
			}
			if got := summarize(l.Groups()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("groups = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoaderRejectsCorruptRecords(t *testing.T) {
	l := NewLoader()
	if err := l.Add(offsetRec("g", "t", 0, 1).key, offsetRec("g", "t", 0, 1).value); err != nil {
		t.Fatal(err)
	}
	bad := []rec{
		{nil, []byte{1}},
		{[]byte{0, 9}, nil},
		{EncodeOffsetKey("g", "t", 0), []byte{0, 3, 1}},
		{EncodeGroupKey("g"), []byte{0, 7}},
	}
	for _, r := range bad {
		if err := l.Add(r.key, r.value); !errors.Is(err, ErrCorruptRecord) {
			t.Errorf("Add(%x, %x) = %v, want ErrCorruptRecord", r.key, r.value, err)
		}
	}
	want := map[string]loaded{"g": {-1, map[string]int64{"t/0": 1}}}
	if got := summarize(l.Groups()); !reflect.DeepEqual(got, want) {
		t.Errorf("corrupt records changed the loader: %v, want %v", got, want)
	}
}

// Kafka 2.4.1 reads current_state_timestamp only from version 2 group values, so an Empty
// group written as version 3 comes back without one and its offsets expire retention after
// their commit instead of after the group became Empty.
func TestLoadStateTimestampByVersion(t *testing.T) {
	v2 := appendInt16(nil, 2)
	v2 = appendString(v2, "consumer")
	v2 = appendInt32(v2, 4)
	v2 = appendNullableString(v2, nil)
	v2 = appendNullableString(v2, nil)
	v2 = appendInt64(v2, 5000)
	v2 = appendInt32(v2, 0)
	v3 := EncodeGroupValue(GroupValue{ProtocolType: "consumer", Generation: 4, CurrentStateTimestamp: 5000})
	tests := []struct {
		name    string
		value   []byte
		wantTS  int64
		wantHas bool
	}{
		{"v2", v2, 5000, true},
		{"v3", v3, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLoader()
			if err := l.Add(EncodeGroupKey("g"), tt.value); err != nil {
				t.Fatal(err)
			}
			s := NewShard(0, func() Config { c := DefaultConfig(); c.NumPartitions = 1; return c }(), nil)
			s.Load(time.UnixMilli(9000), l)
			g := s.groups["g"]
			if g == nil || g.state != Empty || g.generation != 4 {
				t.Fatalf("group = %+v", g)
			}
			if g.stateTimestamp != tt.wantTS || g.hasStateTimestamp != tt.wantHas {
				t.Errorf("state timestamp = %d (%v), want %d (%v)", g.stateTimestamp, g.hasStateTimestamp, tt.wantTS, tt.wantHas)
			}
		})
	}
}
