package coordinator

import (
	"context"
	"errors"
	"path"
	"sort"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic deletion (TopicDeletionManager, kafka-zk.md 2.5).

// onTopicDeletion handles /admin/delete_topics children.
func (n *Node) onTopicDeletion(ctx context.Context) error {
	c := n.ctrl
	kids, err := n.z.ChildrenW(ctx, DeleteTopicsPath, n.ctrlWatcher("TopicDeletion", n.onTopicDeletion))
	if err != nil {
		return err
	}
	for _, t := range kids {
		_, exists := c.assignments[t]
		if !n.cfg.DeleteTopicEnable || !exists {
			if !n.cfg.DeleteTopicEnable {
				n.log.WithField("topic", t).Info("delete.topic.enable is false: removing the deletion request")
			}
			if _, err := n.fenced(ctx, DeleteOp{Path: DeleteTopicPath(t), Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
				return err
			}
			continue
		}
		c.toDelete[t] = true
	}
	return n.resumeDeletions(ctx)
}

// resumeDeletions starts or finishes the deletion of queued topics. A topic
// with a replica on a dead broker waits (ineligible) until it returns.
func (n *Node) resumeDeletions(ctx context.Context) error {
	c := n.ctrl
	topics := make([]string, 0, len(c.toDelete))
	for t := range c.toDelete {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		if c.deleteStarted[t] {
			if len(c.deletePending[t]) == 0 {
				if err := n.completeDeleteTopic(ctx, t); err != nil {
					return err
				}
			}
			continue
		}
		eligible := true
		for tp := range c.reassigning {
			if tp.Topic == t {
				eligible = false // Kafka: "topic reassignment in progress"
			}
		}
		for _, reps := range c.assignments[t] {
			for _, r := range reps {
				if _, live := c.brokers[r]; !live {
					eligible = false
				}
			}
		}
		if !eligible {
			n.log.WithField("topic", t).Info("topic deletion waits for offline replicas")
			continue
		}
		n.startTopicDeletion(t)
	}
	return nil
}

// startTopicDeletion: UpdateMetadata with leader -2 to all brokers, then
// StopReplica without and with delete to every replica; the delete
// responses finish the job.
func (n *Node) startTopicDeletion(t string) {
	c := n.ctrl
	c.deleteStarted[t] = true
	var tps []TopicPartition
	pending := map[TopicPartition]map[int32]bool{}
	for p, reps := range c.assignments[t] {
		tp := TopicPartition{Topic: t, Partition: p}
		tps = append(tps, tp)
		pending[tp] = map[int32]bool{}
		for _, r := range reps {
			pending[tp][r] = true
		}
	}
	sortTPs(tps)
	c.deletePending[t] = pending
	n.log.WithField("topic", t).Info("deleting topic")
	b := controller.NewBatch()
	b.AddUpdateMetadata(c.liveOrShuttingDownIDs(), tps...)
	n.send(b)
	for _, tp := range tps {
		for r := range pending[tp] {
			b.AddStopReplica(r, tp, false)
		}
	}
	n.send(b)
	for _, tp := range tps {
		for r := range pending[tp] {
			b.AddStopReplica(r, tp, true)
		}
	}
	gen := c.gen
	n.sendWith(b, func(broker int32, req kmsg.Request, resp kmsg.Response) {
		sr, ok1 := req.(*kmsg.StopReplicaRequest)
		srr, ok2 := resp.(*kmsg.StopReplicaResponse)
		if !ok1 || !ok2 || !sr.DeletePartitions {
			return
		}
		n.enqueueCtrl("TopicDeletionStopReplicaResponseReceived", gen, func(ctx context.Context) error {
			return n.onStopReplicaDeleted(ctx, broker, sr, srr)
		})
	})
}

func (n *Node) onStopReplicaDeleted(ctx context.Context, broker int32, req *kmsg.StopReplicaRequest, resp *kmsg.StopReplicaResponse) error {
	c := n.ctrl
	failed := map[TopicPartition]bool{}
	for _, p := range resp.Partitions {
		if p.ErrorCode != 0 {
			failed[TopicPartition{Topic: p.Topic, Partition: p.Partition}] = true
		}
	}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			tp := TopicPartition{Topic: t.Topic, Partition: p}
			pending := c.deletePending[t.Topic][tp]
			if pending == nil {
				continue
			}
			if resp.ErrorCode != 0 || failed[tp] {
				n.log.WithFields(logrus.Fields{"partition": tp.String(), "target": broker}).Warn("replica deletion failed; will retry")
				c.deleteStarted[t.Topic] = false
				continue
			}
			delete(pending, broker)
			if len(pending) == 0 {
				delete(c.deletePending[t.Topic], tp)
			}
		}
	}
	return n.resumeDeletions(ctx)
}

// completeDeleteTopic removes the topic's znodes (fenced): the topic tree,
// its config and the deletion request.
func (n *Node) completeDeleteTopic(ctx context.Context, t string) error {
	var paths []string
	var walk func(p string) error
	walk = func(p string) error {
		kids, err := n.z.Children(ctx, p)
		if errors.Is(err, ErrNoNode) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := walk(path.Join(p, k)); err != nil {
				return err
			}
		}
		paths = append(paths, p)
		return nil
	}
	if err := walk(TopicPath(t)); err != nil {
		return err
	}
	paths = append(paths, TopicConfigPath(t), DeleteTopicPath(t))
	for _, p := range paths {
		if _, err := n.fenced(ctx, DeleteOp{Path: p, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
	}
	n.forgetTopic(t)
	n.log.WithField("topic", t).Info("deletion of topic successfully completed")
	return nil
}
