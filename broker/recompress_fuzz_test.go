package broker

import (
	"testing"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// FuzzRecompress feeds produced partition data through validation and then
// conversion to every codec: nothing may panic, and whatever conversion
// returns must again be valid produce data with the same record count.
func FuzzRecompress(f *testing.F) {
	h, recs, _ := rcInput()
	for _, c := range rcCodecs {
		b, err := protocol.AppendBatch(nil, h, recs, c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(makeBatch(3, 10))
	targets := []string{"uncompressed", "gzip", "snappy", "lz4", "zstd"}
	f.Fuzz(func(t *testing.T, records []byte) {
		headers, err := protocol.ValidateProduceBatches(records, 8)
		if err != nil {
			return
		}
		for _, ct := range targets {
			rc := recompression{tp: storage.TopicPartition{Topic: "t"}, compressionType: ct, maxMessageBytes: 1 << 30}
			out, err := rc.apply(records, headers)
			if err != nil {
				continue
			}
			got, err := protocol.ValidateProduceBatches(out, 8)
			if err != nil {
				t.Fatalf("%s: converted data does not validate: %v", ct, err)
			}
			want, _ := targetCodec(ct, compress.None)
			for i, g := range got {
				if g.Compression() != want || g.NumRecords != headers[i].NumRecords {
					t.Fatalf("%s: batch %d codec %s with %d records, want %s with %d", ct, i, g.Compression(), g.NumRecords, want, headers[i].NumRecords)
				}
			}
		}
	})
}
