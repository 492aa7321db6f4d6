package main

import "testing"

func TestValidateBrokerConfigs(t *testing.T) {
	tests := []struct {
		name      string
		props     map[string]string
		perBroker bool
		want      string // "" = valid
	}{
		{"dynamic keys", map[string]string{"log.retention.ms": "1000", "num.io.threads": "4", "my.custom": "x"}, false, ""},
		{"quota", map[string]string{"leader.replication.throttled.rate": "10"}, false, ""},
		{"not dynamic", map[string]string{"num.partitions": "3", "log.retention.hours": "1"}, true,
			"Cannot update these configs dynamically: Set(log.retention.hours, num.partitions)"},
		{"security without prefix", map[string]string{"ssl.keystore.location": "/k"}, true,
			"These security configs can be dynamically updated only per-listener using the listener prefix: HashSet(ssl.keystore.location)"},
		{"bad type", map[string]string{"log.segment.bytes": "big"}, true,
			"Invalid value big for configuration log.segment.bytes: Not a number of type INT"},
		{"bad prefixed type", map[string]string{"listener.name.a.max.connections": "x"}, false,
			"Invalid value x for configuration max.connections: Not a number of type INT"},
		{"bad quota", map[string]string{"follower.replication.throttled.rate": "1.5"}, false,
			"Invalid value 1.5 for configuration follower.replication.throttled.rate: Not a number of type LONG"},
		{"per broker at default", map[string]string{"listeners": "PLAINTEXT://:9", "listener.name.a.ssl.protocol": "TLS"}, false,
			"Cannot update these configs at default cluster level, broker id must be specified: Set(listener.name.a.ssl.protocol, listeners)"},
		{"per broker", map[string]string{"listeners": "PLAINTEXT://:9"}, true, ""},
	}
	for _, tt := range tests {
		err := validateBrokerConfigs(tt.props, tt.perBroker)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	add := map[string]string{"listener.name.a.ssl.key.password": "p", "password.encoder.secret": "s"}
	if err := preProcessBrokerConfigs(add, true); err == nil || len(add) != 1 {
		t.Errorf("passwords: %v, left %v", err, add)
	}
}
