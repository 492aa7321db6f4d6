package coordinator

import (
	"context"
	"errors"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Topic and notification events: new topics and partitions, ISR change and
// log dir failure notifications.

// onTopicChange handles children changes of /brokers/topics.
func (n *Node) onTopicChange(ctx context.Context) error {
	c := n.ctrl
	topics, err := n.z.ChildrenW(ctx, BrokerTopicsPath, n.ctrlWatcher("TopicChange", n.onTopicChange))
	if err != nil {
		return err
	}
	present := map[string]bool{}
	var fresh []TopicPartition
	for _, t := range topics {
		present[t] = true
		if _, ok := c.assignments[t]; ok {
			continue
		}
		if err := n.loadTopic(ctx, t); err != nil {
			return err
		}
		for p := range c.assignments[t] {
			fresh = append(fresh, TopicPartition{Topic: t, Partition: p})
		}
	}
	for t := range c.assignments {
		if !present[t] {
			n.forgetTopic(t)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	sortTPs(fresh)
	n.log.WithField("partitions", len(fresh)).Info("new topics")
	return n.createPartitions(ctx, fresh)
}

func (n *Node) forgetTopic(t string) {
	c := n.ctrl
	for p := range c.assignments[t] {
		delete(c.states, TopicPartition{Topic: t, Partition: p})
	}
	delete(c.assignments, t)
	for tp := range c.reassigning {
		if tp.Topic == t {
			delete(c.reassigning, tp)
		}
	}
	delete(c.toDelete, t)
	delete(c.deleteStarted, t)
	delete(c.deletePending, t)
}

// onPartitionModification: a topic's assignment changed; new partition ids
// are created. (Kafka also restores the assignment of a topic queued for
// deletion; here the change is ignored.)
func (n *Node) onPartitionModification(ctx context.Context, topic string) error {
	c := n.ctrl
	old, known := c.assignments[topic]
	if !known {
		return nil
	}
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
		return err
	}
	var fresh []TopicPartition
	for p := range a.Partitions {
		if _, ok := old[p]; !ok {
			fresh = append(fresh, TopicPartition{Topic: topic, Partition: p})
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if c.toDelete[topic] {
		// Partitions added to a topic being deleted are refused: the
		// assignment is restored to the partitions that exist.
		n.log.WithField("topic", topic).Warn("skipping added partitions of a topic being deleted; restoring its assignment")
		restored := map[int32][]int32{}
		for p, reps := range a.Partitions {
			if ok, _, err := n.z.Exists(ctx, PartitionPath(topic, p)); err != nil {
				return err
			} else if ok {
				restored[p] = reps
			}
		}
		_, err := n.fenced(ctx, SetDataOp{Path: TopicPath(topic), Data: EncodeTopicAssignment(restored, a.Adding, a.Removing), Version: -1})
		return err
	}
	for p, reps := range a.Partitions {
		old[p] = reps
	}
	sortTPs(fresh)
	n.log.WithFields(logrus.Fields{"topic": topic, "new_partitions": len(fresh)}).Info("partitions added")
	return n.createPartitions(ctx, fresh)
}

// onISRChange handles /isr_change_notification children: refresh the
// listed partitions' states, tell every broker, delete the notifications.
func (n *Node) onISRChange(ctx context.Context) error {
	c := n.ctrl
	kids, err := n.z.ChildrenW(ctx, ISRChangeNotificationPath, n.ctrlWatcher("IsrChangeNotification", n.onISRChange))
	if err != nil {
		return err
	}
	if len(kids) == 0 {
		return nil
	}
	seen := map[TopicPartition]bool{}
	var tps []TopicPartition
	for _, k := range kids {
		data, _, err := n.z.Get(ctx, ISRChangeNotificationPath+"/"+k)
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		list, err := DecodeISRChange(data)
		if err != nil {
			n.log.WithError(err).WithField("znode", k).Warn("ignoring unreadable isr change notification")
		}
		for _, tp := range list {
			if !seen[tp] {
				seen[tp] = true
				tps = append(tps, tp)
			}
		}
	}
	var refreshed []TopicPartition
	for _, tp := range tps {
		if _, ok := c.assignments[tp.Topic][tp.Partition]; !ok {
			continue
		}
		s, err := n.z.PartitionState(ctx, tp)
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		c.states[tp] = s
		refreshed = append(refreshed, tp)
	}
	if len(refreshed) > 0 {
		b := controller.NewBatch()
		b.AddUpdateMetadata(c.liveOrShuttingDownIDs(), refreshed...)
		n.send(b)
	}
	for _, k := range kids {
		if _, err := n.fenced(ctx, DeleteOp{Path: ISRChangeNotificationPath + "/" + k, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
	}
	return nil
}
