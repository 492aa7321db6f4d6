package broker

// ControlledShutdown, versions 0-3 (Kafka 2.4.1: 0-3; v3 is flexible; v0
// has no client id in its header).
//
// Another broker asks the controller, before it stops, to move its
// leaderships away (KafkaController.doControlledShutdown): the coordinator's
// controller does the work; this file only carries the request. Not the
// controller: NOT_CONTROLLER; an older registration of that broker:
// STALE_BROKER_EPOCH; a broker the controller does not know as live:
// BROKER_NOT_AVAILABLE. The partitions it still leads are returned and the
// broker retries until none remain.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleControlledShutdown(ctx context.Context, _ *conn, req *kmsg.ControlledShutdownRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ControlledShutdownResponse)
	s.apiLog.Infof("Shutting down broker %d", req.BrokerID)
	remaining, err := s.deps.Node.HandleControlledShutdown(ctx, req.BrokerID, req.BrokerEpoch)
	if errors.Is(err, coordinator.ErrClosed) {
		err = coordinator.ErrNotController
	}
	if err != nil {
		s.apiLog.Infof("Controlled shutdown of broker %d failed: %v", req.BrokerID, err)
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	for _, tp := range remaining {
		rp := kmsg.NewControlledShutdownResponsePartitionsRemaining()
		rp.Topic, rp.Partition = tp.Topic, tp.Partition
		resp.PartitionsRemaining = append(resp.PartitionsRemaining, rp)
	}
	return resp, nil
}
