package broker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/storage"
)

// replicaManager holds the partitions this broker hosts (Kafka's
// ReplicaManager). Control requests (LeaderAndIsr, StopReplica,
// UpdateMetadata) are applied one at a time under stateChange, which may be
// held across I/O (reading topic configs, creating logs); the partition map
// has its own short lock so produce and fetch never wait for that I/O.
type replicaManager struct {
	s   *Server
	log *logrus.Entry

	stateChange sync.Mutex // serializes control requests; before mu

	fetchers *fetcherManager

	failureHandler sync.Once   // starts the log dir failure handler (log_dir_failure.go)
	anyOffline     atomic.Bool // mu.offline is not empty: the hot paths look it up only then

	mu struct {
		sync.RWMutex
		parts           map[storage.TopicPartition]*partition
		offline         map[storage.TopicPartition]bool // local replica in an offline log dir
		controllerEpoch int32                           // highest seen in a control request
	}
}

func newReplicaManager(s *Server, log *logrus.Entry) *replicaManager {
	rm := &replicaManager{s: s, log: log, fetchers: newFetcherManager(s, log)}
	rm.mu.parts = make(map[storage.TopicPartition]*partition)
	rm.mu.offline = make(map[storage.TopicPartition]bool)
	return rm
}

func (rm *replicaManager) get(tp storage.TopicPartition) (*partition, bool) {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	p, ok := rm.mu.parts[tp]
	return p, ok
}

func (rm *replicaManager) all() []*partition {
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	out := make([]*partition, 0, len(rm.mu.parts))
	for _, p := range rm.mu.parts {
		out = append(out, p)
	}
	return out
}

// checkControllerEpoch rejects a control request from an older controller
// and remembers the newest epoch. REQUIRES: rm.stateChange held.
func (rm *replicaManager) checkControllerEpoch(epoch int32, controllerID int32, what string) error {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if epoch < rm.mu.controllerEpoch {
		rm.log.Warnf("Ignoring %s request from controller %d with correlation epoch %d since its controller epoch %d is old. Latest known controller epoch is %d",
			what, controllerID, epoch, epoch, rm.mu.controllerEpoch)
		return kerr.StaleControllerEpoch
	}
	rm.mu.controllerEpoch = epoch
	return nil
}

// checkBrokerEpoch rejects a control request meant for an earlier
// registration of this broker (KafkaApis.isBrokerEpochStale): -1 is
// "unknown" (old request versions) and accepted; a larger epoch than ours
// cannot happen and is an error, as in Kafka.
func (s *Server) checkBrokerEpoch(reqEpoch int64) error {
	if reqEpoch == -1 {
		return nil
	}
	cur := s.deps.Node.BrokerEpoch()
	switch {
	case reqEpoch < cur:
		return kerr.StaleBrokerEpoch
	case reqEpoch > cur:
		return fmt.Errorf("broker: epoch %d larger than current broker epoch %d: %w", reqEpoch, cur, kerr.UnknownServerError)
	}
	return nil
}

// leaderAndISRPartition is one partition of a LeaderAndIsr request.
type leaderAndISRPartition struct {
	tp    storage.TopicPartition
	state partitionState
	isNew bool // the controller just created the replica: no data of it can exist
}

// becomeLeaderOrFollower applies LeaderAndIsr partition states and returns
// each partition's error (ReplicaManager.becomeLeaderOrFollower).
// REQUIRES: rm.stateChange held.
func (rm *replicaManager) becomeLeaderOrFollower(ctx context.Context, controllerID int32, states []leaderAndISRPartition) map[storage.TopicPartition]error {
	rm.startLogDirFailureHandler()
	out := make(map[storage.TopicPartition]error, len(states))
	var hws map[storage.TopicPartition]int64
	topicCfg := map[string]topicSettings{}
	me := rm.s.cfg.BrokerID
	for _, st := range states {
		tp := st.tp
		if rm.isOffline(tp) {
			rm.log.Warnf("Ignoring LeaderAndIsr request from controller %d epoch %d for partition %s-%d as the local replica for the partition is in an offline log directory",
				controllerID, st.state.controllerEpoch, tp.Topic, tp.Partition)
			out[tp] = kerr.KafkaStorageError
			continue
		}
		p, exists := rm.get(tp)
		current := int32(-1)
		if exists {
			current = p.leaderEpoch()
		}
		if st.state.leaderEpoch <= current {
			rm.log.Warnf("Ignoring LeaderAndIsr request from controller %d for partition %s-%d since its associated leader epoch %d is not higher than the current leader epoch %d",
				controllerID, tp.Topic, tp.Partition, st.state.leaderEpoch, current)
			out[tp] = kerr.StaleControllerEpoch
			continue
		}
		if !contains(st.state.replicas, me) {
			rm.log.Warnf("Ignoring LeaderAndIsr request from controller %d for partition %s-%d as itself is not in assigned replica list %v",
				controllerID, tp.Topic, tp.Partition, st.state.replicas)
			out[tp] = kerr.UnknownTopicOrPartition
			continue
		}
		if offline := rm.offlineDirs(); !exists && !st.isNew && len(offline) > 0 {
			// Its log may be in the failed dir: an empty one elsewhere
			// would let this replica rejoin without its data.
			rm.log.Errorf("Error creating log for partition %s-%d: Can not create log for %s-%d because log directories %s are offline",
				tp.Topic, tp.Partition, tp.Topic, tp.Partition, strings.Join(offline, ","))
			rm.markOffline(tp)
			out[tp] = kerr.KafkaStorageError
			continue
		}
		if !exists {
			settings, ok := topicCfg[tp.Topic]
			if !ok {
				settings = rm.s.topicSettings(ctx, tp.Topic)
				topicCfg[tp.Topic] = settings
			}
			log, err := rm.s.deps.Logs.GetOrCreate(tp, settings.Log)
			if err != nil {
				rm.log.Errorf("Error creating log for partition %s-%d: %v", tp.Topic, tp.Partition, err)
				rm.markOffline(tp)
				out[tp] = kerr.KafkaStorageError
				continue
			}
			if hws == nil {
				hws = rm.s.deps.Logs.HighWatermarks()
			}
			p = newPartition(tp, me, log, hws[tp], settings.MinInsyncReplicas)
			p.lagMax = rm.s.cfg.Replication.LagTimeMax
			if err := p.loadProducers(); err != nil {
				rm.log.Errorf("Error loading producer state of partition %s-%d: %v", tp.Topic, tp.Partition, err)
				out[tp] = errorFor(err)
				continue
			}
			rm.mu.Lock()
			rm.mu.parts[tp] = p
			rm.mu.Unlock()
		}
		if st.state.leader == me {
			if err := p.makeLeader(st.state); err != nil {
				rm.log.Errorf("Error making leader for partition %s-%d: %v", tp.Topic, tp.Partition, err)
				out[tp] = errorFor(err)
				continue
			}
			rm.log.Infof("%s-%d starts at leader epoch %d from offset %d with high watermark %d. Previous leader epoch was %d.",
				tp.Topic, tp.Partition, st.state.leaderEpoch, p.log.LogEndOffset(), p.highWatermark(), current)
			rm.fetchers.remove(tp)
			if tp.Topic == offsetsTopic {
				rm.s.groups.onLeader(p)
			}
		} else {
			if tp.Topic == offsetsTopic {
				rm.s.groups.onResign(tp.Partition)
			}
			if err := p.makeFollower(st.state); err != nil {
				rm.log.Errorf("Error truncating %s-%d to become follower: %v", tp.Topic, tp.Partition, err)
				out[tp] = errorFor(err)
				continue
			}
			if st.state.leader >= 0 {
				rm.fetchers.add(st.state.leader, p)
			} else {
				rm.fetchers.remove(tp)
			}
		}
		out[tp] = nil
	}
	return out
}

// topicSettings reads /config/topics/<t> and merges it over the broker
// defaults; overrides that do not parse are logged and skipped, so a bad
// znode written by another tool cannot keep a partition offline.
func (s *Server) topicSettings(ctx context.Context, topic string) topicSettings {
	base := s.currentTopicDefaults()
	overrides, err := s.deps.Admin.TopicConfig(ctx, topic)
	if err != nil {
		s.parts.log.Warnf("Reading the config of topic %s failed, using broker defaults: %v", topic, err)
		return base
	}
	for k, v := range overrides {
		merged, err := applyTopicConfig(base, map[string]string{k: v})
		if err != nil {
			s.parts.log.Warnf("Ignoring config %s=%s of topic %s: %v", k, v, topic, err)
			continue
		}
		base = merged
	}
	return base
}

// stopReplicas removes partitions (StopReplica). With del the log is
// deleted (renamed for asynchronous deletion by storage).
// REQUIRES: rm.stateChange held.
func (rm *replicaManager) stopReplicas(tps []storage.TopicPartition, del bool) map[storage.TopicPartition]error {
	out := make(map[storage.TopicPartition]error, len(tps))
	for _, tp := range tps {
		rm.fetchers.remove(tp)
		if tp.Topic == offsetsTopic {
			rm.s.groups.onResign(tp.Partition)
		}
		if !del {
			out[tp] = nil
			continue
		}
		if rm.isOffline(tp) {
			rm.log.Errorf("Error deleting partition %s-%d: Partition %s-%d is on an offline disk", tp.Topic, tp.Partition, tp.Topic, tp.Partition)
			out[tp] = kerr.KafkaStorageError
			continue
		}
		rm.mu.Lock()
		p, ok := rm.mu.parts[tp]
		delete(rm.mu.parts, tp)
		rm.mu.Unlock()
		if ok {
			p.stop()
		}
		var err error
		if _, exists := rm.s.deps.Logs.Get(tp); exists {
			err = rm.s.deps.Logs.Delete(tp)
		}
		if err != nil {
			rm.log.Errorf("Error deleting log of partition %s-%d: %v", tp.Topic, tp.Partition, err)
			out[tp] = kerr.KafkaStorageError
			continue
		}
		out[tp] = nil
	}
	return out
}

// checkpointHighWatermarks writes every hosted partition's high watermark.
func (rm *replicaManager) checkpointHighWatermarks() {
	rm.startLogDirFailureHandler()
	parts := rm.all()
	hw := make(map[storage.TopicPartition]int64, len(parts))
	for _, p := range parts {
		hw[p.tp] = p.highWatermark()
	}
	if err := rm.s.deps.Logs.CheckpointHighWatermarks(hw); err != nil {
		rm.log.Errorf("Error while writing to highwatermark file: %v", err)
	}
}

// wakeAll signals every waiter so that waiting requests see shutdown.
func (rm *replicaManager) wakeAll() {
	for _, p := range rm.all() {
		p.changed.notify()
	}
	rm.s.meta.changed.notify()
}
