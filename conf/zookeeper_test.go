package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseZooKeeperConnect(t *testing.T) {
	cases := []struct {
		in      string
		servers []string
		chroot  string
		wantErr string
	}{
		{"localhost:2181", []string{"localhost:2181"}, "", ""},
		{"127.0.0.11:2181,127.0.0.12:2181,127.0.0.13:2181", []string{"127.0.0.11:2181", "127.0.0.12:2181", "127.0.0.13:2181"}, "", ""},
		{"a:1,b:2/kafka", []string{"a:1", "b:2"}, "/kafka", ""},
		{"a:1/kafka/cluster-1", []string{"a:1"}, "/kafka/cluster-1", ""},
		{"a:1/", []string{"a:1"}, "", ""},
		{"a", []string{"a:2181"}, "", ""},
		{" a:1 , ,b:2 ", []string{"a:1", "b:2"}, "", ""},
		{"[::1]:2181,[::1]", []string{"[::1]:2181", "[::1]:2181"}, "", ""},
		{"a:1/kafka/", nil, "", "path must not end with / character"},
		{"a:1//kafka", nil, "", "empty node name specified"},
		{"a:1/kafka/../x", nil, "", "relative paths not allowed"},
		{"a:b", nil, "", "port of a:b: not a number (int)"},
		{"a:70000", nil, "", "port out of range:70000"},
		{"::1:2181", nil, "", "an IPv6 address goes in brackets"},
		{"[::1", nil, "", "no matching ']'"},
		{":2181", nil, "", ":2181 has no host"},
		{"", nil, "", "no ZooKeeper server"},
		{"/kafka", nil, "", "no ZooKeeper server"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			z, err := ParseZooKeeperConnect(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidValue) {
					t.Fatalf("error %v, want ErrInvalidValue with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(z.Servers, tc.servers) || z.Chroot != tc.chroot {
				t.Errorf("got %v %q, want %v %q", z.Servers, z.Chroot, tc.servers, tc.chroot)
			}
			if again, err := ParseZooKeeperConnect(z.String()); err != nil || !reflect.DeepEqual(again, z) {
				t.Errorf("String() %q does not parse back: %v %v", z.String(), again, err)
			}
		})
	}
}
