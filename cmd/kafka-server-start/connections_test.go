package main

import (
	"context"
	"errors"
	"maps"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samsa-broker/samsa/conf"
)

func TestConnectionLimits(t *testing.T) {
	hosts := map[string][]netip.Addr{
		"dual": {netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.7")},
		"v6":   {netip.MustParseAddr("fe80::1")},
	}
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if a, ok := hosts[host]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	tests := []struct {
		name          string
		props         []string
		wantPerIP     int32
		wantMax       int32
		wantOverrides map[netip.Addr]int32
		wantListener  map[string]int32
		wantErr       string
	}{
		{
			name:      "defaults",
			wantPerIP: math.MaxInt32, wantMax: math.MaxInt32,
		},
		{
			name:      "limits and overrides by address and by name, IPv4 first",
			props:     []string{"max.connections=100", "max.connections.per.ip=10", "max.connections.per.ip.overrides=127.0.0.5:20,dual:30,v6:40"},
			wantPerIP: 10, wantMax: 100,
			wantOverrides: map[netip.Addr]int32{
				netip.MustParseAddr("127.0.0.5"): 20, netip.MustParseAddr("127.0.0.7"): 30, netip.MustParseAddr("fe80::1"): 40,
			},
		},
		{
			name: "listener limit from the listener-prefixed key",
			props: []string{"listeners=PLAINTEXT://127.0.0.1:9092,INTERNAL://127.0.0.1:9093",
				"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT",
				"inter.broker.listener.name=INTERNAL", "listener.name.internal.max.connections=7"},
			wantPerIP: math.MaxInt32, wantMax: math.MaxInt32,
			wantListener: map[string]int32{"INTERNAL": 7},
		},
		{
			name:    "listener limit that is not a number",
			props:   []string{"listener.name.plaintext.max.connections=lots"},
			wantErr: "Invalid value lots for configuration listener.name.plaintext.max.connections",
		},
		{
			name:    "override host that does not resolve",
			props:   []string{"max.connections.per.ip.overrides=nowhere:3"},
			wantErr: "max.connections.per.ip.overrides: resolving nowhere",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "server.properties")
			lines := append([]string{"broker.id=1", "log.dirs=/data", "zookeeper.connect=127.0.0.1:2181"}, tt.props...)
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			c, props, _, err := loadConfig(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			b := brokerConfig(c)
			err = connectionLimits(context.Background(), &b, c, props, lookup)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			s := b.Socket
			if s.MaxConnectionsPerIP != tt.wantPerIP || s.MaxConnections != tt.wantMax {
				t.Errorf("per ip %d, max %d; want %d, %d", s.MaxConnectionsPerIP, s.MaxConnections, tt.wantPerIP, tt.wantMax)
			}
			if !maps.Equal(s.MaxConnectionsPerIPOverrides, tt.wantOverrides) {
				t.Errorf("overrides %v, want %v", s.MaxConnectionsPerIPOverrides, tt.wantOverrides)
			}
			if !maps.Equal(s.ListenerMaxConnections, tt.wantListener) {
				t.Errorf("listener limits %v, want %v", s.ListenerMaxConnections, tt.wantListener)
			}
		})
	}
}

// TestLoadConfigMissingFile keeps LoadBrokerConfig's error for a file that
// is not there.
func TestLoadConfigMissingFile(t *testing.T) {
	_, _, _, err := loadConfig(filepath.Join(t.TempDir(), "nope.properties"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "conf: open ") {
		t.Fatalf("err = %v", err)
	}
	_, _, want := conf.LoadBrokerConfig(filepath.Join(t.TempDir(), "nope.properties"))
	if want == nil || !strings.HasPrefix(want.Error(), "conf: open ") {
		t.Fatalf("conf.LoadBrokerConfig err = %v", want)
	}
}
