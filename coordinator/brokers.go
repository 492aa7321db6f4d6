package coordinator

import (
	"context"
	"errors"
	"reflect"
	"strconv"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
)

// Broker membership as the controller sees it: startup, failure, bounce and
// registration changes of brokers (kafka-zk.md 2.3).

func (n *Node) brokerAddr(b BrokerInfo) string {
	if ep, ok := b.Endpoint(n.cfg.InterBrokerListener); ok {
		return hostPort(ep.Host, ep.Port)
	}
	return ""
}

func (n *Node) addBroker(b BrokerInfo) {
	c := n.ctrl
	c.brokers[b.ID] = b
	if _, ok := b.Endpoint(n.cfg.InterBrokerListener); !ok {
		n.log.WithFields(logrus.Fields{"target": b.ID, "listener": n.cfg.InterBrokerListener}).
			Error("broker registered no endpoint for the inter-broker listener; control requests to it will fail")
	}
	if old := c.senders[b.ID]; old != nil {
		old.stop()
	}
	c.senders[b.ID] = newSender(c.ctx, b.ID, n.brokerAddr(b), n.t, n.cfg.ControllerSocketTimeout, n.log)
}

func (n *Node) removeBroker(id int32) {
	c := n.ctrl
	delete(c.brokers, id)
	delete(c.shuttingDown, id)
	if s := c.senders[id]; s != nil {
		s.stop()
		delete(c.senders, id)
	}
}

// onBrokerChange handles children changes of /brokers/ids.
func (n *Node) onBrokerChange(ctx context.Context) error {
	c := n.ctrl
	ids, err := n.z.ChildrenW(ctx, BrokerIDsPath, n.ctrlWatcher("BrokerChange", n.onBrokerChange))
	if err != nil {
		return err
	}
	current := map[int32]int64{}
	infos := map[int32]BrokerInfo{}
	for _, s := range ids {
		id, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			continue
		}
		var b BrokerInfo
		if known, ok := c.brokers[int32(id)]; ok {
			// Only the epoch matters for the diff; a changed epoch means a
			// new registration, read (and watched) again below.
			_, st, err := n.z.Get(ctx, BrokerPath(int32(id)))
			if errors.Is(err, ErrNoNode) {
				continue
			}
			if err != nil {
				return err
			}
			if st.Czxid == known.Epoch {
				current[int32(id)] = st.Czxid
				continue
			}
		}
		b, err = n.readBrokerW(ctx, int32(id))
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		current[b.ID] = b.Epoch
		infos[b.ID] = b
	}
	known := map[int32]int64{}
	for id, b := range c.brokers {
		known[id] = b.Epoch
	}
	added, dead, bounced := controller.DiffBrokers(known, current)
	if len(added)+len(dead)+len(bounced) == 0 {
		return nil
	}
	n.log.WithFields(logrus.Fields{"new": added, "dead": dead, "bounced": bounced}).Info("broker change")
	if len(added) > 0 {
		for _, id := range added {
			n.addBroker(infos[id])
		}
		if err := n.onBrokerStartup(ctx, added); err != nil {
			return err
		}
	}
	if len(bounced) > 0 {
		for _, id := range bounced {
			n.removeBroker(id)
		}
		if err := n.onBrokerFailure(ctx, bounced); err != nil {
			return err
		}
		for _, id := range bounced {
			n.addBroker(infos[id])
		}
		if err := n.onBrokerStartup(ctx, bounced); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		for _, id := range dead {
			n.removeBroker(id)
		}
		if err := n.onBrokerFailure(ctx, dead); err != nil {
			return err
		}
	}
	return nil
}

// onBrokerStartup is KafkaController.onBrokerStartup.
func (n *Node) onBrokerStartup(ctx context.Context, ids []int32) error {
	c := n.ctrl
	isNew := map[int32]bool{}
	for _, id := range ids {
		isNew[id] = true
		delete(c.offlineDirReplicas, id) // a restarted broker reports its dirs afresh
	}
	var existing []int32
	for _, id := range c.liveOrShuttingDownIDs() {
		if !isNew[id] {
			existing = append(existing, id)
		}
	}
	b := controller.NewBatch()
	b.AddUpdateMetadata(existing)
	n.send(b)
	var all []TopicPartition
	for tp := range c.states {
		all = append(all, tp)
	}
	b.AddUpdateMetadata(ids, all...)
	n.send(b)
	// Replicas on the new brokers: current leadership, same epoch.
	for _, tp := range c.partitions() {
		s, ok := c.states[tp]
		if !ok || c.toDelete[tp.Topic] {
			continue
		}
		for _, r := range c.replicas(tp) {
			if isNew[r] {
				b.AddLeaderAndISR([]int32{r}, tp, s, c.replicas(tp), false, c.liveOrShuttingDownIDs())
			}
		}
	}
	n.send(b)
	if _, err := n.triggerOnlinePartitions(ctx); err != nil {
		return err
	}
	return n.resumeDeletions(ctx)
}

// onBrokerFailure is KafkaController.onBrokerFailure / onReplicasBecomeOffline.
func (n *Node) onBrokerFailure(ctx context.Context, ids []int32) error {
	c := n.ctrl
	dead := map[int32]bool{}
	for _, id := range ids {
		dead[id] = true
		delete(c.offlineDirReplicas, id)
	}
	var leaderless []TopicPartition
	var offline []replicaRef
	for _, tp := range c.partitions() {
		if c.toDelete[tp.Topic] {
			continue
		}
		if s, ok := c.states[tp]; ok && dead[s.Leader] {
			leaderless = append(leaderless, tp)
		}
		for _, r := range c.replicas(tp) {
			if dead[r] {
				offline = append(offline, replicaRef{tp, r})
			}
		}
	}
	elected, err := n.electOffline(ctx, leaderless)
	if err != nil {
		return err
	}
	if err := n.replicasOffline(ctx, offline); err != nil {
		return err
	}
	// Deletions waiting on a dead replica become ineligible; they restart
	// from the beginning when the broker is back (resumeDeletions).
	for t, pending := range c.deletePending {
		for _, reps := range pending {
			for r := range reps {
				if dead[r] {
					c.deleteStarted[t] = false
				}
			}
		}
	}
	if !elected {
		b := controller.NewBatch()
		b.AddUpdateMetadata(c.liveOrShuttingDownIDs())
		n.send(b)
	}
	return nil
}

// onBrokerModification: a broker changed its registration data (e.g.
// endpoints); everyone gets the new live broker list.
func (n *Node) onBrokerModification(ctx context.Context, id int32) error {
	c := n.ctrl
	known, ok := c.brokers[id]
	if !ok {
		return nil
	}
	data, st, err := n.z.GetW(ctx, BrokerPath(id), n.ctrlWatcher("BrokerModifications", func(ctx context.Context) error {
		return n.onBrokerModification(ctx, id)
	}))
	if errors.Is(err, ErrNoNode) {
		return nil // BrokerChange handles it
	}
	if err != nil {
		return err
	}
	if st.Czxid != known.Epoch {
		return nil // re-registration: BrokerChange handles it as a bounce
	}
	b, err := DecodeBrokerInfo(id, data, st.Czxid)
	if err != nil {
		return err
	}
	if reflect.DeepEqual(b.Endpoints, known.Endpoints) {
		return nil
	}
	c.brokers[id] = b
	if s := c.senders[id]; s != nil {
		s.setAddr(n.brokerAddr(b))
	}
	batch := controller.NewBatch()
	batch.AddUpdateMetadata(c.liveOrShuttingDownIDs())
	n.send(batch)
	return nil
}
