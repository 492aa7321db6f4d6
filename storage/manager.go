package storage

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Partition directory suffixes (part of the on-disk format; never change).
const (
	deleteDirSuffix = "-delete"
	futureDirSuffix = "-future"
)

// Manager owns the log directories (log.dirs) and every partition log in them.
//
// Lock order: Manager.mu, then Log.mu, then epochCache.mu. Background tasks take a snapshot
// of the logs under Manager.mu and work without it.
type Manager struct {
	cfg ManagerConfig
	fs  FS
	log *logrus.Entry

	dirs []*logDir
	hws  map[TopicPartition]int64 // replication-offset-checkpoint at open

	mu struct {
		sync.Mutex
		logs    map[TopicPartition]*Log
		offline map[TopicPartition]string // logs of dirs that failed while running, by dir
		closed  bool
	}
	// retire and failures carry each failed dir once (dir_failure.go); one slot per dir.
	retire   chan *logDir
	failures chan string
	stop     chan struct{}
	wg       sync.WaitGroup

	delMu     sync.Mutex
	delTimers map[*time.Timer]struct{}

	cleaner cleanerState
}

type logDir struct {
	path    string
	mgr     *Manager
	lock    io.Closer
	offline atomic.Bool
	ckptMu  sync.Mutex // one checkpoint writer per directory at a time
}

// OpenManager locks every log dir, loads and recovers their logs in parallel and starts the
// background tasks. A directory that fails is reported by OfflineDirs; only if all fail is
// it an error. A directory locked by another process is always an error.
func OpenManager(cfg ManagerConfig, log *logrus.Entry) (*Manager, error) {
	if log == nil {
		log = discardLogger()
	}
	if len(cfg.Dirs) == 0 {
		return nil, errors.New("storage: no log dirs configured (log.dirs)")
	}
	if err := cfg.Default.Validate(); err != nil {
		return nil, err
	}
	if cfg.FS == nil {
		cfg.FS = osFS{}
	}
	if cfg.RecoveryThreadsPerDir < 1 {
		cfg.RecoveryThreadsPerDir = 1
	}
	m := &Manager{cfg: cfg, fs: cfg.FS, log: log, hws: map[TopicPartition]int64{}, stop: make(chan struct{})}
	m.mu.logs = map[TopicPartition]*Log{}
	m.mu.offline = map[TopicPartition]string{}
	m.retire = make(chan *logDir, len(cfg.Dirs))
	m.failures = make(chan string, len(cfg.Dirs))
	m.cleaner.offsets = map[TopicPartition]int64{}
	seen := map[string]bool{}
	for _, p := range cfg.Dirs {
		p = filepath.Clean(p)
		if seen[p] {
			return nil, fmt.Errorf("storage: log dir %s listed twice", p)
		}
		seen[p] = true
		d := &logDir{path: p, mgr: m}
		m.dirs = append(m.dirs, d)
		if err := m.fs.MkdirAll(p, 0o755); err != nil {
			m.markOffline(d, err)
			continue
		}
		lk, err := m.fs.Lock(filepath.Join(p, lockFile))
		if errors.Is(err, errLocked) {
			m.unlockAll()
			return nil, fmt.Errorf("storage: failed to acquire lock on file .lock in %s: another broker process is using this directory", p)
		}
		if err != nil {
			m.markOffline(d, err)
			continue
		}
		d.lock = lk
	}
	var wg sync.WaitGroup
	var hwMu sync.Mutex
	for _, d := range m.dirs {
		if d.offline.Load() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			logs, hws, err := m.loadDir(d)
			if err != nil {
				for _, l := range logs {
					l.closeHandlers() // no more I/O on a failing dir
				}
				m.markOffline(d, err)
				return
			}
			hwMu.Lock()
			defer hwMu.Unlock()
			for tp, v := range hws {
				m.hws[tp] = v
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, l := range logs {
				if other, dup := m.mu.logs[l.tp]; dup {
					m.log.Errorf("Duplicate log directories for %s: %s and %s", l.tp, l.dir, other.dir)
					l.Close()
					continue
				}
				m.mu.logs[l.tp] = l
			}
		}()
	}
	wg.Wait()
	if len(m.OfflineDirs()) == len(m.dirs) {
		m.unlockAll()
		return nil, fmt.Errorf("storage: %w: all log dirs failed (%s)", ErrLogDirOffline, strings.Join(m.OfflineDirs(), ", "))
	}
	m.wg.Add(1)
	go m.background()
	if cfg.CleanerEnable {
		m.wg.Add(1)
		go m.cleanerLoop()
	}
	return m, nil
}

func (m *Manager) unlockAll() {
	for _, d := range m.dirs {
		if d.lock != nil {
			d.lock.Close()
			d.lock = nil
		}
	}
}

// loadDir loads every partition of one log dir (LogManager.loadLogs).
func (m *Manager) loadDir(d *logDir) ([]*Log, map[TopicPartition]int64, error) {
	_, statErr := m.fs.Stat(filepath.Join(d.path, cleanShutdownFile))
	clean := statErr == nil
	readCkpt := func(name string) map[TopicPartition]int64 {
		data, _, err := readFile(m.fs, filepath.Join(d.path, name))
		if err == nil {
			var v map[TopicPartition]int64
			if v, err = parseOffsetCheckpoint(data); err == nil {
				return v
			}
		}
		m.log.WithError(err).Warnf("Error reading %s in %s; resetting it", name, d.path)
		return map[TopicPartition]int64{}
	}
	rps := readCkpt(recoveryPointCheckpointFile)
	starts := readCkpt(logStartCheckpointFile)
	hws := readCkpt(replicationCheckpointFile)
	m.cleaner.load(readCkpt(cleanerCheckpointFile))
	ents, err := m.fs.ReadDir(d.path)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: list %s: %w", d.path, err)
	}
	type job struct {
		tp  TopicPartition
		dir string
	}
	var jobs []job
	for _, e := range ents {
		if !e.IsDir {
			continue
		}
		full := filepath.Join(d.path, e.Name)
		switch {
		case strings.HasSuffix(e.Name, deleteDirSuffix):
			m.scheduleRemoveAll(full, m.cfg.Default.FileDeleteDelayMs)
			continue
		case strings.HasSuffix(e.Name, futureDirSuffix):
			m.log.Warnf("Ignoring future log %s: moving logs between dirs is not supported", full)
			continue
		}
		tp, ok := parseTopicPartitionDir(e.Name)
		if !ok {
			m.log.Warnf("Ignoring %s: not a topic-partition directory", full)
			continue
		}
		jobs = append(jobs, job{tp: tp, dir: full})
	}
	var (
		mu    sync.Mutex
		logs  []*Log
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for range min(m.cfg.RecoveryThreadsPerDir, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				l, err := openLog(logParams{
					fs: m.fs, dir: j.dir, tp: j.tp, cfg: m.cfg.Default,
					recoveryPoint: rps[j.tp], logStart: starts[j.tp], hw: hws[j.tp],
					cleanShutdown: clean, log: m.logFor(j.tp, d.path), now: time.Now(), home: d,
				})
				mu.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("storage: load %s: %w", j.dir, err)
				}
				if l != nil {
					logs = append(logs, l)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return logs, nil, first
	}
	if clean {
		if err := m.fs.Remove(filepath.Join(d.path, cleanShutdownFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return logs, nil, fmt.Errorf("storage: remove clean shutdown marker: %w", err)
		}
	}
	m.log.Infof("Loaded %d logs from %s (clean shutdown: %v)", len(logs), d.path, clean)
	return logs, hws, nil
}

func (m *Manager) logFor(tp TopicPartition, logDir string) *logrus.Entry {
	return m.log.WithFields(logrus.Fields{"prefix": fmt.Sprintf("Log partition=%s, dir=%s", tp, logDir), "logger": "kafka.log.Log"})
}

// parseTopicPartitionDir splits "<topic>-<partition>" at the last '-'.
func parseTopicPartitionDir(name string) (TopicPartition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return TopicPartition{}, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || name[i+1] == '+' {
		return TopicPartition{}, false
	}
	return TopicPartition{Topic: name[:i], Partition: int32(p)}, true
}

// Meta reads meta.properties from every online dir; they must agree.
func (m *Manager) Meta() (clusterID string, brokerID int32, found bool, err error) {
	for _, d := range m.dirs {
		if d.offline.Load() {
			continue
		}
		data, ok, err := readFile(m.fs, filepath.Join(d.path, metaPropertiesFile))
		if err != nil {
			return "", -1, false, err
		}
		if !ok {
			continue
		}
		meta, err := parseMeta(data)
		if err != nil {
			return "", -1, false, fmt.Errorf("storage: %s: %w", d.path, err)
		}
		if found {
			if meta.ClusterID != clusterID {
				return "", -1, false, fmt.Errorf("%w: %q in %s, %q elsewhere", ErrInconsistentClusterID, meta.ClusterID, d.path, clusterID)
			}
			if meta.BrokerID != brokerID {
				return "", -1, false, fmt.Errorf("%w: %d in %s, %d elsewhere", ErrInconsistentBrokerID, meta.BrokerID, d.path, brokerID)
			}
			continue
		}
		clusterID, brokerID, found = meta.ClusterID, meta.BrokerID, true
	}
	if !found {
		brokerID = -1
	}
	return clusterID, brokerID, found, nil
}

// WriteMeta writes meta.properties into every online dir that lacks it, after checking that
// the ones present agree with clusterID and brokerID.
func (m *Manager) WriteMeta(clusterID string, brokerID int32) error {
	if brokerID < 0 {
		return fmt.Errorf("storage: broker.id %d must not be negative", brokerID)
	}
	cid, bid, found, err := m.Meta()
	if err != nil {
		return err
	}
	if found && cid != "" && cid != clusterID {
		return fmt.Errorf("%w: stored %q, cluster has %q", ErrInconsistentClusterID, cid, clusterID)
	}
	if found && bid != brokerID {
		return fmt.Errorf("%w: stored %d, configured %d", ErrInconsistentBrokerID, bid, brokerID)
	}
	data := formatMeta(brokerMeta{ClusterID: clusterID, BrokerID: brokerID}, time.Now())
	for _, d := range m.dirs {
		if d.offline.Load() {
			continue
		}
		p := filepath.Join(d.path, metaPropertiesFile)
		if old, ok, _ := readFile(m.fs, p); ok {
			if meta, err := parseMeta(old); err == nil && meta.ClusterID == clusterID {
				continue
			}
		}
		if err := writeFileAtomic(m.fs, p, data); err != nil {
			m.markOffline(d, err)
			return err
		}
	}
	return nil
}

// GetOrCreate returns the partition's log, creating it in the online dir with the fewest
// partitions. For an existing log it applies cfg.
func (m *Manager) GetOrCreate(tp TopicPartition, cfg LogConfig) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.closed {
		return nil, ErrClosed
	}
	if l, ok := m.mu.logs[tp]; ok {
		l.SetConfig(cfg)
		return l, nil
	}
	if dir, ok := m.mu.offline[tp]; ok {
		return nil, fmt.Errorf("storage: create %s: %w: its log is in the offline log dir %s", tp, ErrLogDirOffline, dir)
	}
	if tp.Topic == "" || strings.ContainsAny(tp.Topic, "/\\") || tp.Partition < 0 {
		return nil, fmt.Errorf("storage: invalid partition %q %d", tp.Topic, tp.Partition)
	}
	counts := map[string]int{}
	for _, l := range m.mu.logs {
		counts[filepath.Dir(l.dir)]++
	}
	var best *logDir
	for _, d := range m.dirs {
		if !d.offline.Load() && (best == nil || counts[d.path] < counts[best.path]) {
			best = d
		}
	}
	if best == nil {
		return nil, fmt.Errorf("storage: create %s: %w: no online log dir", tp, ErrLogDirOffline)
	}
	l, err := openLog(logParams{
		fs: m.fs, dir: filepath.Join(best.path, tp.String()), tp: tp, cfg: cfg,
		cleanShutdown: true, log: m.logFor(tp, best.path), now: time.Now(), home: best,
	})
	if err != nil {
		m.failDir(best, fmt.Sprintf("Error while creating log for %s in dir %s", tp, best.path), err)
		return nil, fmt.Errorf("storage: create %s in %s: %w: %w", tp, best.path, ErrLogDirOffline, err)
	}
	m.mu.logs[tp] = l
	m.log.Infof("Created log for partition %s in %s", tp, l.dir)
	return l, nil
}

// Get returns the partition's log if it is loaded.
func (m *Manager) Get(tp TopicPartition) (*Log, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.mu.logs[tp]
	return l, ok
}

// All returns every loaded log, sorted by topic and partition.
func (m *Manager) All() []*Log {
	m.mu.Lock()
	out := make([]*Log, 0, len(m.mu.logs))
	for _, l := range m.mu.logs {
		out = append(out, l)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].tp, out[j].tp
		return a.Topic < b.Topic || (a.Topic == b.Topic && a.Partition < b.Partition)
	})
	return out
}

// Delete closes the log, renames its directory to <topic>-<p>.<uuid>-delete and removes it
// after file.delete.delay.ms.
func (m *Manager) Delete(tp TopicPartition) error {
	m.mu.Lock()
	l, ok := m.mu.logs[tp]
	if ok {
		delete(m.mu.logs, tp)
	}
	m.mu.Unlock()
	if !ok {
		return nil
	}
	if err := l.Close(); err != nil {
		m.log.WithError(err).Warnf("Error closing %s before deletion", tp)
	}
	target := filepath.Join(filepath.Dir(l.dir), deleteDirName(tp))
	if err := m.fs.Rename(l.dir, target); err != nil {
		return l.failIO("deleting", fmt.Errorf("storage: rename %s for deletion: %w", l.dir, err))
	}
	m.log.Infof("Log for partition %s is renamed to %s and is scheduled for deletion", tp, target)
	m.scheduleRemoveAll(target, l.Config().FileDeleteDelayMs)
	if d := m.dirOf(l); d != nil {
		if err := m.checkpointDir(d); err != nil {
			return err
		}
	}
	return nil
}

// deleteDirName follows Log.logDeleteDirName (topic cut so the name fits 255 bytes).
func deleteDirName(tp TopicPartition) string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	suffix := fmt.Sprintf("-%d.%s%s", tp.Partition, hex.EncodeToString(u[:]), deleteDirSuffix)
	return tp.Topic[:min(len(tp.Topic), 255-len(suffix))] + suffix
}

func (m *Manager) scheduleRemoveAll(path string, delayMs int64) {
	rm := func() {
		if err := m.fs.RemoveAll(path); err != nil {
			m.log.WithError(err).Warnf("Error deleting %s", path)
		}
	}
	if delayMs <= 0 {
		rm()
		return
	}
	m.delMu.Lock()
	defer m.delMu.Unlock()
	if m.delTimers == nil {
		m.delTimers = map[*time.Timer]struct{}{}
	}
	var t *time.Timer
	t = time.AfterFunc(time.Duration(delayMs)*time.Millisecond, func() {
		m.delMu.Lock()
		_, live := m.delTimers[t]
		delete(m.delTimers, t)
		m.delMu.Unlock()
		if live {
			rm()
		}
	})
	m.delTimers[t] = struct{}{}
}

func (m *Manager) dirOf(l *Log) *logDir {
	parent := filepath.Dir(l.dir)
	for _, d := range m.dirs {
		if d.path == parent {
			return d
		}
	}
	return nil
}

// logsIn returns the loaded logs of one dir.
func (m *Manager) logsIn(d *logDir) []*Log {
	var out []*Log
	for _, l := range m.All() {
		if filepath.Dir(l.dir) == d.path {
			out = append(out, l)
		}
	}
	return out
}

// HighWatermarks returns replication-offset-checkpoint as read at open.
func (m *Manager) HighWatermarks() map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(m.hws))
	for tp, v := range m.hws {
		out[tp] = v
	}
	return out
}

// CheckpointHighWatermarks writes replication-offset-checkpoint in every online dir with the
// entries of the partitions that live there.
func (m *Manager) CheckpointHighWatermarks(hw map[TopicPartition]int64) error {
	var errs []error
	for _, d := range m.dirs {
		if d.offline.Load() {
			continue
		}
		entries := map[TopicPartition]int64{}
		for _, l := range m.logsIn(d) {
			if v, ok := hw[l.tp]; ok {
				entries[l.tp] = v
			}
		}
		if err := m.writeCheckpoint(d, replicationCheckpointFile, entries); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) writeCheckpoint(d *logDir, name string, entries map[TopicPartition]int64) error {
	d.ckptMu.Lock()
	defer d.ckptMu.Unlock()
	p := filepath.Join(d.path, name)
	if err := writeFileAtomic(m.fs, p, formatOffsetCheckpoint(entries)); err != nil {
		m.failDir(d, "Error while writing to checkpoint file "+p, err)
		return fmt.Errorf("storage: %w: %w", ErrLogDirOffline, err)
	}
	return nil
}

// checkpointDir writes the recovery point and log start offset checkpoints of one dir.
func (m *Manager) checkpointDir(d *logDir) error {
	if d.offline.Load() {
		return nil
	}
	rps := map[TopicPartition]int64{}
	starts := map[TopicPartition]int64{}
	for _, l := range m.logsIn(d) {
		rps[l.tp] = l.RecoveryPoint()
		if segs := l.segments(); len(segs) > 0 && l.LogStartOffset() > segs[0].base {
			starts[l.tp] = l.LogStartOffset()
		}
	}
	if err := m.writeCheckpoint(d, recoveryPointCheckpointFile, rps); err != nil {
		return err
	}
	for _, l := range m.logsIn(d) {
		l.deleteSnapshotsAfterRecoveryPointCheckpoint()
	}
	return m.writeCheckpoint(d, logStartCheckpointFile, starts)
}

// LogDirs lists every configured log dir (cleaned paths), online or not (DescribeLogDirs).
func (m *Manager) LogDirs() []string {
	out := make([]string, len(m.dirs))
	for i, d := range m.dirs {
		out[i] = d.path
	}
	return out
}

// OfflineDirs lists the log dirs that failed.
func (m *Manager) OfflineDirs() []string {
	var out []string
	for _, d := range m.dirs {
		if d.offline.Load() {
			out = append(out, d.path)
		}
	}
	return out
}

// Close flushes and closes every log, writes the checkpoints and marks each dir cleanly
// shut down, then releases the locks.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.mu.closed {
		m.mu.Unlock()
		return nil
	}
	m.mu.closed = true
	m.mu.Unlock()
	close(m.stop)
	m.wg.Wait()
	m.drainRetired()
	m.delMu.Lock()
	for t := range m.delTimers {
		t.Stop()
	}
	m.delTimers = nil
	m.delMu.Unlock()
	var errs []error
	failed := map[string]bool{}
	for _, l := range m.All() {
		if l.checkOnline() != nil {
			l.closeHandlers() // failed while closing: no more I/O there
			continue
		}
		if err := l.Flush(); err != nil {
			errs = append(errs, err)
			failed[filepath.Dir(l.dir)] = true
		}
		if err := l.Close(); err != nil {
			errs = append(errs, err)
			failed[filepath.Dir(l.dir)] = true
		}
	}
	for _, d := range m.dirs {
		if d.offline.Load() || failed[d.path] {
			continue
		}
		if err := m.checkpointDir(d); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := writeFileAtomic(m.fs, filepath.Join(d.path, cleanShutdownFile), nil); err != nil {
			errs = append(errs, err)
		}
	}
	m.unlockAll()
	return errors.Join(errs...)
}
