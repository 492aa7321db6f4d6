package broker

// The dynamic broker config keys of Kafka 2.4.1 (DynamicBrokerConfig.
// AllDynamicConfigs plus DynamicConfig.Broker's replication quotas), with
// the ConfigDef type and validator each is parsed with, so that
// AlterConfigs refuses what Kafka refuses with Kafka's messages.

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// dynType is a ConfigDef.Type, as far as dynamic keys use them.
type dynType int

const (
	dynString dynType = iota
	dynInt
	dynLong
	dynDouble
	dynBool
	dynList
	dynPassword
	dynClass
	dynShort
)

func (t dynType) String() string {
	return [...]string{"STRING", "INT", "LONG", "DOUBLE", "BOOLEAN", "LIST", "PASSWORD", "CLASS", "SHORT"}[t]
}

// dynKey is one dynamic broker key.
type dynKey struct {
	typ dynType
	// min is ConfigDef.Range.atLeast, for numbers; NaN = none.
	min float64
	// oneOf is ValidString.in or, for lists, ValidList.in.
	oneOf []string
	// perBroker keys may not be set at the cluster-default level
	// (DynamicBrokerConfig.PerBrokerConfigs).
	perBroker bool
	// security keys may only be set with a listener prefix
	// (DynamicBrokerConfig.DynamicSecurityConfigs).
	security bool
}

// Groups of DynamicBrokerConfig.AllDynamicConfigs, by the component that
// reconfigures them in Kafka.

// dynamicSecurityKeys is SslConfigs.RECONFIGURABLE_CONFIGS.
func dynamicSecurityKeys() []string {
	return []string{"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password",
		"ssl.key.password", "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password"}
}

// dynamicThreadKeys is DynamicThreadPool.ReconfigurableConfigs.
func dynamicThreadKeys() []string {
	return []string{"num.io.threads", "num.network.threads", "num.replica.fetchers",
		"num.recovery.threads.per.data.dir", "background.threads"}
}

// dynamicCleanerKeys is LogCleaner.ReconfigurableConfigs.
func dynamicCleanerKeys() []string {
	return []string{"log.cleaner.threads", "log.cleaner.dedupe.buffer.size",
		"log.cleaner.io.buffer.load.factor", "log.cleaner.io.buffer.size", "message.max.bytes",
		"log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms"}
}

// dynamicQuotaKeys are DynamicConfig.Broker's own keys, which are no
// KafkaConfig keys and so never appear in DescribeConfigs.
func dynamicQuotaKeys() []string {
	return []string{"leader.replication.throttled.rate", "follower.replication.throttled.rate",
		"replica.alter.log.dirs.io.max.bytes.per.second"}
}

// listenerConfigRegex is DynamicBrokerConfig.ListenerConfigRegex.
var listenerConfigRegex = regexp.MustCompile(`^listener\.name\.[^.]*\.(.*)$`)

// dynamicKeys returns every dynamic broker key with its definition.
func dynamicKeys() map[string]dynKey {
	none := math.NaN()
	k := map[string]dynKey{}
	def := func(t dynType, min float64, names ...string) {
		for _, n := range names {
			k[n] = dynKey{typ: t, min: min}
		}
	}
	// DynamicLogConfig: the broker synonyms of the topic keys
	// (LogConfig.TopicConfigSynonyms) but log.message.format.version.
	def(dynInt, 14, "log.segment.bytes")
	def(dynLong, none, "log.roll.ms", "log.roll.jitter.ms", "log.flush.interval.ms", "log.retention.bytes",
		"log.retention.ms", "log.cleaner.delete.retention.ms", "log.cleaner.min.compaction.lag.ms",
		"log.cleaner.max.compaction.lag.ms", "log.message.timestamp.difference.max.ms")
	def(dynInt, 4, "log.index.size.max.bytes")
	def(dynLong, 1, "log.flush.interval.messages")
	def(dynInt, 0, "message.max.bytes", "log.index.interval.bytes")
	def(dynLong, 0, "log.segment.delete.delay.ms")
	def(dynDouble, none, "log.cleaner.min.cleanable.ratio")
	k["log.cleanup.policy"] = dynKey{typ: dynList, min: none, oneOf: []string{"compact", "delete"}}
	def(dynBool, none, "unclean.leader.election.enable", "log.preallocate", "log.message.downconversion.enable")
	def(dynInt, 1, "min.insync.replicas")
	def(dynString, none, "compression.type")
	k["log.message.timestamp.type"] = dynKey{typ: dynString, min: none, oneOf: []string{"CreateTime", "LogAppendTime"}}

	// LogCleaner.
	def(dynInt, 0, "log.cleaner.threads", "log.cleaner.io.buffer.size")
	def(dynLong, none, "log.cleaner.dedupe.buffer.size")
	def(dynDouble, none, "log.cleaner.io.buffer.load.factor", "log.cleaner.io.max.bytes.per.second")
	def(dynLong, 0, "log.cleaner.backoff.ms")

	// DynamicThreadPool.
	def(dynInt, 1, "num.io.threads", "num.network.threads", "num.recovery.threads.per.data.dir", "background.threads")
	def(dynInt, none, "num.replica.fetchers")

	// DynamicMetricsReporters.
	def(dynList, none, "metric.reporters")

	// SocketServer.
	def(dynInt, 0, "max.connections.per.ip", "max.connections")
	def(dynString, none, "max.connections.per.ip.overrides")

	// DynamicConfig.Broker's replication quotas.
	def(dynLong, 0, dynamicQuotaKeys()...)

	// DynamicListenerConfig: per broker (max.connections aside).
	perBroker := func(t dynType, names ...string) {
		for _, n := range names {
			k[n] = dynKey{typ: t, min: none, perBroker: true}
		}
	}
	perBroker(dynString, "advertised.listeners", "listeners", "listener.security.protocol.map",
		"ssl.protocol", "ssl.provider", "ssl.keystore.type", "ssl.keystore.location", "ssl.truststore.type",
		"ssl.truststore.location", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm",
		"ssl.endpoint.identification.algorithm", "ssl.secure.random.implementation",
		"sasl.mechanism.inter.broker.protocol", "sasl.kerberos.service.name", "sasl.kerberos.kinit.cmd")
	perBroker(dynClass, "principal.builder.class")
	perBroker(dynList, "ssl.cipher.suites", "ssl.enabled.protocols", "sasl.enabled.mechanisms",
		"sasl.kerberos.principal.to.local.rules")
	perBroker(dynPassword, "ssl.keystore.password", "ssl.key.password", "ssl.truststore.password", "sasl.jaas.config")
	perBroker(dynDouble, "sasl.kerberos.ticket.renew.window.factor", "sasl.kerberos.ticket.renew.jitter",
		"sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter")
	perBroker(dynLong, "sasl.kerberos.min.time.before.relogin")
	perBroker(dynShort, "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.buffer.seconds")
	k["ssl.client.auth"] = dynKey{typ: dynString, min: none, perBroker: true, oneOf: []string{"required", "requested", "none"}}
	for _, n := range dynamicSecurityKeys() {
		d := k[n]
		d.security = true
		k[n] = d
	}
	return k
}

// isDynamicBrokerKey is DynamicBrokerConfig.AllDynamicConfigs.contains:
// what DescribeConfigs reports as not read-only.
func isDynamicBrokerKey(name string) bool {
	if contains(dynamicQuotaKeys(), name) {
		return false
	}
	_, ok := dynamicKeys()[name]
	return ok
}

// isDynamicPasswordKey is DynamicBrokerConfig.isPasswordConfig.
func isDynamicPasswordKey(name string) bool {
	for n, k := range dynamicKeys() {
		if k.typ == dynPassword && strings.HasSuffix(name, n) {
			return true
		}
	}
	return false
}

// brokerConfigSynonyms is DynamicBrokerConfig.brokerConfigSynonyms: the
// keys that set the same value, highest precedence first.
func brokerConfigSynonyms(name string, matchListenerOverride bool) []string {
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
	if m := listenerConfigRegex.FindStringSubmatch(name); m != nil && matchListenerOverride {
		base := m[1]
		if strings.HasSuffix(base, "sasl.jaas.config") {
			base = "sasl.jaas.config"
		}
		return []string{name, base}
	}
	return []string{name}
}

// configException is Kafka's ConfigException(name, value, message).
func configException(name, value, msg string) error {
	return fmt.Errorf("Invalid value %s for configuration %s: %s", value, name, msg)
}

// parseDynamic is ConfigDef.parseType plus the key's validator; it returns
// the value as ConfigDef.convertToString prints the parsed value.
func (k dynKey) parse(name, value string) (string, error) {
	v := strings.TrimSpace(value)
	checkMin := func(f float64, shown string) (string, error) {
		if !math.IsNaN(k.min) && f < k.min {
			return "", configException(name, shown, fmt.Sprintf("Value must be at least %s", strconv.FormatFloat(k.min, 'f', -1, 64)))
		}
		return shown, nil
	}
	switch k.typ {
	case dynInt, dynShort, dynLong:
		bits := map[dynType]int{dynInt: 32, dynShort: 16, dynLong: 64}[k.typ]
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			return "", configException(name, value, "Not a number of type "+k.typ.String())
		}
		return checkMin(float64(n), strconv.FormatInt(n, 10))
	case dynDouble:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) {
			return "", configException(name, value, "Not a number of type DOUBLE")
		}
		return checkMin(f, javaDoubleString(f))
	case dynBool:
		switch strings.ToLower(v) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return "", configException(name, value, "Expected value to be either true or false")
	case dynList:
		var items []string
		if v != "" {
			for _, it := range strings.Split(v, ",") {
				items = append(items, strings.TrimSpace(it))
			}
		}
		if k.oneOf != nil {
			for _, it := range items {
				if !contains(k.oneOf, it) {
					return "", configException(name, it, "String must be one of: "+strings.Join(k.oneOf, ", "))
				}
			}
		}
		return strings.Join(items, ","), nil
	}
	if k.oneOf != nil && !contains(k.oneOf, v) {
		return "", configException(name, v, "String must be one of: "+strings.Join(k.oneOf, ", "))
	}
	return v, nil
}

// javaDoubleString is Double.toString for the values configs hold.
func javaDoubleString(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e7 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// scalaSet prints names as Scala prints a small Set: "Set(a, b)".
func scalaSet(names []string) string {
	return "Set(" + strings.Join(names, ", ") + ")"
}

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
