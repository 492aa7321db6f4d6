package protocol

import (
	"encoding/binary"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// AppendResponse appends size prefix, response header (v0 for ApiVersions
// always, v1 when the request was flexible) and the body encoded at
// hdr.Version.
func AppendResponse(dst []byte, hdr RequestHeader, resp kmsg.Response) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = kbin.AppendInt32(dst, hdr.CorrelationID)
	resp.SetVersion(hdr.Version)
	if responseHeaderFlexible(resp.Key(), resp.IsFlexible()) {
		dst = append(dst, 0) // no tagged fields
	}
	dst = resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// responseHeaderFlexible reports whether a response uses header v1: every
// flexible response except ApiVersions, whose header stays v0 so a client
// that does not yet know the broker's versions can read it.
func responseHeaderFlexible(key int16, flexible bool) bool {
	return flexible && key != keyApiVersions
}
