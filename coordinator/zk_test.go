package coordinator

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator/zktest"
)

func TestParseConnect(t *testing.T) {
	tests := []struct {
		in      string
		servers []string
		chroot  string
		err     bool
	}{
		{"h1:2181", []string{"h1:2181"}, "", false},
		{"h1:2181,h2:2181/kafka", []string{"h1:2181", "h2:2181"}, "/kafka", false},
		{"h1:2181/a/b/", []string{"h1:2181"}, "/a/b", false},
		{"h1:2181/", []string{"h1:2181"}, "", false},
		{"/kafka", nil, "", true},
		{"h1/a//b", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, c, err := ParseConnect(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err %v", err)
			}
			if err == nil && (c != tt.chroot || len(s) != len(tt.servers) || s[0] != tt.servers[0]) {
				t.Errorf("got %v %q", s, c)
			}
		})
	}
}

func TestZKChrootNullDataAndErrors(t *testing.T) {
	srv := zktest.Start(t)
	z := dialZK(t, srv)
	ctx := testCtx(t)

	// The chroot exists on the server, seen from a session without chroot.
	root, err := Dial(ctx, srv.Addr, testSessionTimeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if ok, _, err := root.Exists(ctx, srv.Chroot); err != nil || !ok {
		t.Fatalf("chroot %s not created: %v %v", srv.Chroot, ok, err)
	}

	if _, err := z.Create(ctx, "/a", nil, ModePersistent); err != nil {
		t.Fatal(err)
	}
	data, st, err := z.Get(ctx, "/a")
	if err != nil || data != nil || st.Version != 0 {
		t.Fatalf("null data: %v %+v %v", data, st, err)
	}
	// Seen through the root session at the chrooted path.
	if data, _, err := root.Get(ctx, srv.Chroot+"/a"); err != nil || data != nil {
		t.Fatalf("chrooted path: %q %v", data, err)
	}
	if _, err := z.Create(ctx, "/a", nil, ModePersistent); !errors.Is(err, ErrNodeExists) {
		t.Errorf("create twice: %v", err)
	}
	if _, _, err := z.Get(ctx, "/missing"); !errors.Is(err, ErrNoNode) {
		t.Errorf("get missing: %v", err)
	}
	if _, err := z.Set(ctx, "/a", []byte("x"), 5); !errors.Is(err, ErrBadVersion) {
		t.Errorf("set bad version: %v", err)
	}
	if _, err := z.CreateRecursive(ctx, "/x/y/z", []byte("v"), ModePersistent); err != nil {
		t.Fatal(err)
	}
	if err := z.Delete(ctx, "/x", -1); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("delete non-empty: %v", err)
	}
	p, err := z.Create(ctx, "/x/seq_", []byte("s"), ModePersistentSequential)
	if err != nil || p != "/x/seq_0000000001" {
		t.Errorf("sequential create: %q %v", p, err)
	}
	if err := z.DeleteRecursive(ctx, "/x"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := z.Exists(ctx, "/x"); ok {
		t.Error("/x survived DeleteRecursive")
	}

	// Multi: the failing op is named and nothing is applied.
	_, err = z.Multi(ctx, CreateOp{Path: "/m", Mode: ModePersistent}, CheckOp{Path: "/a", Version: 7})
	var me *MultiError
	if !errors.As(err, &me) || me.Index != 1 || !errors.Is(err, ErrBadVersion) {
		t.Fatalf("multi error: %v", err)
	}
	if ok, _, _ := z.Exists(ctx, "/m"); ok {
		t.Error("failed multi applied its create")
	}
	rs, err := z.Multi(ctx, CreateOp{Path: "/m", Mode: ModePersistent}, SetDataOp{Path: "/a", Data: []byte("v"), Version: 0})
	if err != nil || rs[0].Path != "/m" || rs[1].Stat.Version != 1 {
		t.Fatalf("multi: %+v %v", rs, err)
	}

	// Cancelled contexts return promptly with the context's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := z.Get(cctx, "/a"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled get: %v", err)
	}
}

func TestZKWatches(t *testing.T) {
	srv := zktest.Start(t)
	z := dialZK(t, srv)
	ctx := testCtx(t)
	events := make(chan WatchEvent, 10)
	w := func(ev WatchEvent) { events <- ev }

	if ok, _, err := z.ExistsW(ctx, "/w", w); err != nil || ok {
		t.Fatal(ok, err)
	}
	if _, err := z.Create(ctx, "/w", []byte("1"), ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := z.ChildrenW(ctx, "/w", w); err != nil {
		t.Fatal(err)
	}
	if _, _, err := z.GetW(ctx, "/w", w); err != nil {
		t.Fatal(err)
	}
	want := []WatchEvent{{Type: EventNodeCreated, Path: "/w"}}
	expect := func(want []WatchEvent) {
		t.Helper()
		got := map[WatchEvent]int{}
		for range want {
			select {
			case ev := <-events:
				got[ev]++
			case <-time.After(30 * time.Second):
				t.Fatalf("missing watch events; got %v want %v", got, want)
			}
		}
		for _, ev := range want {
			if got[ev] == 0 {
				t.Errorf("missing %+v; got %v", ev, got)
			}
			got[ev]--
		}
	}
	expect(want)
	if _, err := z.Create(ctx, "/w/c", nil, ModePersistent); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Set(ctx, "/w", []byte("2"), -1); err != nil {
		t.Fatal(err)
	}
	expect([]WatchEvent{{Type: EventNodeChildrenChanged, Path: "/w"}, {Type: EventNodeDataChanged, Path: "/w"}})
}

func TestZKSessionExpiry(t *testing.T) {
	srv := zktest.Start(t)
	c := &cutter{}
	z := dialZK(t, srv, WithDialer(c.dial))
	ctx := testCtx(t)
	sub := z.Subscribe()
	if _, err := z.Create(ctx, "/eph", nil, ModeEphemeral); err != nil {
		t.Fatal(err)
	}
	notWatching := make(chan WatchEvent, 1)
	if _, _, err := z.GetW(ctx, "/eph", func(ev WatchEvent) { notWatching <- ev }); err != nil {
		t.Fatal(err)
	}
	old := z.SessionID()
	c.expire(t)
	var got []SessionEvent
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("events so far %v: %v", got, err)
		}
		got = append(got, ev)
		if ev.State == SessionConnected {
			break
		}
	}
	sawExpired := false
	for _, ev := range got {
		sawExpired = sawExpired || ev.State == SessionExpired
	}
	if got[0].State != SessionDisconnected || !sawExpired || !got[len(got)-1].NewSession {
		t.Errorf("session events %+v", got)
	}
	if z.SessionID() == old {
		t.Error("session id unchanged after expiry")
	}
	if ok, _, err := z.Exists(ctx, "/eph"); err != nil || ok {
		t.Errorf("ephemeral survived expiry: %v %v", ok, err)
	}
	select {
	case ev := <-notWatching:
		if ev.Type != EventNotWatching && ev.Type != EventNodeDeleted {
			t.Errorf("watch event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Error("watch not notified of the expiry")
	}
}
