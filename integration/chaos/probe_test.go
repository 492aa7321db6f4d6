package chaos

import (
	"hash/crc32"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBatchOf decodes what batchOf encodes and checks the lengths, the CRC
// a broker verifies, and the record's value.
func TestBatchOf(t *testing.T) {
	tests := []struct {
		name  string
		value string
	}{
		{"short", "7"},
		{"long", string(make([]byte, 300))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := batchOf([]byte(tt.value), time.UnixMilli(1700000000000))
			var b kmsg.RecordBatch
			if err := b.ReadFrom(raw); err != nil {
				t.Fatal(err)
			}
			if int(b.Length) != len(raw)-12 {
				t.Errorf("Length = %d, want %d", b.Length, len(raw)-12)
			}
			if want := int32(crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli))); b.CRC != want || b.CRC == 0 {
				t.Errorf("CRC = %#x, want %#x", b.CRC, want)
			}
			if b.Magic != 2 || b.NumRecords != 1 || b.ProducerID != -1 {
				t.Errorf("magic %d, records %d, producer id %d", b.Magic, b.NumRecords, b.ProducerID)
			}
			var r kmsg.Record
			if err := r.ReadFrom(b.Records); err != nil {
				t.Fatal(err)
			}
			if string(r.Value) != tt.value || int(r.Length) != len(b.Records)-varintLen(r.Length) {
				t.Errorf("record value %q length %d, want %q and %d", r.Value, r.Length, tt.value, len(b.Records)-varintLen(r.Length))
			}
		})
	}
}

// varintLen is the size of n as a zigzag varint.
func varintLen(n int32) int {
	u := uint32(n<<1) ^ uint32(n>>31)
	l := 1
	for u >= 0x80 {
		u >>= 7
		l++
	}
	return l
}
