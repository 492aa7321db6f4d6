package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sort"
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

	// offlineDirReplicas are, per live broker, its replicas on failed log
	// dirs (answered KAFKA_STORAGE_ERROR to LeaderAndIsr); forgotten when
	// the broker starts or dies (Kafka's replicasOnOfflineDirs).
	offlineDirReplicas map[int32]map[TopicPartition]bool

	toDelete      map[string]bool
	deleteStarted map[string]bool
	deletePending map[string]map[TopicPartition]map[int32]bool
}

func (c *controllerState) isLive(id int32) bool {
	_, ok := c.brokers[id]
	return ok && !c.shuttingDown[id]
}

// replicaOnline is isLive for one partition: a live broker's replica on a
// failed log dir is not online (ControllerContext.isReplicaOnline).
func (c *controllerState) replicaOnline(tp TopicPartition) func(id int32) bool {
	return func(id int32) bool { return c.isLive(id) && !c.offlineDirReplicas[id][tp] }
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
		Listener:       n.cfg.InterBrokerListener,
		OfflineReplica: func(tp TopicPartition, id int32) bool { return c.offlineDirReplicas[id][tp] },
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
	// Every LeaderAndIsr names the adding and removing replicas of a
	// partition being reassigned, whatever sent it (an election during a
	// move too), as Kafka's ControllerChannelManager takes them from the
	// controller context.
	for tp, r := range c.reassigning {
		b.SetReassigning(tp, controller.ReplicaChanges{Adding: r.adding, Removing: r.removing})
	}
	// Every LeaderAndIsr response is processed (Kafka's
	// LeaderAndIsrResponseReceived): replicas answering KAFKA_STORAGE_ERROR
	// are on a failed log dir.
	lair := n.leaderAndISRResponseHandler()
	for _, o := range b.Build(n.cluster()) {
		s := c.senders[o.Broker]
		if s == nil {
			continue
		}
		o := o
		s.enqueue(o.Request, func(resp kmsg.Response) {
			logControlResponse(n.log, o.Broker, resp)
			lair(o.Broker, o.Request, resp)
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
