package coordinator

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Transport sends one control request to a broker and returns its
// response. The controller uses it for LeaderAndIsr, UpdateMetadata and
// StopReplica; brokers for ControlledShutdown.
type Transport interface {
	RoundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error)
}

// NodeConfig is one broker's membership configuration.
type NodeConfig struct {
	BrokerID  int32
	Endpoints []Endpoint
	Rack      *string
	JmxPort   int32
	// InterBrokerListener names the endpoint the controller connects to
	// (inter.broker.listener.name); every broker must register it. Empty:
	// the first endpoint's listener.
	InterBrokerListener string

	DeleteTopicEnable, AutoLeaderRebalanceEnable, UncleanLeaderElectionEnable, ControlledShutdownEnable bool

	LeaderImbalanceCheckInterval       time.Duration
	LeaderImbalancePerBrokerPercentage int
	// ControllerSocketTimeout bounds each control request attempt
	// (controller.socket.timeout.ms, 30 s when zero).
	ControllerSocketTimeout time.Duration
}

// Node is one broker's membership in the cluster: its registration under
// /brokers/ids, the controller election, and — while it is the active
// controller — Kafka's controller. All of it runs on one event goroutine
// (Kafka's ControllerEventManager), so the controller's state needs no
// locks; watches, session changes and request responses only enqueue.
type Node struct {
	z   *ZK
	cfg NodeConfig
	t   Transport
	log *logrus.Entry

	brokerEpoch  atomic.Int64
	isController atomic.Bool
	closing      atomic.Bool  // set by Close: no more elections or registrations
	activeID     atomic.Int32 // -1 when unknown
	// uncleanDefault is the broker-level unclean.leader.election.enable
	// in effect: the static value until the broker's dynamic configs say
	// otherwise (SetUncleanLeaderElectionDefault).
	uncleanDefault atomic.Bool

	events *eventQueue
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	startOnce sync.Once
	closeOnce sync.Once

	// Owned by the event goroutine.
	ctrl       *controllerState // nil unless active controller
	generation int64            // bumped at every failover and resignation

	regMu         sync.Mutex     // serializes registrations
	ownedSessions map[int64]bool // session ids that registered our broker znode; REQUIRES regMu

	isr isrNotifier
}

// NewNode returns a node; nothing happens in ZooKeeper until Prepare and
// Register.
func NewNode(z *ZK, cfg NodeConfig, t Transport, log *logrus.Entry) *Node {
	if log == nil {
		log = discardLogger()
	}
	if cfg.ControllerSocketTimeout <= 0 {
		cfg.ControllerSocketTimeout = 30 * time.Second
	}
	if cfg.InterBrokerListener == "" && len(cfg.Endpoints) > 0 {
		cfg.InterBrokerListener = cfg.Endpoints[0].Listener
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		z: z, cfg: cfg, t: t,
		log:           log.WithField("broker", cfg.BrokerID),
		events:        newEventQueue(),
		ctx:           ctx,
		cancel:        cancel,
		ownedSessions: map[int64]bool{},
	}
	n.uncleanDefault.Store(cfg.UncleanLeaderElectionEnable)
	n.activeID.Store(-1)
	n.isr.init()
	return n
}

// ZK returns the session, for the admin methods.
func (n *Node) ZK() *ZK { return n.z }

// BrokerEpoch is the czxid of the current registration (0 before Register).
func (n *Node) BrokerEpoch() int64 { return n.brokerEpoch.Load() }

// IsController reports whether this node is the active controller.
func (n *Node) IsController() bool { return n.isController.Load() }

// ActiveControllerID is the last controller id this node saw in
// /controller, -1 if none.
func (n *Node) ActiveControllerID() int32 { return n.activeID.Load() }

// Prepare creates Kafka's persistent paths and reads or creates the cluster
// id (KafkaServer.startup steps 1-2).
func (n *Node) Prepare(ctx context.Context) (string, error) {
	for _, p := range PersistentPaths() {
		if err := n.z.EnsurePath(ctx, p); err != nil {
			return "", fmt.Errorf("coordinator: create %s: %w", p, err)
		}
	}
	id, err := n.z.ClusterID(ctx)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, ErrNoNode) {
		return "", err
	}
	id, err = NewClusterID()
	if err != nil {
		return "", err
	}
	_, err = n.z.CreateRecursive(ctx, ClusterIDPath, EncodeClusterID(id), ModePersistent)
	if errors.Is(err, ErrNodeExists) {
		return n.z.ClusterID(ctx)
	}
	if err != nil {
		return "", fmt.Errorf("coordinator: create cluster id: %w", err)
	}
	n.log.WithField("cluster_id", id).Info("created cluster id")
	return id, nil
}

// NewClusterID returns a random UUID as 22 characters of URL-safe base64
// without padding (CoreUtils.generateUuidAsBase64).
func NewClusterID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("coordinator: cluster id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // IETF variant
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Register creates the ephemeral /brokers/ids/<id> and returns the broker
// epoch (the znode's czxid). It then starts the node's event loop, which
// runs for controller and, after a session expiry, registers again (with a
// new epoch) and runs for controller again.
func (n *Node) Register(ctx context.Context) (int64, error) {
	if err := n.checkEndpointsFree(ctx); err != nil {
		return 0, err
	}
	epoch, err := n.register(ctx)
	if err != nil {
		return 0, err
	}
	n.startOnce.Do(func() {
		sub := n.z.Subscribe()
		n.wg.Add(3)
		go func() { defer n.wg.Done(); n.runEvents() }()
		go func() { defer n.wg.Done(); n.watchSession(sub) }()
		go func() { defer n.wg.Done(); n.isr.run(n) }()
		n.enqueue("Startup", n.retrying("Startup", func(ctx context.Context) error {
			if err := n.registerControllerWatch(ctx); err != nil {
				return err
			}
			return n.elect(ctx)
		}))
	})
	return epoch, nil
}

// checkEndpointsFree is KafkaServer.createBrokerInfo's check: no other
// registered broker may advertise one of our host:port pairs.
func (n *Node) checkEndpointsFree(ctx context.Context) error {
	brokers, err := n.z.Brokers(ctx)
	if err != nil {
		return fmt.Errorf("coordinator: register broker %d: %w", n.cfg.BrokerID, err)
	}
	mine := map[string]bool{}
	for _, ep := range n.cfg.Endpoints {
		mine[hostPortText(ep)] = true
	}
	for _, b := range brokers {
		if b.ID == n.cfg.BrokerID {
			continue
		}
		var common []string
		for _, ep := range b.Endpoints {
			if hp := hostPortText(ep); mine[hp] && !contains(common, hp) {
				common = append(common, hp)
			}
		}
		if len(common) > 0 {
			return fmt.Errorf("%w: Configured end points %s in advertised listeners are already registered by broker %d",
				ErrEndpointInUse, strings.Join(common, ","), b.ID)
		}
	}
	return nil
}

func hostPortText(ep Endpoint) string { return ep.Host + ":" + strconv.Itoa(int(ep.Port)) }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// register is KafkaZkClient.registerBroker with CheckedEphemeral semantics:
// multi(create ephemeral null, setData json version 0), so the znode's data
// version is 1 after a registration, like Kafka's.
func (n *Node) register(ctx context.Context) (int64, error) {
	n.regMu.Lock()
	defer n.regMu.Unlock()
	path := BrokerPath(n.cfg.BrokerID)
	info := BrokerInfo{ID: n.cfg.BrokerID, Endpoints: n.cfg.Endpoints, Rack: n.cfg.Rack, JmxPort: n.cfg.JmxPort,
		Timestamp: strconv.FormatInt(time.Now().UnixMilli(), 10)}
	if info.JmxPort == 0 {
		info.JmxPort = -1
	}
	data := EncodeBrokerInfo(info)
	for attempt := 0; attempt < 5; attempt++ {
		session := n.z.SessionID()
		rs, err := n.z.Multi(ctx, CreateOp{Path: path, Mode: ModeEphemeral}, SetDataOp{Path: path, Data: data, Version: 0})
		if err == nil {
			epoch := rs[1].Stat.Czxid
			n.ownedSessions[session] = true
			n.brokerEpoch.Store(epoch)
			n.log.WithFields(logrus.Fields{"epoch": epoch, "path": path}).Info("registered broker")
			return epoch, nil
		}
		if !errors.Is(err, ErrNodeExists) {
			return 0, fmt.Errorf("coordinator: register broker %d: %w", n.cfg.BrokerID, err)
		}
		_, st, err := n.z.Get(ctx, path)
		if errors.Is(err, ErrNoNode) {
			continue // went away meanwhile: create again
		}
		if err != nil {
			return 0, fmt.Errorf("coordinator: register broker %d: %w", n.cfg.BrokerID, err)
		}
		if st.EphemeralOwner == session || n.ownedSessions[st.EphemeralOwner] {
			// Ours, from a create whose response was lost or from our
			// previous session (ZOOKEEPER-2985): replace it.
			n.log.WithField("owner", fmt.Sprintf("0x%x", st.EphemeralOwner)).Info("replacing our own stale broker registration")
			if err := n.z.Delete(ctx, path, -1); err != nil && !errors.Is(err, ErrNoNode) {
				return 0, fmt.Errorf("coordinator: register broker %d: %w", n.cfg.BrokerID, err)
			}
			continue
		}
		return 0, fmt.Errorf("%w: broker.id %d is registered at %s by another live ZooKeeper session (0x%x, ours is 0x%x): another broker with this broker.id is running, or its session has not expired yet",
			ErrBrokerIDInUse, n.cfg.BrokerID, path, st.EphemeralOwner, session)
	}
	return 0, fmt.Errorf("%w: broker.id %d: registration kept racing with another session", ErrBrokerIDInUse, n.cfg.BrokerID)
}

// watchSession turns session events into controller events, like Kafka's
// ZooKeeperClient state change handlers: expiry resigns, a new session
// registers again and re-runs the election.
func (n *Node) watchSession(sub *SessionWatcher) {
	for {
		ev, err := sub.Next(n.ctx)
		if err != nil {
			return
		}
		switch {
		case ev.State == SessionExpired:
			n.enqueue("Expire", func(ctx context.Context) {
				n.activeID.Store(-1)
				n.resign("session expired")
			})
		case ev.State == SessionConnected && ev.NewSession:
			n.enqueue("RegisterBrokerAndReelect", n.retrying("RegisterBrokerAndReelect", func(ctx context.Context) error {
				if n.closing.Load() {
					return nil
				}
				if _, err := n.register(ctx); err != nil {
					n.log.WithError(err).Error("re-registration after session expiry failed")
					return err
				}
				if err := n.registerControllerWatch(ctx); err != nil {
					return err
				}
				return n.elect(ctx)
			}))
		}
	}
}

// retrying wraps an election event so that, when ZooKeeper could not be
// reached, it runs again a second later: Kafka's client retries every
// request until connected, and a broker that silently stopped running for
// controller could leave the cluster without one.
func (n *Node) retrying(name string, fn func(ctx context.Context) error) func(ctx context.Context) {
	var run func(ctx context.Context)
	run = func(ctx context.Context) {
		err := fn(ctx)
		if err == nil || n.ctx.Err() != nil || n.closing.Load() {
			return
		}
		if errors.Is(err, ErrConnectionLoss) {
			n.log.WithError(err).WithField("event", name).Warn("zookeeper unreachable; retrying")
			time.AfterFunc(time.Second, func() { n.enqueue(name, run) })
			return
		}
		n.log.WithError(err).WithField("event", name).Error("election event failed")
	}
	return run
}

// registerControllerWatch arms the watch on /controller and records the
// active controller id.
func (n *Node) registerControllerWatch(ctx context.Context) error {
	ok, _, err := n.z.ExistsW(ctx, ControllerPath, func(ev WatchEvent) {
		switch ev.Type {
		case EventNodeDeleted:
			n.enqueue("Reelect", n.retrying("Reelect", func(ctx context.Context) error {
				if err := n.maybeResign(ctx); err != nil {
					return err
				}
				return n.elect(ctx)
			}))
		case EventNodeCreated, EventNodeDataChanged:
			n.enqueue("ControllerChange", n.retrying("ControllerChange", n.maybeResign))
		}
	})
	if err != nil {
		return err
	}
	if !ok {
		n.activeID.Store(-1)
		return nil
	}
	id, found, err := n.z.ControllerID(ctx)
	if err != nil {
		return err
	}
	if !found {
		id = -1
	}
	n.activeID.Store(id)
	return nil
}

// maybeResign re-arms the /controller watch and resigns if another broker
// took over (KafkaController.maybeResign).
func (n *Node) maybeResign(ctx context.Context) error {
	wasActive := n.ctrl != nil
	err := n.registerControllerWatch(ctx)
	if wasActive && err == nil && n.activeID.Load() != n.cfg.BrokerID {
		n.resign("another broker is controller")
	}
	return err
}

// elect is KafkaController.elect.
func (n *Node) elect(ctx context.Context) error {
	if n.ctx.Err() != nil || n.closing.Load() {
		return nil
	}
	id, ok, err := n.z.ControllerID(ctx)
	if err != nil {
		return err
	}
	if ok {
		n.activeID.Store(id)
		if id == n.cfg.BrokerID && n.ctrl != nil {
			return nil
		}
		if id != n.cfg.BrokerID {
			return nil
		}
		// /controller names us but we are not active: a leftover of our own
		// (a failed failover, or a previous incarnation of this broker id
		// whose session has not expired). Delete it and run the election.
		if err := n.z.Delete(ctx, ControllerPath, -1); err != nil && !errors.Is(err, ErrNoNode) {
			return err
		}
		if err := n.registerControllerWatch(ctx); err != nil {
			return err
		}
	}
	epoch, epochVersion, err := n.registerControllerAndIncrementEpoch(ctx)
	if errors.Is(err, ErrControllerMoved) {
		n.log.WithError(err).Debug("lost controller election")
		return n.maybeResign(ctx)
	}
	if err != nil {
		return err
	}
	n.activeID.Store(n.cfg.BrokerID)
	n.log.WithField("epoch", epoch).Info("elected controller")
	if err := n.onControllerFailover(ctx, epoch, epochVersion); err != nil {
		n.log.WithError(err).Error("controller failover failed; resigning")
		n.triggerControllerMove(ctx)
	}
	return nil
}

// registerControllerAndIncrementEpoch is the election multi-op of
// KafkaZkClient.registerControllerAndIncrementControllerEpoch.
func (n *Node) registerControllerAndIncrementEpoch(ctx context.Context) (int32, int32, error) {
	data, st, err := n.z.Get(ctx, ControllerEpochPath)
	var cur int32
	if errors.Is(err, ErrNoNode) {
		_, err = n.z.CreateRecursive(ctx, ControllerEpochPath, EncodeControllerEpoch(0), ModePersistent)
		if err != nil && !errors.Is(err, ErrNodeExists) {
			return 0, 0, err
		}
		data, st, err = n.z.Get(ctx, ControllerEpochPath)
	}
	if err != nil {
		return 0, 0, err
	}
	if cur, err = DecodeControllerEpoch(data); err != nil {
		return 0, 0, err
	}
	next := cur + 1
	rs, err := n.z.Multi(ctx,
		CreateOp{Path: ControllerPath, Data: EncodeController(n.cfg.BrokerID, time.Now().UnixMilli()), Mode: ModeEphemeral},
		SetDataOp{Path: ControllerEpochPath, Data: EncodeControllerEpoch(next), Version: st.Version})
	if err == nil {
		return next, rs[1].Stat.Version, nil
	}
	if !errors.Is(err, ErrNodeExists) && !errors.Is(err, ErrBadVersion) {
		return 0, 0, err
	}
	// Maybe our own multi succeeded but its answer was lost.
	id, ok, err2 := n.z.ControllerID(ctx)
	data, st, err3 := n.z.Get(ctx, ControllerEpochPath)
	if err2 == nil && err3 == nil && ok && id == n.cfg.BrokerID {
		if e, err := DecodeControllerEpoch(data); err == nil && e == next {
			return next, st.Version, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: election lost (%v)", ErrControllerMoved, err)
}

// triggerControllerMove resigns and deletes /controller (fenced) so that
// another broker takes over.
func (n *Node) triggerControllerMove(ctx context.Context) {
	var version int32 = -1
	if n.ctrl != nil {
		version = n.ctrl.epochZkVersion
	}
	n.resign("controller move")
	n.activeID.Store(-1)
	if version < 0 {
		return
	}
	_, err := n.z.Multi(ctx, CheckOp{Path: ControllerEpochPath, Version: version}, DeleteOp{Path: ControllerPath, Version: -1})
	if err != nil && n.ctx.Err() == nil {
		// /controller may still name us with nobody acting as controller:
		// elect again later, which clears our stale /controller.
		n.log.WithError(err).Warn("could not delete /controller after resigning; will retry")
		time.AfterFunc(time.Second, func() {
			n.enqueue("Reelect", n.retrying("Reelect", n.elect))
		})
	}
}

// Close resigns, deregisters (deletes /brokers/ids/<id> and our
// /controller) and stops the node's goroutines. The ZK session stays open;
// the caller closes it.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		n.closing.Store(true)
		done := make(chan struct{})
		n.enqueue("Shutdown", func(ctx context.Context) {
			defer close(done)
			wasActive := n.ctrl != nil
			version := int32(-1)
			if wasActive {
				version = n.ctrl.epochZkVersion
			}
			n.resign("shutdown")
			dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if wasActive {
				_, _ = n.z.Multi(dctx, CheckOp{Path: ControllerEpochPath, Version: version}, DeleteOp{Path: ControllerPath, Version: -1})
			}
			if n.brokerEpoch.Load() != 0 {
				_, st, gerr := n.z.Get(dctx, BrokerPath(n.cfg.BrokerID))
				if gerr == nil && st.EphemeralOwner == n.z.SessionID() {
					if derr := n.z.Delete(dctx, BrokerPath(n.cfg.BrokerID), -1); derr != nil && !errors.Is(derr, ErrNoNode) {
						err = derr
					}
				}
			}
		})
		started := false
		n.startOnce.Do(func() {}) // no Register: nothing runs the queue
		select {
		case <-n.events.running:
			started = true
		default:
		}
		if started {
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				err = fmt.Errorf("coordinator: close: shutdown event not processed")
			}
		}
		n.cancel()
		n.events.close()
		n.wg.Wait()
	})
	return err
}
