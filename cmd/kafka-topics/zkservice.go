package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
)

// zkTimeout is TopicCommand's KafkaZkClient session and connection timeout.
const zkTimeout = 30 * time.Second

// zkService is TopicCommand.ZookeeperTopicService over the coordinator's
// admin methods (AdminZkClient).
type zkService struct {
	*command
	zk *coordinator.ZK
}

func newZKService(ctx context.Context, c *command) (*zkService, error) {
	connect, err := c.o.s.String(c.o.zookeeper)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, zkTimeout)
	defer cancel()
	z, err := coordinator.Dial(dctx, connect, zkTimeout, nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &javaErr{class: "kafka.zookeeper.ZooKeeperClientTimeoutException",
				msg: "Timed out waiting for connection while in state: CONNECTING", err: err}
		}
		return nil, &javaErr{class: "java.lang.IllegalArgumentException", msg: err.Error(), err: err}
	}
	return &zkService{command: c, zk: z}, nil
}

func (s *zkService) close() { s.zk.Close() }

// zkJava maps coordinator errors (whose texts are already Kafka's) to the
// exception classes AdminZkClient throws.
func zkJava(err error) error {
	if err == nil {
		return nil
	}
	var je *javaErr
	if errors.As(err, &je) {
		return err
	}
	class := "kafka.admin.AdminOperationException"
	switch {
	case errors.Is(err, coordinator.ErrTopicExists):
		class = "org.apache.kafka.common.errors.TopicExistsException"
	case errors.Is(err, coordinator.ErrInvalidReplicationFactor):
		class = "org.apache.kafka.common.errors.InvalidReplicationFactorException"
	case errors.Is(err, coordinator.ErrInvalidPartitions):
		class = "org.apache.kafka.common.errors.InvalidPartitionsException"
	case errors.Is(err, coordinator.ErrInvalidReplicaAssignment):
		class = "org.apache.kafka.common.errors.InvalidReplicaAssignmentException"
	case errors.Is(err, coordinator.ErrInvalidTopic):
		class = "org.apache.kafka.common.errors.InvalidTopicException"
	}
	return &javaErr{class: class, msg: err.Error(), err: err}
}

func (s *zkService) createTopic(ctx context.Context, t *commandTopic) error {
	assignment := t.assignment
	if assignment == nil {
		brokers, err := s.zk.BrokerMetas(ctx)
		if err != nil {
			return zkJava(err)
		}
		if s.o.has(s.o.disableRackAware) {
			for i := range brokers {
				brokers[i].Rack = nil
			}
		}
		if assignment, err = coordinator.AssignReplicas(brokers, *t.partitions, *t.replicationFactor, -1, -1, nil); err != nil {
			return zkJava(err)
		}
	}
	err := s.zk.CreateTopic(ctx, t.name, assignment, t.configs)
	if errors.Is(err, coordinator.ErrTopicExists) && s.o.has(s.o.ifNotExists) {
		return nil
	}
	if err != nil {
		return zkJava(err)
	}
	s.println("Created topic " + t.name + ".")
	return nil
}

func (s *zkService) getTopics(ctx context.Context) ([]string, error) {
	all, err := s.zk.Topics(ctx)
	if err != nil {
		return nil, zkJava(err)
	}
	return s.filterTopics(all)
}

func (s *zkService) markedForDeletion(ctx context.Context) (map[string]bool, error) {
	marked, err := s.zk.TopicsMarkedForDeletion(ctx)
	if err != nil {
		return nil, zkJava(err)
	}
	m := map[string]bool{}
	for _, t := range marked {
		m[t] = true
	}
	return m, nil
}

func (s *zkService) listTopics(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	marked, err := s.markedForDeletion(ctx)
	if err != nil {
		return err
	}
	for _, t := range topics {
		if marked[t] {
			s.println(t + " - marked for deletion")
		} else {
			s.println(t)
		}
	}
	return nil
}

func (s *zkService) alterTopic(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	t, err := s.commandTopic()
	if err != nil {
		return err
	}
	if err := s.ensureTopicExists(topics, !s.o.has(s.o.ifExists)); err != nil {
		return err
	}
	for _, topic := range topics {
		if s.o.has(s.o.config) || s.o.has(s.o.deleteConfig) {
			s.println("WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.")
			s.println("         Going forward, please use kafka-configs.sh for this functionality")
			cfg, err := s.zk.TopicConfig(ctx, topic)
			if err != nil {
				return zkJava(err)
			}
			for k, v := range t.configs {
				cfg[k] = v
			}
			for _, k := range t.configsToDelete {
				delete(cfg, k)
			}
			if err := s.changeTopicConfig(ctx, topic, cfg); err != nil {
				return zkJava(err)
			}
			s.println("Updated config for topic " + topic + ".")
		}
		if t.partitions != nil {
			if isInternal(topic) {
				return illegalArgument("The number of partitions for the internal topic %s cannot be changed.", topic)
			}
			s.println("WARNING: If partitions are increased for a topic that has a key, the partition " +
				"logic or ordering of the messages will be affected")
			existing, err := s.zk.TopicAssignment(ctx, topic)
			if err != nil || len(existing) == 0 {
				return &javaErr{class: "org.apache.kafka.common.errors.InvalidTopicException", msg: "The topic " + topic + " does not exist", err: err}
			}
			added, err := s.newPartitions(ctx, topic, existing, *t.partitions, t.assignment)
			if err != nil {
				return zkJava(err)
			}
			if err := s.zk.AddPartitions(ctx, topic, added); err != nil {
				return zkJava(err)
			}
			s.println("Adding partitions succeeded!")
		}
	}
	return nil
}

// newPartitions is the new-partition half of AdminZkClient.addPartitions:
// the given assignment minus the existing partitions, or Kafka's placement.
func (s *zkService) newPartitions(ctx context.Context, topic string, existing map[int32][]int32, total int32, given map[int32][]int32) (map[int32][]int32, error) {
	if int(total) <= len(existing) {
		return nil, &javaErr{class: "org.apache.kafka.common.errors.InvalidPartitionsException",
			msg: fmt.Sprintf("The number of partitions for a topic can only be increased. Topic %s currently has %d partitions, %d would not be an increase.", topic, len(existing), total)}
	}
	if len(given) > len(existing) {
		added := map[int32][]int32{}
		for p, r := range given {
			if int(p) >= len(existing) {
				added[p] = r
			}
		}
		if toAdd := int(total) - len(existing); len(added) != toAdd {
			return nil, &javaErr{class: "org.apache.kafka.common.errors.InvalidReplicaAssignmentException",
				msg: fmt.Sprintf("Increasing the number of partitions by %d but %d assignments provided.", toAdd, len(added))}
		}
		return added, nil
	}
	brokers, err := s.zk.BrokerMetas(ctx)
	if err != nil {
		return nil, err
	}
	return coordinator.AddPartitionsAssignment(topic, brokers, existing, total, nil)
}

// changeTopicConfig is AdminZkClient.changeTopicConfig: write the config,
// then a config change notification so brokers reload it.
func (s *zkService) changeTopicConfig(ctx context.Context, topic string, cfg map[string]string) error {
	if err := s.zk.SetTopicConfig(ctx, topic, cfg); err != nil {
		return err
	}
	if err := s.zk.EnsurePath(ctx, coordinator.ConfigChangesPath); err != nil {
		return err
	}
	_, err := s.zk.Create(ctx, coordinator.ConfigChangesPath+"/config_change_", coordinator.EncodeConfigChange("topics/"+topic), coordinator.ModePersistentSequential)
	return err
}

func (s *zkService) describeTopic(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureTopicExists(topics, !s.o.has(s.o.ifExists)); err != nil {
		return err
	}
	brokers, err := s.zk.Brokers(ctx)
	if err != nil {
		return zkJava(err)
	}
	live := map[int32]bool{}
	for _, b := range brokers {
		live[b.ID] = true
	}
	opts := s.describeOptions(live)
	marked, err := s.markedForDeletion(ctx)
	if err != nil {
		return err
	}
	for _, topic := range topics {
		assignment, err := s.zk.TopicAssignment(ctx, topic)
		if errors.Is(err, coordinator.ErrTopicNotFound) {
			s.println("Topic " + topic + " doesn't exist!")
			continue
		}
		if err != nil {
			return zkJava(err)
		}
		partitions := make([]int32, 0, len(assignment))
		for p := range assignment {
			partitions = append(partitions, p)
		}
		sort.Slice(partitions, func(i, j int) bool { return partitions[i] < partitions[j] })
		if opts.describeConfigs() {
			cfg, err := s.zk.TopicConfig(ctx, topic)
			if err != nil {
				return zkJava(err)
			}
			if !opts.overrides || len(cfg) > 0 {
				rf := 0
				if len(partitions) > 0 {
					// Kafka takes the head of a Scala Map, which for at most
					// four partitions is the first inserted: partition 0.
					rf = len(assignment[partitions[0]])
				}
				s.println(topicDescription{topic: topic, partitions: len(assignment), replicationFactor: rf,
					configs: configsInJavaOrder(cfg), markedForDeletion: marked[topic]}.line())
			}
		}
		if !opts.describePartitions() {
			continue
		}
		states, err := s.zk.PartitionStates(ctx, topic)
		if err != nil && !errors.Is(err, coordinator.ErrTopicNotFound) {
			return zkJava(err)
		}
		for _, p := range partitions {
			d := partitionDescription{topic: topic, partition: p, leader: -1, replicas: assignment[p], markedForDeletion: marked[topic]}
			if st, ok := states[p]; ok {
				d.leader, d.isr = st.Leader, st.ISR
			}
			if opts.shouldPrint(d) {
				s.println(d.line())
			}
		}
	}
	return nil
}

func (s *zkService) deleteTopic(ctx context.Context) error {
	topics, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	if err := s.ensureTopicExists(topics, !s.o.has(s.o.ifExists)); err != nil {
		return err
	}
	for _, topic := range topics {
		if isInternal(topic) {
			return &javaErr{class: "kafka.admin.AdminOperationException",
				msg: "Topic " + topic + " is a kafka internal topic and is not allowed to be marked for deletion."}
		}
		err := s.zk.MarkTopicForDeletion(ctx, topic)
		switch {
		case errors.Is(err, coordinator.ErrMarkedForDeletion):
			s.println("Topic " + topic + " is already marked for deletion.")
		case err != nil:
			return &javaErr{class: "kafka.admin.AdminOperationException", msg: "Error while deleting topic " + topic, err: err}
		default:
			s.println("Topic " + topic + " is marked for deletion.")
			s.println("Note: This will have no impact if delete.topic.enable is not set to true.")
		}
	}
	return nil
}
