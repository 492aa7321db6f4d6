package broker

import (
	"errors"
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestApplyConfigOps(t *testing.T) {
	op := func(name string, o kmsg.IncrementalAlterConfigOp, v string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = name, o, kmsg.StringPtr(v)
		return c
	}
	tests := []struct {
		name    string
		current map[string]string
		ops     []kmsg.IncrementalAlterConfigsRequestResourceConfig
		want    map[string]string
		code    *kerr.Error
	}{
		{"set", map[string]string{"a.b": "1"}, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("retention.ms", kmsg.IncrementalAlterConfigOpSet, "1000")},
			map[string]string{"a.b": "1", "retention.ms": "1000"}, nil},
		{"delete", map[string]string{"retention.ms": "5"}, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("retention.ms", kmsg.IncrementalAlterConfigOpDelete, "")},
			map[string]string{}, nil},
		{"append to absent", nil, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, "compact")},
			map[string]string{"cleanup.policy": "compact"}, nil},
		{"append", map[string]string{"cleanup.policy": "delete"}, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, "compact")},
			map[string]string{"cleanup.policy": "delete,compact"}, nil},
		{"subtract", map[string]string{"cleanup.policy": "delete,compact"}, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("cleanup.policy", kmsg.IncrementalAlterConfigOpSubtract, "delete")},
			map[string]string{"cleanup.policy": "compact"}, nil},
		{"append to non-list", nil, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("retention.ms", kmsg.IncrementalAlterConfigOpAppend, "1")},
			nil, kerr.InvalidRequest},
		{"append to unknown", nil, []kmsg.IncrementalAlterConfigsRequestResourceConfig{op("no.such", kmsg.IncrementalAlterConfigOpAppend, "1")},
			nil, kerr.InvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyConfigOps(tt.current, tt.ops)
			if tt.code != nil {
				if !errors.Is(err, tt.code) {
					t.Fatalf("err = %v, want %v", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateTopicOverrides(t *testing.T) {
	base := DefaultConfig().defaultTopicSettings()
	tests := []struct {
		name      string
		overrides map[string]string
		code      *kerr.Error
		msg       string
	}{
		{"valid", map[string]string{"retention.ms": "1000", "cleanup.policy": "compact"}, nil, ""},
		{"unknown", map[string]string{"retention.mss": "1"}, kerr.InvalidConfig, "Unknown topic config name: retention.mss"},
		{"bad value", map[string]string{"retention.ms": "abc"}, kerr.InvalidRequest,
			"Invalid config value for resource ConfigResource(type=TOPIC, name='t'): Invalid value abc for configuration retention.ms: Not a number of type LONG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateTopicOverrides(base, "t", tt.overrides)
			if tt.code == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.code) || err.Error() != tt.msg {
				t.Fatalf("err = %v (%v), want %q (%v)", err, errorFor(err), tt.msg, tt.code)
			}
		})
	}
}

func TestChangeSequence(t *testing.T) {
	tests := []struct {
		name string
		seq  int64
		ok   bool
	}{
		{"config_change_0000000042", 42, true},
		{"config_change_x", 0, false},
		{"isr_change_0000000001", 0, false},
	}
	for _, tt := range tests {
		seq, ok := changeSequence(tt.name)
		if seq != tt.seq || ok != tt.ok {
			t.Errorf("changeSequence(%q) = %d, %v; want %d, %v", tt.name, seq, ok, tt.seq, tt.ok)
		}
	}
}
