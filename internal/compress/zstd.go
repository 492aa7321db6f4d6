package compress

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the history window a frame may ask the decoder to
// allocate. Kafka 2.4 producers use zstd's default level (2 MiB windows at
// most for streams); 32 MiB leaves room for clients configured with high
// levels while keeping a hostile frame from reserving hundreds of MiB.
const zstdMaxWindow = 32 << 20

// zstdEncoders caches single-threaded encoders used through EncodeAll,
// which starts no goroutines and keeps no state between calls.
var zstdEncoders = sync.Pool{New: func() any {
	// The options are constants the library accepts, so NewWriter cannot fail.
	e, _ := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedDefault),
	)
	return e
}}

// zstdDecoders caches synchronous stream decoders (concurrency 1 starts no
// goroutines), so a dropped pool entry leaks nothing. Each is Reset before
// use.
var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
	)
	if err != nil {
		return err
	}
	return d
}}

func compressZstd(dst, src []byte) []byte {
	e := zstdEncoders.Get().(*zstd.Encoder)
	defer zstdEncoders.Put(e)
	return e.EncodeAll(src, dst)
}

// decompressZstd streams the frames through a limited reader so output is
// bounded by max however large the frames claim to be.
func decompressZstd(src []byte, max int) ([]byte, error) {
	got := zstdDecoders.Get()
	d, ok := got.(*zstd.Decoder)
	if !ok {
		return nil, got.(error)
	}
	defer zstdDecoders.Put(d)
	if err := d.Reset(bytes.NewReader(src)); err != nil {
		return nil, err
	}
	out, err := readBounded(d, max, 4*len(src))
	// Drop the reference to src so the pool does not pin it.
	_ = d.Reset(bytes.NewReader(nil))
	return out, err
}
