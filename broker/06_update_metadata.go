package broker

// UpdateMetadata, versions 0-6 (Kafka 2.4.1: 0-6; IBP 2.4-IV1 sends v6,
// flexible).
//
// The only source of the metadata cache, as in Kafka: live brokers with
// their endpoints per listener (v0: host/port of PLAINTEXT; v1-2: listener
// named by its security protocol; v3+: listener names), the controller id
// (< 0 = none) and partition states; leader -2 deletes a partition.
// Fenced by controller epoch and broker epoch like LeaderAndIsr.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleUpdateMetadata(_ context.Context, _ *conn, req *kmsg.UpdateMetadataRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.UpdateMetadataResponse)
	if err := s.checkBrokerEpoch(req.BrokerEpoch); err != nil {
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	s.parts.stateChange.Lock()
	defer s.parts.stateChange.Unlock()
	if err := s.parts.checkControllerEpoch(req.ControllerEpoch, req.ControllerID, "UpdateMetadata"); err != nil {
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	s.meta.update(req)
	return resp, nil
}
