package compress

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/twmb/franz-go/pkg/kgo"
)

var codecs = []Codec{None, Gzip, Snappy, LZ4, Zstd}

// inputs returns named payloads covering empty, tiny, compressible,
// incompressible and multi-block sizes.
func inputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("kafka record batch payload "), 10000)
	return map[string][]byte{
		"empty":  {},
		"one":    {'x'},
		"text":   text,
		"random": random,
		"zeros":  make([]byte, 1<<20),
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range codecs {
		for name, in := range inputs() {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				prefix := []byte("prefix")
				enc, err := Compress(c, append([]byte(nil), prefix...), in)
				if err != nil {
					t.Fatalf("Compress: %v", err)
				}
				if !bytes.HasPrefix(enc, prefix) {
					t.Fatalf("Compress did not append to dst")
				}
				dec, err := Decompress(c, enc[len(prefix):])
				if err != nil {
					t.Fatalf("Decompress: %v", err)
				}
				if !bytes.Equal(dec, in) {
					t.Fatalf("round trip changed %d bytes into %d bytes", len(in), len(dec))
				}
			})
		}
	}
}

func kgoCodec(t *testing.T, c Codec) (kgo.CompressionCodec, kgo.CompressionCodecType) {
	t.Helper()
	switch c {
	case Gzip:
		return kgo.GzipCompression(), kgo.CodecGzip
	case Snappy:
		return kgo.SnappyCompression(), kgo.CodecSnappy
	case LZ4:
		return kgo.Lz4Compression(), kgo.CodecLz4
	case Zstd:
		return kgo.ZstdCompression(), kgo.CodecZstd
	}
	t.Fatalf("no kgo codec for %v", c)
	return kgo.CompressionCodec{}, 0
}

// TestCrossKgo checks both directions against franz-go's codecs, which are
// themselves checked against the Java client.
func TestCrossKgo(t *testing.T) {
	for _, c := range codecs[1:] {
		for name, in := range inputs() {
			if len(in) == 0 {
				continue // kgo never compresses empty input
			}
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				kc, kt := kgoCodec(t, c)
				comp, err := kgo.DefaultCompressor(kc)
				if err != nil {
					t.Fatal(err)
				}
				theirs, used := comp.Compress(new(bytes.Buffer), in)
				if used != kt {
					t.Fatalf("kgo used codec %v", used)
				}
				dec, err := Decompress(c, theirs)
				if err != nil {
					t.Fatalf("decoding kgo's output: %v", err)
				}
				if !bytes.Equal(dec, in) {
					t.Fatalf("decoding kgo's output: wrong bytes")
				}
				ours, err := Compress(c, nil, in)
				if err != nil {
					t.Fatal(err)
				}
				back, err := kgo.DefaultDecompressor().Decompress(ours, kt)
				if err != nil {
					t.Fatalf("kgo decoding ours: %v", err)
				}
				if !bytes.Equal(back, in) {
					t.Fatalf("kgo decoding ours: wrong bytes")
				}
			})
		}
	}
}

func TestSnappyRaw(t *testing.T) {
	in := bytes.Repeat([]byte("raw snappy block "), 1000)
	dec, err := Decompress(Snappy, snappy.Encode(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec, in) {
		t.Fatal("raw snappy decoded wrongly")
	}
}

// TestFormatHeaders pins the framing details Java readers depend on.
func TestFormatHeaders(t *testing.T) {
	snap, _ := Compress(Snappy, nil, []byte("abc"))
	wantSnap := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}
	if !bytes.HasPrefix(snap, wantSnap) {
		t.Errorf("snappy header % x, want prefix % x", snap[:16], wantSnap)
	}
	l, _ := Compress(LZ4, nil, []byte("abc"))
	// Magic, then FLG: version 01, independent blocks, no checksums or
	// size; BD: 64 KiB blocks.
	wantLZ4 := []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40}
	if !bytes.HasPrefix(l, wantLZ4) {
		t.Errorf("lz4 header % x, want prefix % x", l[:6], wantLZ4)
	}
	g, _ := Compress(Gzip, nil, []byte("abc"))
	if !bytes.HasPrefix(g, []byte{0x1f, 0x8b}) {
		t.Errorf("gzip header % x", g[:2])
	}
	z, _ := Compress(Zstd, nil, []byte("abc"))
	if !bytes.HasPrefix(z, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("zstd header % x", z[:4])
	}
}

func TestLimit(t *testing.T) {
	bomb := make([]byte, 4<<20)
	for _, c := range codecs {
		t.Run(c.String(), func(t *testing.T) {
			enc, err := Compress(c, nil, bomb)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecompressLimit(c, enc, 1<<20); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("over limit: got %v, want ErrTooLarge", err)
			}
			out, err := DecompressLimit(c, enc, len(bomb))
			if err != nil || len(out) != len(bomb) {
				t.Fatalf("exactly at limit: %d bytes, %v", len(out), err)
			}
			if _, err := DecompressLimit(c, enc, len(bomb)-1); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("one under: got %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestGarbage(t *testing.T) {
	garbage := map[string][]byte{
		"one-byte": {0xff},
		"text":     []byte("this is not compressed data at all, honestly"),
		"xerial-truncated": append([]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1},
			0, 0, 1, 0, 1, 2),
		"lz4-magic-only":  {0x04, 0x22, 0x4d, 0x18},
		"zstd-magic-only": {0x28, 0xb5, 0x2f, 0xfd},
		"gzip-magic-only": {0x1f, 0x8b},
	}
	for _, c := range codecs[1:] {
		for name, in := range garbage {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				if _, err := Decompress(c, in); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("got %v, want ErrCorrupt", err)
				}
			})
		}
	}
	// Truncating valid output must fail too.
	for _, c := range codecs[1:] {
		t.Run(c.String()+"/truncated", func(t *testing.T) {
			enc, _ := Compress(c, nil, inputs()["text"])
			if _, err := Decompress(c, enc[:len(enc)/2]); err == nil {
				t.Fatal("truncated input decoded without error")
			}
		})
	}
}

func TestUnknownCodec(t *testing.T) {
	for _, c := range []Codec{-1, 5, 7} {
		if _, err := Compress(c, nil, []byte("x")); !errors.Is(err, ErrUnknownCodec) {
			t.Errorf("Compress(%d): %v", c, err)
		}
		if _, err := Decompress(c, []byte("x")); !errors.Is(err, ErrUnknownCodec) {
			t.Errorf("Decompress(%d): %v", c, err)
		}
	}
}
