package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestSplitOutsideBrackets(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a=1,b=2", []string{"a=1", "b=2"}},
		{"k1=v1,k2=[v1,v2,v2],k3=v3", []string{"k1=v1", "k2=[v1,v2,v2]", "k3=v3"}},
		{"a=", []string{"a="}},
		{"x", []string{"x"}},
	}
	for _, tt := range tests {
		if got := splitOutsideBrackets(tt.in, ','); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitOutsideBrackets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEntityString(t *testing.T) {
	tests := []struct {
		e    configEntity
		want string
	}{
		{configEntity{root: entity{typ: typeTopics, name: "test", hasName: true}}, "topic 'test'"},
		{configEntity{root: entity{typ: typeBrokers, name: "1", hasName: true}}, "brokers '1'"},
		{configEntity{root: entity{typ: typeBrokers, name: defaultEntity, hasName: true}}, "default brokers"},
		{configEntity{root: entity{typ: typeUsers, name: sanitize("CN=a b"), hasName: true},
			child: &entity{typ: typeClients, name: "c1", hasName: true}}, "user-principal 'CN=a b', client-id 'c1'"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if got, want := sanitize("a b*~"), "a%20b%2A%7E"; got != want {
		t.Errorf("sanitize = %q, want %q", got, want)
	}
}

// TestArgErrors runs the command line checks that fail before any
// connection is made.
func TestArgErrors(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"--zookeeper", "127.0.0.1:1", "--describe"}, "At least one --entity-type must be specified\n"},
		{[]string{"--bootstrap-server", "127.0.0.1:1", "--describe", "--entity-type", "topics", "--entity-name", "t"},
			"Invalid entity-type topics, --entity-type must be one of brokers,broker-loggers with the --bootstrap-server argument\n"},
		{[]string{"--zookeeper", "127.0.0.1:1", "--alter", "--entity-type", "topics", "--add-config", "a=1"},
			"--entity-name must be specified with --alter of topics\n"},
		{[]string{"--zookeeper", "127.0.0.1:1", "--alter", "--entity-type", "topics", "--entity-name", "t"},
			"At least one of --add-config or --delete-config must be specified with --alter\n"},
		{[]string{"--zookeeper", "127.0.0.1:1", "--describe", "--entity-type", "brokers", "--entity-name", "x"},
			"The entity name for brokers must be a valid integer broker id , but it is: x\n"},
		{[]string{"--zookeeper", "127.0.0.1:1", "--entity-type", "topics"}, "Command must include exactly one action: --describe, --alter\n"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != 1 || !strings.HasPrefix(errb.String(), tt.stderr) {
			t.Errorf("%v: code %d, stderr %q; want 1, %q", tt.args, code, errb.String(), tt.stderr)
		}
	}
}

func FuzzConfigKeyOrder(f *testing.F) {
	f.Add([]byte(`{"version":1,"config":{"retention.ms":"1000","cleanup.policy":"compact"}}`))
	f.Add([]byte(`{"config":[]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys := configKeyOrder(data)
		if got := javaPropertiesOrder(keys); len(got) != len(keys) {
			t.Fatalf("order lost keys: %v -> %v", keys, got)
		}
	})
}

func TestJavaPropertiesOrder(t *testing.T) {
	// Seen from Kafka 2.4.1's ConfigCommand on Java 17.
	got := javaPropertiesOrder([]string{"retention.ms", "max.message.bytes"})
	if want := []string{"max.message.bytes", "retention.ms"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
