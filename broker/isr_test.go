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
