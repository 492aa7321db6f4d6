package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func defaultProtocolMap(t *testing.T) []ProtocolMapEntry {
	t.Helper()
	m, err := ParseSecurityProtocolMap(DefaultListenerSecurityProtocolMap)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseListeners(t *testing.T) {
	custom := []ProtocolMapEntry{{"PLAINTEXT", "PLAINTEXT"}, {"INTERNAL", "PLAINTEXT"}, {"EXTERNAL", "SSL"}}
	cases := []struct {
		name    string
		in      string
		m       []ProtocolMapEntry
		want    []Listener
		wantErr string
	}{
		{"empty host", "PLAINTEXT://:9092", nil, []Listener{{"PLAINTEXT", "", 9092, "PLAINTEXT"}}, ""},
		{"ipv4", "PLAINTEXT://127.0.0.11:9092", nil, []Listener{{"PLAINTEXT", "127.0.0.11", 9092, "PLAINTEXT"}}, ""},
		{"host name", "SSL://kafka1.example:9093", nil, []Listener{{"SSL", "kafka1.example", 9093, "SSL"}}, ""},
		{"ipv6", "PLAINTEXT://[::1]:9092", nil, []Listener{{"PLAINTEXT", "::1", 9092, "PLAINTEXT"}}, ""},
		{"ipv6 zone", "PLAINTEXT://[fe80::1%eth0]:9092", nil, []Listener{{"PLAINTEXT", "fe80::1%eth0", 9092, "PLAINTEXT"}}, ""},
		{"lower-case name normalised", "plaintext://h:1", nil, []Listener{{"PLAINTEXT", "h", 1, "PLAINTEXT"}}, ""},
		{"several with spaces", "INTERNAL://:9092 , EXTERNAL://h:9093", custom,
			[]Listener{{"INTERNAL", "", 9092, "PLAINTEXT"}, {"EXTERNAL", "h", 9093, "SSL"}}, ""},
		{"empty items dropped", "PLAINTEXT://:9092,,", nil, []Listener{{"PLAINTEXT", "", 9092, "PLAINTEXT"}}, ""},
		{"port zero may repeat", "INTERNAL://:0,EXTERNAL://:0", custom,
			[]Listener{{"INTERNAL", "", 0, "PLAINTEXT"}, {"EXTERNAL", "", 0, "SSL"}}, ""},
		{"no scheme", "127.0.0.1:9092", nil, nil, "Unable to parse 127.0.0.1:9092 to a broker endpoint"},
		{"no port", "PLAINTEXT://host", nil, nil, "Unable to parse PLAINTEXT://host to a broker endpoint"},
		{"trailing comment", "PLAINTEXT://1.2.3.4:9092     # each node", nil, nil,
			"Unable to parse PLAINTEXT://1.2.3.4:9092     # each node to a broker endpoint"},
		{"bad host char", "PLAINTEXT://h@st:9092", nil, nil, "Unable to parse PLAINTEXT://h@st:9092 to a broker endpoint"},
		{"port too big for int", "PLAINTEXT://h:99999999999", nil, nil, `For input string: "99999999999"`},
		{"unknown name", "CLIENT://:9092", nil, nil, "No security protocol defined for listener CLIENT"},
		{"duplicate port", "INTERNAL://:9092,EXTERNAL://:9092", custom, nil,
			"requirement failed: Each listener must have a different port, listeners: INTERNAL://:9092,EXTERNAL://:9092"},
		{"duplicate name", "INTERNAL://a:9092,internal://b:9093", custom, nil,
			"requirement failed: Each listener must have a different name, listeners: INTERNAL://a:9092,internal://b:9093"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			if m == nil {
				m = defaultProtocolMap(t)
			}
			got, err := ParseListeners(tc.in, m)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidConfig) {
					t.Fatalf("error %v, want ErrInvalidConfig with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestListenerString(t *testing.T) {
	for _, tc := range []struct {
		l         Listener
		str, addr string
	}{
		{Listener{Name: "PLAINTEXT", Port: 9092}, "PLAINTEXT://:9092", ":9092"},
		{Listener{Name: "PLAINTEXT", Host: "127.0.0.11", Port: 9092}, "PLAINTEXT://127.0.0.11:9092", "127.0.0.11:9092"},
		{Listener{Name: "SSL", Host: "::1", Port: 9093}, "SSL://[::1]:9093", "[::1]:9093"},
	} {
		if got := tc.l.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
		if got := tc.l.Addr(); got != tc.addr {
			t.Errorf("Addr() = %q, want %q", got, tc.addr)
		}
	}
}

func TestParseSecurityProtocolMap(t *testing.T) {
	got, err := ParseSecurityProtocolMap("internal:plaintext , EXTERNAL:SASL_SSL,INTERNAL:SSL")
	if err != nil {
		t.Fatal(err)
	}
	want := []ProtocolMapEntry{{"INTERNAL", "SSL"}, {"EXTERNAL", "SASL_SSL"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParseSecurityProtocolMap("A:TLS"); err == nil || !strings.Contains(err.Error(), "Invalid security protocol `TLS`") {
		t.Errorf("got %v", err)
	}
	if _, err := ParseSecurityProtocolMap("nocolon"); err == nil {
		t.Error("accepted an entry without ':'")
	}
}
