package compress

import (
	"errors"
	"fmt"
	"io"
)

// Codec is a compression codec as numbered in bits 0-2 of a Kafka record
// batch's attributes.
type Codec int8

// The codecs, numbered as on the wire; part of the record format, never change.
const (
	None   Codec = 0
	Gzip   Codec = 1
	Snappy Codec = 2
	LZ4    Codec = 3
	Zstd   Codec = 4
)

// DefaultLimit bounds what Decompress produces. It is above any batch a
// broker accepts (message.max.bytes and socket.request.max.bytes are far
// lower in practice) while still refusing absurd expansions.
const DefaultLimit = 256 << 20

var (
	// ErrUnknownCodec is returned for codec numbers other than 0-4.
	ErrUnknownCodec = errors.New("compress: unknown codec")
	// ErrTooLarge is returned when decompressed output would exceed the limit.
	ErrTooLarge = errors.New("compress: decompressed size exceeds limit")
	// ErrCorrupt is returned when compressed input cannot be decoded.
	ErrCorrupt = errors.New("compress: corrupt input")
)

// String returns Kafka's name for the codec (as in compression.type).
func (c Codec) String() string {
	switch c {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Snappy:
		return "snappy"
	case LZ4:
		return "lz4"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

// Valid reports whether c is one of the five codecs Kafka defines.
func (c Codec) Valid() bool { return c >= None && c <= Zstd }

// Compress appends the compressed form of src to dst and returns the result.
// None appends src unchanged.
func Compress(c Codec, dst, src []byte) ([]byte, error) {
	switch c {
	case None:
		return append(dst, src...), nil
	case Gzip:
		return compressGzip(dst, src)
	case Snappy:
		return compressSnappy(dst, src), nil
	case LZ4:
		return compressLZ4(dst, src)
	case Zstd:
		return compressZstd(dst, src), nil
	}
	return dst, fmt.Errorf("%w: %d", ErrUnknownCodec, int8(c))
}

// Decompress decodes src, refusing output larger than DefaultLimit. Snappy
// input may be raw or xerial framed. None returns src itself.
func Decompress(c Codec, src []byte) ([]byte, error) {
	return DecompressLimit(c, src, DefaultLimit)
}

// DecompressLimit decodes src into a new slice, refusing with ErrTooLarge to
// produce more than max bytes. Garbage input yields an error wrapping
// ErrCorrupt. None returns src itself (also subject to max).
func DecompressLimit(c Codec, src []byte, max int) ([]byte, error) {
	if max < 0 {
		max = 0
	}
	var (
		out []byte
		err error
	)
	switch c {
	case None:
		if len(src) > max {
			return nil, fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(src), max)
		}
		return src, nil
	case Gzip:
		out, err = decompressGzip(src, max)
	case Snappy:
		out, err = decompressSnappy(src, max)
	case LZ4:
		out, err = decompressLZ4(src, max)
	case Zstd:
		out, err = decompressZstd(src, max)
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnknownCodec, int8(c))
	}
	if err != nil {
		if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("%w (%s)", err, c)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, c, err)
	}
	return out, nil
}

// readBounded reads all of r, failing with ErrTooLarge past max bytes. The
// limited reader stops one byte past max so overflow is detected without
// reading the rest of a bomb.
func readBounded(r io.Reader, max, hint int) ([]byte, error) {
	if hint > max {
		hint = max
	}
	if hint < 512 {
		hint = 512
	}
	buf := make([]byte, 0, hint)
	limit := int64(max) + 1
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := cap(buf) - len(buf)
		if int64(len(buf)+room) > limit {
			room = int(limit) - len(buf)
		}
		n, err := r.Read(buf[len(buf) : len(buf)+room])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return buf, nil
			}
			return nil, err
		}
	}
}
