package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRequestBytes is Kafka's socket.request.max.bytes default.
const DefaultMaxRequestBytes = 104857600

// frameChunk bounds how much ReadFrame allocates ahead of the bytes that
// actually arrive: a peer that claims a large frame and then stalls costs at
// most this much until it sends more.
const frameChunk = 1 << 20

// ReadFrame reads one size-prefixed frame. The size is checked against max
// (and for < 0) before anything is allocated; a prefix that looks like HTTP
// or TLS is named in the error. A connection closed cleanly before a frame
// starts yields io.EOF; one closed mid-frame yields io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, max int32) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("protocol: reading frame size: %w", err)
	}
	size := int32(binary.BigEndian.Uint32(prefix[:]))
	if size < 0 || size > max {
		return nil, fmt.Errorf("%w: %d (max %d)%s", ErrFrameTooLarge, size, max, diagnosePrefix(prefix))
	}
	frame := make([]byte, 0, min(int(size), frameChunk))
	for len(frame) < int(size) {
		want := min(int(size)-len(frame), frameChunk)
		if cap(frame)-len(frame) < want {
			grown := make([]byte, len(frame), min(int(size), 2*cap(frame)+want))
			copy(grown, frame)
			frame = grown
		}
		n, err := io.ReadFull(r, frame[len(frame):len(frame)+want])
		frame = frame[:len(frame)+n]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("protocol: reading %d-byte frame after %d bytes: %w", size, len(frame), err)
		}
	}
	return frame, nil
}

// diagnosePrefix names the protocol a misdirected client probably speaks, so
// an operator who pointed a browser or a TLS client at a plaintext listener
// sees why the connection was dropped.
func diagnosePrefix(p [4]byte) string {
	switch s := string(p[:]); {
	case s == "GET " || s == "POST" || s == "PUT " || s == "HEAD" || s == "HTTP" || s == "DELE" || s == "OPTI" || s == "PATC":
		return fmt.Sprintf("; the bytes %q look like HTTP: is an HTTP client pointed at a Kafka listener?", s)
	case p[0] == 0x16 && p[1] == 0x03:
		return "; the bytes look like a TLS handshake: is a TLS client pointed at a PLAINTEXT listener?"
	case p[0] == 0x15 && p[1] == 0x03:
		return "; the bytes look like a TLS alert: is a TLS client pointed at a PLAINTEXT listener?"
	}
	return ""
}
