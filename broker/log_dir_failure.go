package broker

// Log dir failure (ReplicaManager.handleLogDirFailure, Kafka 2.4).
//
// Storage takes a log dir offline at its first I/O error and announces it
// on DirFailures. One goroutine per broker (Kafka's LogDirFailureHandler)
// takes each announced dir and, under the state change lock, stops serving
// the partitions whose logs were there: their fetchers stop, the local
// replica stops leading or following, and from then on LeaderAndIsr answers
// KAFKA_STORAGE_ERROR for them, which is how the controller learns which
// replicas are offline. Then it writes a log_dir_event notification for the
// controller. When every dir has failed, cmd halts the broker with Kafka's
// message ("Shutdown broker because all log dirs in ... have failed").
//
// Produce, Fetch, ListOffsets, DeleteRecords and OffsetForLeaderEpoch for
// a partition of the failed dir answer KAFKA_STORAGE_ERROR, before and
// after the handler ran, until the broker restarts (Kafka's
// HostedPartition.Offline in getPartitionOrError).

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/storage"
)

// dirFailures is what the failure handler needs of the log manager
// (*storage.Manager through StorageLogs); a Logs without it (test fakes)
// has no failure handling.
type dirFailures interface {
	DirFailures() <-chan string
	OfflinePartitions() map[storage.TopicPartition]string
}

// logDirNotifier tells the controller that a log dir of this broker failed
// (*coordinator.Node).
type logDirNotifier interface {
	NotifyLogDirFailure(ctx context.Context) error
}

// logDirOf is a partition log that knows its directory (*storage.Log).
type logDirOf interface {
	Dir() string
}

// notifyRetryBackoff spaces attempts to write the notification while
// ZooKeeper is unreachable.
const notifyRetryBackoff = time.Second

// startLogDirFailureHandler starts the handler once: from Server.Start
// once the broker serves, and (harmlessly again) from the first LeaderAndIsr
// and the high watermark checkpoint task. Failures are queued until then, so
// a dir that failed while the logs were loading is handled too.
func (rm *replicaManager) startLogDirFailureHandler() {
	src, ok := rm.s.deps.Logs.(dirFailures)
	if !ok {
		return
	}
	rm.failureHandler.Do(func() {
		rm.s.goAttach(func() { rm.logDirFailureLoop(src) })
	})
}

func (rm *replicaManager) logDirFailureLoop(src dirFailures) {
	for {
		select {
		case <-rm.s.ctx.Done():
			return
		case dir := <-src.DirFailures():
			rm.handleLogDirFailure(rm.s.ctx, dir, src)
		}
	}
}

// handleLogDirFailure stops serving the replicas of dir and tells the
// controller.
func (rm *replicaManager) handleLogDirFailure(ctx context.Context, dir string, src dirFailures) {
	rm.log.Infof("Stopping serving replicas in dir %s", dir)
	stopped := rm.stopReplicasIn(dir, src)
	names := make([]string, len(stopped))
	for i, tp := range stopped {
		names[i] = tp.String()
	}
	rm.log.Infof("Broker %d stopped fetcher for partitions %s and stopped moving logs for partitions  because they are in the failed log directory %s.",
		rm.s.cfg.BrokerID, strings.Join(names, ","), dir)
	if n, ok := rm.s.deps.Node.(logDirNotifier); ok {
		for {
			err := n.NotifyLogDirFailure(ctx)
			if err == nil {
				break
			}
			rm.log.Errorf("Error writing the log dir event notification for %s: %v", dir, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(notifyRetryBackoff):
			}
		}
	}
	rm.log.Infof("Stopped serving replicas in dir %s", dir)
}

// stopReplicasIn marks the hosted partitions whose logs are in dir offline,
// stops their fetchers and their local replicas, and returns them sorted.
func (rm *replicaManager) stopReplicasIn(dir string, src dirFailures) []storage.TopicPartition {
	rm.stateChange.Lock()
	defer rm.stateChange.Unlock()
	retired := src.OfflinePartitions()
	var out []storage.TopicPartition
	for _, p := range rm.all() {
		if rm.isOffline(p.tp) {
			continue
		}
		in := retired[p.tp] == dir
		if l, ok := p.log.(logDirOf); ok && filepath.Dir(l.Dir()) == dir {
			in = true
		}
		if !in {
			continue
		}
		rm.fetchers.remove(p.tp)
		if p.tp.Topic == offsetsTopic {
			rm.s.groups.onResign(p.tp.Partition)
		}
		p.stop()
		rm.markOffline(p.tp)
		out = append(out, p.tp)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
	return out
}

// markOffline records that the local replica of tp is in an offline log
// dir (HostedPartition.Offline).
func (rm *replicaManager) markOffline(tp storage.TopicPartition) {
	rm.mu.Lock()
	rm.mu.offline[tp] = true
	rm.anyOffline.Store(true)
	rm.mu.Unlock()
}

// isOffline reports whether the local replica of tp is in an offline log dir.
func (rm *replicaManager) isOffline(tp storage.TopicPartition) bool {
	if !rm.anyOffline.Load() {
		return false
	}
	rm.mu.RLock()
	defer rm.mu.RUnlock()
	return rm.mu.offline[tp]
}

// offlineDirs lists the failed log dirs: while there is one, a partition
// that is not new may have its log there and must not be created afresh
// elsewhere (LogManager.getOrCreateLog with isNew false).
func (rm *replicaManager) offlineDirs() []string {
	type offlineDirs interface{ OfflineDirs() []string }
	if m, ok := rm.s.deps.Logs.(offlineDirs); ok {
		return m.OfflineDirs()
	}
	return nil
}
