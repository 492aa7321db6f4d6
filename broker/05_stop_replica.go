package broker

// StopReplica, versions 0-2 (Kafka 2.4.1: 0-2; IBP 2.4-IV1 sends v2,
// flexible).
//
// As Kafka: fenced by controller epoch and broker epoch like LeaderAndIsr;
// delete_partitions=true removes the partition and deletes its log
// (storage renames the directory to <topic>-<p>.<uuid>-delete and removes
// it after file.delete.delay.ms); delete_partitions=false only stops the
// replica fetcher (none yet).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleStopReplica(_ context.Context, _ *conn, req *kmsg.StopReplicaRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.StopReplicaResponse)
	var tps []storage.TopicPartition
	for _, t := range req.Topics {
		if req.Version == 0 {
			tps = append(tps, storage.TopicPartition{Topic: t.Topic, Partition: t.Partition})
			continue
		}
		for _, p := range t.Partitions {
			tps = append(tps, storage.TopicPartition{Topic: t.Topic, Partition: p})
		}
	}
	answer := func(errs map[storage.TopicPartition]error, all error) *kmsg.StopReplicaResponse {
		resp.ErrorCode = errorCode(all)
		for _, tp := range tps {
			rp := kmsg.NewStopReplicaResponsePartition()
			rp.Topic, rp.Partition = tp.Topic, tp.Partition
			if all != nil {
				rp.ErrorCode = errorCode(all)
			} else {
				rp.ErrorCode = errorCode(errs[tp])
			}
			resp.Partitions = append(resp.Partitions, rp)
		}
		return resp
	}
	if err := s.checkBrokerEpoch(req.BrokerEpoch); err != nil {
		return answer(nil, err), nil
	}
	s.parts.stateChange.Lock()
	defer s.parts.stateChange.Unlock()
	if err := s.parts.checkControllerEpoch(req.ControllerEpoch, req.ControllerID, "StopReplica"); err != nil {
		return answer(nil, err), nil
	}
	return answer(s.parts.stopReplicas(tps, req.DeletePartitions), nil), nil
}
