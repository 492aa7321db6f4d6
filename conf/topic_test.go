package conf

import (
	"errors"
	"sort"
	"testing"
)

func TestValidateTopicConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     map[string]string
		want    string // Kafka's message; "" for valid
		unknown bool
	}{
		{"valid", map[string]string{"cleanup.policy": "compact", "retention.ms": "-1", "segment.bytes": "1048576",
			"message.format.version": "0.11.0", "leader.replication.throttled.replicas": "0:1,1:2"}, "", false},
		{"empty", nil, "", false},
		{"unknown name", map[string]string{"retention.hours": "1"}, "Unknown topic config name: retention.hours", true},
		{"not a long", map[string]string{"retention.ms": "1 week"}, "Invalid value 1 week for configuration retention.ms: Not a number of type LONG", false},
		{"not a boolean", map[string]string{"preallocate": "yes"}, "Invalid value yes for configuration preallocate: Expected value to be either true or false", false},
		{"below minimum", map[string]string{"segment.bytes": "10"}, "Invalid value 10 for configuration segment.bytes: Value must be at least 14", false},
		{"retention below -1", map[string]string{"retention.ms": "-2"}, "Invalid value -2 for configuration retention.ms: Value must be at least -1", false},
		{"ratio above 1", map[string]string{"min.cleanable.dirty.ratio": "1.5"}, "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1", false},
		{"bad policy element", map[string]string{"cleanup.policy": "compact,foo"}, "Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete", false},
		{"compression is case-sensitive", map[string]string{"compression.type": "GZIP"}, "Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer", false},
		{"bad format version", map[string]string{"message.format.version": "9.9"}, "Invalid value 9.9 for configuration message.format.version: Version `9.9` is not a valid version", false},
		{"bad throttled list", map[string]string{"leader.replication.throttled.replicas": "0-1"}, "Invalid value [0-1] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...", false},
		{"compaction lags", map[string]string{"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"}, "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTopicConfig(tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var te *TopicConfigError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *TopicConfigError", err)
			}
			if te.Message != tc.want {
				t.Errorf("message %q\nwant    %q", te.Message, tc.want)
			}
			if errors.Is(err, ErrUnknownTopicConfig) != tc.unknown || errors.Is(err, ErrInvalidValue) == tc.unknown {
				t.Errorf("error class wrong: %v", err)
			}
		})
	}
}

func TestTopicConfigFromBroker(t *testing.T) {
	c := mustBrokerConfig(t, minimal+"log.retention.hours=1\nlog.cleanup.policy=compact,delete\nlog.roll.ms=5000\nmessage.max.bytes=2000\n")
	tc, err := c.TopicConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tc.RetentionMs != 3600000 || tc.SegmentMs != 5000 || tc.MaxMessageBytes != 2000 || !tc.Compact || !tc.Delete ||
		tc.MessageFormatVersion.Version != "2.4-IV1" || tc.FlushMs != 9223372036854775807 {
		t.Errorf("broker defaults not applied: %+v", tc)
	}
	tc, err = c.TopicConfig(map[string]string{"retention.ms": "5", "cleanup.policy": "delete"})
	if err != nil {
		t.Fatal(err)
	}
	if tc.RetentionMs != 5 || tc.Compact || !tc.Delete {
		t.Errorf("overrides not applied: %+v", tc)
	}
	if _, err := c.TopicConfig(map[string]string{"segment.ms": "0"}); err == nil {
		t.Error("segment.ms=0 accepted")
	}
	entries, err := c.TopicEntries(map[string]string{"retention.ms": "5"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name {
		case "retention.ms":
			if e.Value != "5" || e.IsDefault {
				t.Errorf("retention.ms entry %+v", e)
			}
		case "segment.ms":
			if e.Value != "5000" || !e.IsDefault {
				t.Errorf("segment.ms entry %+v", e)
			}
		case "min.cleanable.dirty.ratio":
			if e.Value != "0.5" {
				t.Errorf("min.cleanable.dirty.ratio entry %+v", e)
			}
		}
	}
}

func TestTopicConfigTables(t *testing.T) {
	names := TopicConfigNames()
	if len(names) != 26 || !sort.StringsAreSorted(names) {
		t.Errorf("TopicConfigNames: %d names, sorted=%v", len(names), sort.StringsAreSorted(names))
	}
	c := mustBrokerConfig(t, minimal)
	defaults := c.TopicDefaults()
	synonyms := 0
	for _, n := range names {
		b, ok := TopicConfigSynonym(n)
		if !ok {
			continue
		}
		synonyms++
		if _, known := BrokerKeyType(b); !known {
			t.Errorf("synonym %s of %s is not a broker key", b, n)
		}
		if _, ok := defaults[n]; !ok {
			t.Errorf("TopicDefaults lacks %s", n)
		}
	}
	if synonyms != 24 || len(defaults) != 24 {
		t.Errorf("%d synonyms, %d defaults; want 24 (LogConfig.TopicConfigSynonyms)", synonyms, len(defaults))
	}
	if _, ok := TopicConfigSynonym("leader.replication.throttled.replicas"); ok {
		t.Error("throttled replicas have no broker synonym")
	}
	if typ, ok := TopicConfigType("min.cleanable.dirty.ratio"); !ok || typ != TypeDouble {
		t.Errorf("TopicConfigType = %v %v", typ, ok)
	}
	// A broker with default settings gives topics LogConfig's own defaults.
	fromBroker, err := c.TopicConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultTopicConfig()
	if fromBroker.SegmentMs != d.SegmentMs || fromBroker.RetentionMs != d.RetentionMs || fromBroker.SegmentBytes != d.SegmentBytes ||
		fromBroker.MaxMessageBytes != d.MaxMessageBytes || fromBroker.FlushMs != d.FlushMs || fromBroker.CompressionType != d.CompressionType {
		t.Errorf("broker defaults %+v\ndiffer from LogConfig defaults %+v", fromBroker, d)
	}
}
