package conf

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrUnknownTopicConfig marks a topic configuration name LogConfig does not
// define (Kafka: InvalidConfigurationException, INVALID_CONFIG).
var ErrUnknownTopicConfig = errors.New("unknown topic config name")

// TopicConfigError is a topic-level configuration Kafka refuses. Message is
// Kafka's own text, for the error message of a CreateTopics or AlterConfigs
// response.
type TopicConfigError struct {
	Key, Value string
	Message    string
	unknown    bool
}

func (e *TopicConfigError) Error() string { return "conf: " + e.Message }

func (e *TopicConfigError) Unwrap() error {
	if e.unknown {
		return ErrUnknownTopicConfig
	}
	return ErrInvalidValue
}

// topicKey is one LogConfig key and the broker key it takes its default from.
type topicKey struct {
	keyDef
	synonym string // broker key (LogConfig.TopicConfigSynonyms); "" for none
}

// topicKeys is LogConfig.configDef of Kafka 2.4.1 with LogConfig's own
// defaults (those of a broker with default settings).
func topicKeys() []topicKey {
	k := func(name string, t Type, def string, c check, synonym string) topicKey {
		return topicKey{keyDef: keyDef{name: name, typ: t, def: def, check: c}, synonym: synonym}
	}
	return []topicKey{
		k("segment.bytes", TypeInt, "1073741824", atLeast(14), "log.segment.bytes"),
		k("segment.ms", TypeLong, "604800000", atLeast(1), "log.roll.ms"),
		k("segment.jitter.ms", TypeLong, "0", atLeast(0), "log.roll.jitter.ms"),
		k("segment.index.bytes", TypeInt, "10485760", atLeast(0), "log.index.size.max.bytes"),
		k("flush.messages", TypeLong, maxInt64, atLeast(0), "log.flush.interval.messages"),
		k("flush.ms", TypeLong, maxInt64, atLeast(0), "log.flush.interval.ms"),
		k("retention.bytes", TypeLong, "-1", nil, "log.retention.bytes"),
		k("retention.ms", TypeLong, "604800000", atLeast(-1), "log.retention.ms"),
		k("max.message.bytes", TypeInt, "1000012", atLeast(0), "message.max.bytes"),
		k("index.interval.bytes", TypeInt, "4096", atLeast(0), "log.index.interval.bytes"),
		k("delete.retention.ms", TypeLong, "86400000", atLeast(0), "log.cleaner.delete.retention.ms"),
		k("min.compaction.lag.ms", TypeLong, "0", atLeast(0), "log.cleaner.min.compaction.lag.ms"),
		k("max.compaction.lag.ms", TypeLong, maxInt64, atLeast(1), "log.cleaner.max.compaction.lag.ms"),
		k("file.delete.delay.ms", TypeLong, "60000", atLeast(0), "log.segment.delete.delay.ms"),
		k("min.cleanable.dirty.ratio", TypeDouble, "0.5", between(0, 1), "log.cleaner.min.cleanable.ratio"),
		k("cleanup.policy", TypeList, "delete", listOf("compact", "delete"), "log.cleanup.policy"),
		k("unclean.leader.election.enable", TypeBool, "false", nil, "unclean.leader.election.enable"),
		k("min.insync.replicas", TypeInt, "1", atLeast(1), "min.insync.replicas"),
		k("compression.type", TypeString, "producer", oneOf(brokerCompressionTypes()...), "compression.type"),
		k("preallocate", TypeBool, "false", nil, "log.preallocate"),
		k("message.format.version", TypeString, LatestAPIVersion, apiVersionCheck, "log.message.format.version"),
		k("message.timestamp.type", TypeString, "CreateTime", oneOf("CreateTime", "LogAppendTime"), "log.message.timestamp.type"),
		k("message.timestamp.difference.max.ms", TypeLong, maxInt64, atLeast(0), "log.message.timestamp.difference.max.ms"),
		k("leader.replication.throttled.replicas", TypeList, "", throttledReplicasCheck, ""),
		k("follower.replication.throttled.replicas", TypeList, "", throttledReplicasCheck, ""),
		k("message.downconversion.enable", TypeBool, "true", nil, "log.message.downconversion.enable"),
	}
}

func lookupTopicKey(name string) (topicKey, bool) {
	for _, k := range topicKeys() {
		if k.name == name {
			return k, true
		}
	}
	return topicKey{}, false
}

// TopicConfigNames returns LogConfig's keys, sorted (LogConfig.configNames).
func TopicConfigNames() []string {
	var names []string
	for _, k := range topicKeys() {
		names = append(names, k.name)
	}
	sort.Strings(names)
	return names
}

// TopicConfigType returns a topic key's type; false for unknown keys.
func TopicConfigType(name string) (Type, bool) {
	k, ok := lookupTopicKey(name)
	return k.typ, ok
}

// TopicConfigSynonym maps a topic key to the broker key that gives its
// default (LogConfig.TopicConfigSynonyms), e.g. retention.ms to
// log.retention.ms. The throttled-replica keys have none.
func TopicConfigSynonym(name string) (brokerKey string, ok bool) {
	k, found := lookupTopicKey(name)
	if !found || k.synonym == "" {
		return "", false
	}
	return k.synonym, true
}

// TopicConfig is a topic's effective log configuration (kafka.log.LogConfig).
type TopicConfig struct {
	SegmentBytes                         int32
	SegmentMs                            int64
	SegmentJitterMs                      int64
	SegmentIndexBytes                    int32
	FlushMessages                        int64
	FlushMs                              int64
	RetentionBytes                       int64
	RetentionMs                          int64
	MaxMessageBytes                      int32
	IndexIntervalBytes                   int32
	DeleteRetentionMs                    int64
	MinCompactionLagMs                   int64
	MaxCompactionLagMs                   int64
	FileDeleteDelayMs                    int64
	MinCleanableDirtyRatio               float64
	CleanupPolicy                        []string // as given, e.g. [compact delete]
	Compact, Delete                      bool     // what CleanupPolicy contains (case-insensitive, as LogConfig)
	UncleanLeaderElectionEnable          bool
	MinInsyncReplicas                    int32
	CompressionType                      string
	Preallocate                          bool
	MessageFormatVersion                 APIVersion
	MessageTimestampType                 string
	MessageTimestampDifferenceMaxMs      int64
	LeaderReplicationThrottledReplicas   []string
	FollowerReplicationThrottledReplicas []string
	MessageDownConversionEnable          bool
}

// kafkaReason is ConfigDef.parseType's message for a value of the wrong form.
func kafkaReason(t Type) string {
	switch t {
	case TypeBool:
		return "Expected value to be either true or false"
	case TypeInt:
		return "Not a number of type INT"
	case TypeShort:
		return "Not a number of type SHORT"
	case TypeLong:
		return "Not a number of type LONG"
	case TypeDouble:
		return "Not a number of type DOUBLE"
	}
	return "Invalid value"
}

// ValidateTopicConfig is LogConfig.validate, used for CreateTopics --config
// and AlterConfigs: every name must be a topic key, every value must parse
// and pass its validator (against LogConfig's defaults for the rest), and
// min.compaction.lag.ms must not exceed max.compaction.lag.ms. The error is a
// *TopicConfigError carrying Kafka's message.
func ValidateTopicConfig(cfg map[string]string) error {
	for _, name := range sortedKeys(cfg) {
		if _, ok := lookupTopicKey(name); !ok {
			return &TopicConfigError{Key: name, Value: cfg[name], unknown: true,
				Message: "Unknown topic config name: " + name}
		}
	}
	_, err := buildTopicConfig(nil, cfg)
	return err
}

// DefaultTopicConfig is LogConfig() with Kafka 2.4's defaults.
func DefaultTopicConfig() TopicConfig {
	tc, _ := buildTopicConfig(nil, nil)
	return tc
}

// TopicDefaults are the topic-level values this broker gives topics without
// overrides (KafkaServer.copyKafkaConfigToLog), keyed by topic key.
func (c *BrokerConfig) TopicDefaults() map[string]string {
	d := map[string]string{
		"segment.bytes":                       formatValue(TypeInt, c.LogSegmentBytes),
		"segment.ms":                          formatValue(TypeLong, c.LogRollMs),
		"segment.jitter.ms":                   formatValue(TypeLong, c.LogRollJitterMs),
		"segment.index.bytes":                 formatValue(TypeInt, c.LogIndexSizeMaxBytes),
		"flush.messages":                      formatValue(TypeLong, c.LogFlushIntervalMessages),
		"flush.ms":                            formatValue(TypeLong, c.LogFlushIntervalMs),
		"retention.bytes":                     formatValue(TypeLong, c.LogRetentionBytes),
		"retention.ms":                        formatValue(TypeLong, c.LogRetentionMs),
		"max.message.bytes":                   formatValue(TypeInt, c.MessageMaxBytes),
		"index.interval.bytes":                formatValue(TypeInt, c.LogIndexIntervalBytes),
		"delete.retention.ms":                 formatValue(TypeLong, c.LogCleanerDeleteRetentionMs),
		"min.compaction.lag.ms":               formatValue(TypeLong, c.LogCleanerMinCompactionLagMs),
		"max.compaction.lag.ms":               formatValue(TypeLong, c.LogCleanerMaxCompactionLagMs),
		"file.delete.delay.ms":                formatValue(TypeLong, c.LogSegmentDeleteDelayMs),
		"min.cleanable.dirty.ratio":           formatValue(TypeDouble, c.LogCleanerMinCleanableRatio),
		"cleanup.policy":                      formatValue(TypeList, c.LogCleanupPolicy),
		"min.insync.replicas":                 formatValue(TypeInt, c.MinInsyncReplicas),
		"compression.type":                    c.CompressionType,
		"unclean.leader.election.enable":      formatValue(TypeBool, c.UncleanLeaderElectionEnable),
		"preallocate":                         formatValue(TypeBool, c.LogPreallocate),
		"message.format.version":              c.LogMessageFormatVersion.Version,
		"message.timestamp.type":              c.LogMessageTimestampType,
		"message.timestamp.difference.max.ms": formatValue(TypeLong, c.LogMessageTimestampDifferenceMaxMs),
		"message.downconversion.enable":       formatValue(TypeBool, c.LogMessageDownConversionEnable),
	}
	return d
}

// TopicConfig is the effective configuration of a topic with the given
// overrides (from /config/topics/<topic>) on top of this broker's defaults
// (LogConfig.fromProps(copyKafkaConfigToLog(config), overrides)).
func (c *BrokerConfig) TopicConfig(overrides map[string]string) (TopicConfig, error) {
	return buildTopicConfig(c.TopicDefaults(), overrides)
}

// TopicEntries describes every topic key for DescribeConfigs: the override if
// there is one, else the broker's default. IsDefault is true where the topic
// has no override.
func (c *BrokerConfig) TopicEntries(overrides map[string]string) ([]ConfigEntry, error) {
	if _, err := c.TopicConfig(overrides); err != nil {
		return nil, err
	}
	defaults := c.TopicDefaults()
	var out []ConfigEntry
	for _, name := range TopicConfigNames() {
		k, _ := lookupTopicKey(name)
		raw, overridden := overrides[name]
		if !overridden {
			raw = defaults[name]
			if _, ok := defaults[name]; !ok {
				raw = k.def
			}
		}
		v, _ := parseValue(k.typ, raw)
		out = append(out, ConfigEntry{Name: name, Value: formatValue(k.typ, v), Type: k.typ,
			IsDefault: !overridden, Sensitive: false})
	}
	return out, nil
}

// buildTopicConfig parses every topic key from overrides, else defaults, else
// LogConfig's own default, in definition order (the first failure is the one
// Kafka reports), then applies LogConfig.validateValues. Unknown keys in
// overrides are ignored here; ValidateTopicConfig refuses them.
func buildTopicConfig(defaults, overrides map[string]string) (TopicConfig, error) {
	values := map[string]any{}
	for _, k := range topicKeys() {
		raw, ok := overrides[k.name]
		if !ok {
			if raw, ok = defaults[k.name]; !ok {
				raw = k.def
			}
		}
		v, reason := parseValue(k.typ, raw)
		if reason != "" {
			return TopicConfig{}, &TopicConfigError{Key: k.name, Value: raw,
				Message: fmt.Sprintf("Invalid value %s for configuration %s: %s", raw, k.name, kafkaReason(k.typ))}
		}
		if k.check != nil {
			if reason := k.check(v); reason != "" {
				shown := formatValue(k.typ, v)
				if l, isList := v.([]string); isList {
					// ValidList reports the offending element; the
					// throttled-replica validator the whole list, as Java
					// prints it, and its own name in the message.
					shown = "[" + strings.Join(l, ", ") + "]"
					if strings.HasPrefix(reason, "must be the literal") {
						reason = k.name + " " + reason
					} else {
						for _, e := range l {
							if k.check([]string{e}) != "" {
								shown = e
								break
							}
						}
					}
				}
				return TopicConfig{}, &TopicConfigError{Key: k.name, Value: raw,
					Message: fmt.Sprintf("Invalid value %s for configuration %s: %s", shown, k.name, reason)}
			}
		}
		values[k.name] = v
	}
	i32 := func(k string) int32 { return values[k].(int32) }
	i64 := func(k string) int64 { return values[k].(int64) }
	flag := func(k string) bool { return values[k].(bool) }
	str := func(k string) string { return values[k].(string) }
	list := func(k string) []string { return values[k].([]string) }

	tc := TopicConfig{
		SegmentBytes:                         i32("segment.bytes"),
		SegmentMs:                            i64("segment.ms"),
		SegmentJitterMs:                      i64("segment.jitter.ms"),
		SegmentIndexBytes:                    i32("segment.index.bytes"),
		FlushMessages:                        i64("flush.messages"),
		FlushMs:                              i64("flush.ms"),
		RetentionBytes:                       i64("retention.bytes"),
		RetentionMs:                          i64("retention.ms"),
		MaxMessageBytes:                      i32("max.message.bytes"),
		IndexIntervalBytes:                   i32("index.interval.bytes"),
		DeleteRetentionMs:                    i64("delete.retention.ms"),
		MinCompactionLagMs:                   i64("min.compaction.lag.ms"),
		MaxCompactionLagMs:                   i64("max.compaction.lag.ms"),
		FileDeleteDelayMs:                    i64("file.delete.delay.ms"),
		MinCleanableDirtyRatio:               values["min.cleanable.dirty.ratio"].(float64),
		CleanupPolicy:                        list("cleanup.policy"),
		UncleanLeaderElectionEnable:          flag("unclean.leader.election.enable"),
		MinInsyncReplicas:                    i32("min.insync.replicas"),
		CompressionType:                      strings.ToLower(str("compression.type")),
		Preallocate:                          flag("preallocate"),
		MessageTimestampType:                 str("message.timestamp.type"),
		MessageTimestampDifferenceMaxMs:      i64("message.timestamp.difference.max.ms"),
		LeaderReplicationThrottledReplicas:   list("leader.replication.throttled.replicas"),
		FollowerReplicationThrottledReplicas: list("follower.replication.throttled.replicas"),
		MessageDownConversionEnable:          flag("message.downconversion.enable"),
	}
	tc.MessageFormatVersion, _ = LookupAPIVersion(str("message.format.version"))
	for _, p := range tc.CleanupPolicy {
		switch strings.ToLower(p) {
		case "compact":
			tc.Compact = true
		case "delete":
			tc.Delete = true
		}
	}
	if tc.MinCompactionLagMs > tc.MaxCompactionLagMs {
		return TopicConfig{}, &TopicConfigError{Key: "min.compaction.lag.ms", Value: formatValue(TypeLong, tc.MinCompactionLagMs),
			Message: fmt.Sprintf("conflict topic config setting min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)",
				tc.MinCompactionLagMs, tc.MaxCompactionLagMs)}
	}
	return tc, nil
}
