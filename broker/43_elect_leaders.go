package broker

// ElectLeaders, versions 0-2 (Kafka 2.4.1: 0-2; v1 adds the election type
// and the top-level error code, v2 is flexible).
//
// As KafkaApis.handleElectReplicaLeader and ReplicaManager.electLeaders:
// the coordinator's controller runs the election in its event queue (only
// the active controller does; any other broker answers NOT_CONTROLLER per
// partition, with no message, and a top-level NONE). A null partition list
// means every partition this broker's metadata knows, and then partitions
// whose election was not needed are left out of the answer. Elected
// partitions are answered once this broker's metadata shows the new leader
// (DelayedElectLeader), or REQUEST_TIMED_OUT at timeout_ms; the election
// itself is not bounded by it, as in Kafka (see controllerWaitFloor).
// Kafka sends ELECTION_NOT_NEEDED at v0 as well; so do we.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

// electResult is one partition's answer.
type electResult struct {
	tp     coordinator.TopicPartition
	code   int16
	msg    *string
	leader int32 // awaited in the metadata cache when code is 0
}

func (s *Server) handleElectLeaders(ctx context.Context, c *conn, req *kmsg.ElectLeadersRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.ElectLeadersResponse)
	all := req.Topics == nil
	var tps []coordinator.TopicPartition
	if all {
		tps = s.allCachedPartitions()
	} else {
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				tps = append(tps, coordinator.TopicPartition{Topic: t.Topic, Partition: p})
			}
		}
	}
	typ := coordinator.ElectionPreferred
	if req.GetVersion() >= 1 {
		typ = coordinator.ElectionType(req.ElectionType)
	}
	deadline := c.deadline(req.TimeoutMillis)
	ectx, cancel := controllerCallContext(ctx, c, req.TimeoutMillis)
	defer cancel()
	var want []coordinator.TopicPartition
	if !all {
		want = tps
	}
	results, err := s.deps.Node.ElectLeaders(ectx, typ, want)
	var out []electResult
	switch {
	case errors.Is(err, coordinator.ErrInvalidElectionType):
		// Kafka fails the whole request (ElectionType.valueOf throws):
		// every listed partition and the top level carry the error, the
		// partitions with the exception's message.
		resp.ErrorCode = kerr.UnknownServerError.Code
		out = eachPartition(tps, kerr.UnknownServerError.Code)
		msg := fmt.Sprintf("Value %d must be one of [PREFERRED, UNCLEAN]", req.ElectionType)
		for i := range out {
			out[i].msg = &msg
		}
	case err != nil:
		code := kerr.NotController.Code
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			code = kerr.RequestTimedOut.Code
		} else if !errors.Is(err, coordinator.ErrNotController) && !errors.Is(err, coordinator.ErrClosed) {
			s.apiLog.WithError(err).Warn("leader election failed")
			code = kerr.UnknownServerError.Code
		}
		out = eachPartition(tps, code)
	default:
		for _, r := range results {
			if r.Err == nil {
				out = append(out, electResult{tp: r.Partition, leader: r.Leader})
				continue
			}
			ke := errorFor(r.Err)
			if all && ke == kerr.ElectionNotNeeded {
				continue
			}
			out = append(out, electResult{tp: r.Partition, code: ke.Code, msg: errorMessage(r.Err)})
		}
		s.awaitLeaders(ctx, deadline, out)
	}
	resp.Topics = electResponseTopics(out)
	return resp, nil
}

// awaitLeaders waits until the metadata cache shows every elected leader
// (DelayedElectLeader); the ones still missing at the deadline time out.
func (s *Server) awaitLeaders(ctx context.Context, deadline time.Time, out []electResult) {
	shown := func(r electResult) bool {
		p, ok := s.meta.partition(storage.TopicPartition{Topic: r.tp.Topic, Partition: r.tp.Partition})
		return ok && p.leader == r.leader
	}
	done := func() bool {
		for _, r := range out {
			if r.code == 0 && !shown(r) {
				return false
			}
		}
		return true
	}
	if waitUntil(ctx, deadline, []*waitList{&s.meta.changed}, done) {
		return
	}
	for i, r := range out {
		if r.code == 0 && !shown(r) {
			out[i].code = kerr.RequestTimedOut.Code
		}
	}
}

// allCachedPartitions is metadataCache.getAllPartitions: every partition
// this broker's metadata knows, sorted.
func (s *Server) allCachedPartitions() []coordinator.TopicPartition {
	tps := []coordinator.TopicPartition{}
	for _, t := range s.meta.topicNames() {
		parts, _ := s.meta.topic(t)
		for p := range parts {
			tps = append(tps, coordinator.TopicPartition{Topic: t, Partition: p})
		}
	}
	sortPartitions(tps)
	return tps
}

func eachPartition(tps []coordinator.TopicPartition, code int16) []electResult {
	out := make([]electResult, 0, len(tps))
	seen := map[coordinator.TopicPartition]bool{}
	for _, tp := range tps {
		if !seen[tp] {
			seen[tp] = true
			out = append(out, electResult{tp: tp, code: code})
		}
	}
	return out
}

func sortPartitions(tps []coordinator.TopicPartition) {
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
}

// electResponseTopics groups the results by topic, in topic order.
func electResponseTopics(out []electResult) []kmsg.ElectLeadersResponseTopic {
	sort.SliceStable(out, func(i, j int) bool { return out[i].tp.Topic < out[j].tp.Topic })
	var topics []kmsg.ElectLeadersResponseTopic
	for _, r := range out {
		if len(topics) == 0 || topics[len(topics)-1].Topic != r.tp.Topic {
			rt := kmsg.NewElectLeadersResponseTopic()
			rt.Topic = r.tp.Topic
			topics = append(topics, rt)
		}
		rp := kmsg.NewElectLeadersResponseTopicPartition()
		rp.Partition, rp.ErrorCode, rp.ErrorMessage = r.tp.Partition, r.code, r.msg
		t := &topics[len(topics)-1]
		t.Partitions = append(t.Partitions, rp)
	}
	return topics
}
