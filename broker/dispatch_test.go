package broker

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestDispatchTable: one row per key, sorted, within what kmsg can decode,
// and the handler of each row accepts its own request type.
func TestDispatchTable(t *testing.T) {
	h := newHarness(t, nil)
	tbl := h.s.apis
	for i, a := range tbl {
		if i > 0 && tbl[i-1].key >= a.key {
			t.Errorf("table not sorted or duplicate key at %d", a.key)
		}
		req := kmsg.RequestForKey(a.key)
		if req == nil {
			t.Errorf("key %d unknown to kmsg", a.key)
			continue
		}
		if a.min < 0 || a.min > a.max || a.max > req.MaxVersion() {
			t.Errorf("%s: versions %d-%d (kmsg max %d)", kmsg.NameForKey(a.key), a.min, a.max, req.MaxVersion())
		}
		if got, ok := tbl.lookup(a.key); !ok || got.key != a.key {
			t.Errorf("lookup(%d) = %v %v", a.key, got.key, ok)
		}
	}
	if _, ok := tbl.lookup(17); ok {
		t.Error("SaslHandshake is not served but lookup found it")
	}
	// A handler given another request type fails instead of panicking.
	a, _ := tbl.lookup(3)
	if _, err := a.handle(context.Background(), nil, kmsg.NewPtrApiVersionsRequest()); err == nil {
		t.Error("Metadata handler accepted an ApiVersions request")
	}
}

// TestApiVersionsAdvertisesTable: the answer is exactly the table.
func TestApiVersionsAdvertisesTable(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	for v := int16(0); v <= 3; v++ {
		resp := c.do(kmsg.NewPtrApiVersionsRequest(), v).(*kmsg.ApiVersionsResponse)
		if resp.ErrorCode != 0 || len(resp.ApiKeys) != len(h.s.apis) {
			t.Fatalf("v%d: code %d, %d keys, want %d", v, resp.ErrorCode, len(resp.ApiKeys), len(h.s.apis))
		}
		for i, k := range resp.ApiKeys {
			a := h.s.apis[i]
			if k.ApiKey != a.key || k.MinVersion != a.min || k.MaxVersion != a.max {
				t.Fatalf("v%d: key %+v, want %+v", v, k, a)
			}
		}
	}
}
