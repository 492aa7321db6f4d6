package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Log dir failure, as Kafka 2.4's LogDirFailureChannel and LogManager.handleLogDirFailure:
// the first I/O error on any file of a log dir (append, roll, flush, read, truncation,
// retention, index or checkpoint) takes the whole dir offline at once. From that moment
// every operation on its logs fails fast with ErrLogDirOffline, without touching the disk
// again; the background task then takes its logs out of service (out of Get and All, file
// handles closed without flushing), and the dir is announced once on DirFailures so that the
// broker can stop serving its partitions and tell the controller.

// failIO reports err, an I/O error on this log's files while doing what, to the log's dir
// and returns it wrapped in ErrLogDirOffline. Errors that are not about the disk (closed
// logs, corrupt data read back, errors already wrapped) are returned unchanged.
func (l *Log) failIO(what string, err error) error {
	if err == nil || errors.Is(err, ErrLogDirOffline) || errors.Is(err, ErrClosed) || errors.Is(err, ErrCorruptBatch) {
		return err
	}
	if l.home != nil {
		l.home.fail(fmt.Sprintf("Error while %s %s in dir %s", what, l.tp, filepath.Dir(l.dir)), err)
	}
	return fmt.Errorf("storage: %s: %w: %w", l.tp, ErrLogDirOffline, err)
}

// checkOnline fails with ErrLogDirOffline once the log's dir went offline.
func (l *Log) checkOnline() error {
	if l.home != nil && l.home.offline.Load() {
		return fmt.Errorf("storage: %s: %w: %s", l.tp, ErrLogDirOffline, filepath.Dir(l.dir))
	}
	return nil
}

// closeHandlers takes the log out of service without any disk I/O (Log.closeHandlers):
// later calls fail as closed, file handles go when the last reader releases them.
func (l *Log) closeHandlers() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return
	}
	l.mu.closed = true
	l.closed.Store(true)
	l.delMu.Lock()
	for t := range l.delTimers {
		t.Stop()
	}
	l.delTimers = nil
	l.delMu.Unlock()
	for _, s := range l.segments() {
		s.release()
	}
}

// fail takes the dir offline (once) with Kafka's message for what failed. A dir of a log
// opened outside a Manager has no manager and only remembers the failure.
func (d *logDir) fail(msg string, err error) {
	if d.mgr == nil {
		d.offline.Store(true)
		return
	}
	d.mgr.failDir(d, msg, err)
}

// failDir is LogDirFailureChannel.maybeAddOfflineLogDir: the first failure of a dir marks it
// offline, is logged, queues the dir for removal from service and announces it on
// DirFailures. Later failures of the same dir are ignored.
func (m *Manager) failDir(d *logDir, msg string, err error) {
	if !d.offline.CompareAndSwap(false, true) {
		return
	}
	m.log.WithField("logger", "kafka.server.LogDirFailureChannel").WithError(err).Error(msg)
	// Both channels hold one slot per dir and each dir is sent once: never blocks.
	m.retire <- d
	m.failures <- d.path
}

// markOffline takes d offline after a failure of the dir itself (lock, listing, creation).
func (m *Manager) markOffline(d *logDir, err error) {
	m.failDir(d, "Error in log dir "+d.path, err)
}

// DirFailures delivers each log dir that goes offline, once, in the order they fail
// (including dirs that failed while the manager opened). Like Kafka's
// LogDirFailureChannel it is meant for one reader: the broker's failure handler.
func (m *Manager) DirFailures() <-chan string { return m.failures }

// IsDirOnline reports whether dir (a configured log dir) is online.
func (m *Manager) IsDirOnline(dir string) bool {
	dir = filepath.Clean(dir)
	for _, d := range m.dirs {
		if d.path == dir {
			return !d.offline.Load()
		}
	}
	return false
}

// OfflinePartitions returns the partitions whose logs were in dirs that went offline while
// the manager ran, by dir. GetOrCreate refuses them: their data is not lost, only out of
// reach, and a new empty log elsewhere would let this replica rejoin without it.
func (m *Manager) OfflinePartitions() map[TopicPartition]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[TopicPartition]string, len(m.mu.offline))
	for tp, d := range m.mu.offline {
		out[tp] = d
	}
	return out
}

// retireDir is LogManager.handleLogDirFailure: the logs of a failed dir leave service.
func (m *Manager) retireDir(d *logDir) {
	m.mu.Lock()
	var gone []*Log
	for tp, l := range m.mu.logs {
		if l.home == d {
			gone = append(gone, l)
			delete(m.mu.logs, tp)
			m.mu.offline[tp] = d.path
		}
	}
	m.mu.Unlock()
	sort.Slice(gone, func(i, j int) bool { return gone[i].tp.String() < gone[j].tp.String() })
	names := make([]string, len(gone))
	for i, l := range gone {
		l.closeHandlers()
		names[i] = l.tp.String()
	}
	m.log.Infof("Logs for partitions %s are offline and logs for future partitions  are offline due to failure on log directory %s",
		strings.Join(names, ","), d.path)
}

// drainRetired retires every dir queued so far (background task and Close).
func (m *Manager) drainRetired() {
	for {
		select {
		case d := <-m.retire:
			m.retireDir(d)
		default:
			return
		}
	}
}
