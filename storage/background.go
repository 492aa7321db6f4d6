package storage

import (
	"path/filepath"
	"time"
)

// Kafka's defaults for the manager's task intervals.
const (
	defaultRetentionCheckInterval = 5 * time.Minute
	defaultCheckpointInterval     = time.Minute
)

// background runs the periodic tasks of LogManager: retention, flush by time, recovery point
// and log start offset checkpoints. A zero FlushCheckInterval disables flushing by time,
// like Kafka's default log.flush.scheduler.interval.ms of Long.MAX_VALUE.
func (m *Manager) background() {
	defer m.wg.Done()
	var tickers []*time.Ticker
	defer func() {
		for _, t := range tickers {
			t.Stop()
		}
	}()
	ticker := func(d, def time.Duration) <-chan time.Time {
		if d == 0 {
			d = def
		}
		if d <= 0 {
			return nil
		}
		t := time.NewTicker(d)
		tickers = append(tickers, t)
		return t.C
	}
	retention := ticker(m.cfg.RetentionCheckInterval, defaultRetentionCheckInterval)
	flush := ticker(m.cfg.FlushCheckInterval, -1)
	rpCkpt := ticker(m.cfg.FlushOffsetCheckpointInterval, defaultCheckpointInterval)
	startCkpt := ticker(m.cfg.FlushStartOffsetCheckpointInterval, defaultCheckpointInterval)
	for {
		select {
		case <-m.stop:
			return
		case d := <-m.retire:
			m.retireDir(d)
		case now := <-retention:
			m.RunRetention(now)
		case now := <-flush:
			m.FlushDirty(now)
		case <-rpCkpt:
			m.CheckpointAll()
		case <-startCkpt:
			m.CheckpointAll()
		}
	}
}

// RunRetention applies retention to every log once (the kafka-log-retention task).
func (m *Manager) RunRetention(now time.Time) {
	for _, l := range m.All() {
		if _, err := l.DeleteOldSegments(now); err != nil {
			m.log.WithError(l.failIO("deleting segments of", err)).Errorf("Error applying retention to %s", l.tp)
		}
	}
}

// FlushDirty flushes every log whose flush.ms has passed since its last flush.
func (m *Manager) FlushDirty(now time.Time) {
	for _, l := range m.All() {
		if now.UnixMilli()-l.lastFlushMs.Load() < l.Config().FlushMs {
			continue
		}
		if err := l.Flush(); err != nil {
			m.log.WithError(err).Errorf("Error flushing %s", l.tp)
		}
	}
}

// CheckpointAll writes the recovery point and log start offset checkpoints of every dir.
func (m *Manager) CheckpointAll() {
	for _, d := range m.dirs {
		if err := m.checkpointDir(d); err != nil {
			m.log.WithError(err).Errorf("Error writing checkpoints in %s", filepath.Clean(d.path))
		}
	}
}
