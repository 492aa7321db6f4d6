package coordinator

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Controller failover: becoming the active controller (kafka-zk.md 2.2).

// onControllerFailover is KafkaController.onControllerFailover (kafka-zk.md
// 2.2), in Kafka's order.
func (n *Node) onControllerFailover(ctx context.Context, epoch, epochZkVersion int32) error {
	n.generation++
	cctx, cancel := context.WithCancel(n.ctx)
	c := &controllerState{
		epoch: epoch, epochZkVersion: epochZkVersion, gen: n.generation, ctx: cctx, cancel: cancel,
		brokers: map[int32]BrokerInfo{}, shuttingDown: map[int32]bool{}, senders: map[int32]*sender{},
		assignments: map[string]map[int32][]int32{}, states: map[TopicPartition]PartitionState{},
		toDelete: map[string]bool{}, deleteStarted: map[string]bool{}, reassigning: map[TopicPartition]reassignment{},
		deletePending:      map[string]map[TopicPartition]map[int32]bool{},
		offlineDirReplicas: map[int32]map[TopicPartition]bool{},
	}
	n.ctrl = c
	n.isController.Store(true)

	// 1. Child watches (their handlers re-read and re-arm).
	brokerIDs, err := n.z.ChildrenW(ctx, BrokerIDsPath, n.ctrlWatcher("BrokerChange", n.onBrokerChange))
	if err != nil {
		return err
	}
	topics, err := n.z.ChildrenW(ctx, BrokerTopicsPath, n.ctrlWatcher("TopicChange", n.onTopicChange))
	if err != nil {
		return err
	}
	if _, err := n.z.ChildrenW(ctx, DeleteTopicsPath, n.ctrlWatcher("TopicDeletion", n.onTopicDeletion)); err != nil {
		return err
	}
	if _, err := n.z.ChildrenW(ctx, ISRChangeNotificationPath, n.ctrlWatcher("IsrChangeNotification", n.onISRChange)); err != nil {
		return err
	}
	if _, err := n.z.ChildrenW(ctx, LogDirEventPath, n.ctrlWatcher("LogDirEventNotification", n.onLogDirEventNotification)); err != nil {
		return err
	}
	// 2. Stale notifications are dropped; the context is read fresh below.
	for _, p := range []string{ISRChangeNotificationPath, LogDirEventPath} {
		kids, err := n.z.Children(ctx, p)
		if err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
		for _, k := range kids {
			if _, err := n.fenced(ctx, DeleteOp{Path: p + "/" + k, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
				return err
			}
		}
	}
	// 3. Context: live brokers (with data watches), topics, assignments,
	// partition states; one sender per live broker.
	for _, s := range brokerIDs {
		id, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			continue
		}
		b, err := n.readBrokerW(ctx, int32(id))
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		n.addBroker(b)
	}
	for _, t := range topics {
		if err := n.loadTopic(ctx, t); err != nil {
			return err
		}
		for p := range c.assignments[t] {
			tp := TopicPartition{Topic: t, Partition: p}
			s, err := n.z.PartitionState(ctx, tp)
			if errors.Is(err, ErrNoNode) {
				continue
			}
			if err != nil {
				return err
			}
			c.states[tp] = s
		}
	}
	// 4. Topics queued for deletion.
	marked, err := n.z.Children(ctx, DeleteTopicsPath)
	if err != nil && !errors.Is(err, ErrNoNode) {
		return err
	}
	for _, t := range marked {
		if _, ok := c.assignments[t]; ok && n.cfg.DeleteTopicEnable {
			c.toDelete[t] = true
		}
	}
	// 5. Live brokers first: followers need the leaders in their cache.
	b := controller.NewBatch()
	b.AddUpdateMetadata(c.liveOrShuttingDownIDs())
	n.send(b)
	// 6. Replica state machine startup: current leadership to every live
	// replica (leader epoch not bumped); dead replicas leave the ISR.
	var offline []replicaRef
	for _, tp := range c.partitions() {
		s, ok := c.states[tp]
		for _, r := range c.replicas(tp) {
			if !c.isLive(r) {
				offline = append(offline, replicaRef{tp, r})
				continue
			}
			if ok && !c.toDelete[tp.Topic] {
				b.AddLeaderAndISR([]int32{r}, tp, s, c.replicas(tp), false, c.liveOrShuttingDownIDs())
			}
		}
	}
	// A replica in a failed log dir answers KAFKA_STORAGE_ERROR (logdir.go).
	n.send(b)
	// 7. Partition state machine startup: elect where needed.
	if _, err := n.triggerOnlinePartitions(ctx); err != nil {
		return err
	}
	if err := n.replicasOffline(ctx, offline); err != nil {
		return err
	}
	// 8. Deletions, pending preferred elections, the rebalance timer.
	if err := n.resumeDeletions(ctx); err != nil {
		return err
	}
	if err := n.resumeReassignments(ctx); err != nil {
		return err
	}
	if err := n.watchPreferredElection(ctx); err != nil {
		return err
	}
	n.scheduleAutoRebalance(5 * time.Second)
	n.log.WithFields(logrus.Fields{"epoch": epoch, "brokers": len(c.brokers), "topics": len(c.assignments)}).Info("controller failover complete")
	return nil
}

// readBrokerW reads a registration and watches its data
// (BrokerModificationsHandler).
func (n *Node) readBrokerW(ctx context.Context, id int32) (BrokerInfo, error) {
	data, st, err := n.z.GetW(ctx, BrokerPath(id), n.ctrlWatcher("BrokerModifications", func(ctx context.Context) error {
		return n.onBrokerModification(ctx, id)
	}))
	if err != nil {
		return BrokerInfo{}, err
	}
	return DecodeBrokerInfo(id, data, st.Czxid)
}

// loadTopic reads a topic's assignment with a data watch
// (PartitionModificationsHandler).
func (n *Node) loadTopic(ctx context.Context, topic string) error {
	data, _, err := n.z.GetW(ctx, TopicPath(topic), n.ctrlWatcher("PartitionModifications", func(ctx context.Context) error {
		return n.onPartitionModification(ctx, topic)
	}))
	if errors.Is(err, ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	a, err := DecodeTopicAssignment(data)
	if err != nil {
		n.log.WithField("topic", topic).WithError(err).Error("unreadable topic znode; ignoring topic")
		return nil
	}
	n.ctrl.assignments[topic] = a.Partitions
	n.ctrl.recordReassignments(topic, a)
	return nil
}
