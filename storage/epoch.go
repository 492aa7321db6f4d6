package storage

import (
	"fmt"
	"sync"

	"github.com/sirupsen/logrus"
)

// epochCache is Kafka's LeaderEpochFileCache: (epoch, start offset) pairs, strictly
// increasing in both, rewritten to leader-epoch-checkpoint on every change.
type epochCache struct {
	fs   FS
	path string
	log  *logrus.Entry

	mu      sync.RWMutex
	entries []epochEntry
}

func loadEpochCache(fsys FS, path string, log *logrus.Entry) (*epochCache, error) {
	c := &epochCache{fs: fsys, path: path, log: log}
	data, ok, err := readFile(fsys, path)
	if err != nil {
		return nil, err
	}
	if ok {
		entries, err := parseEpochCheckpoint(data)
		if err != nil {
			// The cache is an optimisation for truncation; a bad file is rebuilt from the log.
			log.WithError(err).Warnf("Ignoring corrupt leader epoch checkpoint %s", path)
			entries = nil
		}
		c.entries = entries
	}
	return c, nil
}

// REQUIRES: c.mu held for writing.
func (c *epochCache) flushLocked() error {
	if err := writeFileAtomic(c.fs, c.path, formatEpochCheckpoint(c.entries)); err != nil {
		return fmt.Errorf("storage: leader epoch checkpoint: %w", err)
	}
	return nil
}

// assign records that epoch starts at startOffset, dropping entries it supersedes.
func (c *epochCache) assign(epoch int32, startOffset int64) error {
	if epoch < 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.entries); n > 0 {
		last := c.entries[n-1]
		if last.Epoch == epoch && startOffset >= last.StartOffset {
			return nil
		}
		if epoch < last.Epoch {
			c.log.Warnf("Received leader epoch assignment %d at offset %d older than the latest epoch %d", epoch, startOffset, last.Epoch)
		}
	}
	kept := c.entries[:0]
	for _, e := range c.entries {
		if e.Epoch < epoch && e.StartOffset < startOffset {
			kept = append(kept, e)
		}
	}
	c.entries = append(kept, epochEntry{Epoch: epoch, StartOffset: startOffset})
	return c.flushLocked()
}

func (c *epochCache) latest() (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.entries) == 0 {
		return -1, false
	}
	return c.entries[len(c.entries)-1].Epoch, true
}

// endOffsetFor answers OffsetForLeaderEpoch (kafka-zk.md 3.4); (-1, -1) when undefined.
func (c *epochCache) endOffsetFor(epoch int32, leo int64) (int32, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if epoch < 0 || len(c.entries) == 0 {
		return -1, -1
	}
	if c.entries[len(c.entries)-1].Epoch == epoch {
		return epoch, leo
	}
	i := 0
	for i < len(c.entries) && c.entries[i].Epoch <= epoch {
		i++
	}
	switch {
	case i == len(c.entries):
		return -1, -1
	case i == 0:
		return epoch, c.entries[0].StartOffset
	default:
		return c.entries[i-1].Epoch, c.entries[i].StartOffset
	}
}

// truncateFromEnd removes entries starting at or after endOffset.
func (c *epochCache) truncateFromEnd(endOffset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.entries)
	if endOffset < 0 || n == 0 || c.entries[n-1].StartOffset < endOffset {
		return nil
	}
	i := n
	for i > 0 && c.entries[i-1].StartOffset >= endOffset {
		i--
	}
	c.entries = c.entries[:i]
	return c.flushLocked()
}

// truncateFromStart drops entries wholly below startOffset; the last of them is kept,
// moved to startOffset.
func (c *epochCache) truncateFromStart(startOffset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) == 0 || c.entries[0].StartOffset >= startOffset {
		return nil
	}
	i := 0
	for i < len(c.entries) && c.entries[i].StartOffset <= startOffset {
		i++
	}
	first := epochEntry{Epoch: c.entries[i-1].Epoch, StartOffset: startOffset}
	c.entries = append([]epochEntry{first}, c.entries[i:]...)
	return c.flushLocked()
}

func (c *epochCache) clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	return c.flushLocked()
}

func (c *epochCache) snapshot() []epochEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]epochEntry(nil), c.entries...)
}

// EpochForOffset is the leader epoch of the batch at offset as the epoch
// cache records it (LeaderEpochFileCache.epochForOffset): the epoch of the
// last entry starting at or before offset; false when none does, as for
// batches older than the first recorded epoch.
func (l *Log) EpochForOffset(offset int64) (int32, bool) { return l.epochs.forOffset(offset) }

func (c *epochCache) forOffset(offset int64) (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	epoch, found := int32(-1), false
	for _, e := range c.entries {
		if e.StartOffset > offset {
			break
		}
		epoch, found = e.Epoch, true
	}
	return epoch, found
}
