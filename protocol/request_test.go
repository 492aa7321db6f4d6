package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// encodeRequest frames req the way kmsg's own client-side formatter does
// and strips the size prefix, giving what ReadFrame would return.
func encodeRequest(t testing.TB, req kmsg.Request, clientID string, correlationID int32) []byte {
	t.Helper()
	if req.Key() == keyControlledShutdown && req.GetVersion() == 0 {
		// kmsg's formatter stops after the v0 header here and drops the
		// body, so build this one by hand.
		return req.AppendTo(rawHeader(req.Key(), 0, correlationID))
	}
	wire := kmsg.NewRequestFormatter(kmsg.FormatterClientID(clientID)).AppendRequest(nil, req, correlationID)
	if got := int(binary.BigEndian.Uint32(wire)); got != len(wire)-4 {
		t.Fatalf("formatter size prefix %d, frame %d", got, len(wire)-4)
	}
	return wire[4:]
}

// allRequests returns one default-valued request per key and version kmsg knows.
func allRequests() []kmsg.Request {
	var out []kmsg.Request
	for key := int16(0); key < 200; key++ {
		proto := kmsg.RequestForKey(key)
		if proto == nil {
			continue
		}
		for v := int16(0); v <= proto.MaxVersion(); v++ {
			req := kmsg.RequestForKey(key)
			req.SetVersion(v)
			out = append(out, req)
		}
	}
	return out
}

// TestParseRequestAllKeys round-trips every key and version kmsg encodes.
func TestParseRequestAllKeys(t *testing.T) {
	reqs := allRequests()
	if len(reqs) < 200 {
		t.Fatalf("only %d key/version pairs", len(reqs))
	}
	for i, req := range reqs {
		name := kmsg.NameForKey(req.Key())
		frame := encodeRequest(t, req, "client-1", int32(i))
		hdr, got, err := ParseRequest(frame)
		if err != nil {
			t.Fatalf("%s v%d: %v", name, req.GetVersion(), err)
		}
		wantClient := "client-1"
		csv0 := req.Key() == keyControlledShutdown && req.GetVersion() == 0
		switch {
		case hdr.Key != req.Key() || hdr.Version != req.GetVersion() || hdr.CorrelationID != int32(i):
			t.Fatalf("%s v%d: header %+v", name, req.GetVersion(), hdr)
		case hdr.Flexible != req.IsFlexible():
			t.Fatalf("%s v%d: flexible %v, want %v", name, req.GetVersion(), hdr.Flexible, req.IsFlexible())
		case csv0 && hdr.ClientID != nil:
			t.Fatalf("ControlledShutdown v0 has no client id, got %q", *hdr.ClientID)
		case !csv0 && (hdr.ClientID == nil || *hdr.ClientID != wantClient):
			t.Fatalf("%s v%d: client id %v", name, req.GetVersion(), hdr.ClientID)
		case reflect.TypeOf(got) != reflect.TypeOf(req) || got.GetVersion() != req.GetVersion():
			t.Fatalf("%s v%d: got %T v%d", name, req.GetVersion(), got, got.GetVersion())
		}
		if !bytes.Equal(got.AppendTo(nil), req.AppendTo(nil)) {
			t.Fatalf("%s v%d: body changed in the round trip", name, req.GetVersion())
		}
	}
}

// TestParseRequestFields checks that body fields survive, not only defaults.
func TestParseRequestFields(t *testing.T) {
	for _, v := range []int16{0, 8, 9, 12} {
		req := kmsg.NewPtrMetadataRequest()
		req.SetVersion(v)
		topic := kmsg.NewMetadataRequestTopic()
		topic.Topic = kmsg.StringPtr("orders")
		req.Topics = append(req.Topics, topic)
		_, got, err := ParseRequest(encodeRequest(t, req, "c", 1))
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		m := got.(*kmsg.MetadataRequest)
		if len(m.Topics) != 1 || m.Topics[0].Topic == nil || *m.Topics[0].Topic != "orders" {
			t.Fatalf("v%d: topics %+v", v, m.Topics)
		}
	}
}

// rawHeader builds a frame by hand: key, version, correlation id, then rest.
func rawHeader(key, version int16, correlationID int32, rest ...byte) []byte {
	b := kbin.AppendInt16(nil, key)
	b = kbin.AppendInt16(b, version)
	b = kbin.AppendInt32(b, correlationID)
	return append(b, rest...)
}

func TestParseRequestErrors(t *testing.T) {
	apiVersionsMax := kmsg.NewPtrApiVersionsRequest().MaxVersion()
	metadata := kmsg.NewPtrMetadataRequest()
	metadata.SetVersion(9)
	metadataFrame := encodeRequest(t, metadata, "c", 5)
	tests := []struct {
		name     string
		frame    []byte
		wantErr  error
		wantHdr  RequestHeader
		checkHdr bool
	}{
		{name: "empty", frame: nil, wantErr: ErrMalformed},
		{name: "short header", frame: []byte{0, 3, 0, 9, 0, 0, 0}, wantErr: ErrMalformed},
		{
			name:     "unknown key",
			frame:    rawHeader(9999, 0, 42, 0xff, 0xff),
			wantErr:  ErrUnknownKey,
			wantHdr:  RequestHeader{Key: 9999, Version: 0, CorrelationID: 42},
			checkHdr: true,
		},
		{
			name:     "negative key",
			frame:    rawHeader(-1, 0, 43),
			wantErr:  ErrUnknownKey,
			wantHdr:  RequestHeader{Key: -1, CorrelationID: 43},
			checkHdr: true,
		},
		{
			// A newer client's ApiVersions: header v2 with a client id
			// and tags; the header must be filled to answer it.
			name:     "api versions too new",
			frame:    rawHeader(keyApiVersions, apiVersionsMax+1, 7, 0, 3, 'c', 'l', 'i', 0, 2, 'x'),
			wantErr:  ErrUnsupportedVersion,
			wantHdr:  RequestHeader{Key: keyApiVersions, Version: apiVersionsMax + 1, CorrelationID: 7, ClientID: kmsg.StringPtr("cli"), Flexible: true},
			checkHdr: true,
		},
		{
			name:     "negative version",
			frame:    rawHeader(3, -1, 8, 0xff, 0xff),
			wantErr:  ErrUnsupportedVersion,
			wantHdr:  RequestHeader{Key: 3, Version: -1, CorrelationID: 8},
			checkHdr: true,
		},
		{name: "truncated client id", frame: rawHeader(3, 1, 9, 0, 5, 'a'), wantErr: ErrMalformed},
		{name: "truncated tags", frame: rawHeader(3, 9, 9, 0xff, 0xff, 3, 1), wantErr: ErrMalformed},
		{name: "truncated body", frame: metadataFrame[:len(metadataFrame)-2], wantErr: ErrMalformed},
		{name: "huge array", frame: rawHeader(3, 1, 9, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff), wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr, req, err := ParseRequest(tt.frame)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if req != nil {
				t.Fatalf("request %T returned with an error", req)
			}
			if tt.checkHdr && !reflect.DeepEqual(hdr, tt.wantHdr) {
				t.Fatalf("header %+v, want %+v", hdr, tt.wantHdr)
			}
		})
	}
}

// TestParseRequestNullClientID covers a null client id (length -1), which
// librdkafka and some tools send.
func TestParseRequestNullClientID(t *testing.T) {
	hdr, req, err := ParseRequest(rawHeader(keyApiVersions, 0, 1, 0xff, 0xff))
	if err != nil {
		t.Fatal(err)
	}
	if hdr.ClientID != nil || req.Key() != keyApiVersions {
		t.Fatalf("header %+v, request %T", hdr, req)
	}
}

func FuzzParseRequest(f *testing.F) {
	for i, req := range allRequests() {
		if i%7 == 0 {
			f.Add(encodeRequest(f, req, "fuzz", int32(i)))
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		hdr, req, err := ParseRequest(frame)
		if err != nil {
			if req != nil {
				t.Fatal("request returned with an error")
			}
			return
		}
		if req.Key() != hdr.Key || req.GetVersion() != hdr.Version {
			t.Fatalf("header %+v, request key %d v%d", hdr, req.Key(), req.GetVersion())
		}
		// Whatever parsed must encode again without panicking.
		_ = req.AppendTo(nil)
	})
}
