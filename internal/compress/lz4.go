package compress

import (
	"bytes"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// lz4Writers caches frame writers configured like Kafka's
// KafkaLZ4BlockOutputStream: 64 KiB independent blocks, no block or content
// checksums. Each is Reset before use.
var lz4Writers = sync.Pool{New: func() any {
	w := lz4.NewWriter(nil)
	// The options are constants the library accepts, so Apply cannot fail.
	_ = w.Apply(
		lz4.BlockSizeOption(lz4.Block64Kb),
		lz4.BlockChecksumOption(false),
		lz4.ChecksumOption(false),
		lz4.ConcurrencyOption(1),
	)
	return w
}}

// lz4Readers caches frame readers; each is Reset before use.
var lz4Readers = sync.Pool{New: func() any { return lz4.NewReader(nil) }}

func compressLZ4(dst, src []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	w := lz4Writers.Get().(*lz4.Writer)
	defer lz4Writers.Put(w)
	w.Reset(buf)
	if _, err := w.Write(src); err != nil {
		return dst, err
	}
	if err := w.Close(); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

func decompressLZ4(src []byte, max int) ([]byte, error) {
	r := lz4Readers.Get().(*lz4.Reader)
	defer lz4Readers.Put(r)
	r.Reset(bytes.NewReader(src))
	return readBounded(r, max, 4*len(src))
}
