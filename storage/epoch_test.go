package storage

import "testing"

func TestEpochForOffset(t *testing.T) {
	fs := NewMemFS()
	fs.MkdirAll("/p", 0o755)
	c, err := loadEpochCache(fs, "/p/leader-epoch-checkpoint", testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := c.forOffset(0); ok || e != -1 {
		t.Fatalf("empty cache: %d %v", e, ok)
	}
	for _, a := range []epochEntry{{1, 5}, {3, 10}, {4, 20}} {
		if err := c.assign(a.Epoch, a.StartOffset); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		off   int64
		epoch int32
		ok    bool
	}{{0, -1, false}, {4, -1, false}, {5, 1, true}, {9, 1, true}, {10, 3, true}, {19, 3, true}, {20, 4, true}, {1 << 40, 4, true}} {
		if e, ok := c.forOffset(tt.off); e != tt.epoch || ok != tt.ok {
			t.Errorf("forOffset(%d) = %d %v, want %d %v", tt.off, e, ok, tt.epoch, tt.ok)
		}
	}
}
