package protocol

import (
	"encoding/binary"
	"math/bits"
)

// LZ4 frame header checksums. Kafka before the v1 message format wrote the
// header checksum over the frame magic and descriptor instead of the
// descriptor alone (KafkaLZ4BlockOutputStream's useBrokenFlagDescriptorChecksum,
// still used for magic 0), so magic 0 LZ4 data is read and written with that
// checksum while everything else uses the standard one.

// lz4FrameMagic opens every LZ4 frame (little endian).
const lz4FrameMagic = 0x184D2204

// setLZ4HeaderChecksum rewrites the header checksum byte of the LZ4 frame
// at the start of frame: Kafka's broken variant when broken, the standard
// one otherwise. Data that is not an LZ4 frame is left alone, for the
// decoder to refuse.
func setLZ4HeaderChecksum(frame []byte, broken bool) {
	if len(frame) < 7 || binary.LittleEndian.Uint32(frame) != lz4FrameMagic {
		return
	}
	flg := frame[4]
	hc := 6 // FLG and BD
	if flg&0x08 != 0 {
		hc += 8 // content size
	}
	if flg&0x01 != 0 {
		hc += 4 // dictionary id
	}
	if len(frame) <= hc {
		return
	}
	start := 4
	if broken {
		start = 0
	}
	frame[hc] = byte(xxh32(frame[start:hc], 0) >> 8)
}

// XXH32 primes.
const (
	xxPrime1 uint32 = 2654435761
	xxPrime2 uint32 = 2246822519
	xxPrime3 uint32 = 3266489917
	xxPrime4 uint32 = 668265263
	xxPrime5 uint32 = 374761393
)

// xxh32 is the XXH32 hash, which LZ4 frames use for their checksums.
func xxh32(b []byte, seed uint32) uint32 {
	n := len(b)
	var h uint32
	if n >= 16 {
		v1 := seed + xxPrime1 + xxPrime2
		v2 := seed + xxPrime2
		v3 := seed
		v4 := seed - xxPrime1
		round := func(v, in uint32) uint32 { return bits.RotateLeft32(v+in*xxPrime2, 13) * xxPrime1 }
		for len(b) >= 16 {
			v1 = round(v1, binary.LittleEndian.Uint32(b))
			v2 = round(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = round(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = round(v4, binary.LittleEndian.Uint32(b[12:]))
			b = b[16:]
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + xxPrime5
	}
	h += uint32(n)
	for ; len(b) >= 4; b = b[4:] {
		h += binary.LittleEndian.Uint32(b) * xxPrime3
		h = bits.RotateLeft32(h, 17) * xxPrime4
	}
	for ; len(b) > 0; b = b[1:] {
		h += uint32(b[0]) * xxPrime5
		h = bits.RotateLeft32(h, 11) * xxPrime1
	}
	h ^= h >> 15
	h *= xxPrime2
	h ^= h >> 13
	h *= xxPrime3
	h ^= h >> 16
	return h
}
