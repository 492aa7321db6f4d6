package broker

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/storage"
)

// idempotent returns a batch of n records from producer pid, timestamped
// now so that no producer expires (transactional.id.expiration.ms).
func idempotent(pid int64, epoch int16, seq int32, n int) []byte {
	return idempotentAt(pid, epoch, seq, n, time.Now().UnixMilli())
}

// idempotentAt is idempotent with the records' timestamp.
func idempotentAt(pid int64, epoch int16, seq int32, n int, ts int64) []byte {
	b := makeBatch(n, ts)
	binary.BigEndian.PutUint64(b[43:], uint64(pid))
	binary.BigEndian.PutUint16(b[51:], uint16(epoch))
	binary.BigEndian.PutUint32(b[53:], uint32(seq))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func leaderPartition(t *testing.T, lg PartitionLog) *partition {
	t.Helper()
	p := newPartition(tpOf("x", 0), 1, lg, 0, 1)
	if err := p.loadProducers(); err != nil {
		t.Fatal(err)
	}
	if err := p.makeLeader(partitionState{leader: 1, leaderEpoch: 1, replicas: []int32{1}, isr: []int32{1}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProducerSequences(t *testing.T) {
	type step struct {
		pid       int64
		epoch     int16
		seq       int32
		n         int
		wantErr   *kerr.Error
		wantFirst int64 // first offset answered
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 2, 3, nil, 2}, {7, 0, 5, 1, nil, 5}}},
		{"retried batch gets its first offsets", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 2, 3, nil, 2}, {7, 0, 0, 2, nil, 0}, {7, 0, 5, 1, nil, 5}}},
		{"gap", []step{{7, 0, 0, 2, nil, 0}, {7, 0, 3, 1, kerr.OutOfOrderSequenceNumber, -1}}},
		{"unknown producer not at 0", []step{{7, 0, 4, 1, kerr.UnknownProducerID, -1}}},
		{"older epoch fenced", []step{{7, 1, 0, 1, nil, 0}, {7, 0, 1, 1, kerr.InvalidProducerEpoch, -1}}},
		{"new epoch must start at 0", []step{{7, 0, 0, 1, nil, 0}, {7, 1, 1, 1, kerr.OutOfOrderSequenceNumber, -1}, {7, 1, 0, 1, nil, 1}}},
		{"beyond the five-batch window is out of order", []step{
			{7, 0, 0, 1, nil, 0}, {7, 0, 1, 1, nil, 1}, {7, 0, 2, 1, nil, 2}, {7, 0, 3, 1, nil, 3},
			{7, 0, 4, 1, nil, 4}, {7, 0, 5, 1, nil, 5}, {7, 0, 0, 1, kerr.OutOfOrderSequenceNumber, -1}, {7, 0, 1, 1, nil, 1},
		}},
		{"producers are independent", []step{{7, 0, 0, 1, nil, 0}, {8, 0, 0, 1, nil, 1}, {7, 0, 1, 1, nil, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := leaderPartition(t, &fakeLog{})
			for i, s := range tt.steps {
				res, err := p.appendAsLeader(idempotent(s.pid, s.epoch, s.seq, s.n), -1, time.Now())
				if s.wantErr == nil && err != nil || s.wantErr != nil && (err == nil || errorCode(err) != s.wantErr.Code) {
					t.Fatalf("step %d: error %v, want %v", i, err, s.wantErr)
				}
				if err == nil && res.FirstOffset != s.wantFirst {
					t.Fatalf("step %d: first offset %d, want %d", i, res.FirstOffset, s.wantFirst)
				}
			}
		})
	}
}

// TestProducerStateFromLog checks that a partition opened over a log (a
// restarted broker, a follower that becomes leader) knows the sequences.
func TestProducerStateFromLog(t *testing.T) {
	lg := &fakeLog{}
	for seq := int32(0); seq < 6; seq += 2 {
		if _, err := lg.AppendAsFollower(withBase(idempotent(7, 0, seq, 2), int64(seq))); err != nil {
			t.Fatal(err)
		}
	}
	p := leaderPartition(t, lg)
	for _, tt := range []struct {
		seq       int32
		wantErr   *kerr.Error
		wantFirst int64
	}{
		{4, nil, 4},                            // the last batch retried
		{7, kerr.OutOfOrderSequenceNumber, -1}, // a gap
		{6, nil, 6},                            // the next one
	} {
		res, err := p.appendAsLeader(idempotent(7, 0, tt.seq, 2), -1, time.Now())
		if errorCode(err) != errorCode(errOrNil(tt.wantErr)) || err == nil && res.FirstOffset != tt.wantFirst {
			t.Fatalf("seq %d: %v at %d, want %v at %d", tt.seq, err, res.FirstOffset, tt.wantErr, tt.wantFirst)
		}
	}
}

func errOrNil(e *kerr.Error) error {
	if e == nil {
		return nil
	}
	return e
}

func withBase(b []byte, base int64) []byte {
	binary.BigEndian.PutUint64(b, uint64(base))
	return b
}

// TestProducerStateSurvivesRestart restarts a partition on real storage
// (snapshot files in an in-memory file system): a batch retried after the
// restart is still answered as a duplicate, whether the state comes from
// the snapshot written at shutdown, from an older snapshot and the log
// after it (the newest one corrupt), or from the whole log (none left).
func TestProducerStateSurvivesRestart(t *testing.T) {
	const dir = "/logs/x-0"
	tests := []struct {
		name   string
		damage func(fs *storage.MemFS, snapshots []string) error
	}{
		{"clean shutdown", nil},
		{"newest snapshot corrupt", func(fs *storage.MemFS, snaps []string) error {
			f, err := fs.OpenFile(snaps[len(snaps)-1], os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte{0xff, 0xff}, 8)
			return err
		}},
		{"snapshots lost", func(fs *storage.MemFS, snaps []string) error {
			for _, s := range snaps {
				if err := fs.Remove(s); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := storage.NewMemFS()
			lc := storage.DefaultLogConfig()
			lc.SegmentBytes = 300 // a roll every few batches, each writing a snapshot
			open := func() (*storage.Manager, *partition) {
				m, err := storage.OpenManager(storage.ManagerConfig{Dirs: []string{"/logs"}, Default: storage.DefaultLogConfig(), FS: fs}, nil)
				if err != nil {
					t.Fatal(err)
				}
				lg, err := StorageLogs(m).GetOrCreate(tpOf("x", 0), lc)
				if err != nil {
					t.Fatal(err)
				}
				return m, leaderPartition(t, lg)
			}
			m, p := open()
			for seq := int32(0); seq < 9; seq++ {
				if _, err := p.appendAsLeader(idempotent(7, 0, seq, 1), -1, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			ents, err := fs.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var snaps []string
			for _, e := range ents {
				if strings.HasSuffix(e.Name, ".snapshot") {
					snaps = append(snaps, filepath.Join(dir, e.Name))
				}
			}
			if len(snaps) < 2 || !strings.HasSuffix(snaps[len(snaps)-1], "00000000000000000009.snapshot") {
				t.Fatalf("snapshot files %v, want the rolls' and one at the log end 9", snaps)
			}
			if tt.damage != nil {
				if err := tt.damage(fs, snaps); err != nil {
					t.Fatal(err)
				}
			}

			m, p = open()
			defer m.Close()
			for _, step := range []struct {
				seq       int32
				wantErr   *kerr.Error
				wantFirst int64
			}{
				{8, nil, 8},                             // the last batch retried: a duplicate
				{10, kerr.OutOfOrderSequenceNumber, -1}, // a gap
				{9, nil, 9},                             // the next one
			} {
				res, err := p.appendAsLeader(idempotent(7, 0, step.seq, 1), -1, time.Now())
				if errorCode(err) != errorCode(errOrNil(step.wantErr)) || err == nil && res.FirstOffset != step.wantFirst {
					t.Fatalf("seq %d after restart: %v at %d, want %v at %d", step.seq, err, res.FirstOffset, step.wantErr, step.wantFirst)
				}
			}
			if leo := p.log.LogEndOffset(); leo != 10 {
				t.Fatalf("log end %d, want 10 (the duplicate not written again)", leo)
			}
		})
	}
}

// TestProducerExpiry: a producer idle for transactional.id.expiration.ms is
// forgotten at the next expiration check: it must start again at sequence
// 0, as after Kafka's removeExpiredProducers. Producers still active keep
// their sequences, and nothing expires before the check interval passed.
func TestProducerExpiry(t *testing.T) {
	start := time.Now()
	late := start.Add(storage.ProducerExpirationCheckInterval + time.Minute)
	idle := start.Add(-2 * time.Hour).UnixMilli()
	type step struct {
		pid     int64
		seq     int32
		ts      int64
		now     time.Time
		wantErr *kerr.Error
	}
	tests := []struct {
		name     string
		expiryMs int64
		steps    []step
	}{
		{"idle producer expires at the check", 3600_000, []step{
			{7, 0, idle, start, nil}, {8, 0, start.UnixMilli(), start, nil},
			{7, 1, idle, start, nil}, // before the check interval: still known
			{7, 2, late.UnixMilli(), late, kerr.UnknownProducerID},
			{8, 1, late.UnixMilli(), late, nil},
			{7, 0, late.UnixMilli(), late, nil},
		}},
		{"expiry off", 0, []step{
			{7, 0, idle, start, nil}, {7, 1, late.UnixMilli(), late, nil},
		}},
		{"not yet idle long enough", 3 * 3600_000, []step{
			{7, 0, idle, start, nil}, {7, 1, late.UnixMilli(), late, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := storage.OpenManager(storage.ManagerConfig{Dirs: []string{"/logs"}, Default: storage.DefaultLogConfig(), FS: storage.NewMemFS()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			lc := storage.DefaultLogConfig()
			lc.ProducerIDExpirationMs = tt.expiryMs
			lg, err := StorageLogs(m).GetOrCreate(tpOf("x", 0), lc)
			if err != nil {
				t.Fatal(err)
			}
			p := leaderPartition(t, lg)
			for i, s := range tt.steps {
				_, err := p.appendAsLeader(idempotentAt(s.pid, 0, s.seq, 1, s.ts), -1, s.now)
				if s.wantErr == nil && err != nil || s.wantErr != nil && !errors.Is(err, s.wantErr) {
					t.Fatalf("step %d (producer %d seq %d): %v, want %v", i, s.pid, s.seq, err, s.wantErr)
				}
			}
		})
	}
}
