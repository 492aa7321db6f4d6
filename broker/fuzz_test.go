package broker

import (
	"context"
	"net"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzHandleFrame feeds arbitrary request frames (after the size prefix)
// to a connection's request path: whatever the bytes, the broker must
// answer or close, never panic. The connection's context is cancelled so
// requests that would wait in the purgatory answer at once.
func FuzzHandleFrame(f *testing.F) {
	fm := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	s, err := New(testConfig(), Deps{Node: &fakeNode{clusterID: "c", epoch: 1, controller: true}, Admin: newFakeAdmin(), Logs: newFakeLogs()}, nil)
	if err != nil {
		f.Fatal(err)
	}
	s.meta.update(func() *kmsg.UpdateMetadataRequest {
		h := &harness{node: &fakeNode{epoch: 1}, port: 9092}
		return h.umRequest(map[string]map[int32][]int32{"t": {0: {1}, 1: {1, 2}}}, 0, 2)
	}())
	for _, a := range s.apis {
		for _, v := range []int16{a.min, a.max} {
			req := kmsg.RequestForKey(a.key)
			req.SetVersion(v)
			f.Add(fm.AppendRequest(nil, req, 1)[4:])
		}
	}
	p := produceRequest("t", 0, 1, makeBatch(2, 1))
	p.SetVersion(8)
	f.Add(fm.AppendRequest(nil, p, 2)[4:])

	f.Fuzz(func(t *testing.T, frame []byte) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		c := s.newConn(a, s.cfg.Listeners[0])
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c.ctx = ctx
		if out, _, _ := c.handleFrame(frame); out != nil {
			out.release()
		}
	})
}
