package conf

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Listener is one endpoint of listeners or advertised.listeners
// (kafka.cluster.EndPoint).
type Listener struct {
	Name             string // listener name, upper-cased as ListenerName.normalised does
	Host             string // "" binds every interface (and is advertised as the canonical host name)
	Port             int32
	SecurityProtocol string // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
}

// String is EndPoint.connectionString: NAME://host:port, with IPv6 hosts in
// brackets and an empty host written as NAME://:port.
func (l Listener) String() string {
	if l.Host == "" {
		return fmt.Sprintf("%s://:%d", l.Name, l.Port)
	}
	return l.Name + "://" + l.Addr()
}

// Addr is host:port for net.Listen and net.Dial (brackets around IPv6).
func (l Listener) Addr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(int(l.Port)))
}

// securityProtocols are SecurityProtocol.values in their declared order.
func securityProtocols() []string {
	return []string{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
}

// ProtocolMapEntry is one NAME:PROTOCOL pair of listener.security.protocol.map.
type ProtocolMapEntry struct {
	Listener, SecurityProtocol string
}

// ParseSecurityProtocolMap parses listener.security.protocol.map; errors wrap
// ErrInvalidConfig and carry Kafka's message.
func ParseSecurityProtocolMap(s string) ([]ProtocolMapEntry, error) {
	m, err := parseSecurityProtocolMap(s)
	if err != nil {
		return nil, fmt.Errorf("conf: %w: %w", ErrInvalidConfig, err)
	}
	return m, nil
}

// parseSecurityProtocolMap parses listener.security.protocol.map as
// KafkaConfig.listenerSecurityProtocolMap does (CoreUtils.parseCsvMap: split on
// commas, each pair at its last ':'; names upper-cased; protocols looked up
// case-insensitively). Later duplicates win, as in the Scala map.
func parseSecurityProtocolMap(s string) ([]ProtocolMapEntry, error) {
	var out []ProtocolMapEntry
	if s == "" {
		return out, nil
	}
	for _, pair := range splitCSVRegex(s) {
		i := strings.LastIndex(pair, ":")
		if i < 0 {
			return nil, fmt.Errorf("Error parsing configuration property 'listener.security.protocol.map': entry %q is not of the form NAME:PROTOCOL", pair)
		}
		name := strings.ToUpper(strings.TrimSpace(pair[:i]))
		proto, ok := securityProtocol(strings.TrimSpace(pair[i+1:]))
		if !ok {
			return nil, fmt.Errorf("Invalid security protocol `%s` defined in listener.security.protocol.map", strings.TrimSpace(pair[i+1:]))
		}
		replaced := false
		for k := range out {
			if out[k].Listener == name {
				out[k].SecurityProtocol = proto
				replaced = true
			}
		}
		if !replaced {
			out = append(out, ProtocolMapEntry{Listener: name, SecurityProtocol: proto})
		}
	}
	return out, nil
}

// securityProtocol is SecurityProtocol.forName: case-insensitive.
func securityProtocol(s string) (string, bool) {
	u := strings.ToUpper(s)
	for _, p := range securityProtocols() {
		if p == u {
			return p, true
		}
	}
	return "", false
}

func lookupProtocol(m []ProtocolMapEntry, name string) (string, bool) {
	for _, e := range m {
		if e.Listener == name {
			return e.SecurityProtocol, true
		}
	}
	return "", false
}

// ParseListeners parses a listeners or advertised.listeners value; errors
// wrap ErrInvalidConfig and carry Kafka's message.
func ParseListeners(s string, protocols []ProtocolMapEntry) ([]Listener, error) {
	ls, err := parseListeners(s, protocols)
	if err != nil {
		return nil, fmt.Errorf("conf: %w: %w", ErrInvalidConfig, err)
	}
	return ls, nil
}

// parseListeners parses a listeners or advertised.listeners value as
// CoreUtils.listenerListToEndPoints does: a comma-separated list of
// NAME://host:port, where host may be empty or an IPv6 address in brackets,
// and every name must be in the protocol map. Names and (non-zero) ports must
// be distinct. Error texts are Kafka's.
func parseListeners(s string, protocols []ProtocolMapEntry) ([]Listener, error) {
	var out []Listener
	for _, item := range parseCSVList(s) {
		l, err := parseEndpoint(item, protocols)
		if err != nil {
			return nil, fmt.Errorf("Error creating broker listeners from '%s': %w", s, err)
		}
		out = append(out, l)
	}
	ports := map[int32]bool{}
	names := map[string]bool{}
	for _, l := range out {
		if l.Port != 0 {
			if ports[l.Port] {
				return nil, fmt.Errorf("requirement failed: Each listener must have a different port, listeners: %s", s)
			}
			ports[l.Port] = true
		}
	}
	for _, l := range out {
		if names[l.Name] {
			return nil, fmt.Errorf("requirement failed: Each listener must have a different name, listeners: %s", s)
		}
		names[l.Name] = true
	}
	return out, nil
}

// parseEndpoint is EndPoint.createEndPoint, whose pattern is
// ^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+) matched against the whole
// string. The name part is greedy, so the host is found after the last "://".
func parseEndpoint(s string, protocols []ProtocolMapEntry) (Listener, error) {
	bad := fmt.Errorf("Unable to parse %s to a broker endpoint", s)
	sep := strings.LastIndex(s, "://")
	if sep < 0 {
		return Listener{}, bad
	}
	name, rest := s[:sep], s[sep+3:]
	colon := strings.LastIndex(rest, ":")
	if colon < 0 {
		return Listener{}, bad
	}
	host, portStr := rest[:colon], rest[colon+1:]
	digits := strings.TrimPrefix(portStr, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return Listener{}, bad
	}
	// The brackets are optional and unpaired ones are tolerated, as in the
	// pattern; inside them only [0-9a-zA-Z-%._:] may appear.
	host = strings.TrimPrefix(host, "[")
	host = strings.TrimSuffix(host, "]")
	for _, c := range host {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.ContainsRune("-%._:", c)) {
			return Listener{}, bad
		}
	}
	port, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil {
		return Listener{}, fmt.Errorf("For input string: \"%s\"", portStr)
	}
	name = strings.ToUpper(name)
	proto, ok := lookupProtocol(protocols, name)
	if !ok {
		return Listener{}, fmt.Errorf("No security protocol defined for listener %s", name)
	}
	return Listener{Name: name, Host: host, Port: int32(port), SecurityProtocol: proto}, nil
}

// parseCSVList is CoreUtils.parseCsvList: split on commas with surrounding
// whitespace, dropping empty items.
func parseCSVList(s string) []string {
	var out []string
	if s == "" {
		return out
	}
	for _, p := range splitCSVRegex(s) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitCSVRegex is Java's s.split("\\s*,\\s*"): whitespace around commas is
// removed (but not at the ends of s), and trailing empty strings are dropped.
func splitCSVRegex(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		if i > 0 {
			parts[i] = strings.TrimLeft(parts[i], " \t\n\x0b\f\r")
		}
		if i < len(parts)-1 {
			parts[i] = strings.TrimRight(parts[i], " \t\n\x0b\f\r")
		}
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// findListener returns the listener with the given (normalised) name.
func findListener(ls []Listener, name string) (Listener, bool) {
	name = strings.ToUpper(name)
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return Listener{}, false
}
