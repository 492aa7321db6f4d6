package conf

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// derive fills the typed fields and applies KafkaConfig's derived values and
// cross-key rules (validateValues), in Kafka's order so that the first error
// reported is the one Kafka would report.
func (c *BrokerConfig) derive() error {
	c.fill()

	// ZooKeeper
	zk, err := parseZooKeeperConnect(c.ZooKeeperConnect)
	if err != nil {
		return &ValueError{Position: c.where("zookeeper.connect"), Key: "zookeeper.connect",
			Value: c.supplied["zookeeper.connect"].Value, Reason: err.Error()}
	}
	c.ZooKeeperServers, c.ZooKeeperChroot = zk.Servers, zk.Chroot

	// Log directories: log.dirs, else log.dir.
	dirs := c.str("log.dir")
	if !c.isNull("log.dirs") {
		dirs = c.str("log.dirs")
	}
	c.LogDirs = parseCSVList(dirs)
	if c.isNull("num.replica.alter.log.dirs.threads") {
		c.NumReplicaAlterLogDirsThreads = int32(len(c.LogDirs))
	}

	// Time-based settings with fallbacks.
	const hourMs, minuteMs = int64(time.Hour / time.Millisecond), int64(time.Minute / time.Millisecond)
	c.LogRollMs = hourMs * int64(c.i32("log.roll.hours"))
	if !c.isNull("log.roll.ms") {
		c.LogRollMs = c.i64("log.roll.ms")
	}
	c.LogRollJitterMs = hourMs * int64(c.i32("log.roll.jitter.hours"))
	if !c.isNull("log.roll.jitter.ms") {
		c.LogRollJitterMs = c.i64("log.roll.jitter.ms")
	}
	switch {
	case !c.isNull("log.retention.ms"):
		c.LogRetentionMs = c.i64("log.retention.ms")
	case !c.isNull("log.retention.minutes"):
		c.LogRetentionMs = minuteMs * int64(c.i32("log.retention.minutes"))
	default:
		c.LogRetentionMs = hourMs * int64(c.i32("log.retention.hours"))
	}
	if c.LogRetentionMs < 0 {
		c.LogRetentionMs = -1
	}
	c.LogFlushIntervalMs = c.LogFlushSchedulerIntervalMs
	if !c.isNull("log.flush.interval.ms") {
		c.LogFlushIntervalMs = c.i64("log.flush.interval.ms")
	}
	c.ZooKeeperConnectionTimeout = c.ZooKeeperSessionTimeout
	if !c.isNull("zookeeper.connection.timeout.ms") {
		c.ZooKeeperConnectionTimeout = time.Duration(c.i32("zookeeper.connection.timeout.ms")) * time.Millisecond
	}
	c.LogMessageFormatVersion, _ = LookupAPIVersion(c.str("log.message.format.version"))
	c.InterBrokerProtocolVersion, _ = LookupAPIVersion(c.str("inter.broker.protocol.version"))

	if err := c.deriveListeners(); err != nil {
		return err
	}
	if err := c.deriveConnectionOverrides(); err != nil {
		return err
	}
	return c.validateValues()
}

// fill copies parsed values into the named fields.
func (c *BrokerConfig) fill() {
	c.ZooKeeperConnect = c.str("zookeeper.connect")
	c.ZooKeeperSessionTimeout = time.Duration(c.i32("zookeeper.session.timeout.ms")) * time.Millisecond
	c.ZooKeeperSyncTimeMs = c.i32("zookeeper.sync.time.ms")
	c.ZooKeeperSetACL = c.flag("zookeeper.set.acl")
	c.ZooKeeperMaxInFlightRequests = c.i32("zookeeper.max.in.flight.requests")

	c.BrokerID = c.i32("broker.id")
	c.BrokerIDGenerationEnable = c.flag("broker.id.generation.enable")
	c.ReservedBrokerMaxID = c.i32("reserved.broker.max.id")
	c.MessageMaxBytes = c.i32("message.max.bytes")
	c.NumNetworkThreads = c.i32("num.network.threads")
	c.NumIOThreads = c.i32("num.io.threads")
	c.NumReplicaAlterLogDirsThreads = c.i32("num.replica.alter.log.dirs.threads")
	c.BackgroundThreads = c.i32("background.threads")
	c.QueuedMaxRequests = c.i32("queued.max.requests")
	c.QueuedMaxRequestBytes = c.i64("queued.max.request.bytes")
	c.RequestTimeoutMs = c.i32("request.timeout.ms")
	c.AuthorizerClassName = c.str("authorizer.class.name")
	if !c.isNull("broker.rack") {
		rack := c.str("broker.rack")
		c.Rack = &rack
	}

	c.SocketSendBufferBytes = c.i32("socket.send.buffer.bytes")
	c.SocketReceiveBufferBytes = c.i32("socket.receive.buffer.bytes")
	c.SocketRequestMaxBytes = c.i32("socket.request.max.bytes")
	c.MaxConnectionsPerIP = c.i32("max.connections.per.ip")
	c.MaxConnections = c.i32("max.connections")
	c.ConnectionsMaxIdleMs = c.i64("connections.max.idle.ms")
	c.FailedAuthDelayMs = c.i32("connection.failed.authentication.delay.ms")

	c.NumPartitions = c.i32("num.partitions")
	c.LogSegmentBytes = c.i32("log.segment.bytes")
	c.LogRetentionBytes = c.i64("log.retention.bytes")
	c.LogRetentionCheckIntervalMs = c.i64("log.retention.check.interval.ms")
	c.LogCleanupPolicy = c.list("log.cleanup.policy")
	c.LogCleanerEnable = c.flag("log.cleaner.enable")
	c.LogCleanerThreads = c.i32("log.cleaner.threads")
	c.LogCleanerIOMaxBytesPerSecond = c.f64("log.cleaner.io.max.bytes.per.second")
	c.LogCleanerDedupeBufferSize = c.i64("log.cleaner.dedupe.buffer.size")
	c.LogCleanerIOBufferSize = c.i32("log.cleaner.io.buffer.size")
	c.LogCleanerIOBufferLoadFactor = c.f64("log.cleaner.io.buffer.load.factor")
	c.LogCleanerBackoffMs = c.i64("log.cleaner.backoff.ms")
	c.LogCleanerMinCleanableRatio = c.f64("log.cleaner.min.cleanable.ratio")
	c.LogCleanerDeleteRetentionMs = c.i64("log.cleaner.delete.retention.ms")
	c.LogCleanerMinCompactionLagMs = c.i64("log.cleaner.min.compaction.lag.ms")
	c.LogCleanerMaxCompactionLagMs = c.i64("log.cleaner.max.compaction.lag.ms")
	c.LogIndexSizeMaxBytes = c.i32("log.index.size.max.bytes")
	c.LogIndexIntervalBytes = c.i32("log.index.interval.bytes")
	c.LogFlushIntervalMessages = c.i64("log.flush.interval.messages")
	c.LogFlushSchedulerIntervalMs = c.i64("log.flush.scheduler.interval.ms")
	c.LogFlushOffsetCheckpointIntervalMs = int64(c.i32("log.flush.offset.checkpoint.interval.ms"))
	c.LogFlushStartOffsetCheckpointIntervalMs = int64(c.i32("log.flush.start.offset.checkpoint.interval.ms"))
	c.LogSegmentDeleteDelayMs = c.i64("log.segment.delete.delay.ms")
	c.LogPreallocate = c.flag("log.preallocate")
	c.LogMessageTimestampType = c.str("log.message.timestamp.type")
	c.LogMessageTimestampDifferenceMaxMs = c.i64("log.message.timestamp.difference.max.ms")
	c.LogMessageDownConversionEnable = c.flag("log.message.downconversion.enable")
	c.NumRecoveryThreadsPerDataDir = c.i32("num.recovery.threads.per.data.dir")
	c.AutoCreateTopicsEnable = c.flag("auto.create.topics.enable")
	c.MinInsyncReplicas = c.i32("min.insync.replicas")
	c.CompressionType = strings.ToLower(c.str("compression.type"))
	c.DeleteTopicEnable = c.flag("delete.topic.enable")

	c.ControllerSocketTimeoutMs = c.i32("controller.socket.timeout.ms")
	c.DefaultReplicationFactor = c.i32("default.replication.factor")
	c.ReplicaLagTimeMaxMs = c.i64("replica.lag.time.max.ms")
	c.ReplicaSocketTimeoutMs = c.i32("replica.socket.timeout.ms")
	c.ReplicaSocketReceiveBufferBytes = c.i32("replica.socket.receive.buffer.bytes")
	c.ReplicaFetchMaxBytes = c.i32("replica.fetch.max.bytes")
	c.ReplicaFetchWaitMaxMs = c.i32("replica.fetch.wait.max.ms")
	c.ReplicaFetchMinBytes = c.i32("replica.fetch.min.bytes")
	c.ReplicaFetchResponseMaxBytes = c.i32("replica.fetch.response.max.bytes")
	c.ReplicaFetchBackoffMs = c.i32("replica.fetch.backoff.ms")
	c.NumReplicaFetchers = c.i32("num.replica.fetchers")
	c.ReplicaHighWatermarkCheckpointIntervalMs = c.i64("replica.high.watermark.checkpoint.interval.ms")
	c.FetchPurgatoryPurgeIntervalRequests = c.i32("fetch.purgatory.purge.interval.requests")
	c.ProducerPurgatoryPurgeIntervalRequests = c.i32("producer.purgatory.purge.interval.requests")
	c.DeleteRecordsPurgatoryPurgeIntervalRequests = c.i32("delete.records.purgatory.purge.interval.requests")
	c.AutoLeaderRebalanceEnable = c.flag("auto.leader.rebalance.enable")
	c.LeaderImbalancePerBrokerPercentage = c.i32("leader.imbalance.per.broker.percentage")
	c.LeaderImbalanceCheckIntervalSeconds = c.i64("leader.imbalance.check.interval.seconds")
	c.UncleanLeaderElectionEnable = c.flag("unclean.leader.election.enable")
	c.ReplicaSelectorClass = c.str("replica.selector.class")

	c.ControlledShutdownEnable = c.flag("controlled.shutdown.enable")
	c.ControlledShutdownMaxRetries = c.i32("controlled.shutdown.max.retries")
	c.ControlledShutdownRetryBackoffMs = c.i64("controlled.shutdown.retry.backoff.ms")

	c.GroupMinSessionTimeoutMs = c.i32("group.min.session.timeout.ms")
	c.GroupMaxSessionTimeoutMs = c.i32("group.max.session.timeout.ms")
	c.GroupInitialRebalanceDelayMs = c.i32("group.initial.rebalance.delay.ms")
	c.GroupMaxSize = c.i32("group.max.size")

	c.OffsetMetadataMaxBytes = c.i32("offset.metadata.max.bytes")
	c.OffsetsLoadBufferSize = c.i32("offsets.load.buffer.size")
	c.OffsetsTopicReplicationFactor = c.i16("offsets.topic.replication.factor")
	c.OffsetsTopicNumPartitions = c.i32("offsets.topic.num.partitions")
	c.OffsetsTopicSegmentBytes = c.i32("offsets.topic.segment.bytes")
	c.OffsetsTopicCompressionCodec = c.i32("offsets.topic.compression.codec")
	c.OffsetsRetentionMinutes = c.i32("offsets.retention.minutes")
	c.OffsetsRetentionCheckIntervalMs = c.i64("offsets.retention.check.interval.ms")
	c.OffsetsCommitTimeoutMs = c.i32("offsets.commit.timeout.ms")
	c.OffsetsCommitRequiredAcks = c.i16("offsets.commit.required.acks")

	c.TransactionalIDExpirationMs = c.i32("transactional.id.expiration.ms")
	c.TransactionMaxTimeoutMs = c.i32("transaction.max.timeout.ms")
	c.TransactionStateLogMinISR = c.i32("transaction.state.log.min.isr")
	c.TransactionStateLogLoadBufferSize = c.i32("transaction.state.log.load.buffer.size")
	c.TransactionStateLogReplicationFactor = c.i16("transaction.state.log.replication.factor")
	c.TransactionStateLogNumPartitions = c.i32("transaction.state.log.num.partitions")
	c.TransactionStateLogSegmentBytes = c.i32("transaction.state.log.segment.bytes")
	c.TransactionAbortTimedOutTransactionCleanupIntervalMs = c.i32("transaction.abort.timed.out.transaction.cleanup.interval.ms")
	c.TransactionRemoveExpiredTransactionCleanupIntervalMs = c.i32("transaction.remove.expired.transaction.cleanup.interval.ms")

	c.MaxIncrementalFetchSessionCacheSlots = c.i32("max.incremental.fetch.session.cache.slots")
}

// deriveListeners resolves listeners, advertised.listeners, the protocol map
// and the inter-broker and control-plane listener names.
func (c *BrokerConfig) deriveListeners() error {
	m, err := parseSecurityProtocolMap(c.str("listener.security.protocol.map"))
	if err != nil {
		return c.invalid("listener.security.protocol.map", "%v", err)
	}
	c.ListenerSecurityProtocolMap = m

	// listeners, else the legacy host.name and port.
	key, spec := "listeners", c.str("listeners")
	if c.isNull("listeners") {
		key, spec = "port", "PLAINTEXT://"+c.str("host.name")+":"+strconv.Itoa(int(c.i32("port")))
	}
	if c.Listeners, err = parseListeners(spec, m); err != nil {
		return c.invalid(key, "%v", err)
	}
	if err := c.checkPorts(key, c.Listeners); err != nil {
		return err
	}

	// advertised.listeners, else advertised.host.name/advertised.port filled
	// in from host.name/port, else listeners.
	switch {
	case !c.isNull("advertised.listeners"):
		if c.AdvertisedListeners, err = parseListeners(c.str("advertised.listeners"), m); err != nil {
			return c.invalid("advertised.listeners", "%v", err)
		}
		if err := c.checkPorts("advertised.listeners", c.AdvertisedListeners); err != nil {
			return err
		}
	case !c.isNull("advertised.host.name") || !c.isNull("advertised.port"):
		host, port := c.str("host.name"), c.i32("port")
		if !c.isNull("advertised.host.name") {
			host = c.str("advertised.host.name")
		}
		if !c.isNull("advertised.port") {
			port = c.i32("advertised.port")
		}
		k := "advertised.host.name"
		if c.isNull(k) {
			k = "advertised.port"
		}
		if c.AdvertisedListeners, err = parseListeners("PLAINTEXT://"+host+":"+strconv.Itoa(int(port)), m); err != nil {
			return c.invalid(k, "%v", err)
		}
	default:
		c.AdvertisedListeners = append([]Listener(nil), c.Listeners...)
	}

	// inter.broker.listener.name xor security.inter.broker.protocol.
	if !c.isNull("inter.broker.listener.name") {
		if _, set := c.supplied["security.inter.broker.protocol"]; set {
			return c.invalid("inter.broker.listener.name",
				"Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.")
		}
		name := strings.ToUpper(c.str("inter.broker.listener.name"))
		proto, ok := lookupProtocol(m, name)
		if !ok {
			return c.invalid("inter.broker.listener.name",
				"Listener with name %s defined in inter.broker.listener.name not found in listener.security.protocol.map.", name)
		}
		c.InterBrokerListenerName, c.InterBrokerSecurityProtocol = name, proto
	} else {
		proto, ok := securityProtocol(c.str("security.inter.broker.protocol"))
		if !ok {
			return c.invalid("security.inter.broker.protocol",
				"Invalid security protocol `%s` defined in security.inter.broker.protocol", c.str("security.inter.broker.protocol"))
		}
		c.InterBrokerListenerName, c.InterBrokerSecurityProtocol = proto, proto
	}

	if !c.isNull("control.plane.listener.name") {
		name := strings.ToUpper(c.str("control.plane.listener.name"))
		if _, ok := lookupProtocol(m, name); !ok {
			return c.invalid("control.plane.listener.name",
				"Listener with %s defined in control.plane.listener.name not found in listener.security.protocol.map.", name)
		}
		c.ControlPlaneListenerName = name
	}
	return nil
}

// checkPorts refuses ports a socket cannot have. Kafka accepts negative
// ports (its own tests use them) and fails later at bind; refusing here gives
// the user the line to fix.
func (c *BrokerConfig) checkPorts(key string, ls []Listener) error {
	for _, l := range ls {
		if l.Port < 0 || l.Port > 65535 {
			return c.invalid(key, "port %d of listener %s is out of range (0..65535)", l.Port, l.Name)
		}
	}
	return nil
}

// deriveConnectionOverrides parses max.connections.per.ip.overrides
// (host:count pairs, as CoreUtils.parseCsvMap).
func (c *BrokerConfig) deriveConnectionOverrides() error {
	c.MaxConnectionsPerIPOverride = map[string]int32{}
	s := c.str("max.connections.per.ip.overrides")
	if s == "" {
		return nil
	}
	for _, pair := range splitCSVRegex(s) {
		i := strings.LastIndex(pair, ":")
		if i < 0 {
			return c.invalid("max.connections.per.ip.overrides",
				"Error parsing configuration property 'max.connections.per.ip.overrides': %q is not host:count", pair)
		}
		host, count := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
		n, reason := parseJavaInt(count, 32)
		if reason != "" {
			return c.invalid("max.connections.per.ip.overrides",
				"Error parsing configuration property 'max.connections.per.ip.overrides': For input string: \"%s\"", count)
		}
		if host == "" {
			return c.invalid("max.connections.per.ip.overrides",
				"max.connections.per.ip.overrides contains invalid addresses : %s", host)
		}
		c.MaxConnectionsPerIPOverride[host] = int32(n)
	}
	return nil
}

// brokerCompressionTypes are BrokerCompressionCodec.brokerCompressionOptions.
func brokerCompressionTypes() []string {
	return []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}
}

// validateValues is KafkaConfig.validateValues, message for message.
func (c *BrokerConfig) validateValues() error {
	if c.BrokerIDGenerationEnable {
		if c.BrokerID < -1 || c.BrokerID > c.ReservedBrokerMaxID {
			return c.invalid("broker.id", "broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id")
		}
	} else if c.BrokerID < 0 {
		return c.invalid("broker.id", "broker.id must be equal or greater than 0")
	}
	if c.LogRollMs < 1 {
		return c.invalid(firstSupplied(c, "log.roll.ms", "log.roll.hours"), "log.roll.ms must be equal or greater than 1")
	}
	if c.LogRollJitterMs < 0 {
		return c.invalid(firstSupplied(c, "log.roll.jitter.ms", "log.roll.jitter.hours"), "log.roll.jitter.ms must be equal or greater than 0")
	}
	if c.LogRetentionMs < 1 && c.LogRetentionMs != -1 {
		return c.invalid(firstSupplied(c, "log.retention.ms", "log.retention.minutes", "log.retention.hours"),
			"log.retention.ms must be unlimited (-1) or, equal or greater than 1")
	}
	if len(c.LogDirs) == 0 {
		return c.invalid(firstSupplied(c, "log.dirs", "log.dir"), "At least one log directory must be defined via log.dirs or log.dir.")
	}
	if c.LogCleanerThreads == 0 {
		// Kafka 2.4 divides by this and dies with "/ by zero".
		return c.invalid("log.cleaner.threads", "log.cleaner.threads must be at least 1 (Kafka divides log.cleaner.dedupe.buffer.size by it)")
	}
	if c.LogCleanerDedupeBufferSize/int64(c.LogCleanerThreads) <= 1024*1024 {
		return c.invalid("log.cleaner.dedupe.buffer.size", "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.")
	}
	if c.ReplicaFetchWaitMaxMs > c.ReplicaSocketTimeoutMs {
		return c.invalid("replica.fetch.wait.max.ms", "replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts")
	}
	if int64(c.ReplicaFetchWaitMaxMs) > c.ReplicaLagTimeMaxMs {
		return c.invalid("replica.fetch.wait.max.ms", "replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR")
	}
	if c.OffsetsCommitRequiredAcks < -1 || c.OffsetsCommitRequiredAcks > c.OffsetsTopicReplicationFactor {
		return c.invalid("offsets.commit.required.acks", "offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor")
	}
	if !contains(brokerCompressionTypes(), c.CompressionType) {
		return c.invalid("compression.type", "compression.type : %s is not valid. Valid options are %s",
			c.str("compression.type"), strings.Join(brokerCompressionTypes(), ","))
	}

	advertised := listenerNames(c.AdvertisedListeners)
	names := listenerNames(c.Listeners)
	if !contains(advertised, c.InterBrokerListenerName) {
		return c.invalid(firstSupplied(c, "inter.broker.listener.name", "security.inter.broker.protocol", "advertised.listeners", "listeners"),
			"inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are %s",
			strings.Join(advertised, ","))
	}
	for _, n := range advertised {
		if !contains(names, n) {
			return c.invalid("advertised.listeners",
				"advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found %s. The valid options based on the current configuration are %s",
				strings.Join(advertised, ","), strings.Join(names, ","))
		}
	}
	for _, l := range c.AdvertisedListeners {
		if l.Host == "0.0.0.0" {
			return c.invalid(firstSupplied(c, "advertised.listeners", "listeners"),
				"advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.")
		}
	}
	if c.ControlPlaneListenerName != "" {
		if !contains(advertised, c.ControlPlaneListenerName) {
			return c.invalid("control.plane.listener.name",
				"control.plane.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are %s",
				strings.Join(advertised, ","))
		}
		if c.ControlPlaneListenerName == c.InterBrokerListenerName {
			return c.invalid("control.plane.listener.name",
				"control.plane.listener.name, when defined, should have a different value from the inter broker listener name. Currently they both have the value %s",
				c.ControlPlaneListenerName)
		}
	}

	if c.InterBrokerProtocolVersion.RecordVersion < c.LogMessageFormatVersion.RecordVersion {
		return c.invalid("log.message.format.version",
			"log.message.format.version %s can only be used when inter.broker.protocol.version is set to version %s or higher",
			c.str("log.message.format.version"), minVersionForRecord(c.LogMessageFormatVersion.RecordVersion))
	}
	if c.OffsetsTopicCompressionCodec < 0 || c.OffsetsTopicCompressionCodec > 4 {
		return c.invalid("offsets.topic.compression.codec", "%d is an unknown compression codec", c.OffsetsTopicCompressionCodec)
	}
	if c.OffsetsTopicCompressionCodec == 4 && c.InterBrokerProtocolVersion.RecordVersion < 2 {
		return c.invalid("offsets.topic.compression.codec",
			"offsets.topic.compression.codec zstd can only be used when inter.broker.protocol.version is set to version 2.1 or higher")
	}
	if c.InterBrokerSecurityProtocol == "SASL_PLAINTEXT" || c.InterBrokerSecurityProtocol == "SASL_SSL" {
		if !contains(c.list("sasl.enabled.mechanisms"), c.str("sasl.mechanism.inter.broker.protocol")) {
			return c.invalid("sasl.mechanism.inter.broker.protocol",
				"sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication")
		}
	}
	if c.QueuedMaxRequestBytes > 0 && c.QueuedMaxRequestBytes < int64(c.SocketRequestMaxBytes) {
		return c.invalid("queued.max.request.bytes", "queued.max.request.bytes must be larger or equal to socket.request.max.bytes")
	}
	if c.MaxConnectionsPerIP == 0 && len(c.MaxConnectionsPerIPOverride) == 0 {
		return c.invalid("max.connections.per.ip", "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.")
	}
	if c.ConnectionsMaxIdleMs >= 0 && int64(c.FailedAuthDelayMs) >= c.ConnectionsMaxIdleMs {
		return c.invalid("connection.failed.authentication.delay.ms",
			"connection.failed.authentication.delay.ms=%d should always be less than connections.max.idle.ms=%d to prevent failed authentication responses from timing out",
			c.FailedAuthDelayMs, c.ConnectionsMaxIdleMs)
	}
	return nil
}

// minVersionForRecord is ApiVersion.minSupportedFor(recordVersion).shortVersion.
func minVersionForRecord(record int8) string {
	switch record {
	case 0:
		return "0.8.0"
	case 1:
		return "0.10.0"
	}
	return "0.11.0"
}

// firstSupplied returns the first of keys that was supplied, or the first
// key, to point an error at the line the user wrote.
func firstSupplied(c *BrokerConfig, keys ...string) string {
	for _, k := range keys {
		if _, ok := c.supplied[k]; ok {
			return k
		}
	}
	return keys[0]
}

func listenerNames(ls []Listener) []string {
	var out []string
	for _, l := range ls {
		if !contains(out, l.Name) {
			out = append(out, l.Name)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String summarises the configuration for logs.
func (c *BrokerConfig) String() string {
	return fmt.Sprintf("broker.id=%d listeners=%v zookeeper.connect=%s log.dirs=%s",
		c.BrokerID, c.Listeners, c.ZooKeeperConnect, strings.Join(c.LogDirs, ","))
}

// Listener returns the bound listener with the given name (case-insensitive).
func (c *BrokerConfig) Listener(name string) (Listener, bool) {
	return findListener(c.Listeners, name)
}

// AdvertisedListener returns the advertised endpoint with the given name.
func (c *BrokerConfig) AdvertisedListener(name string) (Listener, bool) {
	return findListener(c.AdvertisedListeners, name)
}

// InterBrokerListener is the advertised endpoint other brokers and the
// controller use to reach this broker. It always exists in a valid
// configuration (validateValues requires it).
func (c *BrokerConfig) InterBrokerListener() Listener {
	l, _ := c.AdvertisedListener(c.InterBrokerListenerName)
	return l
}
