package broker

import (
	"slices"
	"testing"
	"time"
)

// TestISRShrinkAndExpand: a follower that never fetches leaves the ISR
// (so acks=-1 completes); when it catches up it rejoins.
func TestISRShrinkAndExpand(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Replication.LagTimeMax = 20 * time.Millisecond })
	c := h.dial()
	parts := map[int32][]int32{0: {1, 2}}
	h.updateMetadata(c, map[string]map[int32][]int32{"r": parts}, 0, 2)
	h.leaderAndISR(c, "r", parts, 0)
	produce(t, c, "r", 0, 1, makeBatch(3, 1))

	waitFor(t, "the ISR to shrink to [1]", func() bool {
		isr, _ := h.node.lastISR()
		return slices.Equal(isr, []int32{1})
	})
	p, _ := h.s.parts.get(tpOf("r", 0))
	if p.highWatermark() != 3 {
		t.Fatalf("high watermark %d after the shrink, want 3", p.highWatermark())
	}
	if rp := produce(t, c, "r", 0, -1, makeBatch(1, 2)); rp.ErrorCode != 0 {
		t.Fatalf("acks=-1 with the ISR shrunk: %+v", rp)
	}

	// The follower fetches at the log end: it rejoins.
	fetch(t, c, fetchRequest("r", 0, 4, 2, 0, 1))
	waitFor(t, "the ISR to expand to [1,2]", func() bool {
		isr, _ := h.node.lastISR()
		return slices.Equal(isr, []int32{1, 2})
	})
	waitFor(t, "the partition to apply the expansion", func() bool { return p.snapshot().isrSize == 2 })
	// A stale zkVersion in a write would show as a repeated version.
	h.node.mu.Lock()
	ups := append([]int32(nil), h.node.isrUpdates[0].ZkVersion, h.node.isrUpdates[len(h.node.isrUpdates)-1].ZkVersion)
	h.node.mu.Unlock()
	if ups[1] <= ups[0] {
		t.Fatalf("zkVersions written %v: the expansion did not use the shrink's new version", ups)
	}
}

// TestFollowerTruncation: the divergence point from the leader's
// OffsetForLeaderEpoch answer (AbstractFetcherThread.getOffsetTruncationState).
func TestFollowerTruncation(t *testing.T) {
	tests := []struct {
		name           string
		epochs         [][2]int64 // our leader-epoch cache
		hw             int64
		leaderEpoch    int32
		leaderEnd      int64
		wantLEO        int64
		stillTruncates bool
	}{
		{"no answer: high watermark", [][2]int64{{0, 0}}, 4, -1, -1, 4, false},
		{"same epoch: leader's end", [][2]int64{{0, 0}}, 2, 0, 7, 7, false},
		{"same epoch, leader behind", [][2]int64{{0, 0}, {3, 6}}, 2, 3, 8, 8, false},
		{"we lack the leader's epoch: our end of the one before, ask again", [][2]int64{{0, 0}, {2, 5}}, 0, 1, 9, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lg := &fakeLog{}
			if _, err := lg.Append(makeBatch(10, 1), 0, time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, e := range tt.epochs {
				_ = lg.AssignLeaderEpoch(int32(e[0]), e[1])
			}
			p := newPartition(tpOf("x", 0), 2, lg, tt.hw, 1)
			if err := p.makeFollower(partitionState{leader: 1, leaderEpoch: 5, replicas: []int32{1, 2}}); err != nil {
				t.Fatal(err)
			}
			if err := p.truncateFromLeader(5, tt.leaderEpoch, tt.leaderEnd); err != nil {
				t.Fatal(err)
			}
			_, _, truncating, _ := p.truncationTarget()
			if got := lg.LogEndOffset(); got != tt.wantLEO || truncating != tt.stillTruncates {
				t.Fatalf("log end %d truncating %v, want %d %v", got, truncating, tt.wantLEO, tt.stillTruncates)
			}
		})
	}
}

// TestLeaderHighWatermark: the smallest log end of the leader, the ISR and
// the followers caught up within replica.lag.time.max.ms
// (Partition.maybeIncrementLeaderHW, Kafka 2.4).
func TestLeaderHighWatermark(t *testing.T) {
	now := time.Unix(1000, 0)
	const lagMax = 10 * time.Second
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name      string
		isr       []int32
		followers map[int32]*followerState
		want      int64
	}{
		{"leader alone", []int32{1}, nil, 10},
		{"ISR follower behind", []int32{1, 2}, map[int32]*followerState{2: {leo: 6, caughtUp: ago(time.Hour)}}, 6},
		{"ISR follower not fetched yet", []int32{1, 2}, map[int32]*followerState{2: {leo: -1}}, -1},
		{"ISR follower ahead does not raise it", []int32{1, 2}, map[int32]*followerState{2: {leo: 12, caughtUp: now}}, 10},
		{"caught up recently outside the ISR holds it back", []int32{1}, map[int32]*followerState{2: {leo: 4, caughtUp: ago(5 * time.Second)}}, 4},
		{"caught up exactly lagMax ago still counts", []int32{1}, map[int32]*followerState{2: {leo: 4, caughtUp: ago(lagMax)}}, 4},
		{"lagging outside the ISR is ignored", []int32{1}, map[int32]*followerState{2: {leo: 4, caughtUp: ago(lagMax + time.Millisecond)}}, 10},
		{"never caught up is ignored", []int32{1}, map[int32]*followerState{2: {leo: 2}}, 10},
		{"smallest of both kinds", []int32{1, 2}, map[int32]*followerState{2: {leo: 8, caughtUp: now}, 3: {leo: 7, caughtUp: ago(time.Second)}}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leaderHighWatermark(10, 1, tt.isr, tt.followers, now, lagMax); got != tt.want {
				t.Fatalf("high watermark %d, want %d", got, tt.want)
			}
		})
	}
}

// TestHighWatermarkWaitsForCaughtUpFollower: a follower outside the ISR
// that just caught up (its ISR expansion still being written) keeps the
// high watermark at its log end; once it lags past the limit it no longer
// does.
func TestHighWatermarkWaitsForCaughtUpFollower(t *testing.T) {
	lg := &fakeLog{}
	p := newPartition(tpOf("x", 0), 1, lg, 0, 1)
	p.lagMax = time.Hour
	if err := p.makeLeader(partitionState{leader: 1, leaderEpoch: 1, replicas: []int32{1, 2, 3}, isr: []int32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := p.appendAsLeader(makeBatch(5, 1), 1, now); err != nil {
		t.Fatal(err)
	}
	p.followerFetched(2, 5, now)
	if ch := p.followerFetched(3, 5, now); ch == nil {
		t.Fatal("follower 3 caught up but no ISR expansion was started")
	}
	if _, err := p.appendAsLeader(makeBatch(3, 1), 1, now); err != nil {
		t.Fatal(err)
	}
	p.followerFetched(2, 8, now)
	if hw := p.highWatermark(); hw != 5 {
		t.Fatalf("high watermark %d with follower 3 caught up at 5, want 5", hw)
	}
	p.followerFetched(2, 8, now.Add(2*time.Hour))
	if hw := p.highWatermark(); hw != 8 {
		t.Fatalf("high watermark %d once follower 3 lags past the limit, want 8", hw)
	}
}
