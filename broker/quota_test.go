package broker

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// quotaOp is one step of a quota scenario: inc (with an already cancelled
// context, so a call that would wait for a slot fails instead of blocking)
// or dec, and what inc should answer.
type quotaOp struct {
	dec      bool
	listener string
	ip       string
	want     string // "" ok, "toomany", "wait" (no slot)
	wantMax  int32  // for toomany
}

func TestConnQuotas(t *testing.T) {
	two := []Listener{{Name: "EXTERNAL"}, {Name: "INTERNAL"}}
	one := []Listener{{Name: "PLAINTEXT"}}
	a, b := "10.0.0.1", "10.0.0.2"
	inc := func(l, ip, want string) quotaOp { return quotaOp{listener: l, ip: ip, want: want} }
	dec := func(l, ip string) quotaOp { return quotaOp{dec: true, listener: l, ip: ip} }
	tooMany := func(l, ip string, max int32) quotaOp {
		return quotaOp{listener: l, ip: ip, want: "toomany", wantMax: max}
	}
	tests := []struct {
		name        string
		cfg         func(*SocketConfig)
		listeners   []Listener
		interBroker string
		ops         []quotaOp
		wantTotal   int32
	}{
		{
			name:      "defaults admit everything",
			listeners: one,
			ops:       []quotaOp{inc("PLAINTEXT", a, ""), inc("PLAINTEXT", a, ""), inc("PLAINTEXT", b, "")},
			wantTotal: 3,
		},
		{
			name:      "per ip limit refuses the third and a close makes room",
			cfg:       func(c *SocketConfig) { c.MaxConnectionsPerIP = 2 },
			listeners: one,
			ops: []quotaOp{
				inc("PLAINTEXT", a, ""), inc("PLAINTEXT", a, ""), tooMany("PLAINTEXT", a, 2),
				inc("PLAINTEXT", b, ""), dec("PLAINTEXT", a), inc("PLAINTEXT", a, ""), tooMany("PLAINTEXT", a, 2),
			},
			wantTotal: 3,
		},
		{
			name: "override raises and lowers the per ip limit",
			cfg: func(c *SocketConfig) {
				c.MaxConnectionsPerIP = 1
				c.MaxConnectionsPerIPOverrides = map[netip.Addr]int32{netip.MustParseAddr(a): 2, netip.MustParseAddr(b): 0}
			},
			listeners: one,
			ops: []quotaOp{
				inc("PLAINTEXT", a, ""), inc("PLAINTEXT", a, ""), tooMany("PLAINTEXT", a, 2),
				tooMany("PLAINTEXT", b, 0), inc("PLAINTEXT", "10.0.0.3", ""), tooMany("PLAINTEXT", "10.0.0.3", 1),
			},
			wantTotal: 3,
		},
		{
			name: "zero default with overrides admits only the listed",
			cfg: func(c *SocketConfig) {
				c.MaxConnectionsPerIP = 0
				c.MaxConnectionsPerIPOverrides = map[netip.Addr]int32{netip.MustParseAddr(a): 1}
			},
			listeners: one,
			ops:       []quotaOp{tooMany("PLAINTEXT", b, 0), inc("PLAINTEXT", a, "")},
			wantTotal: 1,
		},
		{
			name:      "an IPv4-mapped IPv6 address counts as IPv4",
			cfg:       func(c *SocketConfig) { c.MaxConnectionsPerIP = 1 },
			listeners: one,
			ops:       []quotaOp{inc("PLAINTEXT", a, ""), tooMany("PLAINTEXT", "::ffff:"+a, 1)},
			wantTotal: 1,
		},
		{
			name:      "broker max makes the acceptor wait until a close",
			cfg:       func(c *SocketConfig) { c.MaxConnections = 2 },
			listeners: one,
			ops: []quotaOp{
				inc("PLAINTEXT", a, ""), inc("PLAINTEXT", b, ""), inc("PLAINTEXT", a, "wait"),
				dec("PLAINTEXT", b), inc("PLAINTEXT", a, ""), inc("PLAINTEXT", b, "wait"),
			},
			wantTotal: 2,
		},
		{
			name:        "a single listener is not protected even if inter-broker",
			cfg:         func(c *SocketConfig) { c.MaxConnections = 1 },
			listeners:   one,
			interBroker: "PLAINTEXT",
			ops:         []quotaOp{inc("PLAINTEXT", a, ""), inc("PLAINTEXT", b, "wait")},
			wantTotal:   1,
		},
		{
			name:        "the inter-broker listener ignores the broker max when there are two",
			cfg:         func(c *SocketConfig) { c.MaxConnections = 1 },
			listeners:   two,
			interBroker: "INTERNAL",
			ops: []quotaOp{
				inc("EXTERNAL", a, ""), inc("EXTERNAL", b, "wait"),
				inc("INTERNAL", b, ""), inc("INTERNAL", b, ""), inc("EXTERNAL", b, "wait"),
			},
			wantTotal: 3,
		},
		{
			name: "listener max applies to its listener only, protected or not",
			cfg: func(c *SocketConfig) {
				c.ListenerMaxConnections = map[string]int32{"EXTERNAL": 1, "INTERNAL": 1}
			},
			listeners:   two,
			interBroker: "INTERNAL",
			ops: []quotaOp{
				inc("EXTERNAL", a, ""), inc("EXTERNAL", a, "wait"), inc("INTERNAL", a, ""), inc("INTERNAL", b, "wait"),
				dec("EXTERNAL", a), inc("EXTERNAL", b, ""),
			},
			wantTotal: 2,
		},
		{
			name:      "a refused connection takes no slot",
			cfg:       func(c *SocketConfig) { c.MaxConnectionsPerIP = 1; c.MaxConnections = 2 },
			listeners: one,
			ops:       []quotaOp{inc("PLAINTEXT", a, ""), tooMany("PLAINTEXT", a, 1), tooMany("PLAINTEXT", a, 1), inc("PLAINTEXT", b, "")},
			wantTotal: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig().Socket
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			q := newConnQuotas(cfg, tt.listeners, tt.interBroker)
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			for i, op := range tt.ops {
				ip := netip.MustParseAddr(op.ip)
				if op.dec {
					q.dec(op.listener, ip)
					continue
				}
				err := q.inc(cancelled, op.listener, ip)
				var tm *tooManyConnectionsError
				switch op.want {
				case "":
					if err != nil {
						t.Fatalf("op %d: inc(%s, %s) = %v, want admitted", i, op.listener, op.ip, err)
					}
				case "toomany":
					if !errors.As(err, &tm) || tm.max != op.wantMax || tm.ip != ip.Unmap() {
						t.Fatalf("op %d: inc(%s, %s) = %v, want too many (max %d)", i, op.listener, op.ip, err, op.wantMax)
					}
				case "wait":
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("op %d: inc(%s, %s) = %v, want it to wait for a slot", i, op.listener, op.ip, err)
					}
				}
			}
			if got := q.total(); got != tt.wantTotal {
				t.Fatalf("total = %d, want %d", got, tt.wantTotal)
			}
		})
	}
}

// TestConnQuotasWaiterWakes: an acceptor waiting for a slot is admitted
// once a connection closes.
func TestConnQuotasWaiterWakes(t *testing.T) {
	cfg := DefaultConfig().Socket
	cfg.MaxConnections = 1
	q := newConnQuotas(cfg, []Listener{{Name: "PLAINTEXT"}}, "PLAINTEXT")
	a := netip.MustParseAddr("10.0.0.1")
	if err := q.inc(context.Background(), "PLAINTEXT", a); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- q.inc(context.Background(), "PLAINTEXT", a) }()
	q.dec("PLAINTEXT", a)
	if err := <-done; err != nil {
		t.Fatalf("waiting inc: %v", err)
	}
	if got := q.count(a); got != 1 {
		t.Fatalf("count = %d, want 1", got)
	}
}

// TestConnQuotasExceeded: only the protected listener can push the total
// over max.connections, and then the other listeners must shed.
func TestConnQuotasExceeded(t *testing.T) {
	cfg := DefaultConfig().Socket
	cfg.MaxConnections = 1
	q := newConnQuotas(cfg, []Listener{{Name: "EXTERNAL"}, {Name: "INTERNAL"}}, "INTERNAL")
	a := netip.MustParseAddr("10.0.0.1")
	steps := []struct {
		listener              string
		wantExternal, wantInt bool
	}{
		{"EXTERNAL", false, false},
		{"INTERNAL", true, false},
		{"INTERNAL", true, false},
	}
	for i, st := range steps {
		if err := q.inc(context.Background(), st.listener, a); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := q.exceeded("EXTERNAL"); got != st.wantExternal {
			t.Fatalf("step %d: exceeded(EXTERNAL) = %v, want %v", i, got, st.wantExternal)
		}
		if got := q.exceeded("INTERNAL"); got != st.wantInt {
			t.Fatalf("step %d: exceeded(INTERNAL) = %v, want %v", i, got, st.wantInt)
		}
	}
}

func TestTooManyConnectionsMessage(t *testing.T) {
	err := &tooManyConnectionsError{ip: netip.MustParseAddr("::ffff:127.0.0.1"), max: 3}
	if got, want := err.Error(), "broker: too many connections from /127.0.0.1 (maximum = 3)"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
