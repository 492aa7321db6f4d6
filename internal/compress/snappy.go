package compress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/snappy"
)

// xerialMagic opens a snappy-java (xerial) framed stream.
var xerialMagic = [8]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const (
	// xerialHeaderLen is the magic plus the int32 version and int32
	// minimum compatible version.
	xerialHeaderLen = 16
	// xerialBlockSize is the input size of each block snappy-java writes.
	xerialBlockSize = 32 << 10
)

var errXerial = errors.New("malformed xerial snappy framing")

// compressSnappy writes the xerial framing the Java producer writes: Java
// consumers of Kafka 2.4 read both forms, but older Java consumers only read
// this one.
func compressSnappy(dst, src []byte) []byte {
	dst = append(dst, xerialMagic[:]...)
	dst = binary.BigEndian.AppendUint32(dst, 1) // version
	dst = binary.BigEndian.AppendUint32(dst, 1) // minimum compatible version
	for len(src) > 0 {
		n := min(len(src), xerialBlockSize)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		need := snappy.MaxEncodedLen(n)
		dst = growLen(dst, need)
		block := snappy.Encode(dst[at+4:at+4+need], src[:n])
		binary.BigEndian.PutUint32(dst[at:], uint32(len(block)))
		dst = dst[:at+4+len(block)]
		src = src[n:]
	}
	return dst
}

// growLen extends dst by n bytes of scratch room.
func growLen(dst []byte, n int) []byte {
	if cap(dst)-len(dst) < n {
		bigger := make([]byte, len(dst), 2*cap(dst)+n)
		copy(bigger, dst)
		dst = bigger
	}
	return dst[:len(dst)+n]
}

func decompressSnappy(src []byte, max int) ([]byte, error) {
	if len(src) >= xerialHeaderLen && bytes.Equal(src[:8], xerialMagic[:]) {
		return decodeXerial(src[xerialHeaderLen:], max)
	}
	return decodeRawSnappy(nil, src, max)
}

// decodeRawSnappy appends one raw snappy block to dst, checking the length
// the block declares before allocating.
func decodeRawSnappy(dst, block []byte, max int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > max-len(dst) {
		return nil, fmt.Errorf("%w: block declares %d bytes, %d allowed", ErrTooLarge, n, max-len(dst))
	}
	at := len(dst)
	dst = growLen(dst, n)
	out, err := snappy.Decode(dst[at:], block)
	if err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, fmt.Errorf("%w: block decoded to %d bytes, declared %d", errXerial, len(out), n)
	}
	return dst, nil
}

// decodeXerial decodes the blocks after the xerial header. The declared
// sizes are summed and bounded first so the output is allocated once.
func decodeXerial(src []byte, max int) ([]byte, error) {
	total := 0
	for rest := src; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: %d trailing bytes", errXerial, len(rest))
		}
		size := int64(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if size > int64(len(rest)) {
			return nil, fmt.Errorf("%w: block of %d bytes, %d remain", errXerial, size, len(rest))
		}
		n, err := snappy.DecodedLen(rest[:size])
		if err != nil {
			return nil, err
		}
		if n > max-total {
			return nil, fmt.Errorf("%w: blocks declare more than %d bytes", ErrTooLarge, max)
		}
		total += n
		rest = rest[size:]
	}
	dst := make([]byte, 0, total)
	for len(src) > 0 {
		size := binary.BigEndian.Uint32(src)
		src = src[4:]
		var err error
		if dst, err = decodeRawSnappy(dst, src[:size], max); err != nil {
			return nil, err
		}
		src = src[size:]
	}
	return dst, nil
}
