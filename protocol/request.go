package protocol

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// API keys with header exceptions (ApiMessageTypeGenerator in Kafka).
const (
	keyControlledShutdown int16 = 7
	keyApiVersions        int16 = 18
)

// RequestHeader is a decoded request header.
type RequestHeader struct {
	Key, Version  int16
	CorrelationID int32
	ClientID      *string
	Flexible      bool // request header v2 (tagged fields)
}

// ParseRequest decodes header and body with kmsg. On ErrUnknownKey /
// ErrUnsupportedVersion the returned header is filled so the caller can
// answer (ApiVersions gets a v0 UNSUPPORTED_VERSION reply) and the request is
// nil.
//
// Header versions: v0 (no client id) for ControlledShutdown v0; v2 (client
// id as a non-compact nullable string, then tagged fields) when the request
// version is flexible; v1 (client id) otherwise. The returned request may
// alias frame (byte fields such as Produce records point into it), so frame
// must not be reused while the request is in use.
//
// Only what kmsg cannot decode is refused here; which versions the broker
// advertises and accepts is the broker's decision.
func ParseRequest(frame []byte) (RequestHeader, kmsg.Request, error) {
	var h RequestHeader
	if len(frame) < 8 {
		return h, nil, fmt.Errorf("%w: request of %d bytes is shorter than a request header", ErrMalformed, len(frame))
	}
	h.Key = int16(binary.BigEndian.Uint16(frame[0:]))
	h.Version = int16(binary.BigEndian.Uint16(frame[2:]))
	h.CorrelationID = int32(binary.BigEndian.Uint32(frame[4:]))

	req := kmsg.RequestForKey(h.Key)
	if req == nil {
		return h, nil, fmt.Errorf("%w: %d (version %d, correlation id %d)", ErrUnknownKey, h.Key, h.Version, h.CorrelationID)
	}
	name := kmsg.NameForKey(h.Key)
	supported := h.Version >= 0 && h.Version <= req.MaxVersion()
	// Flexibility only grows with the version, so a version above kmsg's
	// range takes the flexibility of the highest one: that is how a newer
	// client frames its header.
	req.SetVersion(max(0, min(h.Version, req.MaxVersion())))
	h.Flexible = req.IsFlexible()

	body, err := parseHeaderRest(&h, frame[8:])
	if !supported {
		return h, nil, fmt.Errorf("%w: %s v%d (kmsg decodes v0-v%d)", ErrUnsupportedVersion, name, h.Version, req.MaxVersion())
	}
	if err != nil {
		return h, nil, fmt.Errorf("%w: %s v%d header: %w", ErrMalformed, name, h.Version, err)
	}
	req.SetVersion(h.Version)
	if err := req.ReadFrom(body); err != nil {
		return h, nil, fmt.Errorf("%w: %s v%d body of %d bytes: %w", ErrMalformed, name, h.Version, len(body), err)
	}
	return h, req, nil
}

// parseHeaderRest reads the client id and tagged fields after the fixed
// part of the header and returns the body.
func parseHeaderRest(h *RequestHeader, rest []byte) ([]byte, error) {
	if h.Key == keyControlledShutdown && h.Version == 0 {
		return rest, nil
	}
	r := kbin.Reader{Src: rest}
	h.ClientID = r.NullableString()
	if h.Flexible {
		kmsg.SkipTags(&r)
	}
	if err := r.Complete(); err != nil {
		return nil, err
	}
	return r.Src, nil
}
