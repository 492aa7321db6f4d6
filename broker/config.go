package broker

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/storage"
)

// Config is the broker's configuration: a plain struct filled by cmd from
// server.properties. Every field has Kafka 2.4's default in DefaultConfig.
// message.max.bytes is Log.MaxMessageBytes (the broker default of the topic
// key max.message.bytes); it is not repeated here so the two cannot disagree.
type Config struct {
	BrokerID int32  // broker.id (cmd resolves -1 from meta.properties before New)
	Rack     string // broker.rack; "" = none

	Listeners []Listener // listeners: what we bind
	// AdvertisedListeners is advertised.listeners (empty = Listeners): cmd
	// registers them through the coordinator; Metadata answers what
	// UpdateMetadata then reports for each broker.
	AdvertisedListeners []Listener
	InterBrokerListener string // inter.broker.listener.name (PLAINTEXT by default)

	// LogDirs is log.dirs (or log.dir), named in startup errors only:
	// storage owns the dirs. It has no default here; conf applies Kafka's.
	LogDirs []string

	Topics TopicDefaults

	Socket SocketConfig

	Replication ReplicationConfig

	OffsetsTopic OffsetsTopicConfig

	Group GroupConfig

	// Log is the broker default of every topic-level log setting
	// (log.segment.bytes, log.retention.ms, message.max.bytes, ...); a topic's
	// /config/topics/<t> overrides are merged over it when its log is created.
	Log storage.LogConfig

	RequestTimeout time.Duration // request.timeout.ms

	// MaxIncrementalFetchSessionCacheSlots is
	// max.incremental.fetch.session.cache.slots: how many KIP-227 fetch
	// sessions the broker keeps (0 = every fetch is sessionless).
	MaxIncrementalFetchSessionCacheSlots int

	ControlledShutdown ControlledShutdownConfig

	// Describe returns the broker's configuration for DescribeConfigs of the
	// broker resource, in Kafka's names and with each value's source. cmd
	// fills it from the parsed properties; nil answers with no entries.
	Describe func() []ConfigEntry
}

// Listener is one entry of listeners or advertised.listeners.
type Listener struct {
	Name             string // listener name, e.g. PLAINTEXT
	Host             string // "" = all interfaces when binding
	Port             int32  // 0 = any free port (tests)
	SecurityProtocol string // PLAINTEXT (the only one served for now)
}

// TopicDefaults are the broker-wide defaults for topic creation and deletion.
type TopicDefaults struct {
	NumPartitions            int32 // num.partitions
	DefaultReplicationFactor int16 // default.replication.factor
	AutoCreateTopicsEnable   bool  // auto.create.topics.enable
	DeleteTopicEnable        bool  // delete.topic.enable
	MinInsyncReplicas        int32 // min.insync.replicas (topic key min.insync.replicas)
	// UncleanLeaderElectionEnable is unclean.leader.election.enable; the
	// controller applies it, the broker only reports it in DescribeConfigs.
	UncleanLeaderElectionEnable bool
	CompressionType             string // compression.type (producer)
}

// SocketConfig bounds what one connection may cost.
type SocketConfig struct {
	RequestMaxBytes    int32         // socket.request.max.bytes
	ConnectionsMaxIdle time.Duration // connections.max.idle.ms
	// MaxQueuedResponses bounds the responses encoded but not yet written on
	// one connection; the read loop stops reading while it is full.
	MaxQueuedResponses int

	// MaxConnectionsPerIP is max.connections.per.ip: a connection from an
	// address that already has this many is closed at once.
	MaxConnectionsPerIP int32
	// MaxConnectionsPerIPOverrides is max.connections.per.ip.overrides with
	// its hosts resolved to IP addresses (cmd resolves them, as Kafka does
	// when the broker starts), so the broker does no name lookups.
	MaxConnectionsPerIPOverrides map[netip.Addr]int32
	// MaxConnections is max.connections, broker-wide: the acceptors wait
	// while this many are open. The inter-broker listener is exempt when
	// there is more than one listener, as in Kafka 2.4.
	MaxConnections int32
	// ListenerMaxConnections is listener.name.<name>.max.connections, keyed
	// by listener name; a missing listener has no limit of its own.
	ListenerMaxConnections map[string]int32
}

// ReplicationConfig holds the replica.* settings.
type ReplicationConfig struct {
	LagTimeMax                      time.Duration // replica.lag.time.max.ms
	FetchMaxBytes                   int32         // replica.fetch.max.bytes
	FetchResponseMaxBytes           int32         // replica.fetch.response.max.bytes
	FetchWaitMax                    time.Duration // replica.fetch.wait.max.ms
	FetchMinBytes                   int32         // replica.fetch.min.bytes
	FetchBackoff                    time.Duration // replica.fetch.backoff.ms
	NumFetchers                     int           // num.replica.fetchers
	HighWatermarkCheckpointInterval time.Duration // replica.high.watermark.checkpoint.interval.ms
}

// OffsetsTopicConfig holds the offsets.topic.* settings (__consumer_offsets).
type OffsetsTopicConfig struct {
	ReplicationFactor int16 // offsets.topic.replication.factor
	NumPartitions     int32 // offsets.topic.num.partitions
	SegmentBytes      int64 // offsets.topic.segment.bytes
}

// GroupConfig holds the group coordinator's settings.
type GroupConfig struct {
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms
	// The settings below keep broker/group's defaults (Kafka 2.4's) when zero.
	MaxSize                       int           // group.max.size
	OffsetsRetention              time.Duration // offsets.retention.minutes
	OffsetsRetentionCheckInterval time.Duration // offsets.retention.check.interval.ms
	OffsetMetadataMaxBytes        int           // offset.metadata.max.bytes
}

// ControlledShutdownConfig holds the controlled.shutdown.* settings.
type ControlledShutdownConfig struct {
	Enable       bool          // controlled.shutdown.enable
	MaxRetries   int           // controlled.shutdown.max.retries
	RetryBackoff time.Duration // controlled.shutdown.retry.backoff.ms
}

// ConfigSource is DescribeConfigs' source of a value (Kafka's ConfigSource ids).
type ConfigSource int8

// Kafka's ConfigSource ids, as sent on the wire.
const (
	SourceUnknown                    ConfigSource = 0
	SourceDynamicTopicConfig         ConfigSource = 1
	SourceDynamicBrokerConfig        ConfigSource = 2
	SourceDynamicDefaultBrokerConfig ConfigSource = 3
	SourceStaticBrokerConfig         ConfigSource = 4
	SourceDefaultConfig              ConfigSource = 5
)

// ConfigEntry is one configuration value as DescribeConfigs reports it.
type ConfigEntry struct {
	Name        string
	Value       *string // nil for sensitive or unset values
	Source      ConfigSource
	ReadOnly    bool
	IsSensitive bool
	Synonyms    []ConfigSynonym // most specific first, the entry itself included
}

// ConfigSynonym is one of the places a value can come from.
type ConfigSynonym struct {
	Name   string
	Value  *string
	Source ConfigSource
}

// DefaultConfig returns Kafka 2.4's defaults (KafkaConfig.Defaults),
// except LogDirs, which the caller sets.
func DefaultConfig() Config {
	return Config{
		BrokerID:            0,
		Listeners:           []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}},
		InterBrokerListener: "PLAINTEXT",
		Topics: TopicDefaults{
			NumPartitions:            1,
			DefaultReplicationFactor: 1,
			AutoCreateTopicsEnable:   true,
			DeleteTopicEnable:        true,
			MinInsyncReplicas:        1,
			CompressionType:          "producer",
		},
		Socket: SocketConfig{
			RequestMaxBytes:    104857600,
			ConnectionsMaxIdle: 10 * time.Minute,
			MaxQueuedResponses: 16,

			MaxConnectionsPerIP: math.MaxInt32,
			MaxConnections:      math.MaxInt32,
		},
		Replication: ReplicationConfig{
			LagTimeMax:                      10 * time.Second,
			FetchMaxBytes:                   1048576,
			FetchResponseMaxBytes:           10485760,
			FetchWaitMax:                    500 * time.Millisecond,
			FetchMinBytes:                   1,
			FetchBackoff:                    time.Second,
			NumFetchers:                     1,
			HighWatermarkCheckpointInterval: 5 * time.Second,
		},
		OffsetsTopic: OffsetsTopicConfig{ReplicationFactor: 3, NumPartitions: 50, SegmentBytes: 104857600},
		Group: GroupConfig{
			InitialRebalanceDelay: 3 * time.Second,
			MinSessionTimeout:     6 * time.Second,
			MaxSessionTimeout:     30 * time.Minute,
		},
		Log:            storage.DefaultLogConfig(),
		RequestTimeout: 30 * time.Second,

		MaxIncrementalFetchSessionCacheSlots: defaultFetchSessionCacheSlots,
		ControlledShutdown: ControlledShutdownConfig{
			Enable:       true,
			MaxRetries:   3,
			RetryBackoff: 5 * time.Second,
		},
	}
}

// Validate checks every field and the fields against each other; the error
// names the Kafka key so the operator knows which line to fix.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("broker: "+format, args...)) }
	if c.BrokerID < 0 {
		bad("broker.id %d: must be >= 0 once resolved", c.BrokerID)
	}
	if len(c.Listeners) == 0 {
		bad("listeners: at least one listener is required")
	}
	names := map[string]bool{}
	for _, l := range c.Listeners {
		if l.Name == "" {
			bad("listeners: a listener has no name")
		}
		if names[l.Name] {
			bad("listeners: listener name %q appears twice", l.Name)
		}
		names[l.Name] = true
		if l.Port < 0 || l.Port > 65535 {
			bad("listeners: %s port %d out of range", l.Name, l.Port)
		}
		if l.SecurityProtocol != "PLAINTEXT" {
			bad("listeners: %s uses security protocol %q; only PLAINTEXT is served", l.Name, l.SecurityProtocol)
		}
	}
	for _, l := range c.AdvertisedListeners {
		if !names[l.Name] {
			bad("advertised.listeners: %q is not one of listeners", l.Name)
		}
	}
	if !names[c.InterBrokerListener] {
		bad("inter.broker.listener.name %q is not one of listeners", c.InterBrokerListener)
	}
	if len(c.LogDirs) == 0 {
		bad("log.dirs: at least one directory is required")
	}
	if c.Topics.NumPartitions < 1 {
		bad("num.partitions %d: must be >= 1", c.Topics.NumPartitions)
	}
	if c.Topics.DefaultReplicationFactor < 1 {
		bad("default.replication.factor %d: must be >= 1", c.Topics.DefaultReplicationFactor)
	}
	if c.Topics.MinInsyncReplicas < 1 {
		bad("min.insync.replicas %d: must be >= 1", c.Topics.MinInsyncReplicas)
	}
	if c.Socket.RequestMaxBytes < 1 {
		bad("socket.request.max.bytes %d: must be >= 1", c.Socket.RequestMaxBytes)
	}
	if c.Socket.ConnectionsMaxIdle <= 0 {
		bad("connections.max.idle.ms %v: must be > 0", c.Socket.ConnectionsMaxIdle)
	}
	if c.Socket.MaxConnectionsPerIP < 0 {
		bad("max.connections.per.ip %d: must be >= 0", c.Socket.MaxConnectionsPerIP)
	}
	if c.Socket.MaxConnectionsPerIP == 0 && len(c.Socket.MaxConnectionsPerIPOverrides) == 0 {
		bad("max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.")
	}
	for ip, n := range c.Socket.MaxConnectionsPerIPOverrides {
		if !ip.IsValid() || n < 0 {
			bad("max.connections.per.ip.overrides: %v:%d is not an address and a count >= 0", ip, n)
		}
	}
	if c.Socket.MaxConnections < 0 {
		bad("max.connections %d: must be >= 0", c.Socket.MaxConnections)
	}
	for name, n := range c.Socket.ListenerMaxConnections {
		if !names[name] {
			bad("listener.name.%s.max.connections: %q is not one of listeners", strings.ToLower(name), name)
		}
		if n < 0 {
			bad("listener.name.%s.max.connections %d: must be >= 0", strings.ToLower(name), n)
		}
	}
	if c.Socket.MaxQueuedResponses < 1 {
		bad("max queued responses %d: must be >= 1", c.Socket.MaxQueuedResponses)
	}
	if c.Replication.LagTimeMax <= 0 {
		bad("replica.lag.time.max.ms %v: must be > 0", c.Replication.LagTimeMax)
	}
	if c.Replication.FetchMaxBytes < 1 || c.Replication.FetchResponseMaxBytes < 1 {
		bad("replica.fetch.max.bytes and replica.fetch.response.max.bytes must be >= 1")
	}
	if c.Replication.HighWatermarkCheckpointInterval <= 0 {
		bad("replica.high.watermark.checkpoint.interval.ms %v: must be > 0", c.Replication.HighWatermarkCheckpointInterval)
	}
	if c.OffsetsTopic.ReplicationFactor < 1 || c.OffsetsTopic.NumPartitions < 1 {
		bad("offsets.topic.replication.factor and offsets.topic.num.partitions must be >= 1")
	}
	if c.Group.MinSessionTimeout > c.Group.MaxSessionTimeout {
		bad("group.min.session.timeout.ms %v is above group.max.session.timeout.ms %v", c.Group.MinSessionTimeout, c.Group.MaxSessionTimeout)
	}
	if c.Log.MaxMessageBytes < 0 {
		bad("message.max.bytes %d: must be >= 0", c.Log.MaxMessageBytes)
	}
	if int64(c.Log.MaxMessageBytes) > int64(c.Socket.RequestMaxBytes) {
		bad("message.max.bytes %d is above socket.request.max.bytes %d: such a batch could never arrive", c.Log.MaxMessageBytes, c.Socket.RequestMaxBytes)
	}
	if err := c.Log.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("broker: log defaults: %w", err))
	}
	if c.MaxIncrementalFetchSessionCacheSlots < 0 {
		bad("max.incremental.fetch.session.cache.slots %d: must be >= 0", c.MaxIncrementalFetchSessionCacheSlots)
	}
	if c.RequestTimeout <= 0 {
		bad("request.timeout.ms %v: must be > 0", c.RequestTimeout)
	}
	if c.ControlledShutdown.MaxRetries < 0 {
		bad("controlled.shutdown.max.retries %d: must be >= 0", c.ControlledShutdown.MaxRetries)
	}
	return errors.Join(errs...)
}
