package controller

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Control request versions for inter.broker.protocol.version 2.4-IV1.
const (
	LeaderAndISRVersion   int16 = 4
	UpdateMetadataVersion int16 = 6
	StopReplicaVersion    int16 = 2
)

// Cluster is the controller's view that Build reads: who is alive, and the
// leadership and assignment of each partition.
type Cluster struct {
	ControllerID, ControllerEpoch int32
	// Brokers are the live brokers, including those shutting down.
	Brokers map[int32]Broker
	// ShuttingDown are brokers in controlled shutdown: their replicas are
	// listed as offline in UpdateMetadata, as Kafka does.
	ShuttingDown map[int32]bool
	// Listener is the inter-broker listener: its endpoint of each leader
	// goes into LeaderAndIsr's live_leaders.
	Listener string
	// OfflineReplica reports a replica on a failed log dir of a live
	// broker (nil: none); UpdateMetadata lists it offline, as Kafka's
	// replicasOnOfflineDirs.
	OfflineReplica func(tp TopicPartition, broker int32) bool
	// Partition returns a partition's leadership, replicas and whether its
	// topic is being deleted; ok is false when the controller has no
	// leadership for it.
	Partition func(TopicPartition) (state PartitionState, replicas []int32, deleting bool, ok bool)
}

type laiEntry struct {
	state    PartitionState
	replicas []int32
	isNew    bool
}

// Batch collects the control requests of one controller event, as Kafka's
// ControllerBrokerRequestBatch does, and builds them per broker in the
// order LeaderAndIsr, UpdateMetadata, StopReplica.
type Batch struct {
	leaderAndISR map[int32]map[TopicPartition]laiEntry
	umBrokers    map[int32]bool
	umPartitions map[TopicPartition]bool
	stopReplica  map[int32]map[TopicPartition]bool // value: delete
	// reassigning: the adding and removing replicas of partitions being
	// reassigned, which every LeaderAndIsr for them carries.
	reassigning map[TopicPartition]ReplicaChanges
}

// ReplicaChanges are a reassigned partition's adding and removing replicas
// (ReplicaAssignment.addingReplicas and removingReplicas in Kafka).
type ReplicaChanges struct {
	Adding, Removing []int32
}

// NewBatch returns an empty batch.
func NewBatch() *Batch {
	return &Batch{
		leaderAndISR: map[int32]map[TopicPartition]laiEntry{},
		umBrokers:    map[int32]bool{},
		umPartitions: map[TopicPartition]bool{},
		stopReplica:  map[int32]map[TopicPartition]bool{},
		reassigning:  map[TopicPartition]ReplicaChanges{},
	}
}

// Empty reports whether nothing was added.
func (b *Batch) Empty() bool {
	return len(b.leaderAndISR) == 0 && len(b.umBrokers) == 0 && len(b.stopReplica) == 0
}

// AddLeaderAndISR queues LeaderAndIsr for tp to brokers and, as Kafka does,
// UpdateMetadata for tp to all live brokers (umBrokers).
func (b *Batch) AddLeaderAndISR(brokers []int32, tp TopicPartition, s PartitionState, replicas []int32, isNew bool, umBrokers []int32) {
	for _, id := range brokers {
		m := b.leaderAndISR[id]
		if m == nil {
			m = map[TopicPartition]laiEntry{}
			b.leaderAndISR[id] = m
		}
		prev, had := m[tp]
		m[tp] = laiEntry{state: s, replicas: replicas, isNew: isNew || (had && prev.isNew)}
	}
	b.AddUpdateMetadata(umBrokers, tp)
}

// SetReassigning records that tp is being reassigned: LeaderAndIsr v3+
// carries its adding and removing replicas, as ControllerChannelManager
// copies them from the controller context's full replica assignment.
// Without it both lists go out empty, which is right for a partition that
// is not being reassigned. The last call for a partition wins.
func (b *Batch) SetReassigning(tp TopicPartition, ch ReplicaChanges) {
	b.reassigning[tp] = ReplicaChanges{Adding: copyInt32s(ch.Adding), Removing: copyInt32s(ch.Removing)}
}

// AddUpdateMetadata queues UpdateMetadata to brokers carrying tps (none:
// only the live broker list).
func (b *Batch) AddUpdateMetadata(brokers []int32, tps ...TopicPartition) {
	for _, id := range brokers {
		b.umBrokers[id] = true
	}
	for _, tp := range tps {
		b.umPartitions[tp] = true
	}
}

// AddStopReplica queues StopReplica for tp to broker; the last call for a
// partition wins. Kafka's deletion sends delete=false and then delete=true
// in two batches, and so does the coordinator.
func (b *Batch) AddStopReplica(broker int32, tp TopicPartition, deletePartition bool) {
	m := b.stopReplica[broker]
	if m == nil {
		m = map[TopicPartition]bool{}
		b.stopReplica[broker] = m
	}
	m[tp] = deletePartition
}

// Outgoing is one request for one broker.
type Outgoing struct {
	Broker  int32
	Request kmsg.Request
}

func sortedIDs[V any](m map[int32]V) []int32 {
	ids := make([]int32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func sortedTPs[V any](m map[TopicPartition]V) []TopicPartition {
	tps := make([]TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	return tps
}

func copyInt32s(xs []int32) []int32 { return append([]int32{}, xs...) }

// Build returns the requests of the batch; requests for brokers not in
// c.Brokers are dropped (they are dead: Kafka's sender has no queue for
// them). The batch is reset.
func (b *Batch) Build(c Cluster) []Outgoing {
	var out []Outgoing
	for _, id := range sortedIDs(b.leaderAndISR) {
		target, ok := c.Brokers[id]
		if !ok {
			continue
		}
		req := kmsg.NewPtrLeaderAndISRRequest()
		req.SetVersion(LeaderAndISRVersion)
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = c.ControllerID, c.ControllerEpoch, target.Epoch
		leaders := map[int32]bool{}
		var topic *kmsg.LeaderAndISRRequestTopicState
		for _, tp := range sortedTPs(b.leaderAndISR[id]) {
			e := b.leaderAndISR[id][tp]
			if topic == nil || topic.Topic != tp.Topic {
				req.TopicStates = append(req.TopicStates, kmsg.LeaderAndISRRequestTopicState{Topic: tp.Topic})
				topic = &req.TopicStates[len(req.TopicStates)-1]
			}
			p := kmsg.NewLeaderAndISRRequestTopicPartition()
			p.Partition = tp.Partition
			p.ControllerEpoch = e.state.ControllerEpoch
			p.Leader = e.state.Leader
			p.LeaderEpoch = e.state.LeaderEpoch
			p.ISR = copyInt32s(e.state.ISR)
			p.ZKVersion = e.state.ZkVersion
			p.Replicas = copyInt32s(e.replicas)
			ch := b.reassigning[tp]
			p.AddingReplicas = copyInt32s(ch.Adding)
			p.RemovingReplicas = copyInt32s(ch.Removing)
			p.IsNew = e.isNew
			topic.PartitionStates = append(topic.PartitionStates, p)
			leaders[e.state.Leader] = true
		}
		for _, lid := range sortedIDs(leaders) {
			lb, ok := c.Brokers[lid]
			if !ok {
				continue
			}
			for _, ep := range lb.Endpoints {
				if ep.Listener == c.Listener {
					req.LiveLeaders = append(req.LiveLeaders, kmsg.LeaderAndISRRequestLiveLeader{BrokerID: lid, Host: ep.Host, Port: ep.Port})
					break
				}
			}
		}
		out = append(out, Outgoing{Broker: id, Request: req})
	}
	if len(b.umBrokers) > 0 {
		var topicStates []kmsg.UpdateMetadataRequestTopicState
		var topic *kmsg.UpdateMetadataRequestTopicState
		for _, tp := range sortedTPs(b.umPartitions) {
			s, replicas, deleting, ok := c.Partition(tp)
			if !ok {
				continue
			}
			if topic == nil || topic.Topic != tp.Topic {
				topicStates = append(topicStates, kmsg.UpdateMetadataRequestTopicState{Topic: tp.Topic})
				topic = &topicStates[len(topicStates)-1]
			}
			p := kmsg.NewUpdateMetadataRequestTopicPartition()
			p.Partition = tp.Partition
			p.ControllerEpoch = s.ControllerEpoch
			p.Leader = s.Leader
			if deleting {
				p.Leader = LeaderDuringDelete
			}
			p.LeaderEpoch = s.LeaderEpoch
			p.ISR = copyInt32s(s.ISR)
			p.ZKVersion = s.ZkVersion
			p.Replicas = copyInt32s(replicas)
			p.OfflineReplicas = []int32{}
			for _, r := range replicas {
				if _, live := c.Brokers[r]; !live || c.ShuttingDown[r] || (c.OfflineReplica != nil && c.OfflineReplica(tp, r)) {
					p.OfflineReplicas = append(p.OfflineReplicas, r)
				}
			}
			topic.PartitionStates = append(topic.PartitionStates, p)
		}
		var live []kmsg.UpdateMetadataRequestLiveBroker
		for _, id := range sortedIDs(c.Brokers) {
			br := c.Brokers[id]
			lb := kmsg.NewUpdateMetadataRequestLiveBroker()
			lb.ID = id
			lb.Rack = br.Rack
			for _, ep := range br.Endpoints {
				e := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
				e.Port, e.Host, e.ListenerName = ep.Port, ep.Host, ep.Listener
				e.SecurityProtocol = securityProtocolID(ep.SecurityProtocol)
				lb.Endpoints = append(lb.Endpoints, e)
			}
			live = append(live, lb)
		}
		for _, id := range sortedIDs(b.umBrokers) {
			target, ok := c.Brokers[id]
			if !ok {
				continue
			}
			req := kmsg.NewPtrUpdateMetadataRequest()
			req.SetVersion(UpdateMetadataVersion)
			req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = c.ControllerID, c.ControllerEpoch, target.Epoch
			req.TopicStates = topicStates
			req.LiveBrokers = live
			out = append(out, Outgoing{Broker: id, Request: req})
		}
	}
	for _, id := range sortedIDs(b.stopReplica) {
		target, ok := c.Brokers[id]
		if !ok {
			continue
		}
		for _, del := range []bool{false, true} {
			req := kmsg.NewPtrStopReplicaRequest()
			req.SetVersion(StopReplicaVersion)
			req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = c.ControllerID, c.ControllerEpoch, target.Epoch
			req.DeletePartitions = del
			var topic *kmsg.StopReplicaRequestTopic
			for _, tp := range sortedTPs(b.stopReplica[id]) {
				if b.stopReplica[id][tp] != del {
					continue
				}
				if topic == nil || topic.Topic != tp.Topic {
					req.Topics = append(req.Topics, kmsg.StopReplicaRequestTopic{Topic: tp.Topic})
					topic = &req.Topics[len(req.Topics)-1]
				}
				topic.Partitions = append(topic.Partitions, tp.Partition)
			}
			if len(req.Topics) > 0 {
				out = append(out, Outgoing{Broker: id, Request: req})
			}
		}
	}
	*b = *NewBatch()
	return out
}

func securityProtocolID(name string) int16 {
	switch name {
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return 0
}
