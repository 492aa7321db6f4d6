package broker

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
)

// fakeChangeZK holds /config/changes notifications in memory.
type fakeChangeZK struct {
	mu      sync.Mutex
	nodes   map[string][]byte // child name -> data
	ctime   map[string]int64
	gets    int
	deleted []string
}

func (z *fakeChangeZK) ChildrenW(_ context.Context, p string, _ coordinator.Watcher) ([]string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	var out []string
	for n := range z.nodes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (z *fakeChangeZK) Get(_ context.Context, p string) ([]byte, coordinator.Stat, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	name := p[len(coordinator.ConfigChangesPath)+1:]
	d, ok := z.nodes[name]
	if !ok {
		return nil, coordinator.Stat{}, coordinator.ErrNoNode
	}
	z.gets++
	return d, coordinator.Stat{Ctime: z.ctime[name]}, nil
}

func (z *fakeChangeZK) Delete(_ context.Context, p string, _ int32) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	name := p[len(coordinator.ConfigChangesPath)+1:]
	delete(z.nodes, name)
	z.deleted = append(z.deleted, name)
	return nil
}

// TestConfigChangeListener: a notification applies the topic's config to
// its hosted partitions once; bad notifications are skipped; processed
// notifications older than 15 minutes are purged.
func TestConfigChangeListener(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	parts := map[int32][]int32{0: {1}, 1: {1}}
	h.updateMetadata(c, map[string]map[int32][]int32{"t": parts, "u": {0: {1}}}, 0)
	h.leaderAndISR(c, "t", parts, 0)
	h.leaderAndISR(c, "u", map[int32][]int32{0: {1}}, 0)

	now := h.s.now()
	z := &fakeChangeZK{nodes: map[string][]byte{
		"config_change_0000000000": []byte(`not json`),
		"config_change_0000000001": coordinator.EncodeConfigChange("topics/t"),
	}, ctime: map[string]int64{
		"config_change_0000000000": now.Add(-time.Hour).UnixMilli(),
		"config_change_0000000001": now.UnixMilli(),
	}}
	l := &configChangeListener{s: h.s, zk: z, last: -1, wake: make(chan struct{}, 1)}
	h.admin.setTopic("t", parts, map[string]string{"retention.ms": "1234", "min.insync.replicas": "2"})
	h.admin.setTopic("u", map[int32][]int32{0: {1}}, map[string]string{"retention.ms": "999"})
	if err := l.processAll(context.Background()); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		tp        string
		topic     string
		partition int32
		retention int64
		minISR    int32
	}{
		{"t-0", "t", 0, 1234, 2},
		{"t-1", "t", 1, 1234, 2},
		// No notification for u: its live config is untouched.
		{"u-0", "u", 0, h.s.cfg.Log.RetentionMs, h.s.cfg.Topics.MinInsyncReplicas},
	}
	for _, tt := range tests {
		p, ok := h.s.parts.get(tpOf(tt.topic, tt.partition))
		if !ok {
			t.Fatalf("%s not hosted", tt.tp)
		}
		if got := p.log.Config().RetentionMs; got != tt.retention {
			t.Errorf("%s retention.ms = %d, want %d", tt.tp, got, tt.retention)
		}
		if got := p.snapshot().minISR; got != tt.minISR {
			t.Errorf("%s min.insync.replicas = %d, want %d", tt.tp, got, tt.minISR)
		}
	}
	if len(z.deleted) != 1 || z.deleted[0] != "config_change_0000000000" {
		t.Errorf("purged %v, want the hour-old notification only", z.deleted)
	}

	// A second pass processes nothing new: the override changed without a
	// notification stays unapplied.
	h.admin.setTopic("t", parts, map[string]string{"retention.ms": "5"})
	if err := l.processAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, _ := h.s.parts.get(tpOf("t", 0)); p.log.Config().RetentionMs != 1234 {
		t.Errorf("re-applied without a new notification: %d", p.log.Config().RetentionMs)
	}
}
