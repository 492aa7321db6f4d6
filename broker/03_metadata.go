package broker

// Metadata, versions 0-9 (Kafka 2.4.1: 0-9; v9 is flexible).
//
// Answers from the metadata cache only (filled by UpdateMetadata), with
// the endpoints of the listener the request came in on. A partition whose
// leader is not live answers LEADER_NOT_AVAILABLE with leader -1. An
// unknown topic is created when the request allows it (always before v4)
// and auto.create.topics.enable is set: the assignment is computed over the
// live brokers of the cache and written through the coordinator, and the
// topic answers LEADER_NOT_AVAILABLE until the controller has elected
// leaders. Differs: authorized operations (v8+) are not computed and left
// at Kafka's "not requested" value; v0's REPLICA_NOT_AVAILABLE for missing
// replica endpoints is not produced.

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

// isInternalTopic: Kafka's internal topics (IsInternal in Metadata).
func isInternalTopic(t string) bool { return t == "__consumer_offsets" || t == "__transaction_state" }

func (s *Server) handleMetadata(ctx context.Context, c *conn, req *kmsg.MetadataRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	for _, b := range s.meta.liveBrokers() {
		ep, ok := b.endpoints[c.listener.Name]
		if !ok {
			continue
		}
		rb := kmsg.NewMetadataResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = b.id, ep.host, ep.port, b.rack
		resp.Brokers = append(resp.Brokers, rb)
	}
	cid := s.ClusterID()
	resp.ClusterID = &cid
	resp.ControllerID = s.meta.controllerID()

	var names []string
	all := req.Topics == nil || (req.Version == 0 && len(req.Topics) == 0)
	if all {
		names = s.meta.topicNames()
	} else {
		seen := map[string]bool{}
		for _, t := range req.Topics {
			if t.Topic == nil || seen[*t.Topic] {
				continue
			}
			seen[*t.Topic] = true
			names = append(names, *t.Topic)
		}
	}
	allowCreate := req.Version < 4 || req.AllowAutoTopicCreation
	for _, name := range names {
		resp.Topics = append(resp.Topics, s.topicMetadata(ctx, name, !all && allowCreate))
	}
	return resp, nil
}

// topicMetadata describes one topic, maybe creating it.
func (s *Server) topicMetadata(ctx context.Context, name string, allowCreate bool) kmsg.MetadataResponseTopic {
	rt := kmsg.NewMetadataResponseTopic()
	rt.Topic = kmsg.StringPtr(name)
	rt.IsInternal = isInternalTopic(name)
	parts, ok := s.meta.topic(name)
	if !ok {
		switch {
		case coordinator.ValidateTopicName(name) != nil:
			rt.ErrorCode = kerr.InvalidTopicException.Code
		case name == offsetsTopic:
			// Created whatever the request says, as Kafka does.
			err := s.createOffsetsTopic(ctx)
			if errors.Is(err, kerr.CoordinatorNotAvailable) {
				err = kerr.InvalidReplicationFactor
			}
			rt.ErrorCode = errorCode(err)
		case allowCreate && s.cfg.Topics.AutoCreateTopicsEnable && !isInternalTopic(name):
			rt.ErrorCode = errorCode(s.autoCreateTopic(ctx, name))
		default:
			rt.ErrorCode = kerr.UnknownTopicOrPartition.Code
		}
		return rt
	}
	ids := make([]int32, 0, len(parts))
	for id := range parts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		p := parts[id]
		rp := kmsg.NewMetadataResponseTopicPartition()
		rp.Partition = id
		rp.Leader = p.leader
		rp.LeaderEpoch = p.leaderEpoch
		rp.Replicas = nonNil(p.replicas)
		rp.ISR = nonNil(p.isr)
		rp.OfflineReplicas = nonNil(p.offline)
		if _, live := s.meta.broker(p.leader); !live {
			rp.ErrorCode = kerr.LeaderNotAvailable.Code
			rp.Leader = -1
		}
		rt.Partitions = append(rt.Partitions, rp)
	}
	return rt
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

// autoCreateTopic creates name with the broker defaults (Kafka's
// KafkaApis.createTopic) and returns the error the topic answers with:
// LEADER_NOT_AVAILABLE when created or already being created.
func (s *Server) autoCreateTopic(ctx context.Context, name string) error {
	assignment, err := s.assign(s.cfg.Topics.NumPartitions, int32(s.cfg.Topics.DefaultReplicationFactor), -1, 0)
	if err != nil {
		s.apiLog.Warnf("Auto creation of topic %s failed: %v", name, err)
		return err
	}
	err = s.deps.Admin.CreateTopic(ctx, name, assignment, nil)
	switch {
	case err == nil:
		s.apiLog.Infof("Auto creation of topic %s with %d partitions and replication factor %d is successful",
			name, s.cfg.Topics.NumPartitions, s.cfg.Topics.DefaultReplicationFactor)
		return kerr.LeaderNotAvailable
	case errors.Is(err, coordinator.ErrTopicExists):
		return kerr.LeaderNotAvailable
	}
	s.apiLog.Warnf("Auto creation of topic %s failed: %v", name, err)
	return err
}

const offsetsTopic = "__consumer_offsets"

// createOffsetsTopic creates __consumer_offsets with the offsets.topic.*
// settings (KafkaApis.createInternalTopic) and returns
// LEADER_NOT_AVAILABLE when created or already being created, or
// COORDINATOR_NOT_AVAILABLE while fewer brokers are live than its
// replication factor. The group coordinator calls it for FindCoordinator.
func (s *Server) createOffsetsTopic(ctx context.Context) error {
	rf := s.cfg.OffsetsTopic.ReplicationFactor
	if live := len(s.meta.liveBrokers()); live < int(rf) {
		s.apiLog.Errorf("Number of alive brokers '%d' does not meet the required replication factor '%d' for the offsets topic (configured via 'offsets.topic.replication.factor'). This error can be ignored if the cluster is starting up and not all brokers are up yet.", live, rf)
		return kerr.CoordinatorNotAvailable
	}
	assignment, err := s.assign(s.cfg.OffsetsTopic.NumPartitions, int32(rf), -1, 0)
	if err != nil {
		return err
	}
	configs := map[string]string{
		"cleanup.policy":   "compact",
		"segment.bytes":    strconv.FormatInt(s.cfg.OffsetsTopic.SegmentBytes, 10),
		"compression.type": "producer",
	}
	err = s.deps.Admin.CreateTopic(ctx, offsetsTopic, assignment, configs)
	if err == nil || errors.Is(err, coordinator.ErrTopicExists) {
		return kerr.LeaderNotAvailable
	}
	return err
}

// assign computes a replica assignment over the live brokers of the
// metadata cache (AdminUtils.assignReplicasToBrokers, rack-aware when every
// broker has a rack). RF above the live brokers is INVALID_REPLICATION_FACTOR
// with Kafka's message.
func (s *Server) assign(partitions, rf int32, startIndex, startPartition int32) (map[int32][]int32, error) {
	live := s.meta.liveBrokers()
	if rf > int32(len(live)) {
		return nil, newAPIError(kerr.InvalidReplicationFactor,
			fmt.Sprintf("Replication factor: %d larger than available brokers: %d.", rf, len(live)))
	}
	if err := checkAssignmentFits(startPartition+partitions, rf); err != nil {
		return nil, err
	}
	brokers := make([]coordinator.BrokerMeta, len(live))
	for i, b := range live {
		brokers[i] = coordinator.BrokerMeta{ID: b.id, Rack: b.rack}
	}
	rnd := rand.New(rand.NewSource(s.now().UnixNano()))
	return coordinator.AssignReplicas(brokers, partitions, rf, startIndex, startPartition, rnd)
}
