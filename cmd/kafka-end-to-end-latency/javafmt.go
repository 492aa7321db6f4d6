package main

import (
	"math/big"
	"strconv"
	"strings"
)

// javaRandom is java.util.Random: the 48-bit linear congruential generator
// the Java tool seeds with 0 to draw message bytes, reproduced so both
// tools send the same payloads.
type javaRandom struct{ seed int64 }

const (
	javaRandMultiplier = 0x5DEECE66D
	javaRandMask       = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaRandMultiplier) & javaRandMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaRandMultiplier + 0xB) & javaRandMask
	return int32(r.seed >> (48 - bits))
}

// nextInt is Random.nextInt(bound) for bound > 0, including its rejection
// loop, which relies on int32 overflow.
func (r *javaRandom) nextInt(bound int32) int32 {
	if bound&(-bound) == bound {
		return int32((int64(bound) * int64(r.next(31))) >> 31)
	}
	for {
		bits := r.next(31)
		val := bits % bound
		if bits-val+(bound-1) >= 0 {
			return val
		}
	}
}

// randomBytesOfLen is EndToEndLatency.randomBytesOfLen: n capital letters.
func randomBytesOfLen(r *javaRandom, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.nextInt(26) + 65)
	}
	return b
}

// javaDouble formats f as Java's Double.toString does for the finite,
// non-negative values the tool prints: plain decimal notation with at least
// one fractional digit in [1e-3, 1e7), computerized scientific notation
// ("1.5E-4") outside it, and the shortest digits that round-trip.
func javaDouble(f float64) string {
	if f == 0 {
		return "0.0"
	}
	if f >= 1e-3 && f < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e-04, 2e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(n)
}

// javaFixed is Java's String.format("%.<places>f", f): Java rounds the
// shortest decimal representation half up, where Go's %f rounds the exact
// binary value (1.23455 is 1.2346 in Java, 1.2345 in Go).
func javaFixed(f float64, places int) string {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok { // NaN and infinities; the tool never has them here
		return strconv.FormatFloat(f, 'f', places, 64)
	}
	return r.FloatString(places)
}
