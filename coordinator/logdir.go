package coordinator

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Log dir failures (kafka-zk.md 2.3), both sides:
//
//   - the broker whose log dir failed writes a persistent sequential
//     /log_dir_event_notification/log_dir_event_<seq> (NotifyLogDirFailure,
//     KafkaZkClient.propagateLogDirEvent);
//   - the controller reads them, sends LeaderAndIsr for every replica of the
//     brokers named (OnlineReplica, leader epoch unchanged) and deletes the
//     notifications it read (processLogDirEventNotification);
//   - the brokers answer KAFKA_STORAGE_ERROR for the replicas in failed dirs;
//     the controller takes those replicas offline: partitions they led elect
//     another leader among the other live ISR members, and the replicas leave
//     the ISR (processLeaderAndIsrResponseReceived, onReplicasBecomeOffline).

// NotifyLogDirFailure tells the controller that one of this broker's log
// dirs failed.
func (n *Node) NotifyLogDirFailure(ctx context.Context) error {
	_, err := n.z.CreateRecursive(ctx, LogDirEventPath+"/"+LogDirEventPrefix, EncodeLogDirEvent(n.cfg.BrokerID), ModePersistentSequential)
	return err
}

// onLogDirEventNotification is processLogDirEventNotification: it re-arms
// the child watch, handles the notifications present and deletes them, even
// when handling failed, as Kafka does.
func (n *Node) onLogDirEventNotification(ctx context.Context) error {
	kids, err := n.z.ChildrenW(ctx, LogDirEventPath, n.ctrlWatcher("LogDirEventNotification", n.onLogDirEventNotification))
	if err != nil {
		return err
	}
	sort.Strings(kids)
	seen := map[int32]bool{}
	var brokers []int32
	for _, k := range kids {
		if !strings.HasPrefix(k, LogDirEventPrefix) {
			continue
		}
		data, _, err := n.z.Get(ctx, LogDirEventPath+"/"+k)
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		id, err := DecodeLogDirEvent(data)
		if err != nil {
			n.log.WithField("znode", k).WithError(err).Warn("ignoring unreadable log dir event notification")
			continue
		}
		if !seen[id] {
			seen[id] = true
			brokers = append(brokers, id)
		}
	}
	if len(brokers) > 0 {
		n.onBrokerLogDirFailure(brokers)
	}
	for _, k := range kids {
		if !strings.HasPrefix(k, LogDirEventPrefix) {
			continue
		}
		if _, err := n.fenced(ctx, DeleteOp{Path: LogDirEventPath + "/" + k, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
	}
	return nil
}

// onBrokerLogDirFailure sends LeaderAndIsr for all replicas on the brokers
// "to see if they are still online"; the answers decide.
func (n *Node) onBrokerLogDirFailure(brokers []int32) {
	c := n.ctrl
	n.log.Infof("Handling log directory failure for brokers %s", joinIDs(brokers))
	on := map[int32]bool{}
	for _, id := range brokers {
		on[id] = true
	}
	b := controller.NewBatch()
	for _, tp := range c.partitions() {
		s, ok := c.states[tp]
		if !ok || c.toDelete[tp.Topic] {
			continue
		}
		for _, r := range c.replicas(tp) {
			if _, live := c.brokers[r]; on[r] && live { // shutting down included, as Kafka
				b.AddLeaderAndISR([]int32{r}, tp, s, c.replicas(tp), false, c.liveOrShuttingDownIDs())
			}
		}
	}
	n.send(b)
}

// leaderAndISRResponseHandler returns a response callback that queues
// LeaderAndIsrResponseReceived events of the current controller term.
func (n *Node) leaderAndISRResponseHandler() func(broker int32, req kmsg.Request, resp kmsg.Response) {
	gen := n.generation
	return func(broker int32, _ kmsg.Request, resp kmsg.Response) {
		r, ok := resp.(*kmsg.LeaderAndISRResponse)
		if !ok {
			return
		}
		n.enqueueCtrl("LeaderAndIsrResponseReceived", gen, func(ctx context.Context) error {
			return n.onLeaderAndISRResponse(ctx, broker, r)
		})
	}
}

// onLeaderAndISRResponse is processLeaderAndIsrResponseReceived: replicas
// answered KAFKA_STORAGE_ERROR are offline.
func (n *Node) onLeaderAndISRResponse(ctx context.Context, broker int32, resp *kmsg.LeaderAndISRResponse) error {
	c := n.ctrl
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		n.log.WithField("broker", broker).WithError(err).Error("Received error in LeaderAndIsr response")
		return nil
	}
	if _, live := c.brokers[broker]; !live {
		return nil
	}
	// current = previous -- online ++ offline; only the new ones act.
	current := c.offlineDirReplicas[broker]
	if current == nil {
		current = map[TopicPartition]bool{}
	}
	var tps []TopicPartition
	for _, p := range resp.Partitions {
		tp := TopicPartition{Topic: p.Topic, Partition: p.Partition}
		switch p.ErrorCode {
		case 0:
			delete(current, tp)
		case kerr.KafkaStorageError.Code:
			if !current[tp] && c.replicas(tp) != nil {
				current[tp] = true
				tps = append(tps, tp)
			}
		}
	}
	if len(current) == 0 {
		delete(c.offlineDirReplicas, broker)
	} else {
		c.offlineDirReplicas[broker] = current
	}
	if len(tps) == 0 {
		return nil
	}
	sortTPs(tps)
	names := make([]string, len(tps))
	for i, tp := range tps {
		names[i] = tp.String()
	}
	n.log.Infof("Mark replicas %s on broker %d as offline", strings.Join(names, ","), broker)
	return n.onReplicasOnOfflineDir(ctx, broker, tps)
}

// onReplicasOnOfflineDir is onReplicasBecomeOffline for replicas of one
// live broker whose log dir failed: the partitions it leads elect a leader
// among the other live replicas (offline election: ISR first, unclean per
// topic), then its replicas go OfflineReplica (out of the ISR, StopReplica).
// When nothing was elected, every broker gets UpdateMetadata.
func (n *Node) onReplicasOnOfflineDir(ctx context.Context, broker int32, tps []TopicPartition) error {
	c := n.ctrl
	b := controller.NewBatch()
	elected := false
	var refs []replicaRef
	for _, tp := range tps {
		if c.toDelete[tp.Topic] {
			continue
		}
		refs = append(refs, replicaRef{tp, broker})
		if s, ok := c.states[tp]; !ok || s.Leader != broker {
			continue
		}
		// The replica on the failed dir counts as dead for this partition only.
		live := c.replicaOnline(tp)
		replicas := c.replicas(tp)
		unclean := n.uncleanAllowed(ctx, tp.Topic)
		s, ok, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
			if cur.Leader != broker {
				return cur, false
			}
			leader, isr, ok := controller.ElectOffline(replicas, cur.ISR, live, unclean)
			if !ok {
				return cur, false
			}
			return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: isr}, true
		})
		if err != nil {
			return err
		}
		if !ok {
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": replicas, "isr": c.states[tp].ISR}).
				Error("no eligible leader for partition whose leader's log dir failed")
			continue
		}
		elected = true
		b.AddLeaderAndISR(liveOf(replicas, live), tp, s, replicas, false, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	if err := n.replicasOffline(ctx, refs); err != nil {
		return err
	}
	if !elected {
		um := controller.NewBatch()
		um.AddUpdateMetadata(c.liveOrShuttingDownIDs())
		n.send(um)
	}
	return nil
}

func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}
