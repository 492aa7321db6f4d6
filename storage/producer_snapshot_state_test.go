package storage

import (
	"slices"
	"testing"
	"time"
)

// TestRemoveExpiredProducers: a producer expires once its last batch is
// transactional.id.expiration.ms old, unless a transaction is open.
func TestRemoveExpiredProducers(t *testing.T) {
	const now, hour = int64(10_000_000), int64(3600_000)
	tests := []struct {
		name     string
		lastTs   int64
		txnFirst int64
		maxMs    int64
		expired  bool
	}{
		{"fresh", now - 1, -1, hour, false},
		{"one ms short", now - hour + 1, -1, hour, false},
		{"exactly the limit", now - hour, -1, hour, true},
		{"long idle", 0, -1, hour, true},
		{"open transaction", 0, 42, hour, false},
		{"expiry off", 0, -1, 0, false},
		{"timestamp in the future", now + hour, -1, hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := producerStates{m: map[int64]*ProducerState{
				1: {ProducerID: 1, LastTimestamp: tt.lastTs, CurrentTxnFirstOffset: tt.txnFirst},
				2: {ProducerID: 2, LastTimestamp: now, CurrentTxnFirstOffset: -1},
			}}
			gone := ps.removeExpired(now, tt.maxMs)
			_, kept := ps.m[1]
			if kept == tt.expired || (len(gone) == 1) != tt.expired || ps.m[2] == nil {
				t.Errorf("removed %v, producer 1 kept %v, producer 2 kept %v; want producer 1 expired %v", gone, kept, ps.m[2] != nil, tt.expired)
			}

			// A snapshot holding the same entry loads it only if it has not expired.
			var loaded producerStates
			loaded.load([]ProducerSnapshotEntry{{ProducerID: 1, LastOffset: 3, LastSequence: 3, Timestamp: tt.lastTs, CurrentTxnFirstOffset: tt.txnFirst}}, 4, now, tt.maxMs)
			if _, ok := loaded.m[1]; ok == tt.expired {
				t.Errorf("loaded from a snapshot: present %v, want expired %v", ok, tt.expired)
			}
		})
	}
}

// TestLogProducerExpiry: a log forgets an idle producer when asked, keeps the
// others, and a reopen from the snapshot does not bring the idle one back.
func TestLogProducerExpiry(t *testing.T) {
	fsys := NewMemFS()
	cfg := smallConfig()
	cfg.ProducerIDExpirationMs = 3600_000
	l := openTestLog(t, fsys, "/d/t-0", cfg, false)
	now := time.Now()
	old := now.Add(-2 * time.Hour).UnixMilli()
	appendAt := func(pid int64, seq int32, ts int64) {
		t.Helper()
		if _, err := l.AppendAsFollower(idempotentBatch(l.LogEndOffset(), 2, pid, 0, seq, ts)); err != nil {
			t.Fatal(err)
		}
	}
	appendAt(7, 0, old)
	appendAt(8, 0, now.UnixMilli())
	ids := func() []int64 {
		var out []int64
		for _, p := range l.Producers() {
			out = append(out, p.ProducerID)
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []int64{7, 8}) {
		t.Fatalf("producers before expiry %v", got)
	}
	if gone := l.RemoveExpiredProducers(now); !slices.Equal(gone, []int64{7}) {
		t.Fatalf("removed %v, want [7]", gone)
	}
	if got := ids(); !slices.Equal(got, []int64{8}) {
		t.Fatalf("producers after expiry %v, want [8]", got)
	}
	appendAt(8, 2, now.UnixMilli())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, fsys, "/d/t-0", cfg, true)
	defer l.Close()
	if got := ids(); !slices.Equal(got, []int64{8}) {
		t.Fatalf("producers after reopen %v, want [8]", got)
	}
}
