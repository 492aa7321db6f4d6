package cli

import (
	"bufio"
	"reflect"
	"strings"
	"testing"
)

func TestParseKeyValue(t *testing.T) {
	got := ParseKeyValue([]string{"a=1", "b", "c=", "d=x=y", ""})
	want := map[string]string{"a": "1", "b": "", "c": "", "d": "x=y"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"basic", "# comment\n! also\nacks=all\nlinger.ms = 5\n", map[string]string{"acks": "all", "linger.ms": "5"}},
		{"colon and space separators", "a:1\nb 2\nc = = 3\n", map[string]string{"a": "1", "b": "2", "c": "= 3"}},
		{"continuation", "list=a,\\\n    b\n", map[string]string{"list": "a,b"}},
		{"escapes", "k\\=x=v\\tw\\u0041\n", map[string]string{"k=x": "v\twA"}},
		{"key only", "flag\n", map[string]string{"flag": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseProperties(bufio.NewReader(strings.NewReader(tc.in)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
