package broker

// ApiVersions, versions 0-3 (Kafka 2.4.1: 0-3).
//
// The answer is the dispatch table, exactly. A request of a version newer
// than 3 is answered (in conn.go) at v0 with UNSUPPORTED_VERSION and the
// table, so a newer client retries with v3, as Kafka does (KIP-511).
// v3's client_software_name/version are accepted and not validated
// (Kafka 2.4 answers INVALID_REQUEST for names outside [a-zA-Z0-9.-]).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleApiVersions(_ context.Context, _ *conn, req *kmsg.ApiVersionsRequest) (kmsg.Response, error) {
	resp := s.apis.versionsResponse()
	resp.SetVersion(req.Version)
	return resp, nil
}
