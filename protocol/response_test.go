package protocol

import (
	"bytes"
	"testing"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestAppendResponse(t *testing.T) {
	tests := []struct {
		name    string
		key     int16
		version int16
		tagByte bool
	}{
		{name: "api versions v0", key: keyApiVersions, version: 0},
		{name: "api versions v3 flexible keeps header v0", key: keyApiVersions, version: 3},
		{name: "metadata v8", key: 3, version: 8},
		{name: "metadata v9 flexible", key: 3, version: 9, tagByte: true},
		{name: "produce v8", key: 0, version: 8},
		{name: "controlled shutdown v3", key: keyControlledShutdown, version: 3, tagByte: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := kmsg.ResponseForKey(tt.key)
			resp.SetVersion(tt.version)
			body := resp.AppendTo(nil)
			hdr := RequestHeader{Key: tt.key, Version: tt.version, CorrelationID: 77, Flexible: resp.IsFlexible()}
			want := kbin.AppendInt32(nil, 77)
			if tt.tagByte {
				want = append(want, 0)
			}
			want = sized(append(want, body...))

			fresh := kmsg.ResponseForKey(tt.key) // version set by AppendResponse
			got := AppendResponse([]byte("keep"), hdr, fresh)
			if !bytes.HasPrefix(got, []byte("keep")) {
				t.Fatal("dst prefix lost")
			}
			if !bytes.Equal(got[4:], want) {
				t.Fatalf("got  % x\nwant % x", got[4:], want)
			}
			if fresh.GetVersion() != tt.version {
				t.Fatalf("response version %d, want %d", fresh.GetVersion(), tt.version)
			}
		})
	}
}
