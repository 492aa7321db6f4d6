package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/samsa-broker/samsa/internal/compress"
)

func TestXXH32(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
	}{
		{"", 0x02CC5D05},
		{"a", 0x550D7456},
		{"abc", 0x32D153FF},
		{"Nobody inspects the spammish repetition", 0xE2293B2F},
	}
	for _, tt := range tests {
		if got := xxh32([]byte(tt.in), 0); got != tt.want {
			t.Errorf("xxh32(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
}

func TestLZ4HeaderChecksum(t *testing.T) {
	frame, err := compress.Compress(compress.LZ4, nil, []byte("hello hello hello"))
	if err != nil {
		t.Fatal(err)
	}
	std := append([]byte(nil), frame...)
	setLZ4HeaderChecksum(std, false)
	if !bytes.Equal(std, frame) {
		t.Fatalf("the standard checksum rewrote a standard frame")
	}
	broken := append([]byte(nil), frame...)
	setLZ4HeaderChecksum(broken, true)
	if bytes.Equal(broken, frame) {
		t.Fatalf("the broken checksum equals the standard one for this frame; pick another input")
	}
	if want := byte(xxh32(frame[:6], 0) >> 8); broken[6] != want {
		t.Fatalf("broken checksum %#x, want %#x", broken[6], want)
	}
}

// legacySet builds a message set from messages.
func legacySet(msgs ...LegacyMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b = AppendLegacyMessage(b, m)
	}
	return b
}

func TestParseLegacyEntries(t *testing.T) {
	m0 := LegacyMessage{Offset: 0, Magic: 0, Timestamp: -1, Key: []byte("k"), Value: []byte("v0")}
	m1 := LegacyMessage{Offset: 1, Magic: 1, Timestamp: 1700000000000, Value: []byte("v1")}
	good := legacySet(m0, m1)
	corruptCRC := append([]byte(nil), good...)
	corruptCRC[len(corruptCRC)-1] ^= 1
	badMagic := legacySet(LegacyMessage{Magic: 0, Value: []byte("x")})
	badMagic[16] = 3
	small := legacySet(m0)
	binary.BigEndian.PutUint32(small[8:], 10)
	tests := []struct {
		name    string
		set     []byte
		entries int
		valid   []bool
		err     error
	}{
		{"two", good, 2, []bool{true, true}, nil},
		{"empty", nil, 0, nil, nil},
		{"partial trailing entry dropped", good[:len(good)-3], 1, []bool{true}, nil},
		{"crc mismatch found by Valid", corruptCRC, 2, []bool{true, false}, nil},
		{"bad magic", badMagic, 0, nil, ErrCorruptMessage},
		{"size below overhead", small, 0, nil, ErrCorruptMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := ParseLegacyEntries(tt.set)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(es) != tt.entries {
				t.Fatalf("%d entries, want %d", len(es), tt.entries)
			}
			for i, e := range es {
				if e.Valid() != tt.valid[i] {
					t.Errorf("entry %d valid = %v, want %v", i, e.Valid(), tt.valid[i])
				}
			}
			if tt.name == "two" {
				if es[0].Timestamp != -1 || string(es[0].Key) != "k" || string(es[0].Value) != "v0" {
					t.Errorf("entry 0 = %+v", es[0].LegacyMessage)
				}
				if es[1].Timestamp != m1.Timestamp || es[1].Key != nil || es[1].Offset != 1 {
					t.Errorf("entry 1 = %+v", es[1].LegacyMessage)
				}
			}
		})
	}
}

func TestLegacyWrapperRoundTrip(t *testing.T) {
	codecs := []compress.Codec{compress.Gzip, compress.Snappy, compress.LZ4}
	for _, magic := range []int8{0, 1} {
		for _, codec := range codecs {
			var inner []LegacyMessage
			for i := range 3 {
				off := int64(i)
				if magic == 0 {
					off += 100
				}
				inner = append(inner, LegacyMessage{Offset: off, Magic: magic, Timestamp: int64(10 + i), Value: []byte{byte('a' + i)}})
			}
			if magic == 0 {
				for i := range inner {
					inner[i].Timestamp = -1
				}
			}
			set, err := AppendLegacyWrapper(nil, magic, 102, 12, 0, codec, inner)
			if err != nil {
				t.Fatal(err)
			}
			es, err := ParseLegacyEntries(set)
			if err != nil || len(es) != 1 || !es[0].Valid() {
				t.Fatalf("magic %d %s: entries %v, err %v", magic, codec, es, err)
			}
			got, err := es[0].Inner(1 << 20)
			if err != nil {
				t.Fatalf("magic %d %s: %v", magic, codec, err)
			}
			for i, g := range got {
				if !g.Valid || g.Offset != 100+int64(i) || g.Value[0] != byte('a'+i) || g.Timestamp != inner[i].Timestamp {
					t.Errorf("magic %d %s: inner %d = %+v", magic, codec, i, g)
				}
			}
		}
	}
}

func TestLegacyInnerErrors(t *testing.T) {
	inner := []LegacyMessage{{Offset: 5, Magic: 1, Value: []byte("x")}}
	lowWrapper, _ := AppendLegacyWrapper(nil, 1, 3, 0, 0, compress.Gzip, inner)
	null := legacySet(LegacyMessage{Magic: 1, Attributes: int8(compress.Gzip)})
	zstd := legacySet(LegacyMessage{Magic: 1, Attributes: int8(compress.Zstd), Value: []byte("x")})
	garbage := legacySet(LegacyMessage{Magic: 1, Attributes: int8(compress.Gzip), Value: []byte("not gzip")})
	empty, _ := AppendLegacyWrapper(nil, 1, 0, 0, 0, compress.Gzip, nil)
	tests := []struct {
		name string
		set  []byte
		err  error
	}{
		{"wrapper offset below last inner", lowWrapper, ErrInvalidRecord},
		{"null value", null, ErrInvalidRecord},
		{"zstd", zstd, ErrInvalidRecord},
		{"undecodable", garbage, ErrCorruptMessage},
		{"no inner", empty, ErrInvalidRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := ParseLegacyEntries(tt.set)
			if err != nil || len(es) != 1 {
				t.Fatalf("parse: %v (%d entries)", err, len(es))
			}
			if _, err := es[0].Inner(1 << 20); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func FuzzParseLegacyEntries(f *testing.F) {
	f.Add(legacySet(LegacyMessage{Magic: 1, Key: []byte("k"), Value: []byte("v")}))
	w, _ := AppendLegacyWrapper(nil, 1, 1, 0, 0, compress.Gzip, []LegacyMessage{{Magic: 1, Value: []byte("a")}, {Offset: 1, Magic: 1}})
	f.Add(w)
	w0, _ := AppendLegacyWrapper(nil, 0, 0, 0, 0, compress.LZ4, []LegacyMessage{{Magic: 0, Value: []byte("a")}})
	f.Add(w0)
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseLegacyEntries(b)
		if err != nil {
			return
		}
		var again []byte
		for _, e := range es {
			_ = e.Valid()
			_, _ = e.Inner(1 << 20)
			again = append(again, e.Raw...)
		}
		if !bytes.HasPrefix(b, again) {
			t.Fatalf("entries are not a prefix of the input")
		}
	})
}
