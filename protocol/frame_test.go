package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func sized(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestReadFrame(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 3*frameChunk+5)
	tests := []struct {
		name    string
		in      []byte
		max     int32
		want    []byte
		wantErr error
		mention string
	}{
		{name: "small", in: sized([]byte("hello")), max: 100, want: []byte("hello")},
		{name: "empty frame", in: sized(nil), max: 100, want: []byte{}},
		{name: "exactly max", in: sized([]byte("12345")), max: 5, want: []byte("12345")},
		{name: "multi chunk", in: sized(big), max: DefaultMaxRequestBytes, want: big},
		{name: "over max", in: sized([]byte("123456")), max: 5, wantErr: ErrFrameTooLarge},
		{name: "negative", in: []byte{0xff, 0xff, 0xff, 0xfe, 1, 2}, max: 100, wantErr: ErrFrameTooLarge},
		{name: "http get", in: []byte("GET / HTTP/1.1\r\n"), max: DefaultMaxRequestBytes, wantErr: ErrFrameTooLarge, mention: "HTTP"},
		{name: "http post", in: []byte("POST /x HTTP/1.1\r\n"), max: DefaultMaxRequestBytes, wantErr: ErrFrameTooLarge, mention: "HTTP"},
		{name: "http response", in: []byte("HTTP/1.1 200 OK\r\n"), max: DefaultMaxRequestBytes, wantErr: ErrFrameTooLarge, mention: "HTTP"},
		{name: "tls hello", in: []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}, max: DefaultMaxRequestBytes, wantErr: ErrFrameTooLarge, mention: "TLS"},
		{name: "clean eof", in: nil, max: 100, wantErr: io.EOF},
		{name: "short prefix", in: []byte{0, 0}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short body", in: []byte{0, 0, 0, 9, 1, 2, 3}, max: 100, wantErr: io.ErrUnexpectedEOF},
		{name: "short multi chunk", in: sized(big)[:2*frameChunk], max: DefaultMaxRequestBytes, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(tt.in), tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
					t.Fatalf("error %q does not mention %s", err, tt.mention)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tt.want))
			}
		})
	}
}

// TestReadFrameConsecutive checks that frames are read back to back.
func TestReadFrameConsecutive(t *testing.T) {
	r := bytes.NewReader(append(sized([]byte("one")), sized([]byte("two"))...))
	for _, want := range []string{"one", "two"} {
		got, err := ReadFrame(r, 10)
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if _, err := ReadFrame(r, 10); !errors.Is(err, io.EOF) {
		t.Fatalf("after last frame: %v, want io.EOF", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c'})
	f.Add([]byte("GET / HTTP/1.1"))
	f.Add([]byte{0x16, 0x03, 0x01, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 1 << 16
		frame, err := ReadFrame(bytes.NewReader(in), max)
		if err != nil {
			return
		}
		if len(frame) > max || len(frame)+4 > len(in) {
			t.Fatalf("frame of %d bytes from %d input bytes", len(frame), len(in))
		}
		if !bytes.Equal(frame, in[4:4+len(frame)]) {
			t.Fatal("frame bytes differ from input")
		}
	})
}
