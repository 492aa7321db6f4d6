package broker

// CreateTopics, versions 0-5 (Kafka 2.4.1: 0-5; v5 is flexible).
//
// As Kafka's AdminManager.createTopics: only the controller accepts it
// (else NOT_CONTROLLER); a name given twice is INVALID_REQUEST; names,
// partition counts, replication factors, assignments and configs are
// validated with Kafka's messages; -1 partitions or replication factor
// (v4+) take num.partitions and default.replication.factor; validate_only
// stops before writing. The topic is written to ZooKeeper through the
// coordinator, then the request waits (up to timeout_ms, like Kafka's
// DelayedCreatePartitions) until every new partition has a live leader in
// the metadata cache; topics still waiting then answer REQUEST_TIMED_OUT.
// v5 answers the partition count, replication factor and configs.
// Differs: create.topic.policy.class.name is not supported.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleCreateTopics(ctx context.Context, c *conn, req *kmsg.CreateTopicsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	counts := map[string]int{}
	for _, t := range req.Topics {
		counts[t.Topic]++
	}
	var dups []string
	for t, n := range counts {
		if n > 1 {
			dups = append(dups, t)
		}
	}
	sort.Strings(dups)

	type pending struct {
		idx        int
		partitions int32
	}
	var waits []pending
	done := map[string]bool{}
	for _, t := range req.Topics {
		if done[t.Topic] {
			continue
		}
		done[t.Topic] = true
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		var err error
		var partitions int32
		switch {
		case !s.deps.Node.IsController():
			err = kerr.NotController
		case counts[t.Topic] > 1:
			err = newAPIError(kerr.InvalidRequest, fmt.Sprintf("Create topics request from client `%s` contains multiple entries for the following topics: %s",
				c.clientAddr(), strings.Join(dups, ",")))
		default:
			var settings topicSettings
			partitions, settings, err = s.createTopic(ctx, t, req.ValidateOnly)
			if err == nil && req.Version >= 5 {
				rt.NumPartitions = partitions
				rt.ReplicationFactor = t.ReplicationFactor
				if rt.ReplicationFactor == -1 {
					rt.ReplicationFactor = s.cfg.Topics.DefaultReplicationFactor
				}
				if len(t.ReplicaAssignment) > 0 {
					rt.ReplicationFactor = int16(len(t.ReplicaAssignment[0].Replicas))
				}
				for _, e := range s.describeTopicSettings(settings, overridesOf(t.Configs), nil, false) {
					rc := kmsg.NewCreateTopicsResponseTopicConfig()
					rc.Name, rc.Value, rc.ReadOnly, rc.Source, rc.IsSensitive = e.Name, e.Value, e.ReadOnly, int8(e.Source), e.IsSensitive
					rt.Configs = append(rt.Configs, rc)
				}
			}
		}
		if err != nil {
			if req.Version >= 5 {
				rt.NumPartitions, rt.ReplicationFactor = -1, -1
			}
			rt.ErrorCode = errorCode(err)
			if req.Version >= 1 {
				rt.ErrorMessage = errorMessage(err)
			}
			s.apiLog.Infof("Error processing create topic request CreatableTopic(name=%s, numPartitions=%d, replicationFactor=%d): %v",
				t.Topic, t.NumPartitions, t.ReplicationFactor, err)
		} else if !req.ValidateOnly {
			waits = append(waits, pending{idx: len(resp.Topics), partitions: partitions})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if len(waits) == 0 || req.TimeoutMillis <= 0 {
		return resp, nil
	}
	ready := func() bool {
		for _, w := range waits {
			if !s.meta.hasLeaders(resp.Topics[w.idx].Topic, w.partitions) {
				return false
			}
		}
		return true
	}
	if !waitUntil(ctx, c.deadline(req.TimeoutMillis), []*waitList{&s.meta.changed}, ready) {
		for _, w := range waits {
			rt := &resp.Topics[w.idx]
			if !s.meta.hasLeaders(rt.Topic, w.partitions) {
				rt.ErrorCode = kerr.RequestTimedOut.Code
				if req.Version >= 1 {
					rt.ErrorMessage = kmsg.StringPtr("Operation timed out.")
				}
			}
		}
	}
	return resp, nil
}

func overridesOf(cfgs []kmsg.CreateTopicsRequestTopicConfig) map[string]string {
	out := make(map[string]string, len(cfgs))
	for _, c := range cfgs {
		if c.Value != nil {
			out[c.Name] = *c.Value
		}
	}
	return out
}

// createTopic validates one topic and, unless validateOnly, writes it.
// It returns the partition count and the merged settings.
func (s *Server) createTopic(ctx context.Context, t kmsg.CreateTopicsRequestTopic, validateOnly bool) (int32, topicSettings, error) {
	var none topicSettings
	if err := coordinator.ValidateTopicName(t.Topic); err != nil {
		return 0, none, newAPIError(kerr.InvalidTopicException, invalidTopicMessage(t.Topic))
	}
	if s.meta.hasTopic(t.Topic) {
		return 0, none, newAPIError(kerr.TopicAlreadyExists, fmt.Sprintf("Topic '%s' already exists.", t.Topic))
	}
	if len(t.ReplicaAssignment) > 0 && (t.NumPartitions != -1 || t.ReplicationFactor != -1) {
		return 0, none, newAPIError(kerr.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
	}
	for _, c := range t.Configs {
		if c.Value == nil {
			return 0, none, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Null value not supported for topic configs : %s", c.Name))
		}
	}
	overrides := overridesOf(t.Configs)
	settings, err := applyTopicConfig(s.cfg.defaultTopicSettings(), overrides)
	if err != nil {
		return 0, none, err
	}

	var assignment map[int32][]int32
	if len(t.ReplicaAssignment) > 0 {
		assignment, err = s.validateAssignment(t.ReplicaAssignment)
		if err != nil {
			return 0, none, err
		}
	} else {
		partitions, rf := t.NumPartitions, int32(t.ReplicationFactor)
		if partitions == -1 {
			partitions = s.cfg.Topics.NumPartitions
		}
		if rf == -1 {
			rf = int32(s.cfg.Topics.DefaultReplicationFactor)
		}
		if partitions <= 0 {
			return 0, none, newAPIError(kerr.InvalidPartitions, "Number of partitions must be larger than 0.")
		}
		if rf <= 0 {
			return 0, none, newAPIError(kerr.InvalidReplicationFactor, "Replication factor must be larger than 0.")
		}
		assignment, err = s.assign(partitions, rf, -1, 0)
		if err != nil {
			return 0, none, err
		}
	}
	if validateOnly {
		// Kafka's validateTopicCreate also checks ZooKeeper, where a topic
		// may exist that the cache has not heard of yet.
		if _, err := s.deps.Admin.TopicAssignment(ctx, t.Topic); err == nil {
			return 0, none, newAPIError(kerr.TopicAlreadyExists, fmt.Sprintf("Topic '%s' already exists.", t.Topic))
		}
		return int32(len(assignment)), settings, nil
	}
	if err := s.deps.Admin.CreateTopic(ctx, t.Topic, assignment, overrides); err != nil {
		if errors.Is(err, coordinator.ErrTopicExists) {
			return 0, none, newAPIError(kerr.TopicAlreadyExists, fmt.Sprintf("Topic '%s' already exists.", t.Topic))
		}
		return 0, none, err
	}
	return int32(len(assignment)), settings, nil
}

// validateAssignment checks a manual assignment: partitions 0..n-1, the
// same replication factor everywhere, no duplicate brokers, live brokers.
func (s *Server) validateAssignment(in []kmsg.CreateTopicsRequestTopicReplicaAssignment) (map[int32][]int32, error) {
	out := make(map[int32][]int32, len(in))
	rf := len(in[0].Replicas)
	for _, a := range in {
		if len(a.Replicas) == 0 {
			return nil, newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Replica assignment for partition %d is empty", a.Partition))
		}
		if len(a.Replicas) != rf {
			return nil, newAPIError(kerr.InvalidReplicaAssignment, "All partitions should have the same number of replicas")
		}
		seen := map[int32]bool{}
		for _, r := range a.Replicas {
			if seen[r] {
				return nil, newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Duplicate replica assignment found: %v", a.Replicas))
			}
			seen[r] = true
			if _, ok := s.meta.broker(r); !ok {
				return nil, newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Unknown broker id %d in replica assignment for partition %d", r, a.Partition))
			}
		}
		if _, dup := out[a.Partition]; dup {
			return nil, newAPIError(kerr.InvalidReplicaAssignment, fmt.Sprintf("Partition %d appears twice in the replica assignment", a.Partition))
		}
		out[a.Partition] = a.Replicas
	}
	for p := int32(0); p < int32(len(out)); p++ {
		if _, ok := out[p]; !ok {
			return nil, newAPIError(kerr.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
		}
	}
	return out, nil
}

// invalidTopicMessage is Kafka's Topic.validate message for name.
func invalidTopicMessage(name string) string {
	switch {
	case name == "":
		return "Topic name is illegal, it can't be empty"
	case name == "." || name == "..":
		return "Topic name cannot be \".\" or \"..\""
	case len(name) > 249:
		return fmt.Sprintf("Topic name is illegal, it can't be longer than 249 characters, topic name: %s", name)
	}
	return fmt.Sprintf("Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
}
