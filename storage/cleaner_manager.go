package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// defaultCleanerBackoff is Kafka's default log.cleaner.backoff.ms: the pause when no log
// needs cleaning.
const defaultCleanerBackoff = 15 * time.Second

// cleanerBackoff is the configured pause, or the default for a zero ManagerConfig field.
func (m *Manager) cleanerBackoff() time.Duration {
	if m.cfg.CleanerBackoff > 0 {
		return m.cfg.CleanerBackoff
	}
	return defaultCleanerBackoff
}

// cleanerState holds the cleaner checkpoints (cleaner-offset-checkpoint) of all dirs.
type cleanerState struct {
	mu      sync.Mutex
	offsets map[TopicPartition]int64
}

func (c *cleanerState) get(tp TopicPartition) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offsets[tp]
}

func (c *cleanerState) set(tp TopicPartition, off int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offsets[tp] = off
}

func (c *cleanerState) load(m map[TopicPartition]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for tp, v := range m {
		c.offsets[tp] = v
	}
}

// RunCleaner compacts every log whose cleanup.policy includes compact and whose dirty ratio
// allows it, once, then rewrites cleaner-offset-checkpoint. It returns how many logs were
// cleaned. The background cleaner calls it again at once after a pass that cleaned
// something, else after log.cleaner.backoff.ms.
func (m *Manager) RunCleaner(now time.Time) int {
	throttle := m.newThrottle()
	cleaned := 0
	dirty := map[*logDir]bool{}
	for _, l := range m.All() {
		if !l.Config().compactPolicy() {
			continue
		}
		d := m.dirOf(l)
		if d == nil || d.offline.Load() {
			continue
		}
		st, err := l.clean(m.cleaner.get(l.tp), now, throttle)
		if err != nil {
			if isFileError(err) && !errors.Is(err, ErrLogDirOffline) {
				// LogCleaner.cleanLog: an IOException takes the dir
				// offline, like any other failed I/O on its files.
				d.fail(fmt.Sprintf("Failed to clean up log for %s in dir %s due to IOException", l.tp, filepath.Clean(d.path)), err)
				continue
			}
			m.log.WithError(err).Errorf("Error cleaning %s", l.tp)
			continue
		}
		if st.segments >= 0 {
			m.cleaner.set(l.tp, st.endOffset)
			dirty[d] = true
			cleaned++
		}
	}
	for d := range dirty {
		entries := map[TopicPartition]int64{}
		for _, l := range m.logsIn(d) {
			if v := m.cleaner.get(l.tp); v > 0 {
				entries[l.tp] = v
			}
		}
		if err := m.writeCheckpoint(d, cleanerCheckpointFile, entries); err != nil {
			m.log.WithError(err).Errorf("Error writing %s in %s", cleanerCheckpointFile, filepath.Clean(d.path))
		}
	}
	return cleaned
}

// newThrottle limits cleaner I/O to log.cleaner.io.max.bytes.per.second (0 = unlimited).
func (m *Manager) newThrottle() throttleFunc {
	rate := m.cfg.CleanerIOMaxBytesPerSecond
	if rate <= 0 {
		return nil
	}
	start := time.Now()
	var total int64
	return func(n int64) {
		total += n
		want := time.Duration(float64(total) / rate * float64(time.Second))
		if d := want - time.Since(start); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-m.stop:
			}
		}
	}
}

// cleanerLoop runs the cleaner until Close. Like Kafka's CleanerThread it pauses for
// log.cleaner.backoff.ms only when a pass found nothing to clean (a cleaned log's
// checkpoint moves past what it cleaned, so the passes end). Kafka's first pass runs at
// once; here it comes one pause after opening, leaving start-up its I/O.
func (m *Manager) cleanerLoop() {
	defer m.wg.Done()
	t := time.NewTimer(m.cleanerBackoff())
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			wait := m.cleanerBackoff()
			if m.RunCleaner(now) > 0 {
				wait = 0
			}
			t.Reset(wait)
		}
	}
}

// isFileError reports whether err came from an operation on a file (both
// the OS and MemFS report those as *fs.PathError), as opposed to data the
// cleaner could not decode or compress.
func isFileError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}
