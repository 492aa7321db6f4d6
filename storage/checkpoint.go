package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Checkpoint file names and version (part of the on-disk format; never change).
const (
	recoveryPointCheckpointFile = "recovery-point-offset-checkpoint"
	logStartCheckpointFile      = "log-start-offset-checkpoint"
	replicationCheckpointFile   = "replication-offset-checkpoint"
	cleanerCheckpointFile       = "cleaner-offset-checkpoint"
	leaderEpochCheckpointFile   = "leader-epoch-checkpoint"
	checkpointVersion           = 0
)

var errMalformedCheckpoint = errors.New("storage: malformed checkpoint file")

// writeFileAtomic replaces path with data: write path.tmp, fsync, rename, fsync the dir.
func writeFileAtomic(fsys FS, path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("storage: write %s: %w", path, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		f.Close()
		return fmt.Errorf("storage: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("storage: fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("storage: close %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return fmt.Errorf("storage: rename %s: %w", tmp, err)
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("storage: fsync dir of %s: %w", path, err)
	}
	return nil
}

// readFile reads a whole file; a missing file is (nil, false, nil).
func readFile(fsys FS, path string) ([]byte, bool, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage: open %s: %w", path, err)
	}
	defer f.Close()
	n, err := f.Size()
	if err != nil {
		return nil, false, fmt.Errorf("storage: stat %s: %w", path, err)
	}
	b := make([]byte, n)
	if n > 0 {
		if _, err := f.ReadAt(b, 0); err != nil {
			return nil, false, fmt.Errorf("storage: read %s: %w", path, err)
		}
	}
	return b, true, nil
}

// parseCheckpoint reads Kafka's CheckpointFile text: version line, count line, then one
// entry per line whose whitespace-separated fields go to parseLine. An empty file has no
// entries; a wrong version, count or line is an error.
func parseCheckpoint(data []byte, fields int, parseLine func(f []string) error) error {
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || v != checkpointVersion {
		return fmt.Errorf("%w: unrecognized version %q", errMalformedCheckpoint, lines[0])
	}
	if len(lines) == 1 {
		return nil
	}
	want, err := strconv.Atoi(strings.TrimSpace(lines[1]))
	if err != nil || want < 0 {
		return fmt.Errorf("%w: bad entry count %q", errMalformedCheckpoint, lines[1])
	}
	got := 0
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		if len(f) != fields {
			return fmt.Errorf("%w: malformed line %q", errMalformedCheckpoint, line)
		}
		if err := parseLine(f); err != nil {
			return fmt.Errorf("%w: malformed line %q: %v", errMalformedCheckpoint, line, err)
		}
		got++
	}
	if got != want {
		return fmt.Errorf("%w: expected %d entries, found %d", errMalformedCheckpoint, want, got)
	}
	return nil
}

// parseOffsetCheckpoint reads "topic partition offset" checkpoints.
func parseOffsetCheckpoint(data []byte) (map[TopicPartition]int64, error) {
	out := map[TopicPartition]int64{}
	err := parseCheckpoint(data, 3, func(f []string) error {
		p, err := strconv.ParseInt(f[1], 10, 32)
		if err != nil {
			return err
		}
		o, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return err
		}
		out[TopicPartition{Topic: f[0], Partition: int32(p)}] = o
		return nil
	})
	return out, err
}

// formatOffsetCheckpoint writes entries sorted by topic and partition.
func formatOffsetCheckpoint(m map[TopicPartition]int64) []byte {
	tps := make([]TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(tps))
	for _, tp := range tps {
		fmt.Fprintf(&b, "%s %d %d\n", tp.Topic, tp.Partition, m[tp])
	}
	return b.Bytes()
}

// epochEntry is one leader-epoch-checkpoint line.
type epochEntry struct {
	Epoch       int32
	StartOffset int64
}

func parseEpochCheckpoint(data []byte) ([]epochEntry, error) {
	var out []epochEntry
	err := parseCheckpoint(data, 2, func(f []string) error {
		e, err := strconv.ParseInt(f[0], 10, 32)
		if err != nil {
			return err
		}
		o, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return err
		}
		out = append(out, epochEntry{Epoch: int32(e), StartOffset: o})
		return nil
	})
	return out, err
}

func formatEpochCheckpoint(entries []epochEntry) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", checkpointVersion, len(entries))
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %d\n", e.Epoch, e.StartOffset)
	}
	return b.Bytes()
}
