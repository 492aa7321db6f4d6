package broker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// rawFrame builds a request frame with an arbitrary key and version.
func rawFrame(key, version int16, body []byte) []byte {
	var b []byte
	b = kbin.AppendInt16(b, key)
	b = kbin.AppendInt16(b, version)
	b = kbin.AppendInt32(b, 7)
	b = kbin.AppendNullableString(b, kmsg.StringPtr("test"))
	b = append(b, body...)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// TestGarbageClosesOnlyThatConnection feeds bad input on fresh connections
// while one healthy connection keeps working between each.
func TestGarbageClosesOnlyThatConnection(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.RequestMaxBytes = 1 << 20 })
	good := h.dial()
	tests := []struct {
		name  string
		bytes []byte
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"huge length prefix", []byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"negative length prefix", []byte{0xff, 0xff, 0xff, 0xf0, 1, 2, 3}},
		{"random bytes in a frame", append([]byte{0, 0, 0, 12}, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5)},
		{"unknown key", rawFrame(1000, 0, nil)},
		{"key kmsg knows but we do not serve", rawFrame(17, 1, nil)},
		{"produce version below our minimum", rawFrame(0, 2, nil)},
		{"metadata version above our maximum", rawFrame(3, 10, nil)},
		{"truncated body", rawFrame(3, 1, []byte{0, 0, 0, 5})},
		{"header cut short", []byte{0, 0, 0, 3, 0, 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := h.dial()
			if _, err := bad.nc.Write(tt.bytes); err != nil {
				t.Fatalf("write: %v", err)
			}
			bad.expectClosed()
			resp := good.do(kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse)
			if resp.ErrorCode != 0 || len(resp.ApiKeys) == 0 {
				t.Fatalf("healthy connection: error %d, %d keys", resp.ErrorCode, len(resp.ApiKeys))
			}
		})
	}
}

// TestApiVersionsTooNew: Kafka answers v0 with UNSUPPORTED_VERSION and the
// table, and keeps the connection.
func TestApiVersionsTooNew(t *testing.T) {
	h := newHarness(t, nil)
	for _, v := range []int16{4, 100} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			c := h.dial()
			if _, err := c.nc.Write(rawFrame(18, v, []byte{0, 0, 0})); err != nil {
				t.Fatal(err)
			}
			req := kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(0)
			resp, err := c.read(req, 7)
			if err != nil {
				t.Fatal(err)
			}
			av := resp.(*kmsg.ApiVersionsResponse)
			if av.ErrorCode != kerr.UnsupportedVersion.Code {
				t.Fatalf("error code %d, want %d", av.ErrorCode, kerr.UnsupportedVersion.Code)
			}
			if !hasKey(av, 18, 0, 3) {
				t.Fatalf("table lacks ApiVersions 0-3: %+v", av.ApiKeys)
			}
			// The connection stays usable.
			ok := c.do(kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse)
			if ok.ErrorCode != 0 {
				t.Fatalf("retry at v3: error %d", ok.ErrorCode)
			}
		})
	}
}

func hasKey(r *kmsg.ApiVersionsResponse, key, min, max int16) bool {
	for _, k := range r.ApiKeys {
		if k.ApiKey == key {
			return k.MinVersion == min && k.MaxVersion == max
		}
	}
	return false
}

// TestPipelinedRequestsAnsweredInOrder sends several requests before
// reading any answer.
func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	var reqs []kmsg.Request
	var corrs []int32
	for i := 0; i < 20; i++ {
		var req kmsg.Request
		if i%2 == 0 {
			req = kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(3)
		} else {
			req = kmsg.NewPtrMetadataRequest()
			req.SetVersion(int16(i % 10))
		}
		reqs = append(reqs, req)
		corrs = append(corrs, c.send(req))
	}
	for i, req := range reqs {
		if _, err := c.read(req, corrs[i]); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
	}
}

func TestReadFailureClassification(t *testing.T) {
	tests := []struct {
		err  error
		want closeReason
	}{
		{io.EOF, reasonClientEOF},
		{io.ErrUnexpectedEOF, reasonClientEOF},
		{fmt.Errorf("x: %w", protocol.ErrFrameTooLarge), reasonFrameTooLarge},
		{os.ErrDeadlineExceeded, reasonIdle},
		{net.ErrClosed, reasonClientEOF},
		{errors.New("other"), reasonReadError},
	}
	for _, tt := range tests {
		if got := readFailure(tt.err); got != tt.want {
			t.Errorf("readFailure(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestIdleConnectionClosed(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.ConnectionsMaxIdle = 50 * 1e6 })
	c := h.dial()
	c.expectClosed()
}
