package conf

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultZooKeeperPort is the port ZooKeeper's client uses for a server
// given without one.
const DefaultZooKeeperPort = 2181

// ZooKeeperConnect is a parsed zookeeper.connect string.
type ZooKeeperConnect struct {
	Servers []string // "host:port", IPv6 hosts in brackets; the port defaults to 2181
	Chroot  string   // "" when there is none (a bare "/" counts as none)
}

// String gives the connection string back in normal form.
func (z ZooKeeperConnect) String() string {
	return strings.Join(z.Servers, ",") + z.Chroot
}

// ParseZooKeeperConnect parses a zookeeper.connect value (see
// parseZooKeeperConnect); errors wrap ErrInvalidValue.
func ParseZooKeeperConnect(s string) (ZooKeeperConnect, error) {
	z, err := parseZooKeeperConnect(s)
	if err != nil {
		return z, fmt.Errorf("conf: %w: zookeeper.connect %q: %w", ErrInvalidValue, s, err)
	}
	return z, nil
}

// parseZooKeeperConnect parses host:port[,host:port...][/chroot] as
// ZooKeeper's ConnectStringParser does: the chroot starts at the first '/',
// servers are separated by commas (blank items ignored), a server without a
// port gets 2181, IPv6 addresses go in brackets. The chroot must be a valid
// znode path (PathUtils.validatePath).
func parseZooKeeperConnect(s string) (ZooKeeperConnect, error) {
	var z ZooKeeperConnect
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts = s[:i]
		if chroot := s[i:]; chroot != "/" {
			if err := validateZnodePath(chroot); err != nil {
				return z, fmt.Errorf("invalid chroot %q: %w", chroot, err)
			}
			z.Chroot = chroot
		}
	}
	for _, item := range strings.Split(hosts, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		host, port, err := splitZooKeeperHost(item)
		if err != nil {
			return z, err
		}
		z.Servers = append(z.Servers, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(z.Servers) == 0 {
		return z, fmt.Errorf("no ZooKeeper server in %q (expected host:port[,host:port...][/chroot])", s)
	}
	return z, nil
}

// splitZooKeeperHost is ConfigUtils.getHostAndPort plus the port check of
// InetSocketAddress.
func splitZooKeeperHost(item string) (string, int, error) {
	host, portStr := item, ""
	if strings.HasPrefix(item, "[") {
		end := strings.IndexByte(item, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("%s starts with '[' but has no matching ']'", item)
		}
		host = item[1:end]
		rest := item[end+1:]
		switch {
		case rest == "":
		case strings.HasPrefix(rest, ":") && !strings.Contains(rest[1:], ":"):
			portStr = rest[1:]
		default:
			return "", 0, fmt.Errorf("%s does not have the form [host]:port", item)
		}
	} else {
		parts := strings.Split(item, ":")
		switch len(parts) {
		case 1:
		case 2:
			host, portStr = parts[0], parts[1]
		default:
			return "", 0, fmt.Errorf("%s does not have the form host:port (an IPv6 address goes in brackets: [::1]:2181)", item)
		}
	}
	if host == "" {
		return "", 0, fmt.Errorf("%s has no host", item)
	}
	port := DefaultZooKeeperPort
	if portStr != "" {
		p, reason := parseJavaInt(portStr, 32)
		if reason != "" {
			return "", 0, fmt.Errorf("port of %s: %s", item, reason)
		}
		if p < 0 || p > 65535 {
			return "", 0, fmt.Errorf("port out of range:%d", p)
		}
		port = int(p)
	}
	return host, port, nil
}

// validateZnodePath is ZooKeeper's PathUtils.validatePath.
func validateZnodePath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("path length must be > 0")
	case path[0] != '/':
		return fmt.Errorf("path must start with / character")
	case len(path) == 1:
		return nil
	case path[len(path)-1] == '/':
		return fmt.Errorf("path must not end with / character")
	}
	for _, seg := range strings.Split(path[1:], "/") {
		switch seg {
		case "":
			return fmt.Errorf("empty node name specified")
		case ".", "..":
			return fmt.Errorf("relative paths not allowed")
		}
	}
	for _, c := range path {
		if c == 0 || (c > 0 && c < 0x1f) || (c > 0x7f && c < 0x9f) ||
			(c > 0xd800 && c < 0xf8ff) || (c > 0xfff0 && c < 0xffff) {
			return fmt.Errorf("invalid character %U", c)
		}
	}
	return nil
}
