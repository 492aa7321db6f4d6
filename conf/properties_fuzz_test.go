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
