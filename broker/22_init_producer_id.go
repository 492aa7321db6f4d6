package broker

// InitProducerId, versions 0-2 (Kafka 2.4.1: 0-2; v2 is flexible).
//
// Idempotent producers (no transactional id) get a new producer id with
// epoch 0, like Kafka's ProducerIdManager: ids come from blocks of 1000
// claimed in /latest_producer_id_block through the coordinator.
// Differs: there is no transaction coordinator, so a transactional id is
// refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (not retriable, so
// clients fail fast instead of looping); the broker does not yet check
// idempotent sequence numbers on produce.

import (
	"context"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// producerIDs hands out producer ids from the current block.
type producerIDs struct {
	mu        sync.Mutex // held across claiming a block: requests wait their turn
	next, end int64      // next id to give; end of the block, inclusive
	claimed   bool       // a block was claimed
}

func (s *Server) handleInitProducerID(ctx context.Context, _ *conn, req *kmsg.InitProducerIDRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		resp.ErrorCode = kerr.TransactionalIDAuthorizationFailed.Code
		return resp, nil
	}
	id, err := s.nextProducerID(ctx)
	if err != nil {
		s.apiLog.Warnf("Claiming a producer id block failed: %v", err)
		// Retriable: the client tries again (ZooKeeper may be back).
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return resp, nil
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return resp, nil
}

func (s *Server) nextProducerID(ctx context.Context) (int64, error) {
	p := &s.pids
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.claimed || p.next > p.end {
		start, end, err := s.deps.Node.NewProducerIDBlock(ctx)
		if err != nil {
			return 0, err
		}
		p.next, p.end, p.claimed = start, end, true
	}
	id := p.next
	p.next++
	return id, nil
}
