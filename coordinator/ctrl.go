package coordinator

import (
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/samsa-broker/samsa/coordinator/controller"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// controllerState is Kafka's ControllerContext plus the deletion manager's
// bookkeeping. Only the event goroutine touches it.
type controllerState struct {
	epoch, epochZkVersion int32
	gen                   int64
	ctx                   context.Context // cancelled at resignation: stops senders
	cancel                context.CancelFunc

	brokers      map[int32]BrokerInfo // live, including shutting down
	shuttingDown map[int32]bool
	senders      map[int32]*sender

	assignments map[string]map[int32][]int32
	states      map[TopicPartition]PartitionState // partitions with leadership

	reassigning map[TopicPartition]reassignment

	toDelete      map[string]bool
	deleteStarted map[string]bool
	deletePending map[string]map[TopicPartition]map[int32]bool
}

func (c *controllerState) isLive(id int32) bool {
	_, ok := c.brokers[id]
	return ok && !c.shuttingDown[id]
}

func (c *controllerState) liveOrShuttingDownIDs() []int32 {
	ids := make([]int32, 0, len(c.brokers))
	for id := range c.brokers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (c *controllerState) replicas(tp TopicPartition) []int32 {
	return c.assignments[tp.Topic][tp.Partition]
}

// partitions lists all partitions, sorted.
func (c *controllerState) partitions() []TopicPartition {
	var out []TopicPartition
	for t, a := range c.assignments {
		for p := range a {
			out = append(out, TopicPartition{Topic: t, Partition: p})
		}
	}
	sortTPs(out)
	return out
}

func sortTPs(tps []TopicPartition) {
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
}

func (n *Node) cluster() controller.Cluster {
	c := n.ctrl
	brokers := make(map[int32]controller.Broker, len(c.brokers))
	for id, b := range c.brokers {
		brokers[id] = controller.Broker{ID: id, Epoch: b.Epoch, Endpoints: b.Endpoints, Rack: b.Rack}
	}
	return controller.Cluster{
		ControllerID: n.cfg.BrokerID, ControllerEpoch: c.epoch, Brokers: brokers, ShuttingDown: c.shuttingDown,
		Listener: n.cfg.InterBrokerListener,
		Partition: func(tp TopicPartition) (PartitionState, []int32, bool, bool) {
			s, ok := c.states[tp]
			return s, c.replicas(tp), c.toDelete[tp.Topic], ok
		},
	}
}

// send builds the batch and queues each request on its broker's sender.
func (n *Node) send(b *controller.Batch) {
	n.sendWith(b, nil)
}

func (n *Node) sendWith(b *controller.Batch, onResp func(broker int32, req kmsg.Request, resp kmsg.Response)) {
	c := n.ctrl
	for _, o := range b.Build(n.cluster()) {
		s := c.senders[o.Broker]
		if s == nil {
			continue
		}
		o := o
		s.enqueue(o.Request, func(resp kmsg.Response) {
			logControlResponse(n.log, o.Broker, resp)
			if onResp != nil {
				onResp(o.Broker, o.Request, resp)
			}
		})
	}
}

func logControlResponse(log *logrus.Entry, broker int32, resp kmsg.Response) {
	var code int16
	switch r := resp.(type) {
	case *kmsg.LeaderAndISRResponse:
		code = r.ErrorCode
	case *kmsg.UpdateMetadataResponse:
		code = r.ErrorCode
	case *kmsg.StopReplicaResponse:
		code = r.ErrorCode
	}
	if err := kerr.ErrorForCode(code); err != nil {
		log.WithFields(logrus.Fields{"target": broker, "request": kmsg.NameForKey(resp.Key())}).WithError(err).Warn("control request rejected")
	}
}

// ctrlWatcher returns a watch callback that enqueues fn as a controller
// event of this controller generation; events of an older generation (a
// previous term of this node) are dropped.
func (n *Node) ctrlWatcher(name string, fn func(ctx context.Context) error) Watcher {
	gen := n.generation
	return func(ev WatchEvent) {
		if ev.Type == EventNotWatching {
			return
		}
		n.enqueueCtrl(name, gen, fn)
	}
}

func (n *Node) enqueueCtrl(name string, gen int64, fn func(ctx context.Context) error) {
	n.enqueue(name, func(ctx context.Context) {
		if n.ctrl == nil || n.ctrl.gen != gen {
			return
		}
		err := fn(ctx)
		if errors.Is(err, ErrConnectionLoss) && n.ctx.Err() == nil {
			// Kafka's ZooKeeper client retries until connected; handlers
			// re-read what they need, so the whole event is retried.
			n.log.WithField("event", name).WithError(err).Warn("zookeeper connection lost during controller event; retrying")
			time.AfterFunc(500*time.Millisecond, func() { n.enqueueCtrl(name, gen, fn) })
			return
		}
		n.handleCtrlErr(ctx, name, err)
	})
}

func (n *Node) handleCtrlErr(ctx context.Context, name string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrControllerMoved):
		n.log.WithField("event", name).Info("controller moved to another broker")
		_ = n.maybeResign(ctx)
		if n.ctrl != nil {
			// /controller still names us yet the epoch moved: step down.
			n.triggerControllerMove(ctx)
		}
	default:
		n.log.WithField("event", name).WithError(err).Error("controller event failed")
	}
}

// fenced runs ops in a multi guarded by the controller epoch's version
// (wrapRequestWithControllerEpochCheck). A failed check is ErrControllerMoved.
func (n *Node) fenced(ctx context.Context, ops ...Op) ([]OpResult, error) {
	all := append([]Op{CheckOp{Path: ControllerEpochPath, Version: n.ctrl.epochZkVersion}}, ops...)
	rs, err := n.z.Multi(ctx, all...)
	var me *MultiError
	if errors.As(err, &me) && me.Index == 0 {
		return nil, fmt.Errorf("%w: controller epoch znode changed", ErrControllerMoved)
	}
	if err != nil {
		return nil, err
	}
	return rs[1:], nil
}

// resign is onControllerResignation: stop senders, forget the context.
func (n *Node) resign(why string) {
	c := n.ctrl
	if c == nil {
		return
	}
	n.ctrl = nil
	n.generation++
	n.isController.Store(false)
	c.cancel()
	for _, s := range c.senders {
		s.stop()
	}
	n.log.WithFields(logrus.Fields{"epoch": c.epoch, "reason": why}).Info("resigned as controller")
}

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
		deletePending: map[string]map[TopicPartition]map[int32]bool{},
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
	if _, err := n.z.ChildrenW(ctx, LogDirEventPath, n.ctrlWatcher("LogDirEventNotification", n.onLogDirEvent)); err != nil {
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

type replicaRef struct {
	tp      TopicPartition
	replica int32
}

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

// updateState writes a partition's new state conditionally on the cached
// zkVersion, fenced. On a version conflict it re-reads the znode and
// recomputes, as Kafka's elections do; a znode written by a newer
// controller means this one is stale.
func (n *Node) updateState(ctx context.Context, tp TopicPartition, compute func(cur PartitionState) (PartitionState, bool)) (PartitionState, bool, error) {
	c := n.ctrl
	for attempt := 0; attempt < 5; attempt++ {
		cur := c.states[tp]
		next, ok := compute(cur)
		if !ok {
			return cur, false, nil
		}
		next.ControllerEpoch = c.epoch
		rs, err := n.fenced(ctx, SetDataOp{Path: PartitionStatePath(tp.Topic, tp.Partition), Data: EncodePartitionState(next), Version: cur.ZkVersion})
		if err == nil {
			next.ZkVersion = rs[0].Stat.Version
			c.states[tp] = next
			return next, true, nil
		}
		if !errors.Is(err, ErrBadVersion) {
			return cur, false, err
		}
		fresh, rerr := n.z.PartitionState(ctx, tp)
		if rerr != nil {
			return cur, false, rerr
		}
		if fresh.ControllerEpoch > c.epoch {
			return cur, false, fmt.Errorf("%w: %s was written by controller epoch %d > %d", ErrControllerMoved, tp, fresh.ControllerEpoch, c.epoch)
		}
		c.states[tp] = fresh
	}
	return c.states[tp], false, fmt.Errorf("coordinator: %s: state update kept conflicting", tp)
}

// uncleanAllowed reads the topic's unclean.leader.election.enable override.
func (n *Node) uncleanAllowed(ctx context.Context, topic string) bool {
	cfg, err := n.z.TopicConfig(ctx, topic)
	if err == nil {
		if v, ok := cfg["unclean.leader.election.enable"]; ok {
			return v == "true"
		}
	}
	return n.cfg.UncleanLeaderElectionEnable
}

// triggerOnlinePartitions moves New and Offline partitions to Online:
// initial election for partitions without state, offline election for
// partitions whose leader is not live. It reports whether anything was
// elected (requests sent).
func (n *Node) triggerOnlinePartitions(ctx context.Context) (bool, error) {
	c := n.ctrl
	var fresh, offline []TopicPartition
	for _, tp := range c.partitions() {
		if c.toDelete[tp.Topic] {
			continue
		}
		s, ok := c.states[tp]
		switch {
		case !ok:
			fresh = append(fresh, tp)
		case !c.isLive(s.Leader):
			offline = append(offline, tp)
		}
	}
	if err := n.createPartitions(ctx, fresh); err != nil {
		return false, err
	}
	elected, err := n.electOffline(ctx, offline)
	return elected || len(fresh) > 0, err
}

// createPartitions is onNewPartitionCreation: initial leader and ISR written
// to new state znodes (fenced), LeaderAndIsr (isNew) to the ISR and
// UpdateMetadata to all brokers. Partitions with no live replica stay New
// and are retried when a broker starts.
func (n *Node) createPartitions(ctx context.Context, tps []TopicPartition) error {
	c := n.ctrl
	b := controller.NewBatch()
	var adopted []TopicPartition
	for _, tp := range tps {
		replicas := c.replicas(tp)
		leader, isr, ok := controller.InitialLeaderAndISR(replicas, c.isLive)
		if !ok {
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": replicas}).
				Error("no live replica for new partition; it stays offline until one starts")
			continue
		}
		s := PartitionState{Leader: leader, LeaderEpoch: 0, ControllerEpoch: c.epoch, ISR: isr}
		for _, p := range []string{TopicPartitionsPath(tp.Topic), PartitionPath(tp.Topic, tp.Partition)} {
			if _, err := n.fenced(ctx, CreateOp{Path: p, Mode: ModePersistent}); err != nil && !errors.Is(err, ErrNodeExists) {
				return err
			}
		}
		_, err := n.fenced(ctx, CreateOp{Path: PartitionStatePath(tp.Topic, tp.Partition), Data: EncodePartitionState(s), Mode: ModePersistent})
		if errors.Is(err, ErrNodeExists) {
			// Written already (by us before a failover, or by a previous
			// controller): take it as it is.
			existing, rerr := n.z.PartitionState(ctx, tp)
			if rerr != nil {
				return rerr
			}
			c.states[tp] = existing
			adopted = append(adopted, tp)
			if c.isLive(existing.Leader) {
				b.AddLeaderAndISR(liveOf(replicas, c.isLive), tp, existing, replicas, false, c.liveOrShuttingDownIDs())
			}
			continue
		}
		if err != nil {
			return err
		}
		s.ZkVersion = 0
		c.states[tp] = s
		b.AddLeaderAndISR(isr, tp, s, replicas, true, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	// Adopted partitions whose leader is gone get elected.
	var offline []TopicPartition
	for _, tp := range adopted {
		if !c.isLive(c.states[tp].Leader) {
			offline = append(offline, tp)
		}
	}
	_, err := n.electOffline(ctx, offline)
	return err
}

// electOffline runs the offline election for tps and sends the results.
func (n *Node) electOffline(ctx context.Context, tps []TopicPartition) (bool, error) {
	c := n.ctrl
	b := controller.NewBatch()
	elected := false
	for _, tp := range tps {
		replicas := c.replicas(tp)
		unclean := n.uncleanAllowed(ctx, tp.Topic)
		s, ok, err := n.updateState(ctx, tp, func(cur PartitionState) (PartitionState, bool) {
			leader, isr, ok := controller.ElectOffline(replicas, cur.ISR, c.isLive, unclean)
			if !ok {
				return cur, false
			}
			return PartitionState{Leader: leader, LeaderEpoch: cur.LeaderEpoch + 1, ISR: isr}, true
		})
		if err != nil {
			return elected, err
		}
		if !ok {
			n.log.WithFields(logrus.Fields{"partition": tp.String(), "replicas": replicas, "isr": c.states[tp].ISR}).
				Error("no eligible leader for offline partition")
			continue
		}
		elected = true
		b.AddLeaderAndISR(liveOf(replicas, c.isLive), tp, s, replicas, false, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	return elected, nil
}

func liveOf(ids []int32, live func(int32) bool) []int32 {
	var out []int32
	for _, id := range ids {
		if live(id) {
			out = append(out, id)
		}
	}
	return out
}

// replicasOffline moves replicas to OfflineReplica: StopReplica (no
// delete) to the replica, removal from the ISR in ZooKeeper with the leader
// epoch bumped, LeaderAndIsr to the remaining live replicas.
func (n *Node) replicasOffline(ctx context.Context, refs []replicaRef) error {
	c := n.ctrl
	b := controller.NewBatch()
	for _, ref := range refs {
		if c.toDelete[ref.tp.Topic] {
			continue
		}
		b.AddStopReplica(ref.replica, ref.tp, false)
		if _, ok := c.states[ref.tp]; !ok {
			continue
		}
		s, changed, err := n.updateState(ctx, ref.tp, func(cur PartitionState) (PartitionState, bool) {
			return controller.RemoveFromISR(cur, ref.replica, c.epoch)
		})
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		var recipients []int32
		for _, r := range c.replicas(ref.tp) {
			if r != ref.replica && c.isLive(r) {
				recipients = append(recipients, r)
			}
		}
		b.AddLeaderAndISR(recipients, ref.tp, s, c.replicas(ref.tp), false, c.liveOrShuttingDownIDs())
	}
	n.send(b)
	return nil
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

// onLogDirEvent handles /log_dir_event_notification children: the brokers
// named get LeaderAndIsr for all their replicas, so that they report the
// replicas of the failed log dir (with KAFKA_STORAGE_ERROR).
func (n *Node) onLogDirEvent(ctx context.Context) error {
	c := n.ctrl
	kids, err := n.z.ChildrenW(ctx, LogDirEventPath, n.ctrlWatcher("LogDirEventNotification", n.onLogDirEvent))
	if err != nil {
		return err
	}
	brokers := map[int32]bool{}
	for _, k := range kids {
		data, _, err := n.z.Get(ctx, LogDirEventPath+"/"+k)
		if errors.Is(err, ErrNoNode) {
			continue
		}
		if err != nil {
			return err
		}
		if id, err := DecodeLogDirEvent(data); err == nil {
			brokers[id] = true
		}
	}
	b := controller.NewBatch()
	for _, tp := range c.partitions() {
		s, ok := c.states[tp]
		if !ok || c.toDelete[tp.Topic] {
			continue
		}
		for _, r := range c.replicas(tp) {
			if brokers[r] {
				b.AddLeaderAndISR([]int32{r}, tp, s, c.replicas(tp), false, c.liveOrShuttingDownIDs())
			}
		}
	}
	n.send(b)
	for _, k := range kids {
		if _, err := n.fenced(ctx, DeleteOp{Path: LogDirEventPath + "/" + k, Version: -1}); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
	}
	return nil
}
