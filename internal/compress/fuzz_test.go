package compress

import (
	"bytes"
	"testing"
)

// FuzzDecompress feeds arbitrary bytes to every decoder: none may panic or
// exceed the limit, and whatever decodes must survive a round trip.
func FuzzDecompress(f *testing.F) {
	for _, c := range codecs {
		enc, _ := Compress(c, nil, []byte("seed seed seed seed payload"))
		f.Add(int8(c), enc)
	}
	f.Add(int8(Snappy), []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, codec int8, src []byte) {
		c := Codec(codec)
		out, err := DecompressLimit(c, src, limit)
		if err != nil {
			return
		}
		if len(out) > limit {
			t.Fatalf("%v produced %d bytes over limit %d", c, len(out), limit)
		}
		enc, err := Compress(c, nil, out)
		if err != nil {
			t.Fatalf("re-compress: %v", err)
		}
		back, err := DecompressLimit(c, enc, limit)
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("%v round trip of decoded output failed: %v", c, err)
		}
	})
}
