package broker

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/storage"
)

// topicSettings is everything a topic-level config key can set: the log's
// settings plus the few the broker itself applies.
type topicSettings struct {
	Log                         storage.LogConfig
	MinInsyncReplicas           int32
	UncleanLeaderElectionEnable bool
	MessageFormatVersion        string
	LeaderThrottledReplicas     string
	FollowerThrottledReplicas   string
}

// topicKey is one topic config key (LogConfig.TopicConfigSynonyms in Kafka)
// with its broker-level synonym and how to read and write it.
type topicKey struct {
	name, brokerName string
	typ              string // Kafka's ConfigDef type, for messages
	get              func(*topicSettings) string
	set              func(*topicSettings, string) error
}

func int64Key(name, broker string, f func(*topicSettings) *int64, minimum int64) topicKey {
	return topicKey{name: name, brokerName: broker, typ: "LONG",
		get: func(t *topicSettings) string { return strconv.FormatInt(*f(t), 10) },
		set: func(t *topicSettings, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("Invalid value %s for configuration %s: Not a number of type LONG", v, name)
			}
			if n < minimum {
				return fmt.Errorf("Invalid value %d for configuration %s: Value must be at least %d", n, name, minimum)
			}
			*f(t) = n
			return nil
		}}
}

func int32Key(name, broker string, f func(*topicSettings) *int32, minimum int32) topicKey {
	return topicKey{name: name, brokerName: broker, typ: "INT",
		get: func(t *topicSettings) string { return strconv.FormatInt(int64(*f(t)), 10) },
		set: func(t *topicSettings, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return fmt.Errorf("Invalid value %s for configuration %s: Not a number of type INT", v, name)
			}
			if int32(n) < minimum {
				return fmt.Errorf("Invalid value %d for configuration %s: Value must be at least %d", n, name, minimum)
			}
			*f(t) = int32(n)
			return nil
		}}
}

func boolKey(name, broker string, f func(*topicSettings) *bool) topicKey {
	return topicKey{name: name, brokerName: broker, typ: "BOOLEAN",
		get: func(t *topicSettings) string { return strconv.FormatBool(*f(t)) },
		set: func(t *topicSettings, v string) error {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				*f(t) = true
			case "false":
				*f(t) = false
			default:
				return fmt.Errorf("Invalid value %s for configuration %s: Expected value to be either true or false", v, name)
			}
			return nil
		}}
}

func stringKey(name, broker string, f func(*topicSettings) *string, allowed ...string) topicKey {
	return topicKey{name: name, brokerName: broker, typ: "STRING",
		get: func(t *topicSettings) string { return *f(t) },
		set: func(t *topicSettings, v string) error {
			v = strings.TrimSpace(v)
			if len(allowed) > 0 && !contains(allowed, v) {
				return fmt.Errorf("Invalid value %s for configuration %s: String must be one of: %s", v, name, strings.Join(allowed, ", "))
			}
			*f(t) = v
			return nil
		}}
}

// topicKeys lists Kafka 2.4's topic-level keys, sorted by name.
func topicKeys() []topicKey {
	keys := []topicKey{
		stringKey("cleanup.policy", "log.cleanup.policy", func(t *topicSettings) *string { return &t.Log.CleanupPolicy }),
		stringKey("compression.type", "compression.type", func(t *topicSettings) *string { return &t.Log.CompressionType },
			"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
		int64Key("delete.retention.ms", "log.cleaner.delete.retention.ms", func(t *topicSettings) *int64 { return &t.Log.DeleteRetentionMs }, 0),
		int64Key("file.delete.delay.ms", "log.segment.delete.delay.ms", func(t *topicSettings) *int64 { return &t.Log.FileDeleteDelayMs }, 0),
		int64Key("flush.messages", "log.flush.interval.messages", func(t *topicSettings) *int64 { return &t.Log.FlushMessages }, 0),
		int64Key("flush.ms", "log.flush.interval.ms", func(t *topicSettings) *int64 { return &t.Log.FlushMs }, 0),
		stringKey("follower.replication.throttled.replicas", "follower.replication.throttled.replicas", func(t *topicSettings) *string { return &t.FollowerThrottledReplicas }),
		int32Key("index.interval.bytes", "log.index.interval.bytes", func(t *topicSettings) *int32 { return &t.Log.IndexIntervalBytes }, 0),
		stringKey("leader.replication.throttled.replicas", "leader.replication.throttled.replicas", func(t *topicSettings) *string { return &t.LeaderThrottledReplicas }),
		int64Key("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", func(t *topicSettings) *int64 { return &t.Log.MaxCompactionLagMs }, 1),
		int32Key("max.message.bytes", "message.max.bytes", func(t *topicSettings) *int32 { return &t.Log.MaxMessageBytes }, 0),
		boolKey("message.downconversion.enable", "log.message.downconversion.enable", func(t *topicSettings) *bool { return &t.Log.MessageDownconversionEnable }),
		stringKey("message.format.version", "log.message.format.version", func(t *topicSettings) *string { return &t.MessageFormatVersion }),
		int64Key("message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms", func(t *topicSettings) *int64 { return &t.Log.MessageTimestampDifferenceMaxMs }, 0),
		stringKey("message.timestamp.type", "log.message.timestamp.type", func(t *topicSettings) *string { return &t.Log.MessageTimestampType }, "CreateTime", "LogAppendTime"),
		{name: "min.cleanable.dirty.ratio", brokerName: "log.cleaner.min.cleanable.ratio", typ: "DOUBLE",
			get: func(t *topicSettings) string { return strconv.FormatFloat(t.Log.MinCleanableDirtyRatio, 'f', -1, 64) },
			set: func(t *topicSettings, v string) error {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || math.IsNaN(f) {
					return fmt.Errorf("Invalid value %s for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE", v)
				}
				if f < 0 || f > 1 {
					return fmt.Errorf("Invalid value %s for configuration min.cleanable.dirty.ratio: Value must be no more than 1", v)
				}
				t.Log.MinCleanableDirtyRatio = f
				return nil
			}},
		int64Key("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", func(t *topicSettings) *int64 { return &t.Log.MinCompactionLagMs }, 0),
		int32Key("min.insync.replicas", "min.insync.replicas", func(t *topicSettings) *int32 { return &t.MinInsyncReplicas }, 1),
		boolKey("preallocate", "log.preallocate", func(t *topicSettings) *bool { return &t.Log.Preallocate }),
		int64Key("retention.bytes", "log.retention.bytes", func(t *topicSettings) *int64 { return &t.Log.RetentionBytes }, math.MinInt64),
		int64Key("retention.ms", "log.retention.ms", func(t *topicSettings) *int64 { return &t.Log.RetentionMs }, -1),
		int64Key("segment.bytes", "log.segment.bytes", func(t *topicSettings) *int64 { return &t.Log.SegmentBytes }, 14),
		int32Key("segment.index.bytes", "log.index.size.max.bytes", func(t *topicSettings) *int32 { return &t.Log.SegmentIndexBytes }, 0),
		int64Key("segment.jitter.ms", "log.roll.jitter.ms", func(t *topicSettings) *int64 { return &t.Log.SegmentJitterMs }, 0),
		int64Key("segment.ms", "log.roll.ms", func(t *topicSettings) *int64 { return &t.Log.SegmentMs }, 1),
		boolKey("unclean.leader.election.enable", "unclean.leader.election.enable", func(t *topicSettings) *bool { return &t.UncleanLeaderElectionEnable }),
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].name < keys[j].name })
	return keys
}

func findTopicKey(keys []topicKey, name string) (topicKey, bool) {
	for _, k := range keys {
		if k.name == name {
			return k, true
		}
	}
	return topicKey{}, false
}

// defaultTopicSettings are the broker defaults of every topic key.
func (c Config) defaultTopicSettings() topicSettings {
	t := topicSettings{
		Log:                         c.Log,
		MinInsyncReplicas:           c.Topics.MinInsyncReplicas,
		UncleanLeaderElectionEnable: c.Topics.UncleanLeaderElectionEnable,
		MessageFormatVersion:        "2.4-IV1",
	}
	t.Log.CompressionType = c.Topics.CompressionType
	return t
}

// applyTopicConfig merges overrides over base. Every bad key or value is an
// INVALID_CONFIG error with Kafka's message; the first one is returned.
func applyTopicConfig(base topicSettings, overrides map[string]string) (topicSettings, error) {
	keys := topicKeys()
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k, ok := findTopicKey(keys, n)
		if !ok {
			return base, newAPIError(kerr.InvalidConfig, fmt.Sprintf("Unknown topic config name: %s", n))
		}
		if err := k.set(&base, overrides[n]); err != nil {
			return base, newAPIError(kerr.InvalidConfig, err.Error())
		}
	}
	if base.Log.CleanupPolicy != "" {
		for _, p := range strings.Split(base.Log.CleanupPolicy, ",") {
			if p = strings.TrimSpace(p); p != "delete" && p != "compact" {
				return base, newAPIError(kerr.InvalidConfig, fmt.Sprintf("Invalid value %s for configuration cleanup.policy: String must be one of: compact, delete", p))
			}
		}
	}
	if err := base.Log.Validate(); err != nil {
		return base, newAPIError(kerr.InvalidConfig, err.Error())
	}
	return base, nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// listTopicKeys are the topic keys of ConfigDef type LIST, the only ones
// IncrementalAlterConfigs may APPEND to or SUBTRACT from.
var listTopicKeys = []string{"cleanup.policy", "follower.replication.throttled.replicas", "leader.replication.throttled.replicas"}

// validateTopicOverrides is LogConfig.validate as AdminZkClient.validateTopicConfig
// runs it for AlterConfigs: an unknown key is INVALID_CONFIG, a bad value
// INVALID_REQUEST with the resource named as AdminManager words it.
func validateTopicOverrides(base topicSettings, topic string, overrides map[string]string) error {
	keys := topicKeys()
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := findTopicKey(keys, n); !ok {
			return newAPIError(kerr.InvalidConfig, fmt.Sprintf("Unknown topic config name: %s", n))
		}
	}
	if _, err := applyTopicConfig(base, overrides); err != nil {
		msg := err.Error()
		return newAPIError(kerr.InvalidRequest, fmt.Sprintf("Invalid config value for resource ConfigResource(type=TOPIC, name='%s'): %s", topic, msg))
	}
	return nil
}
