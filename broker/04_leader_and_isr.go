package broker

// LeaderAndIsr, versions 0-4 (Kafka 2.4.1: 0-4; the controller of IBP
// 2.4-IV1 sends v4, flexible).
//
// As Kafka: a request of an older controller epoch is rejected whole with
// STALE_CONTROLLER_EPOCH, one for an earlier registration of this broker
// with STALE_BROKER_EPOCH; each partition is applied only if its leader
// epoch is above ours (else STALE_CONTROLLER_EPOCH for it), and only if we
// are among its replicas (else UNKNOWN_TOPIC_OR_PARTITION). A new
// partition's log is created with the topic's /config/topics overrides
// merged over the broker defaults. A partition whose local replica is in
// an offline log dir answers KAFKA_STORAGE_ERROR before any other check, and
// so does one that is not new (is_new false) and has no log while a log dir
// is offline: its log may be in that dir (log_dir_failure.go). Differs:
// live_leaders is not used.

import (
	"context"
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleLeaderAndISR(ctx context.Context, _ *conn, req *kmsg.LeaderAndISRRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.LeaderAndISRResponse)
	var states []leaderAndISRPartition
	add := func(topic string, p kmsg.LeaderAndISRRequestTopicPartition) {
		states = append(states, leaderAndISRPartition{
			tp: storage.TopicPartition{Topic: topic, Partition: p.Partition},
			state: partitionState{
				leader: p.Leader, leaderEpoch: p.LeaderEpoch, controllerEpoch: p.ControllerEpoch,
				zkVersion: p.ZKVersion, replicas: p.Replicas, isr: p.ISR,
			},
			isNew: p.IsNew,
		})
	}
	for _, p := range req.PartitionStates {
		add(p.Topic, p)
	}
	for _, t := range req.TopicStates {
		for _, p := range t.PartitionStates {
			add(t.Topic, p)
		}
	}
	answer := func(errs map[storage.TopicPartition]error, all error) {
		for _, st := range states {
			rp := kmsg.NewLeaderAndISRResponseTopicPartition()
			rp.Topic, rp.Partition = st.tp.Topic, st.tp.Partition
			if all != nil {
				rp.ErrorCode = errorCode(all)
			} else {
				rp.ErrorCode = errorCode(errs[st.tp])
			}
			resp.Partitions = append(resp.Partitions, rp)
		}
		sort.Slice(resp.Partitions, func(i, j int) bool {
			a, b := resp.Partitions[i], resp.Partitions[j]
			return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
		})
	}

	if err := s.checkBrokerEpoch(req.BrokerEpoch); err != nil {
		s.apiLog.Infof("Received LeaderAndIsr request with broker epoch %d smaller than the current broker epoch %d", req.BrokerEpoch, s.deps.Node.BrokerEpoch())
		resp.ErrorCode = errorCode(err)
		answer(nil, err)
		return resp, nil
	}
	s.parts.stateChange.Lock()
	defer s.parts.stateChange.Unlock()
	if err := s.parts.checkControllerEpoch(req.ControllerEpoch, req.ControllerID, "LeaderAndIsr"); err != nil {
		resp.ErrorCode = errorCode(err)
		answer(nil, err)
		return resp, nil
	}
	answer(s.parts.becomeLeaderOrFollower(ctx, req.ControllerID, states), nil)
	return resp, nil
}
