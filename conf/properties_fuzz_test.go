package conf

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseProperties feeds arbitrary bytes to the parser. It must never
// panic, must give line numbers inside the input, and what Format writes
// must parse back to the same key/value pairs.
func FuzzParseProperties(f *testing.F) {
	for _, tc := range propertiesCases() {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte("broker.id=1 ##21行 修改\nlisteners=PLAINTEXT://1.2.3.4:9092     # each node\n"))
	f.Add([]byte("a=\\u12"))
	f.Add([]byte("caf\xe9=\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProperties(strings.NewReader(string(data)), "fuzz")
		if err != nil {
			return
		}
		lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") +
			strings.Count(strings.ReplaceAll(string(data), "\r\n", ""), "\r") + 1
		for _, e := range p.Entries {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry %q at line %d, input has %d lines", e.Key, e.Line, lines)
			}
		}
		text := p.Format()
		back, err := ParseProperties(strings.NewReader(text), "fuzz")
		if err != nil {
			t.Fatalf("Format output %q does not parse: %v", text, err)
		}
		if !reflect.DeepEqual(back.Map(), p.Map()) {
			t.Fatalf("round trip changed entries:\n%q\n%q", back.Map(), p.Map())
		}
		// Building a broker configuration from anything must not panic.
		_, _, _ = NewBrokerConfig(p)
	})
}

// FuzzBrokerValues puts arbitrary text into the values with the most
// parsing of their own (listeners, the protocol map, zookeeper.connect): a
// configuration must come out valid or with an error, never a panic, and a
// valid one must have consistent listeners.
func FuzzBrokerValues(f *testing.F) {
	f.Add("PLAINTEXT://:9092", DefaultListenerSecurityProtocolMap, "localhost:2181")
	f.Add("INTERNAL://[::1]:9092,EXTERNAL://h:9093", "INTERNAL:PLAINTEXT,EXTERNAL:SSL", "a:1,b/kafka")
	f.Add("PLAINTEXT://1.2.3.4:9092     # each node", "", "[::1:2181/x/")
	f.Fuzz(func(t *testing.T, listeners, protocolMap, zk string) {
		p := &Properties{Name: "fuzz", Entries: []Entry{
			{Key: "listeners", Value: listeners, Source: "fuzz", Line: 1},
			{Key: "listener.security.protocol.map", Value: protocolMap, Source: "fuzz", Line: 2},
			{Key: "zookeeper.connect", Value: zk, Source: "fuzz", Line: 3},
		}}
		c, _, err := NewBrokerConfig(p)
		if err != nil {
			return
		}
		if len(c.ZooKeeperServers) == 0 {
			t.Fatalf("valid config without ZooKeeper servers from %q", zk)
		}
		for _, l := range c.Listeners {
			if l.Port < 0 || l.Port > 65535 || l.SecurityProtocol == "" {
				t.Fatalf("bad listener %+v from %q", l, listeners)
			}
		}
	})
}
