package coordinator

import "testing"

func TestEncodeEntityConfigChange(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"brokers/1", `{"version":2,"entity_path":"brokers/1"}`},
		{"brokers/<default>", `{"version":2,"entity_path":"brokers/<default>"}`},
		{"users/a&b/clients/<default>", `{"version":2,"entity_path":"users/a&b/clients/<default>"}`},
		{`topics/q"t`, `{"version":2,"entity_path":"topics/q\"t"}`},
	} {
		if got := string(EncodeEntityConfigChange(tt.path)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.path, got, tt.want)
		}
		back, err := DecodeConfigChange(EncodeEntityConfigChange(tt.path))
		if err != nil || back != tt.path {
			t.Errorf("%s: decodes to %q, %v", tt.path, back, err)
		}
	}
}

// TestEncodeEntityConfig checks the key order against what Kafka 2.4.1's
// ConfigCommand wrote for the same keys on Java 17.
func TestEncodeEntityConfig(t *testing.T) {
	for _, tt := range []struct {
		cfg  map[string]string
		want string
	}{
		{nil, `{"version":1,"config":{}}`},
		{map[string]string{"log.segment.bytes": "1024"}, `{"version":1,"config":{"log.segment.bytes":"1024"}}`},
		{map[string]string{"min.insync.replicas": "1", "log.cleanup.policy": "compact,delete", "log.retention.ms": "60000", "log.segment.bytes": "2048"},
			`{"version":1,"config":{"log.segment.bytes":"2048","log.retention.ms":"60000","log.cleanup.policy":"compact,delete","min.insync.replicas":"1"}}`},
		{map[string]string{"a&b": "<x>"}, `{"version":1,"config":{"a&b":"<x>"}}`},
	} {
		if got := string(EncodeEntityConfig(tt.cfg)); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.cfg, got, tt.want)
		}
		back, err := DecodeConfig(EncodeEntityConfig(tt.cfg))
		if err != nil || len(back) != len(tt.cfg) {
			t.Errorf("%v: decodes to %v, %v", tt.cfg, back, err)
		}
	}
}
