package storage

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func managerConfig(dirs ...string) ManagerConfig {
	c := ManagerConfig{Dirs: dirs, Default: smallConfig(), RetentionCheckInterval: -1, FlushOffsetCheckpointInterval: -1, FlushStartOffsetCheckpointInterval: -1}
	return c
}

func openManager(t *testing.T, cfg ManagerConfig) *Manager {
	t.Helper()
	m, err := OpenManager(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("OpenManager: %v", err)
	}
	return m
}

func TestManagerLifecycle(t *testing.T) {
	base := t.TempDir()
	d1, d2 := filepath.Join(base, "a"), filepath.Join(base, "b")
	cfg := managerConfig(d1, d2)
	m := openManager(t, cfg)
	if _, _, found, err := m.Meta(); found || err != nil {
		t.Fatalf("Meta on fresh dirs: %v %v", found, err)
	}
	if err := m.WriteMeta("cluster-1", 3); err != nil {
		t.Fatal(err)
	}
	if cid, bid, found, err := m.Meta(); cid != "cluster-1" || bid != 3 || !found || err != nil {
		t.Fatalf("Meta = %q %d %v %v", cid, bid, found, err)
	}
	if err := m.WriteMeta("cluster-2", 3); !errors.Is(err, ErrInconsistentClusterID) {
		t.Fatalf("WriteMeta other cluster: %v", err)
	}
	if err := m.WriteMeta("cluster-1", 4); !errors.Is(err, ErrInconsistentBrokerID) {
		t.Fatalf("WriteMeta other broker: %v", err)
	}
	// A second broker process on the same dirs is refused.
	if _, err := OpenManager(cfg, nil); err == nil || !strings.Contains(err.Error(), "another broker") {
		t.Fatalf("second OpenManager: %v", err)
	}
	perDir := map[string]int{}
	for p := range int32(6) {
		lc := smallConfig()
		if p == 5 {
			lc.FileDeleteDelayMs = 60000 // kept until the next start
		}
		l, err := m.GetOrCreate(TopicPartition{"orders", p}, lc)
		if err != nil {
			t.Fatal(err)
		}
		perDir[filepath.Dir(l.Dir())]++
		for range 3 {
			if _, err := l.Append(produce(2, 10, time.Now().UnixMilli()), 1, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if perDir[d1] != 3 || perDir[d2] != 3 {
		t.Fatalf("partitions per dir %v, want 3 and 3", perDir)
	}
	hw := map[TopicPartition]int64{{"orders", 0}: 4, {"orders", 1}: 6}
	if err := m.CheckpointHighWatermarks(hw); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(TopicPartition{"orders", 5}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{d1, d2} {
		if _, err := os.Stat(filepath.Join(d, ".kafka_cleanshutdown")); err != nil {
			t.Fatalf("no clean shutdown marker in %s", d)
		}
		data, err := os.ReadFile(filepath.Join(d, "recovery-point-offset-checkpoint"))
		if err != nil || !regexp.MustCompile(`^0\n\d\n(orders \d 6\n)*$`).Match(data) {
			t.Fatalf("recovery point checkpoint %q %v", data, err)
		}
	}
	var deleted []string
	for _, d := range []string{d1, d2} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), "-delete") {
				deleted = append(deleted, e.Name())
			}
		}
	}
	if len(deleted) != 1 || !regexp.MustCompile(`^orders-5\.[0-9a-f]{32}-delete$`).MatchString(deleted[0]) {
		t.Fatalf("delete dirs %v", deleted)
	}

	m2 := openManager(t, cfg)
	defer m2.Close()
	if n := len(m2.All()); n != 5 {
		t.Fatalf("reloaded %d logs, want 5", n)
	}
	if got := m2.HighWatermarks(); got[TopicPartition{"orders", 0}] != 4 || got[TopicPartition{"orders", 1}] != 6 {
		t.Fatalf("HighWatermarks %v", got)
	}
	l, ok := m2.Get(TopicPartition{"orders", 2})
	if !ok || l.LogEndOffset() != 6 || l.HighWatermark() != 0 {
		t.Fatalf("reloaded log: %v LEO %d", ok, l.LogEndOffset())
	}
	if l0, _ := m2.Get(TopicPartition{"orders", 0}); l0.HighWatermark() != 4 {
		t.Fatalf("HW not restored: %d", l0.HighWatermark())
	}
	for _, d := range []string{d1, d2} {
		if _, err := os.Stat(filepath.Join(d, ".kafka_cleanshutdown")); !os.IsNotExist(err) {
			t.Fatalf("clean shutdown marker not removed after load in %s", d)
		}
	}
}

func TestManagerOfflineDir(t *testing.T) {
	fs := NewMemFS()
	cfg := managerConfig("/a", "/b")
	cfg.FS = fs
	m := openManager(t, cfg)
	l, _ := m.GetOrCreate(TopicPartition{"x", 0}, smallConfig())
	l.Append(produce(1, 1, 1), 0, time.Now())
	m.Close()
	fs.SetFault(func(op Op, name string, n int) (int, error) {
		if op == OpReadDir && name == "/b" {
			return 0, syscall.EIO
		}
		return n, nil
	})
	m2 := openManager(t, cfg)
	if got := m2.OfflineDirs(); len(got) != 1 || got[0] != "/b" {
		t.Fatalf("OfflineDirs = %v", got)
	}
	if l, err := m2.GetOrCreate(TopicPartition{"y", 0}, smallConfig()); err != nil || filepath.Dir(l.Dir()) != "/a" {
		t.Fatalf("GetOrCreate with one dir offline: %v", err)
	}
	m2.Close()
	fs.SetFault(func(op Op, name string, n int) (int, error) {
		if op == OpReadDir {
			return 0, syscall.EIO
		}
		return n, nil
	})
	if _, err := OpenManager(cfg, testLogger(t)); !errors.Is(err, ErrLogDirOffline) {
		t.Fatalf("all dirs failing: %v", err)
	}
}

func TestManagerInconsistentMeta(t *testing.T) {
	fs := NewMemFS()
	for _, d := range []string{"/a", "/b"} {
		fs.MkdirAll(d, 0o755)
	}
	writeFileAtomic(fs, "/a/meta.properties", []byte("version=0\nbroker.id=1\ncluster.id=c\n"))
	writeFileAtomic(fs, "/b/meta.properties", []byte("version=0\nbroker.id=2\ncluster.id=c\n"))
	cfg := managerConfig("/a", "/b")
	cfg.FS = fs
	m := openManager(t, cfg)
	defer m.Close()
	if _, _, _, err := m.Meta(); !errors.Is(err, ErrInconsistentBrokerID) {
		t.Fatalf("Meta: %v", err)
	}
}

// TestManagerUncleanRestart crashes a MemFS under a manager and checks that the reopened
// manager recovers every log from its recovery point.
func TestManagerUncleanRestart(t *testing.T) {
	fs := NewMemFS()
	cfg := managerConfig("/a")
	cfg.FS = fs
	m := openManager(t, cfg)
	l, _ := m.GetOrCreate(TopicPartition{"x", 0}, smallConfig())
	for range 10 {
		l.Append(produce(3, 50, 1), 0, time.Now())
	}
	l.Flush()
	m.CheckpointAll()
	for range 5 {
		l.Append(produce(3, 50, 1), 0, time.Now())
	}
	fs.Crash(nil) // drops every unsynced byte
	m2 := openManager(t, cfg)
	defer m2.Close()
	l2, ok := m2.Get(TopicPartition{"x", 0})
	if !ok || l2.LogEndOffset() != 30 {
		t.Fatalf("recovered LEO %d, want 30", l2.LogEndOffset())
	}
	if len(readAll(t, l2, 0)) != 10 {
		t.Fatal("flushed batches lost")
	}
}

func TestParseTopicPartitionDir(t *testing.T) {
	tests := []struct {
		in   string
		want TopicPartition
		ok   bool
	}{
		{"orders-0", TopicPartition{"orders", 0}, true},
		{"my-topic-12", TopicPartition{"my-topic", 12}, true},
		{"__consumer_offsets-49", TopicPartition{"__consumer_offsets", 49}, true},
		{"orders", TopicPartition{}, false},
		{"orders-", TopicPartition{}, false},
		{"-1", TopicPartition{}, false},
		{"orders-x", TopicPartition{}, false},
	}
	for _, tc := range tests {
		got, ok := parseTopicPartitionDir(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseTopicPartitionDir(%q) = %v %v", tc.in, got, ok)
		}
	}
	if n := deleteDirName(TopicPartition{strings.Repeat("t", 249), 7}); len(n) > 255 || !strings.HasSuffix(n, "-delete") {
		t.Errorf("deleteDirName too long: %d", len(n))
	}
}

// TestBackgroundRetention lets the manager's own task apply retention.
func TestBackgroundRetention(t *testing.T) {
	fs := NewMemFS()
	cfg := managerConfig("/a")
	cfg.FS = fs
	cfg.RetentionCheckInterval = 5 * time.Millisecond
	m := openManager(t, cfg)
	defer m.Close()
	lc := smallConfig()
	lc.SegmentBytes = 500
	lc.RetentionMs = 1000
	l, _ := m.GetOrCreate(TopicPartition{"r", 0}, lc)
	for range 10 {
		l.Append(produce(1, 200, 1), 0, time.Now()) // timestamps from 1970: expired
	}
	l.SetHighWatermark(l.LogEndOffset())
	deadline := time.Now().Add(10 * time.Second)
	for l.LogStartOffset() != l.LogEndOffset() {
		if time.Now().After(deadline) {
			t.Fatalf("retention never ran: log start %d, end %d", l.LogStartOffset(), l.LogEndOffset())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
