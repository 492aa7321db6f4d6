package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The admin methods are Kafka's AdminZkClient: what kafka-topics
// --zookeeper does directly against ZooKeeper, and what the CreateTopics and
// DeleteTopics APIs do. They only write the topic's znodes; the controller
// does the rest. Error messages are Kafka's, as the tools print them.

// Brokers returns the registered brokers sorted by id, each with its epoch
// (the znode's czxid).
func (z *ZK) Brokers(ctx context.Context) ([]BrokerInfo, error) {
	ids, err := z.Children(ctx, BrokerIDsPath)
	if errors.Is(err, ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []BrokerInfo
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			continue // not a broker id; Kafka ignores such children too
		}
		b, err := z.Broker(ctx, int32(id))
		if errors.Is(err, ErrNoNode) {
			continue // went away meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Broker reads one broker registration.
func (z *ZK) Broker(ctx context.Context, id int32) (BrokerInfo, error) {
	data, st, err := z.Get(ctx, BrokerPath(id))
	if err != nil {
		return BrokerInfo{}, err
	}
	return DecodeBrokerInfo(id, data, st.Czxid)
}

// BrokerMetas returns id and rack of the registered brokers, sorted by id:
// the input of AssignReplicas on the ZooKeeper path.
func (z *ZK) BrokerMetas(ctx context.Context) ([]BrokerMeta, error) {
	bs, err := z.Brokers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BrokerMeta, len(bs))
	for i, b := range bs {
		out[i] = BrokerMeta{ID: b.ID, Rack: b.Rack}
	}
	return out, nil
}

// Topics lists the topics (children of /brokers/topics), sorted.
func (z *ZK) Topics(ctx context.Context) ([]string, error) {
	ts, err := z.Children(ctx, BrokerTopicsPath)
	if errors.Is(err, ErrNoNode) {
		return nil, nil
	}
	return ts, err
}

// TopicExists reports whether /brokers/topics/<t> exists.
func (z *ZK) TopicExists(ctx context.Context, topic string) (bool, error) {
	ok, _, err := z.Exists(ctx, TopicPath(topic))
	return ok, err
}

// validateTopicCreate is AdminZkClient.validateTopicCreate.
func (z *ZK) validateTopicCreate(ctx context.Context, topic string, assignment map[int32][]int32) error {
	if err := ValidateTopicName(topic); err != nil {
		return err
	}
	marked, _, err := z.Exists(ctx, DeleteTopicPath(topic))
	if err != nil {
		return err
	}
	if marked {
		// Kafka throws TopicExistsException here: both sentinels match.
		return &kafkaError{msg: fmt.Sprintf("Topic '%s' is marked for deletion.", topic), sentinels: []error{ErrMarkedForDeletion, ErrTopicExists}}
	}
	exists, err := z.TopicExists(ctx, topic)
	if err != nil {
		return err
	}
	if exists {
		return kafkaErrorf(ErrTopicExists, "Topic '%s' already exists.", topic)
	}
	if hasCollisionChars(topic) {
		all, err := z.Topics(ctx)
		if err != nil {
			return err
		}
		var colliding []string
		for _, t := range all {
			if t == topic {
				return kafkaErrorf(ErrTopicExists, "Topic '%s' already exists.", topic)
			}
			if collides(topic, t) {
				colliding = append(colliding, t)
			}
		}
		if len(colliding) > 0 {
			return kafkaErrorf(ErrInvalidTopic, "Topic '%s' collides with existing topics: %s", topic, strings.Join(colliding, ", "))
		}
	}
	return validateAssignment(assignment)
}

// CreateTopic is AdminZkClient.createTopicWithAssignment: validate, write
// /config/topics/<t> (always, even empty), then create /brokers/topics/<t>.
// The controller notices the new topic and elects leaders.
func (z *ZK) CreateTopic(ctx context.Context, topic string, assignment map[int32][]int32, config map[string]string) error {
	if err := z.validateTopicCreate(ctx, topic, assignment); err != nil {
		return err
	}
	if err := z.SetTopicConfig(ctx, topic, config); err != nil {
		return err
	}
	_, err := z.CreateRecursive(ctx, TopicPath(topic), EncodeTopicAssignment(assignment, nil, nil), ModePersistent)
	if errors.Is(err, ErrNodeExists) {
		return kafkaErrorf(ErrTopicExists, "Topic '%s' already exists.", topic)
	}
	return err
}

// ValidateCreateTopic runs CreateTopic's checks without writing (the
// validate_only flag of CreateTopics).
func (z *ZK) ValidateCreateTopic(ctx context.Context, topic string, assignment map[int32][]int32) error {
	return z.validateTopicCreate(ctx, topic, assignment)
}

// SetTopicConfig writes /config/topics/<t> (setData, or create when
// absent), as setOrCreateEntityConfigs does.
func (z *ZK) SetTopicConfig(ctx context.Context, topic string, config map[string]string) error {
	data := EncodeConfig(config)
	_, err := z.Set(ctx, TopicConfigPath(topic), data, -1)
	if errors.Is(err, ErrNoNode) {
		_, err = z.CreateRecursive(ctx, TopicConfigPath(topic), data, ModePersistent)
		if errors.Is(err, ErrNodeExists) {
			_, err = z.Set(ctx, TopicConfigPath(topic), data, -1)
		}
	}
	return err
}

// AddPartitions adds the partitions in assignment (new partition ids only,
// continuing the existing ones) to a topic by rewriting its assignment
// znode; the controller creates them. See AddPartitionsAssignment for
// Kafka's placement of the new replicas.
func (z *ZK) AddPartitions(ctx context.Context, topic string, assignment map[int32][]int32) error {
	data, st, err := z.Get(ctx, TopicPath(topic))
	if errors.Is(err, ErrNoNode) {
		return kafkaErrorf(ErrTopicNotFound, "Topic '%s' does not exist.", topic)
	}
	if err != nil {
		return err
	}
	cur, err := DecodeTopicAssignment(data)
	if err != nil {
		return err
	}
	if cur.beingReassigned() {
		return reassignmentInProgress(topic)
	}
	if len(assignment) == 0 {
		return kafkaErrorf(ErrInvalidPartitions, "The number of partitions for a topic can only be increased. Topic %s currently has %d partitions, %d would not be an increase.", topic, len(cur.Partitions), len(cur.Partitions))
	}
	rf := len(cur.Partitions[0])
	merged := make(map[int32][]int32, len(cur.Partitions)+len(assignment))
	for p, r := range cur.Partitions {
		merged[p] = r
	}
	for p, reps := range assignment {
		if _, ok := cur.Partitions[p]; ok {
			return kafkaErrorf(ErrInvalidReplicaAssignment, "Partition %d of topic %s already exists.", p, topic)
		}
		if len(reps) != rf {
			return kafkaErrorf(ErrInvalidReplicaAssignment, "Inconsistent replication factor between partitions, partition 0 has %d while partition %d has replication factor %d.", rf, p, len(reps))
		}
		merged[p] = reps
	}
	if err := validateAssignment(merged); err != nil {
		return err
	}
	// Conditional on the version read, so a concurrent change is not lost.
	_, err = z.Set(ctx, TopicPath(topic), EncodeTopicAssignment(merged, cur.Adding, cur.Removing), st.Version)
	return err
}

// TopicBeingReassigned fails with ErrReassignmentInProgress, in Kafka's
// words, when a partition of the topic has adding or removing replicas in
// its assignment znode (AdminManager.createPartitions refuses then, so the
// controller's reassignment and the new partitions cannot race).
func (z *ZK) TopicBeingReassigned(ctx context.Context, topic string) error {
	data, _, err := z.Get(ctx, TopicPath(topic))
	if errors.Is(err, ErrNoNode) {
		return kafkaErrorf(ErrTopicNotFound, "Topic '%s' does not exist.", topic)
	}
	if err != nil {
		return err
	}
	a, err := DecodeTopicAssignment(data)
	if err != nil {
		return fmt.Errorf("coordinator: topic %s: %w", topic, err)
	}
	if a.beingReassigned() {
		return reassignmentInProgress(topic)
	}
	return nil
}

func reassignmentInProgress(topic string) error {
	return kafkaErrorf(ErrReassignmentInProgress, "A partition reassignment is in progress for the topic '%s'.", topic)
}

// beingReassigned is ReplicaAssignment.isBeingReassigned for any partition.
func (a TopicAssignment) beingReassigned() bool {
	for _, r := range a.Adding {
		if len(r) > 0 {
			return true
		}
	}
	for _, r := range a.Removing {
		if len(r) > 0 {
			return true
		}
	}
	return false
}

// TopicAssignment returns partition -> replicas of a topic.
func (z *ZK) TopicAssignment(ctx context.Context, topic string) (map[int32][]int32, error) {
	data, _, err := z.Get(ctx, TopicPath(topic))
	if errors.Is(err, ErrNoNode) {
		return nil, kafkaErrorf(ErrTopicNotFound, "Topic '%s' does not exist.", topic)
	}
	if err != nil {
		return nil, err
	}
	a, err := DecodeTopicAssignment(data)
	if err != nil {
		return nil, fmt.Errorf("coordinator: topic %s: %w", topic, err)
	}
	return a.Partitions, nil
}

// PartitionState reads one partition's state znode.
func (z *ZK) PartitionState(ctx context.Context, tp TopicPartition) (PartitionState, error) {
	data, st, err := z.Get(ctx, PartitionStatePath(tp.Topic, tp.Partition))
	if err != nil {
		return PartitionState{}, err
	}
	return DecodePartitionState(data, st.Version)
}

// PartitionStates reads the state znodes of a topic's partitions; partitions
// the controller has not initialized yet are absent from the map.
func (z *ZK) PartitionStates(ctx context.Context, topic string) (map[int32]PartitionState, error) {
	parts, err := z.Children(ctx, TopicPartitionsPath(topic))
	if errors.Is(err, ErrNoNode) {
		ok, err := z.TopicExists(ctx, topic)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, kafkaErrorf(ErrTopicNotFound, "Topic '%s' does not exist.", topic)
		}
		return map[int32]PartitionState{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[int32]PartitionState, len(parts))
	for _, s := range parts {
		p, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			continue
		}
		st, err := z.PartitionState(ctx, TopicPartition{Topic: topic, Partition: int32(p)})
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[int32(p)] = st
	}
	return out, nil
}

// TopicConfig returns a topic's config overrides (empty if none).
func (z *ZK) TopicConfig(ctx context.Context, topic string) (map[string]string, error) {
	data, _, err := z.Get(ctx, TopicConfigPath(topic))
	if errors.Is(err, ErrNoNode) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodeConfig(data)
}

// MarkTopicForDeletion is AdminZkClient.deleteTopic: create
// /admin/delete_topics/<t> (null data); the controller deletes the topic.
func (z *ZK) MarkTopicForDeletion(ctx context.Context, topic string) error {
	exists, err := z.TopicExists(ctx, topic)
	if err != nil {
		return err
	}
	if !exists {
		return kafkaErrorf(ErrTopicNotFound, "Topic `%s` to delete does not exist", topic)
	}
	_, err = z.CreateRecursive(ctx, DeleteTopicPath(topic), nil, ModePersistent)
	if errors.Is(err, ErrNodeExists) {
		return kafkaErrorf(ErrMarkedForDeletion, "topic %s is already marked for deletion", topic)
	}
	return err
}

// TopicsMarkedForDeletion lists the children of /admin/delete_topics.
func (z *ZK) TopicsMarkedForDeletion(ctx context.Context) ([]string, error) {
	ts, err := z.Children(ctx, DeleteTopicsPath)
	if errors.Is(err, ErrNoNode) {
		return nil, nil
	}
	return ts, err
}

// ControllerID returns the active controller's broker id, false if none.
func (z *ZK) ControllerID(ctx context.Context) (int32, bool, error) {
	data, _, err := z.Get(ctx, ControllerPath)
	if errors.Is(err, ErrNoNode) {
		return -1, false, nil
	}
	if err != nil {
		return -1, false, err
	}
	id, err := DecodeController(data)
	if err != nil {
		return -1, false, err
	}
	return id, true, nil
}

// ClusterID reads /cluster/id; ErrNoNode if no broker created it yet.
func (z *ZK) ClusterID(ctx context.Context) (string, error) {
	data, _, err := z.Get(ctx, ClusterIDPath)
	if err != nil {
		return "", err
	}
	return DecodeClusterID(data)
}

// GenerateBrokerID is Kafka's broker id generation (broker.id.generation.enable):
// bump /brokers/seqid's version with an empty write and add
// reserved.broker.max.id, giving 1001, 1002, ... by default.
func (z *ZK) GenerateBrokerID(ctx context.Context, reservedMaxID int32) (int32, error) {
	st, err := z.Set(ctx, BrokerSeqIDPath, []byte{}, -1)
	if errors.Is(err, ErrNoNode) {
		if err := z.EnsurePath(ctx, BrokerSeqIDPath); err != nil {
			return 0, err
		}
		st, err = z.Set(ctx, BrokerSeqIDPath, []byte{}, -1)
	}
	if err != nil {
		return 0, fmt.Errorf("coordinator: generate broker id: %w", err)
	}
	return st.Version + reservedMaxID, nil
}

// ChangeTopicConfig is AdminZkClient.changeTopicConfig (kafka-configs
// --alter, AlterConfigs): write /config/topics/<t>, then announce it with a
// config change notification so that every broker reloads it.
func (z *ZK) ChangeTopicConfig(ctx context.Context, topic string, config map[string]string) error {
	exists, err := z.TopicExists(ctx, topic)
	if err != nil {
		return err
	}
	if !exists {
		return kafkaErrorf(ErrTopicNotFound, "Topic %s does not exist.", topic)
	}
	if err := z.SetTopicConfig(ctx, topic, config); err != nil {
		return err
	}
	return z.NotifyConfigChange(ctx, "topics/"+topic)
}

// NotifyConfigChange creates /config/changes/config_change_<seq> (version 2)
// for an entity path such as "topics/t", "brokers/1" or "brokers/<default>".
func (z *ZK) NotifyConfigChange(ctx context.Context, entityPath string) error {
	_, err := z.CreateRecursive(ctx, ConfigChangesPath+"/"+ConfigChangePrefix, EncodeConfigChange(entityPath), ModePersistentSequential)
	return err
}
