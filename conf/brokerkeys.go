package conf

import "strconv"

// Defaults of Kafka 2.4 that other code refers to by name.
const (
	DefaultLogDir                      = "/tmp/kafka-logs"
	DefaultListenerSecurityProtocolMap = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
	DefaultPort                        = 9092
	maxInt32                           = "2147483647"
	maxInt64                           = "9223372036854775807"
	maxDouble                          = "1.7976931348623157E308"
)

// brokerKeys is KafkaConfig.configDef of Kafka 2.4.1: every key, its type,
// default and validator, in the order KafkaConfig defines them. Cross-key
// rules (KafkaConfig.validateValues) live in broker.go.
func brokerKeys() []keyDef {
	i := func(name string, def int, c ...check) keyDef {
		return keyDef{name: name, typ: TypeInt, def: strconv.Itoa(def), check: first(c)}
	}
	l := func(name string, def string, c ...check) keyDef {
		return keyDef{name: name, typ: TypeLong, def: def, check: first(c)}
	}
	sh := func(name string, def int, c ...check) keyDef {
		return keyDef{name: name, typ: TypeShort, def: strconv.Itoa(def), check: first(c)}
	}
	b := func(name string, def bool) keyDef {
		return keyDef{name: name, typ: TypeBool, def: strconv.FormatBool(def)}
	}
	s := func(name string, def string, c ...check) keyDef {
		return keyDef{name: name, typ: TypeString, def: def, check: first(c)}
	}
	d := func(name string, def string) keyDef {
		return keyDef{name: name, typ: TypeDouble, def: def}
	}
	list := func(name string, def string, c ...check) keyDef {
		return keyDef{name: name, typ: TypeList, def: def, check: first(c)}
	}
	null := func(name string, t Type) keyDef {
		return keyDef{name: name, typ: t, null: true}
	}
	ibp := LatestAPIVersion
	return []keyDef{
		// ZooKeeper
		{name: "zookeeper.connect", typ: TypeString, required: true},
		i("zookeeper.session.timeout.ms", 6000),
		null("zookeeper.connection.timeout.ms", TypeInt),
		i("zookeeper.sync.time.ms", 2000),
		b("zookeeper.set.acl", false),
		i("zookeeper.max.in.flight.requests", 10, atLeast(1)),

		// General
		b("broker.id.generation.enable", true),
		i("reserved.broker.max.id", 1000, atLeast(0)),
		i("broker.id", -1),
		i("message.max.bytes", 1000012, atLeast(0)),
		i("num.network.threads", 3, atLeast(1)),
		i("num.io.threads", 8, atLeast(1)),
		null("num.replica.alter.log.dirs.threads", TypeInt),
		i("background.threads", 10, atLeast(1)),
		i("queued.max.requests", 500, atLeast(1)),
		l("queued.max.request.bytes", "-1"),
		i("request.timeout.ms", 30000),

		// Authorizer
		s("authorizer.class.name", ""),

		// Socket server
		i("port", DefaultPort),
		s("host.name", ""),
		null("listeners", TypeString),
		null("advertised.host.name", TypeString),
		null("advertised.port", TypeInt),
		null("advertised.listeners", TypeString),
		s("listener.security.protocol.map", DefaultListenerSecurityProtocolMap),
		null("control.plane.listener.name", TypeString),
		i("socket.send.buffer.bytes", 102400),
		i("socket.receive.buffer.bytes", 102400),
		i("socket.request.max.bytes", 104857600, atLeast(1)),
		{name: "max.connections.per.ip", typ: TypeInt, def: maxInt32, check: atLeast(0)},
		s("max.connections.per.ip.overrides", ""),
		{name: "max.connections", typ: TypeInt, def: maxInt32, check: atLeast(0)},
		l("connections.max.idle.ms", "600000"),
		i("connection.failed.authentication.delay.ms", 100, atLeast(0)),

		// Rack
		null("broker.rack", TypeString),

		// Log
		i("num.partitions", 1, atLeast(1)),
		s("log.dir", DefaultLogDir),
		null("log.dirs", TypeString),
		i("log.segment.bytes", 1073741824, atLeast(14)), // LegacyRecord.RECORD_OVERHEAD_V0
		null("log.roll.ms", TypeLong),
		i("log.roll.hours", 168, atLeast(1)),
		null("log.roll.jitter.ms", TypeLong),
		i("log.roll.jitter.hours", 0, atLeast(0)),
		null("log.retention.ms", TypeLong),
		null("log.retention.minutes", TypeInt),
		i("log.retention.hours", 168),
		l("log.retention.bytes", "-1"),
		l("log.retention.check.interval.ms", "300000", atLeast(1)),
		list("log.cleanup.policy", "delete", listOf("compact", "delete")),
		i("log.cleaner.threads", 1, atLeast(0)),
		d("log.cleaner.io.max.bytes.per.second", maxDouble),
		l("log.cleaner.dedupe.buffer.size", "134217728"),
		i("log.cleaner.io.buffer.size", 524288, atLeast(0)),
		d("log.cleaner.io.buffer.load.factor", "0.9"),
		l("log.cleaner.backoff.ms", "15000", atLeast(0)),
		d("log.cleaner.min.cleanable.ratio", "0.5"),
		b("log.cleaner.enable", true),
		l("log.cleaner.delete.retention.ms", "86400000"),
		l("log.cleaner.min.compaction.lag.ms", "0"),
		l("log.cleaner.max.compaction.lag.ms", maxInt64),
		i("log.index.size.max.bytes", 10485760, atLeast(4)),
		i("log.index.interval.bytes", 4096, atLeast(0)),
		l("log.flush.interval.messages", maxInt64, atLeast(1)),
		l("log.segment.delete.delay.ms", "60000", atLeast(0)),
		l("log.flush.scheduler.interval.ms", maxInt64),
		null("log.flush.interval.ms", TypeLong),
		i("log.flush.offset.checkpoint.interval.ms", 60000, atLeast(0)),
		i("log.flush.start.offset.checkpoint.interval.ms", 60000, atLeast(0)),
		b("log.preallocate", false),
		i("num.recovery.threads.per.data.dir", 1, atLeast(1)),
		b("auto.create.topics.enable", true),
		i("min.insync.replicas", 1, atLeast(1)),
		s("log.message.format.version", ibp, apiVersionCheck),
		s("log.message.timestamp.type", "CreateTime", oneOf("CreateTime", "LogAppendTime")),
		l("log.message.timestamp.difference.max.ms", maxInt64),
		null("create.topic.policy.class.name", TypeClass),
		null("alter.config.policy.class.name", TypeClass),
		b("log.message.downconversion.enable", true),

		// Replication
		i("controller.socket.timeout.ms", 30000),
		i("default.replication.factor", 1),
		l("replica.lag.time.max.ms", "10000"),
		i("replica.socket.timeout.ms", 30000),
		i("replica.socket.receive.buffer.bytes", 65536),
		i("replica.fetch.max.bytes", 1048576, atLeast(0)),
		i("replica.fetch.wait.max.ms", 500),
		i("replica.fetch.backoff.ms", 1000, atLeast(0)),
		i("replica.fetch.min.bytes", 1),
		i("replica.fetch.response.max.bytes", 10485760, atLeast(0)),
		i("num.replica.fetchers", 1),
		l("replica.high.watermark.checkpoint.interval.ms", "5000"),
		i("fetch.purgatory.purge.interval.requests", 1000),
		i("producer.purgatory.purge.interval.requests", 1000),
		i("delete.records.purgatory.purge.interval.requests", 1),
		b("auto.leader.rebalance.enable", true),
		i("leader.imbalance.per.broker.percentage", 10),
		l("leader.imbalance.check.interval.seconds", "300"),
		b("unclean.leader.election.enable", false),
		s("security.inter.broker.protocol", "PLAINTEXT"),
		s("inter.broker.protocol.version", ibp, apiVersionCheck),
		null("inter.broker.listener.name", TypeString),
		null("replica.selector.class", TypeString),

		// Controlled shutdown
		i("controlled.shutdown.max.retries", 3),
		l("controlled.shutdown.retry.backoff.ms", "5000"),
		b("controlled.shutdown.enable", true),

		// Group coordinator
		i("group.min.session.timeout.ms", 6000),
		i("group.max.session.timeout.ms", 1800000),
		i("group.initial.rebalance.delay.ms", 3000),
		{name: "group.max.size", typ: TypeInt, def: maxInt32, check: atLeast(1)},

		// Offset management
		i("offset.metadata.max.bytes", 4096),
		i("offsets.load.buffer.size", 5242880, atLeast(1)),
		sh("offsets.topic.replication.factor", 3, atLeast(1)),
		i("offsets.topic.num.partitions", 50, atLeast(1)),
		i("offsets.topic.segment.bytes", 104857600, atLeast(1)),
		i("offsets.topic.compression.codec", 0),
		i("offsets.retention.minutes", 10080, atLeast(1)),
		l("offsets.retention.check.interval.ms", "600000", atLeast(1)),
		i("offsets.commit.timeout.ms", 5000, atLeast(1)),
		sh("offsets.commit.required.acks", -1),
		b("delete.topic.enable", true),
		s("compression.type", "producer"),

		// Transaction management
		i("transactional.id.expiration.ms", 604800000, atLeast(1)),
		i("transaction.max.timeout.ms", 900000, atLeast(1)),
		i("transaction.state.log.min.isr", 2, atLeast(1)),
		i("transaction.state.log.load.buffer.size", 5242880, atLeast(1)),
		sh("transaction.state.log.replication.factor", 3, atLeast(1)),
		i("transaction.state.log.num.partitions", 50, atLeast(1)),
		i("transaction.state.log.segment.bytes", 104857600, atLeast(1)),
		i("transaction.abort.timed.out.transaction.cleanup.interval.ms", 60000, atLeast(1)),
		i("transaction.remove.expired.transaction.cleanup.interval.ms", 3600000, atLeast(1)),

		// Fetch sessions
		i("max.incremental.fetch.session.cache.slots", 1000, atLeast(0)),

		// Metrics
		i("metrics.num.samples", 2, atLeast(1)),
		l("metrics.sample.window.ms", "30000", atLeast(1)),
		list("metric.reporters", ""),
		s("metrics.recording.level", "INFO"),
		list("kafka.metrics.reporters", ""),
		i("kafka.metrics.polling.interval.secs", 10, atLeast(1)),

		// Quotas
		l("quota.producer.default", maxInt64, atLeast(1)),
		l("quota.consumer.default", maxInt64, atLeast(1)),
		i("quota.window.num", 11, atLeast(1)),
		i("replication.quota.window.num", 11, atLeast(1)),
		i("alter.log.dirs.replication.quota.window.num", 11, atLeast(1)),
		i("quota.window.size.seconds", 1, atLeast(1)),
		i("replication.quota.window.size.seconds", 1, atLeast(1)),
		i("alter.log.dirs.replication.quota.window.size.seconds", 1, atLeast(1)),
		null("client.quota.callback.class", TypeClass),

		// General security
		l("connections.max.reauth.ms", "0"),
		null("security.providers", TypeString),

		// SSL
		null("principal.builder.class", TypeClass),
		s("ssl.protocol", "TLS"),
		null("ssl.provider", TypeString),
		list("ssl.enabled.protocols", "TLSv1.2,TLSv1.1,TLSv1"),
		s("ssl.keystore.type", "JKS"),
		null("ssl.keystore.location", TypeString),
		null("ssl.keystore.password", TypePassword),
		null("ssl.key.password", TypePassword),
		s("ssl.truststore.type", "JKS"),
		null("ssl.truststore.location", TypeString),
		null("ssl.truststore.password", TypePassword),
		s("ssl.keymanager.algorithm", "SunX509"), // KeyManagerFactory.getDefaultAlgorithm() on OpenJDK
		s("ssl.trustmanager.algorithm", "PKIX"),  // TrustManagerFactory.getDefaultAlgorithm() on OpenJDK
		s("ssl.endpoint.identification.algorithm", "https"),
		null("ssl.secure.random.implementation", TypeString),
		s("ssl.client.auth", "none", oneOf("required", "requested", "none")),
		list("ssl.cipher.suites", ""),
		s("ssl.principal.mapping.rules", "DEFAULT"),

		// SASL
		s("sasl.mechanism.inter.broker.protocol", "GSSAPI"),
		null("sasl.jaas.config", TypePassword),
		list("sasl.enabled.mechanisms", "GSSAPI"),
		null("sasl.server.callback.handler.class", TypeClass),
		null("sasl.client.callback.handler.class", TypeClass),
		null("sasl.login.class", TypeClass),
		null("sasl.login.callback.handler.class", TypeClass),
		null("sasl.kerberos.service.name", TypeString),
		s("sasl.kerberos.kinit.cmd", "/usr/bin/kinit"),
		d("sasl.kerberos.ticket.renew.window.factor", "0.8"),
		d("sasl.kerberos.ticket.renew.jitter", "0.05"),
		l("sasl.kerberos.min.time.before.relogin", "60000"),
		list("sasl.kerberos.principal.to.local.rules", "DEFAULT"),
		d("sasl.login.refresh.window.factor", "0.8"),
		d("sasl.login.refresh.window.jitter", "0.05"),
		sh("sasl.login.refresh.min.period.seconds", 60),
		sh("sasl.login.refresh.buffer.seconds", 300),

		// Delegation tokens
		null("delegation.token.master.key", TypePassword),
		l("delegation.token.max.lifetime.ms", "604800000", atLeast(1)),
		l("delegation.token.expiry.time.ms", "86400000", atLeast(1)),
		l("delegation.token.expiry.check.interval.ms", "3600000", atLeast(1)),

		// Password encryption for dynamic configs
		null("password.encoder.secret", TypePassword),
		null("password.encoder.old.secret", TypePassword),
		null("password.encoder.keyfactory.algorithm", TypeString),
		s("password.encoder.cipher.algorithm", "AES/CBC/PKCS5Padding"),
		i("password.encoder.key.length", 128, atLeast(8)),
		i("password.encoder.iterations", 4096, atLeast(1024)),
	}
}

func first(c []check) check {
	if len(c) == 0 {
		return nil
	}
	return c[0]
}

// BrokerKeyNames returns every broker configuration key Kafka 2.4 defines, in
// KafkaConfig's order.
func BrokerKeyNames() []string {
	keys := brokerKeys()
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return names
}

// BrokerKeyType returns the type of a broker key, and false for unknown keys.
func BrokerKeyType(name string) (Type, bool) {
	for _, k := range brokerKeys() {
		if k.name == name {
			return k.typ, true
		}
	}
	return 0, false
}

// BrokerSynonyms is DynamicBrokerConfig.brokerConfigSynonyms (without
// listener-prefixed names): the keys that can set the same value, highest
// precedence first. For most keys that is just the key itself.
func BrokerSynonyms(name string) []string {
	switch name {
	case "log.roll.ms", "log.roll.hours":
		return []string{"log.roll.ms", "log.roll.hours"}
	case "log.roll.jitter.ms", "log.roll.jitter.hours":
		return []string{"log.roll.jitter.ms", "log.roll.jitter.hours"}
	case "log.flush.interval.ms":
		return []string{"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}
	case "log.retention.ms", "log.retention.minutes", "log.retention.hours":
		return []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}
	}
	return []string{name}
}

// IsDynamicBrokerKey reports whether Kafka 2.4 can change a broker key at
// runtime (DynamicBrokerConfig.AllDynamicConfigs). DescribeConfigs shows every
// other key as read-only.
func IsDynamicBrokerKey(name string) bool {
	switch name {
	// Thread pools, metric reporters, socket server limits.
	case "num.io.threads", "num.network.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir",
		"background.threads", "metric.reporters",
		"max.connections.per.ip", "max.connections.per.ip.overrides", "max.connections":
		return true
	// Log cleaner.
	case "log.cleaner.threads", "log.cleaner.dedupe.buffer.size", "log.cleaner.io.buffer.load.factor",
		"log.cleaner.io.buffer.size", "message.max.bytes", "log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms":
		return true
	// Listeners and their security settings.
	case "advertised.listeners", "listeners", "listener.security.protocol.map",
		"principal.builder.class", "ssl.protocol", "ssl.provider", "ssl.cipher.suites", "ssl.enabled.protocols",
		"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
		"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
		"ssl.keymanager.algorithm", "ssl.trustmanager.algorithm", "ssl.endpoint.identification.algorithm",
		"ssl.secure.random.implementation", "ssl.client.auth",
		"sasl.mechanism.inter.broker.protocol", "sasl.jaas.config", "sasl.enabled.mechanisms",
		"sasl.kerberos.service.name", "sasl.kerberos.kinit.cmd", "sasl.kerberos.ticket.renew.window.factor",
		"sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.min.time.before.relogin",
		"sasl.kerberos.principal.to.local.rules", "sasl.login.refresh.window.factor",
		"sasl.login.refresh.window.jitter", "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.buffer.seconds":
		return true
	case "log.message.format.version":
		return false // excluded: every broker must support the version first
	}
	// The broker keys that give topics their defaults.
	for _, k := range topicKeys() {
		if k.synonym == name {
			return true
		}
	}
	return false
}
