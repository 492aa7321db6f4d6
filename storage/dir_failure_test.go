package storage

import (
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dirFaults fails operations of chosen kinds under one dir while armed, and records every
// write-like operation under it, so a test can check that a failed dir is left alone.
type dirFaults struct {
	dir string

	mu     sync.Mutex
	armed  map[Op]bool
	writes []string
}

func (f *dirFaults) arm(ops ...Op) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = map[Op]bool{}
	for _, op := range ops {
		f.armed[op] = true
	}
}

func (f *dirFaults) disarm() { f.arm() }

func (f *dirFaults) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

func (f *dirFaults) fault(op Op, name string, n int) (int, error) {
	if !strings.HasPrefix(name, f.dir+"/") {
		return n, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armed[op] {
		return 0, syscall.ENOSPC
	}
	switch op {
	case OpWrite, OpSync, OpTruncate, OpRename, OpRemove:
		f.writes = append(f.writes, string(op)+" "+name)
	}
	return n, nil
}

// TestDirFailure: the first I/O error of any kind on a log dir takes it offline at once;
// its logs then fail with ErrLogDirOffline without touching the disk, leave service, cannot
// be recreated elsewhere; the other dir keeps working; the dir is announced once.
func TestDirFailure(t *testing.T) {
	healthy, failing := TopicPartition{"x", 0}, TopicPartition{"y", 0}
	tests := []struct {
		name string
		ops  []Op
		// fail runs the operation that meets the fault and returns its error.
		fail func(m *Manager, l *Log) error
	}{
		{"append", []Op{OpWrite}, func(_ *Manager, l *Log) error {
			_, err := l.Append(produce(1, 10, time.Now().UnixMilli()), 0, time.Now())
			return err
		}},
		{"roll", []Op{OpOpen}, func(_ *Manager, l *Log) error {
			c := l.Config()
			c.SegmentBytes = 200
			l.SetConfig(c)
			_, err := l.Append(produce(1, 100, time.Now().UnixMilli()), 0, time.Now())
			return err
		}},
		{"flush", []Op{OpSync}, func(_ *Manager, l *Log) error { return l.Flush() }},
		{"read", []Op{OpRead}, func(_ *Manager, l *Log) error {
			_, err := l.Read(0, -1, 1<<20, true)
			return err
		}},
		{"truncate", []Op{OpTruncate}, func(_ *Manager, l *Log) error { return l.Truncate(1) }},
		{"checkpoint", []Op{OpWrite}, func(m *Manager, _ *Log) error {
			return m.CheckpointHighWatermarks(map[TopicPartition]int64{failing: 1})
		}},
		{"leader epoch", []Op{OpWrite, OpOpen}, func(_ *Manager, l *Log) error { return l.AssignLeaderEpoch(7, 2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewMemFS()
			faults := &dirFaults{dir: "/b"}
			fs.SetFault(faults.fault)
			cfg := managerConfig("/a", "/b")
			cfg.FS = fs
			m := openManager(t, cfg)
			defer m.Close()
			lx, err := m.GetOrCreate(healthy, smallConfig())
			if err != nil {
				t.Fatal(err)
			}
			ly, err := m.GetOrCreate(failing, smallConfig())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ly.Dir(), "/b/") {
				t.Fatalf("%s placed in %s, want /b", failing, ly.Dir())
			}
			for _, l := range []*Log{lx, ly} {
				for range 2 {
					if _, err := l.Append(produce(1, 10, time.Now().UnixMilli()), 0, time.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}

			faults.arm(tt.ops...)
			if err := tt.fail(m, ly); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("failing %s: %v, want ErrLogDirOffline", tt.name, err)
			}
			faults.disarm()
			if got := m.OfflineDirs(); len(got) != 1 || got[0] != "/b" {
				t.Fatalf("OfflineDirs = %v", got)
			}
			if m.IsDirOnline("/b") || !m.IsDirOnline("/a") {
				t.Fatal("IsDirOnline disagrees with OfflineDirs")
			}
			select {
			case d := <-m.DirFailures():
				if d != "/b" {
					t.Fatalf("DirFailures gave %s", d)
				}
			default:
				t.Fatal("the failed dir was not announced")
			}

			// Nothing more is written to the failed dir, whatever is asked of it.
			before := len(faults.written())
			if _, err := ly.Append(produce(1, 10, time.Now().UnixMilli()), 0, time.Now()); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("append after failure: %v", err)
			}
			if _, err := ly.Read(0, -1, 1<<20, true); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("read after failure: %v", err)
			}
			if err := ly.Flush(); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("flush after failure: %v", err)
			}
			if err := ly.Truncate(0); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("truncate after failure: %v", err)
			}
			m.CheckpointAll()
			_ = m.CheckpointHighWatermarks(map[TopicPartition]int64{failing: 1, healthy: 1})
			if w := faults.written()[before:]; len(w) != 0 {
				t.Fatalf("writes to the failed dir: %v", w)
			}

			// The healthy dir serves on.
			if _, err := lx.Append(produce(1, 10, time.Now().UnixMilli()), 0, time.Now()); err != nil {
				t.Fatalf("append to the healthy dir: %v", err)
			}
			if _, err := lx.Read(0, -1, 1<<20, true); err != nil {
				t.Fatalf("read from the healthy dir: %v", err)
			}

			// The background task takes the failed dir's logs out of service.
			waitFor(t, func() bool { _, ok := m.Get(failing); return !ok })
			if _, ok := m.OfflinePartitions()[failing]; !ok {
				t.Fatalf("OfflinePartitions = %v", m.OfflinePartitions())
			}
			if _, err := m.GetOrCreate(failing, smallConfig()); !errors.Is(err, ErrLogDirOffline) {
				t.Fatalf("recreating a log of the failed dir: %v", err)
			}
			if l, err := m.GetOrCreate(TopicPartition{"z", 0}, smallConfig()); err != nil || !strings.HasPrefix(l.Dir(), "/a/") {
				t.Fatalf("new log with /b offline: %v", err)
			}
			select {
			case d := <-m.DirFailures():
				t.Fatalf("%s announced twice", d)
			default:
			}
			if err := m.Close(); err != nil {
				t.Fatalf("Close with a failed dir: %v", err)
			}
			if w := faults.written()[before:]; len(w) != 0 {
				t.Fatalf("Close wrote to the failed dir: %v", w)
			}
		})
	}
}

// TestDirFailureAtOpen: a dir that fails while the manager opens is announced too.
func TestDirFailureAtOpen(t *testing.T) {
	fs := NewMemFS()
	fs.SetFault(func(op Op, name string, n int) (int, error) {
		if op == OpReadDir && name == "/b" {
			return 0, syscall.EIO
		}
		return n, nil
	})
	cfg := managerConfig("/a", "/b")
	cfg.FS = fs
	m := openManager(t, cfg)
	defer m.Close()
	select {
	case d := <-m.DirFailures():
		if d != "/b" {
			t.Fatalf("DirFailures gave %s", d)
		}
	default:
		t.Fatal("a dir failed at open was not announced")
	}
}

// waitFor polls cond until it holds, giving up after a bound far above any normal wait.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
	}
}
