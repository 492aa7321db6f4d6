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
