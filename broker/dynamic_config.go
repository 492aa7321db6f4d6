package broker

// Dynamic broker configs, as Kafka 2.4's DynamicBrokerConfig: per-broker
// values in /config/brokers/<id> and cluster-wide defaults in
// /config/brokers/<default>, written by AlterConfigs (or by kafka-configs
// --zookeeper before the brokers start) and announced by config change
// notifications. Precedence, highest first: DYNAMIC_BROKER_CONFIG,
// DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG (server.properties),
// DEFAULT_CONFIG.
//
// ZooKeeper is the one copy: handlers read both znodes when they need them
// (DescribeConfigs and AlterConfigs are rare), and the config change
// listener reads them when notified and applies the log defaults
// (DynamicLogConfig) to every hosted partition.

import (
	"context"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"
)

const (
	// configTypeBrokers is ConfigType.Broker.
	configTypeBrokers = "brokers"
	// defaultConfigEntity is ConfigEntityName.Default. Never change.
	defaultConfigEntity = "<default>"
)

// brokerConfigZK is the part of *coordinator.ZK that reads and writes
// entity configs (AdminZkClient.fetchEntityConfig, changeEntityConfig);
// Deps.Admin provides it in production.
type brokerConfigZK interface {
	EntityConfig(ctx context.Context, entityType, name string) (map[string]string, error)
	WriteEntityConfig(ctx context.Context, entityType, name string, cfg map[string]string) error
}

// dynamicConfigs are the dynamic broker configs in effect for this broker,
// after fromPersistentProps dropped what Kafka ignores.
type dynamicConfigs struct {
	broker  map[string]string // /config/brokers/<id>
	cluster map[string]string // /config/brokers/<default>
}

func (d dynamicConfigs) empty() bool { return len(d.broker) == 0 && len(d.cluster) == 0 }

// value is the dynamic value of name, per broker first.
func (d dynamicConfigs) value(name string) (string, ConfigSource, bool) {
	if v, ok := d.broker[name]; ok {
		return v, SourceDynamicBrokerConfig, true
	}
	if v, ok := d.cluster[name]; ok {
		return v, SourceDynamicDefaultBrokerConfig, true
	}
	return "", 0, false
}

// staticConfig is what server.properties and KafkaConfig's defaults say,
// from Config.Describe.
type staticConfig struct {
	entries []ConfigEntry
	byName  map[string]ConfigEntry
}

func (s *Server) staticConfig() staticConfig {
	st := staticConfig{byName: map[string]ConfigEntry{}}
	if s.cfg.Describe != nil {
		st.entries = s.cfg.Describe()
	}
	for _, e := range st.entries {
		st.byName[e.Name] = e
	}
	return st
}

// isKafkaKey reports whether name is a KafkaConfig key.
func (st staticConfig) isKafkaKey(name string) bool {
	_, ok := st.byName[name]
	return ok
}

// supplied is staticBrokerConfigs: the value server.properties gave name.
func (st staticConfig) supplied(name string) (*string, bool) {
	e, ok := st.byName[name]
	if !ok || e.Source != SourceStaticBrokerConfig {
		return nil, false
	}
	return e.Value, true
}

// defaultValue is staticDefaultConfigs: KafkaConfig's default of name, when
// it has one. Config.Describe gives it as the value of an unsupplied key or
// as a DEFAULT_CONFIG synonym.
func (st staticConfig) defaultValue(name string) (*string, bool) {
	e, ok := st.byName[name]
	if !ok {
		return nil, false
	}
	if e.Source == SourceDefaultConfig && e.Value != nil {
		return e.Value, true
	}
	for _, syn := range e.Synonyms {
		if syn.Source == SourceDefaultConfig && syn.Name == name && syn.Value != nil {
			return syn.Value, true
		}
	}
	return nil, false
}

// brokerConfigZK returns the ZooKeeper client of entity configs, or false
// when Deps.Admin cannot read them (test fakes).
func (s *Server) brokerConfigZK() (brokerConfigZK, bool) {
	z, ok := s.deps.Admin.(brokerConfigZK)
	return z, ok
}

// loadDynamicConfigs is DynamicBrokerConfig.initialize and
// updateBrokerConfig/updateDefaultConfig: both znodes, filtered.
func (s *Server) loadDynamicConfigs(ctx context.Context, st staticConfig) (dynamicConfigs, error) {
	d := dynamicConfigs{broker: map[string]string{}, cluster: map[string]string{}}
	z, ok := s.brokerConfigZK()
	if !ok {
		return d, nil
	}
	cluster, err := z.EntityConfig(ctx, configTypeBrokers, defaultConfigEntity)
	if err != nil {
		return d, fmt.Errorf("broker: reading the default broker configs: %w", err)
	}
	broker, err := z.EntityConfig(ctx, configTypeBrokers, fmt.Sprint(s.cfg.BrokerID))
	if err != nil {
		return d, fmt.Errorf("broker: reading the configs of broker %d: %w", s.cfg.BrokerID, err)
	}
	d.cluster = fromPersistentProps(cluster, false, st, s.log)
	d.broker = fromPersistentProps(broker, true, st, s.log)
	return d, nil
}

// fromPersistentProps is DynamicBrokerConfig.fromPersistentProps: values
// that do not parse, non-dynamic keys, security keys without a listener
// prefix and, at the cluster level, per-broker keys are dropped with an
// error logged. Passwords are dropped too: Samsa has no password encoder,
// so it cannot decode them.
func fromPersistentProps(props map[string]string, perBroker bool, st staticConfig, log *logrus.Entry) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		out[k] = v
	}
	keys := dynamicKeys()
	var invalid []string
	for _, k := range sortedNames(out) {
		if err := validateDynamicTypes(map[string]string{k: out[k]}, keys); err != nil {
			invalid = append(invalid, k+"="+out[k])
			delete(out, k)
		}
	}
	source := "default cluster"
	if perBroker {
		source = "broker"
	}
	if len(invalid) > 0 && log != nil {
		log.Errorf("Dynamic %s config contains invalid values: Map(%s), these configs will be ignored", source, strings.Join(invalid, ", "))
	}
	drop := func(names []string, msg string) {
		if len(names) == 0 {
			return
		}
		for _, n := range names {
			delete(out, n)
		}
		if log != nil {
			log.Errorf("%s: %s", msg, scalaSet(names))
		}
	}
	drop(nonDynamicNames(out, st, keys), "Non-dynamic configs configured in ZooKeeper will be ignored")
	drop(securityNamesWithoutPrefix(out, keys), "Security configs can be dynamically updated only using listener prefix, base configs will be ignored")
	if !perBroker {
		drop(perBrokerNames(out, keys), "Per-broker configs defined at default cluster level will be ignored")
	}
	for _, k := range sortedNames(out) {
		if isDynamicPasswordKey(k) {
			delete(out, k)
			if log != nil {
				log.Errorf("Dynamic password config %s could not be decoded, ignoring.", k)
			}
		}
	}
	return out
}

// nonDynamicNames are the KafkaConfig keys of props that are not dynamic.
func nonDynamicNames(props map[string]string, st staticConfig, keys map[string]dynKey) []string {
	var out []string
	for _, k := range sortedNames(props) {
		if _, dyn := keys[k]; !dyn && st.isKafkaKey(k) {
			out = append(out, k)
		}
	}
	return out
}

func securityNamesWithoutPrefix(props map[string]string, keys map[string]dynKey) []string {
	var out []string
	for _, k := range sortedNames(props) {
		if keys[k].security {
			out = append(out, k)
		}
	}
	return out
}

// perBrokerNames is DynamicBrokerConfig.perBrokerConfigs.
func perBrokerNames(props map[string]string, keys map[string]dynKey) []string {
	var out []string
	for _, k := range sortedNames(props) {
		if keys[k].perBroker && k != "max.connections" {
			out = append(out, k)
			continue
		}
		if m := listenerConfigRegex.FindStringSubmatch(k); m != nil && m[1] != "max.connections" {
			out = append(out, k)
		}
	}
	return out
}

// validateDynamicTypes is DynamicConfig.Broker.validate: known dynamic keys
// (listener-prefixed ones by their base name) must parse; other keys are
// custom configs, which Kafka allows.
func validateDynamicTypes(props map[string]string, keys map[string]dynKey) error {
	for _, k := range sortedNames(props) {
		base := k
		if m := listenerConfigRegex.FindStringSubmatch(k); m != nil {
			base = m[1]
		}
		if d, ok := keys[base]; ok {
			if _, err := d.parse(base, props[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// overrideProps is DynamicBrokerConfig.overrideProps: each override
// replaces the key and removes its synonyms, so that the most specific
// level wins even over a synonym of higher precedence.
func overrideProps(props, overrides map[string]string) {
	for _, k := range sortedNames(overrides) {
		for _, syn := range brokerConfigSynonyms(k, false) {
			delete(props, syn)
		}
		props[k] = overrides[k]
	}
}

// staticProps are staticBrokerConfigs as a map.
func (st staticConfig) props() map[string]string {
	out := map[string]string{}
	for _, e := range st.entries {
		if e.Source == SourceStaticBrokerConfig && e.Value != nil {
			out[e.Name] = *e.Value
		}
	}
	return out
}

// topicDefaults are the broker defaults of every topic key with the
// dynamic configs applied (DynamicLogConfig.reconfigure): the static
// defaults, then each dynamic value of a topic key's broker synonym.
// Values that the topic key would refuse are logged and skipped.
func (s *Server) topicDefaults(d dynamicConfigs) topicSettings {
	settings := s.cfg.defaultTopicSettings()
	if d.empty() {
		return settings
	}
	for _, k := range topicKeys() {
		if k.brokerName == "log.message.format.version" || !isDynamicBrokerKey(k.brokerName) {
			continue
		}
		v, _, ok := d.value(k.brokerName)
		if !ok {
			continue
		}
		if err := k.set(&settings, v); err != nil {
			s.log.Warnf("Ignoring dynamic broker config %s=%s: %v", k.brokerName, v, err)
		}
	}
	return settings
}

// currentTopicDefaults are the broker defaults of topic configs in effect:
// the static ones with the dynamic broker configs the listener last loaded.
// New logs are created with them, without a ZooKeeper read.
func (s *Server) currentTopicDefaults() topicSettings {
	if d := s.dynTopicDefaults.Load(); d != nil {
		return *d
	}
	return s.cfg.defaultTopicSettings()
}

// topicSettingsOver merges a topic's overrides over base, skipping (and
// logging) overrides that do not parse, as topicSettings does.
func (s *Server) topicSettingsOver(ctx context.Context, base topicSettings, topic string) topicSettings {
	overrides, err := s.deps.Admin.TopicConfig(ctx, topic)
	if err != nil {
		s.log.Warnf("Reading the config of topic %s failed, using broker defaults: %v", topic, err)
		return base
	}
	for _, k := range sortedNames(overrides) {
		merged, err := applyTopicConfig(base, map[string]string{k: overrides[k]})
		if err != nil {
			s.log.Warnf("Ignoring config %s=%s of topic %s: %v", k, overrides[k], topic, err)
			continue
		}
		base = merged
	}
	return base
}
