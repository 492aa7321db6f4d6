package broker

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigValid(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogDirs = []string{"data"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig invalid: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string // substring of the error; "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"negative broker id", func(c *Config) { c.BrokerID = -1 }, "broker.id"},
		{"no listeners", func(c *Config) { c.Listeners = nil }, "listeners"},
		{"duplicate listener", func(c *Config) { c.Listeners = append(c.Listeners, c.Listeners[0]) }, "appears twice"},
		{"ssl", func(c *Config) { c.Listeners[0].SecurityProtocol = "SSL" }, "only PLAINTEXT"},
		{"bad port", func(c *Config) { c.Listeners[0].Port = 70000 }, "port"},
		{"advertised unknown", func(c *Config) { c.AdvertisedListeners = []Listener{{Name: "OTHER"}} }, "advertised.listeners"},
		{"inter broker unknown", func(c *Config) { c.InterBrokerListener = "INTERNAL" }, "inter.broker.listener.name"},
		{"no log dirs", func(c *Config) { c.LogDirs = nil }, "log.dirs"},
		{"zero partitions", func(c *Config) { c.Topics.NumPartitions = 0 }, "num.partitions"},
		{"zero rf", func(c *Config) { c.Topics.DefaultReplicationFactor = 0 }, "default.replication.factor"},
		{"zero min isr", func(c *Config) { c.Topics.MinInsyncReplicas = 0 }, "min.insync.replicas"},
		{"zero idle", func(c *Config) { c.Socket.ConnectionsMaxIdle = 0 }, "connections.max.idle.ms"},
		{"message above request", func(c *Config) { c.Log.MaxMessageBytes = c.Socket.RequestMaxBytes + 1 }, "socket.request.max.bytes"},
		{"session timeouts crossed", func(c *Config) { c.Group.MinSessionTimeout = time.Hour; c.Group.MaxSessionTimeout = time.Minute }, "group.min.session.timeout.ms"},
		{"zero request timeout", func(c *Config) { c.RequestTimeout = 0 }, "request.timeout.ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.LogDirs = []string{"data"}
			tt.mod(&cfg)
			err := cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want one naming %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not name %q", err, tt.want)
			}
		})
	}
}

func TestApplyTopicConfig(t *testing.T) {
	base := DefaultConfig().defaultTopicSettings()
	tests := []struct {
		name      string
		overrides map[string]string
		check     func(topicSettings) bool
		wantErr   string
	}{
		{"retention", map[string]string{"retention.ms": "-1"}, func(s topicSettings) bool { return s.Log.RetentionMs == -1 }, ""},
		{"segment bytes", map[string]string{"segment.bytes": "1048576"}, func(s topicSettings) bool { return s.Log.SegmentBytes == 1048576 }, ""},
		{"compact", map[string]string{"cleanup.policy": "compact,delete"}, func(s topicSettings) bool { return s.Log.CleanupPolicy == "compact,delete" }, ""},
		{"min isr", map[string]string{"min.insync.replicas": "2"}, func(s topicSettings) bool { return s.MinInsyncReplicas == 2 }, ""},
		{"preallocate", map[string]string{"preallocate": "TRUE"}, func(s topicSettings) bool { return s.Log.Preallocate }, ""},
		{"unknown", map[string]string{"nope": "1"}, nil, "Unknown topic config name: nope"},
		{"not a number", map[string]string{"segment.bytes": "big"}, nil, "Not a number of type LONG"},
		{"too small", map[string]string{"segment.bytes": "10"}, nil, "Value must be at least 14"},
		{"bad policy", map[string]string{"cleanup.policy": "shred"}, nil, "cleanup.policy"},
		{"bad timestamp type", map[string]string{"message.timestamp.type": "Now"}, nil, "String must be one of: CreateTime, LogAppendTime"},
		{"bad bool", map[string]string{"preallocate": "yes"}, nil, "Expected value to be either true or false"},
		{"ratio", map[string]string{"min.cleanable.dirty.ratio": "1.5"}, nil, "min.cleanable.dirty.ratio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyTopicConfig(base, tt.overrides)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("err %v, settings %+v", err, got)
			}
		})
	}
}
