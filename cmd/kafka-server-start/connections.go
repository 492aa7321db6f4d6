package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/broker"
	"github.com/samsa-broker/samsa/conf"
)

// lookupHost resolves a host name to its addresses (net.DefaultResolver in
// the broker, a table in tests).
type lookupHost func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// connectionLimits fills the broker's connection quotas: max.connections,
// max.connections.per.ip, its overrides with each host resolved once at
// start-up (Kafka's InetAddress.getByName, IPv4 first as Java prefers), and
// listener.name.<listener>.max.connections, which conf accepts as a
// listener override but does not parse, from the raw properties.
func connectionLimits(ctx context.Context, b *broker.Config, c *conf.BrokerConfig, props map[string]string, lookup lookupHost) error {
	b.Socket.MaxConnections = c.MaxConnections
	b.Socket.MaxConnectionsPerIP = c.MaxConnectionsPerIP
	if len(c.MaxConnectionsPerIPOverride) > 0 {
		b.Socket.MaxConnectionsPerIPOverrides = make(map[netip.Addr]int32, len(c.MaxConnectionsPerIPOverride))
	}
	for host, n := range c.MaxConnectionsPerIPOverride {
		ip, err := resolveHost(ctx, host, lookup)
		if err != nil {
			return fmt.Errorf("max.connections.per.ip.overrides: %w", err)
		}
		b.Socket.MaxConnectionsPerIPOverrides[ip] = n
	}
	for _, l := range c.Listeners {
		key := "listener.name." + strings.ToLower(l.Name) + ".max.connections"
		v, ok := props[key]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < 0 {
			return fmt.Errorf("Invalid value %s for configuration %s: Not a number of type INT >= 0", v, key)
		}
		if b.Socket.ListenerMaxConnections == nil {
			b.Socket.ListenerMaxConnections = map[string]int32{}
		}
		b.Socket.ListenerMaxConnections[l.Name] = int32(n)
	}
	return nil
}

// resolveHost is InetAddress.getByName: an address literal as is, else the
// first address of the name, IPv4 before IPv6.
func resolveHost(ctx context.Context, host string, lookup lookupHost) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := lookup(ctx, host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolving %s: %w", host, err)
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("resolving %s: no addresses", host)
	}
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip.Unmap(), nil
		}
	}
	return ips[0], nil
}

// loadConfig is conf.LoadBrokerConfig keeping the merged properties, whose
// listener-prefixed keys conf leaves unparsed.
func loadConfig(path string, overrides []string) (*conf.BrokerConfig, map[string]string, []conf.Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("conf: %w", err)
	}
	defer f.Close()
	p, err := conf.ParseProperties(f, path)
	if err != nil {
		return nil, nil, nil, err
	}
	p.Merge(conf.ParseOverrides(overrides))
	cfg, warnings, err := conf.NewBrokerConfig(p)
	if err != nil {
		return nil, nil, warnings, err
	}
	return cfg, p.Map(), warnings, nil
}
