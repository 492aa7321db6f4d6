package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChroot(t *testing.T) {
	tests := []struct{ name string }{
		{"plain"},
		{"with spaces and/slashes"},
		{strings.Repeat("long", 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Chroot(t), Chroot(t)
			if a == b {
				t.Errorf("two chroots are equal: %q", a)
			}
			if !strings.HasPrefix(a, "/") || strings.Count(a, "/") != 1 || strings.ContainsAny(a, " ") {
				t.Errorf("Chroot = %q, want one path element", a)
			}
		})
	}
}

func TestBrokerProperties(t *testing.T) {
	tests := []struct {
		name string
		opts BrokerOpts
		want string
	}{
		{
			name: "defaults",
			opts: BrokerOpts{ID: 1, Addr: "127.0.0.31:9092", ZK: "127.0.0.21:2181/x", LogDir: "/d"},
			want: "broker.id=1\nlisteners=PLAINTEXT://127.0.0.31:9092\nlog.dirs=/d\nzookeeper.connect=127.0.0.21:2181/x\n",
		},
		{
			name: "props win",
			opts: BrokerOpts{ID: 2, Addr: "h:1", ZK: "z", LogDir: "/d", Props: map[string]string{"log.dirs": "/e", "num.partitions": "3"}},
			want: "broker.id=2\nlisteners=PLAINTEXT://h:1\nlog.dirs=/e\nnum.partitions=3\nzookeeper.connect=z\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Broker{opts: tt.opts}
			if got := b.properties(); got != tt.want {
				t.Errorf("properties() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("a\nb\nc\nd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int
		want string
	}{
		{1, "d"},
		{3, "b\nc\nd"},
		{10, "a\nb\nc\nd"},
	}
	for _, tt := range tests {
		if got := tailFile(path, tt.n); got != tt.want {
			t.Errorf("tailFile(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestFreePortsDistinct(t *testing.T) {
	ports, err := freePorts(ensembleHost(0), 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] || p == 0 {
			t.Errorf("ports %v: zero or repeated", ports)
		}
		seen[p] = true
	}
}
