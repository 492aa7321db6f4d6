package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Server is one running broker. New builds it, Start brings it up in
// KafkaServer.startup's order, Close takes it down.
type Server struct {
	cfg  Config
	deps Deps
	now  func() time.Time

	log       *logrus.Entry // [KafkaServer id=N]
	socketLog *logrus.Entry // [SocketServer brokerId=N]
	apiLog    *logrus.Entry // [KafkaApi-N]

	apis   apiTable
	meta   *metadataCache
	parts  *replicaManager
	pids   producerIDs
	groups *groupCoordinator
	// fetchSessions are the incremental fetch sessions (fetch_session.go).
	fetchSessions *fetchSessionCache
	// quotas count connections per listener and IP (quota.go).
	quotas *connQuotas
	// dynTopicDefaults are the broker defaults of topic configs with the
	// dynamic broker configs applied, as last loaded by the config change
	// listener; nil until then (the static defaults apply).
	dynTopicDefaults atomic.Pointer[topicSettings]

	// ctx is cancelled when Close begins; every tracked goroutine and every
	// request context derives from it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		closing   bool
		listeners []net.Listener
		conns     map[*conn]struct{}
	}

	clusterID  atomic.Pointer[string]
	started    atomic.Bool
	registered atomic.Bool
	nextConnID atomic.Uint64

	ready     chan struct{}
	errc      chan error
	closeOnce sync.Once
	closeErr  error
}

// New checks cfg and deps and builds a Server; nothing is started and no
// I/O is done until Start. log nil discards.
func New(cfg Config, deps Deps, log *logrus.Entry) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = logrus.NewEntry(l)
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	id := cfg.BrokerID
	s := &Server{
		cfg:  cfg,
		deps: deps,
		now:  now,
		log: log.WithFields(logrus.Fields{
			"prefix": fmt.Sprintf("[KafkaServer id=%d]", id),
			"logger": "kafka.server.KafkaServer",
		}),
		socketLog: log.WithFields(logrus.Fields{
			"prefix": fmt.Sprintf("[SocketServer brokerId=%d]", id),
			"logger": "kafka.network.SocketServer",
		}),
		apiLog: log.WithFields(logrus.Fields{
			"prefix": fmt.Sprintf("[KafkaApi-%d]", id),
			"logger": "kafka.server.KafkaApis",
		}),
		ready: make(chan struct{}),
		errc:  make(chan error, 1),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.conns = make(map[*conn]struct{})
	s.apis = s.newAPITable()
	s.meta = newMetadataCache()
	s.quotas = newConnQuotas(s.cfg.Socket, s.cfg.Listeners, s.cfg.InterBrokerListener)
	s.fetchSessions = newFetchSessionCache(s.cfg.MaxIncrementalFetchSessionCacheSlots, fetchSessionEvictionMs, nil)
	s.parts = newReplicaManager(s, log.WithFields(logrus.Fields{
		"prefix": fmt.Sprintf("[ReplicaManager broker=%d]", id),
		"logger": "kafka.server.ReplicaManager",
	}))
	s.groups = newGroupCoordinator(s, log.WithFields(logrus.Fields{
		"prefix": fmt.Sprintf("[GroupCoordinator %d]", id),
		"logger": "kafka.coordinator.group.GroupCoordinator",
	}))
	return s, nil
}

// Ready is closed once the broker is registered and serving.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Err delivers at most one error that stopped the broker from serving
// (a listener that died); cmd should then Close and exit non-zero.
func (s *Server) Err() <-chan error { return s.errc }

// Addrs returns the bound listener addresses (after Start), in
// Config.Listeners order; useful when a port was 0.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]net.Addr, 0, len(s.mu.listeners))
	for _, l := range s.mu.listeners {
		out = append(out, l.Addr())
	}
	return out
}

// ClusterID returns the cluster id read at Start ("" before).
func (s *Server) ClusterID() string {
	if p := s.clusterID.Load(); p != nil {
		return *p
	}
	return ""
}

// Start brings the broker up in KafkaServer.startup's order:
//  1. the node creates the persistent paths and reads or creates the cluster id;
//  2. meta.properties of the log dirs must name the same cluster and broker;
//  3. meta.properties is written;
//  4. the listeners are bound;
//  5. the broker registers (/brokers/ids/<id>), which gives its epoch;
//  6. connections are accepted and served.
//
// On error, what Start began is undone; Close may still be called.
func (s *Server) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("broker: Start called twice")
	}
	s.log.Info("starting")
	clusterID, err := s.deps.Node.Prepare(ctx)
	if err != nil {
		return fmt.Errorf("broker: preparing ZooKeeper paths and cluster id: %w", err)
	}
	s.clusterID.Store(&clusterID)
	s.log.Infof("Cluster ID = %s", clusterID)

	if err := s.checkMeta(clusterID); err != nil {
		s.log.Error(err.Error())
		return err
	}
	if err := s.deps.Logs.WriteMeta(clusterID, s.cfg.BrokerID); err != nil {
		return fmt.Errorf("broker: writing meta.properties in %s: %w", strings.Join(s.cfg.LogDirs, ","), err)
	}
	if err := s.bind(); err != nil {
		s.closeListeners()
		return err
	}
	epoch, err := s.deps.Node.Register(ctx)
	if err != nil {
		s.closeListeners()
		return fmt.Errorf("broker: registering broker %d in ZooKeeper: %w", s.cfg.BrokerID, err)
	}
	s.registered.Store(true)
	s.log.Infof("Registered broker %d with epoch %d", s.cfg.BrokerID, epoch)

	s.mu.Lock()
	listeners := append([]net.Listener(nil), s.mu.listeners...)
	s.mu.Unlock()
	for i, ln := range listeners {
		l, ln := s.cfg.Listeners[i], ln
		if !s.goAttach(func() { s.acceptLoop(l, ln) }) {
			return errors.New("broker: closed while starting")
		}
	}
	s.goAttach(s.checkpointLoop)
	s.parts.startLogDirFailureHandler()
	s.goAttach(s.isrLoop)
	s.goAttach(s.configChangeLoop)
	close(s.ready)
	s.log.Info("started")
	return nil
}

// checkMeta compares meta.properties with ZooKeeper's cluster id and the
// configured broker id, as KafkaServer.startup does.
func (s *Server) checkMeta(clusterID string) error {
	metaCluster, metaBroker, found, err := s.deps.Logs.Meta()
	if err != nil {
		return fmt.Errorf("broker: reading meta.properties in %s: %w", strings.Join(s.cfg.LogDirs, ","), err)
	}
	if !found {
		return nil
	}
	if metaCluster != "" && metaCluster != clusterID {
		return fmt.Errorf("broker: the log dir %s belongs to another cluster: meta.properties has cluster.id %s but ZooKeeper has cluster.id %s; "+
			"point log.dirs at an empty directory, or zookeeper.connect at the cluster it belongs to; "+
			"delete meta.properties only if you mean to discard its data",
			strings.Join(s.cfg.LogDirs, ","), metaCluster, clusterID)
	}
	if metaBroker != s.cfg.BrokerID {
		return fmt.Errorf("broker: configured broker.id %d doesn't match stored broker.id %d in meta.properties of %s. "+
			"If you moved your data, make sure your configured broker.id matches. "+
			"If you intend to create a new broker, you should remove all data in your data directories (log.dirs)",
			s.cfg.BrokerID, metaBroker, strings.Join(s.cfg.LogDirs, ","))
	}
	return nil
}

// bind listens on every configured listener.
func (s *Server) bind() error {
	for _, l := range s.cfg.Listeners {
		addr := net.JoinHostPort(l.Host, strconv.Itoa(int(l.Port)))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("broker: binding listener %s to %s: %w (is another broker running with the same listeners?)", l.Name, addr, err)
		}
		s.mu.Lock()
		s.mu.listeners = append(s.mu.listeners, ln)
		s.mu.Unlock()
		s.socketLog.Infof("Created data-plane acceptor and processors for endpoint : EndPoint(%s,%d,ListenerName(%s),%s)",
			l.Host, ln.Addr().(*net.TCPAddr).Port, l.Name, l.SecurityProtocol)
	}
	return nil
}

// goAttach runs f in a tracked goroutine; it refuses (returns false) once
// Close has begun, so nothing starts that Close would not wait for.
func (s *Server) goAttach(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// fail reports a fatal serving error once through Err.
func (s *Server) fail(err error) {
	select {
	case s.errc <- err:
	default:
	}
}

// checkpointLoop writes the high watermarks every
// replica.high.watermark.checkpoint.interval.ms.
func (s *Server) checkpointLoop() {
	t := time.NewTicker(s.cfg.Replication.HighWatermarkCheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.parts.checkpointHighWatermarks()
		}
	}
}

// Close shuts the broker down in KafkaServer.shutdown's order: controlled
// shutdown first (while requests are still served, since the controller
// sends LeaderAndIsr and StopReplica to us during it), then stop accepting,
// close connections, wait for every goroutine, checkpoint high watermarks,
// deregister, close the logs (which leaves .kafka_cleanshutdown).
// ctx bounds the whole shutdown.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown(ctx) })
	return s.closeErr
}

func (s *Server) shutdown(ctx context.Context) error {
	s.log.Info("shutting down")
	if s.registered.Load() && s.cfg.ControlledShutdown.Enable {
		s.controlledShutdown(ctx)
	}
	s.mu.Lock()
	s.mu.closing = true
	conns := make([]*conn, 0, len(s.mu.conns))
	for c := range s.mu.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.closeListeners()
	for _, c := range conns {
		c.close(reasonShutdown, nil)
	}
	s.cancel()
	s.groups.closeAll()
	s.parts.wakeAll()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("broker: goroutines still running at shutdown deadline: %w", ctx.Err()))
	}

	if s.started.Load() {
		s.parts.checkpointHighWatermarks()
		if err := s.deps.Node.Close(); err != nil {
			errs = append(errs, fmt.Errorf("broker: deregistering: %w", err))
		}
	}
	if err := s.deps.Logs.Close(); err != nil {
		errs = append(errs, fmt.Errorf("broker: closing logs: %w", err))
	}
	s.log.Info("shut down completed")
	return errors.Join(errs...)
}

// controlledShutdown asks the controller to move our leaderships away,
// controlled.shutdown.max.retries times at most, as KafkaServer does.
func (s *Server) controlledShutdown(ctx context.Context) {
	s.log.Info("Starting controlled shutdown")
	attempts := max(s.cfg.ControlledShutdown.MaxRetries, 1)
	for i := 0; i < attempts; i++ {
		err := s.deps.Node.ControlledShutdown(ctx)
		if err == nil {
			s.log.Info("Controlled shutdown succeeded")
			return
		}
		s.log.Warnf("Retrying controlled shutdown after the previous attempt failed: %v", err)
		if i+1 == attempts {
			break
		}
		select {
		case <-ctx.Done():
			i = attempts
		case <-time.After(s.cfg.ControlledShutdown.RetryBackoff):
		}
	}
	s.log.Warn("Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed")
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	ls := s.mu.listeners
	s.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
}
