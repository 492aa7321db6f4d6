package compress

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// gzipWriters caches writers; each is Reset before use.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression) // the level is valid, so no error
	return w
}}

// gzipReaders caches readers; each is Reset before use.
var gzipReaders sync.Pool

func compressGzip(dst, src []byte) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(buf)
	if _, err := w.Write(src); err != nil {
		return dst, err
	}
	if err := w.Close(); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

func decompressGzip(src []byte, max int) ([]byte, error) {
	var r *gzip.Reader
	if pooled, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := pooled.Reset(bytes.NewReader(src)); err != nil {
			gzipReaders.Put(pooled)
			return nil, err
		}
		r = pooled
	} else {
		var err error
		if r, err = gzip.NewReader(bytes.NewReader(src)); err != nil {
			return nil, err
		}
	}
	defer gzipReaders.Put(r)
	// Kafka batches compress well; 4x the input is a fair first guess.
	out, err := readBounded(r, max, 4*len(src))
	if err != nil {
		return nil, err
	}
	return out, r.Close()
}
