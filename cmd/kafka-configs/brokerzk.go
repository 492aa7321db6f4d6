package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/logconfig"
	"github.com/samsa-broker/samsa/conf"
)

// Broker configs written through ZooKeeper (brokers down), as
// ConfigCommand.preProcessBrokerConfigs and DynamicBrokerConfig.validateConfigs.

const classConfigException = "org.apache.kafka.common.config.ConfigException"

var (
	// brokerSecurityConfigs is SslConfigs.RECONFIGURABLE_CONFIGS: dynamic
	// only with a listener prefix.
	brokerSecurityConfigs = []string{"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password",
		"ssl.key.password", "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password"}
	// brokerListenerConfigs is DynamicListenerConfig.ReconfigurableConfigs
	// without max.connections: with the security configs, the per-broker
	// configs (DynamicBrokerConfig.PerBrokerConfigs).
	brokerListenerConfigs = []string{"advertised.listeners", "listeners", "listener.security.protocol.map",
		"principal.builder.class", "ssl.protocol", "ssl.provider", "ssl.cipher.suites", "ssl.enabled.protocols",
		"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password",
		"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password", "ssl.keymanager.algorithm",
		"ssl.trustmanager.algorithm", "ssl.endpoint.identification.algorithm", "ssl.secure.random.implementation",
		"ssl.client.auth", "sasl.mechanism.inter.broker.protocol", "sasl.jaas.config", "sasl.enabled.mechanisms",
		"sasl.kerberos.service.name", "sasl.kerberos.kinit.cmd", "sasl.kerberos.ticket.renew.window.factor",
		"sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.min.time.before.relogin",
		"sasl.kerberos.principal.to.local.rules", "sasl.login.refresh.window.factor",
		"sasl.login.refresh.window.jitter", "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.buffer.seconds"}
)

// listenerBaseName is the config name of listener.name.<l>.<config>.
func listenerBaseName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "listener.name.")
	if !ok {
		return "", false
	}
	_, base, ok := strings.Cut(rest, ".")
	return base, ok
}

// preProcessBrokerConfigs is ConfigCommand.preProcessBrokerConfigs: the
// password encoder options are removed from add, the rest validated.
func preProcessBrokerConfigs(add map[string]string, perBroker bool) error {
	for k := range add {
		if strings.HasPrefix(k, "password.encoder.") {
			delete(add, k)
		}
	}
	if err := validateBrokerConfigs(add, perBroker); err != nil {
		return err
	}
	var passwords []string
	for _, k := range sortedKeys(add) {
		if isPasswordConfig(k) {
			passwords = append(passwords, k)
		}
	}
	if len(passwords) > 0 {
		// Kafka would encrypt them with password.encoder.secret.
		return &javaErr{class: "java.lang.UnsupportedOperationException",
			msg: fmt.Sprintf("Encrypting the password configs %s is not supported by this tool; set them with --bootstrap-server", scalaSet(passwords))}
	}
	return nil
}

// validateBrokerConfigs is DynamicBrokerConfig.validateConfigs.
func validateBrokerConfigs(props map[string]string, perBroker bool) error {
	keys := sortedKeys(props)
	known := map[string]bool{}
	for _, n := range conf.BrokerKeyNames() {
		known[n] = true
	}
	var nonDynamic, security, brokerOnly []string
	for _, k := range keys {
		if known[k] && !conf.IsDynamicBrokerKey(k) {
			nonDynamic = append(nonDynamic, k)
		}
		if slices.Contains(brokerSecurityConfigs, k) {
			security = append(security, k)
		}
		if base, ok := listenerBaseName(k); (ok && base != "max.connections") || slices.Contains(brokerListenerConfigs, k) {
			brokerOnly = append(brokerOnly, k)
		}
	}
	if len(nonDynamic) > 0 {
		return &javaErr{class: classConfigException, msg: "Cannot update these configs dynamically: " + scalaSet(nonDynamic)}
	}
	if len(security) > 0 {
		return &javaErr{class: classConfigException, msg: "These security configs can be dynamically updated only per-listener using the listener prefix: HashSet(" + strings.Join(security, ", ") + ")"}
	}
	if err := validateBrokerConfigTypes(props); err != nil {
		return err
	}
	if !perBroker && len(brokerOnly) > 0 {
		return &javaErr{class: classConfigException, msg: "Cannot update these configs at default cluster level, broker id must be specified: " + scalaSet(brokerOnly)}
	}
	return nil
}

// validateBrokerConfigTypes is DynamicConfig.Broker.validate: the quota
// keys and the dynamic KafkaConfig keys (listener-prefixed ones by their
// base name) must parse as their type; other keys are custom configs.
func validateBrokerConfigTypes(props map[string]string) error {
	for _, k := range sortedKeys(props) {
		base := k
		if b, ok := listenerBaseName(k); ok {
			base = b
		}
		v := strings.TrimSpace(props[k])
		typ, ok := conf.BrokerKeyType(base)
		switch {
		case slices.Contains(brokerQuotaConfigs, base):
			typ = conf.TypeLong
		case !ok || !conf.IsDynamicBrokerKey(base):
			continue
		}
		var err error
		switch typ {
		case conf.TypeInt:
			_, err = strconv.ParseInt(v, 10, 32)
		case conf.TypeShort:
			_, err = strconv.ParseInt(v, 10, 16)
		case conf.TypeLong:
			_, err = strconv.ParseInt(v, 10, 64)
		case conf.TypeDouble:
			_, err = strconv.ParseFloat(v, 64)
		case conf.TypeBool:
			if l := strings.ToLower(v); l != "true" && l != "false" {
				return logconfig.ConfigException(newJavaErr, base, props[k], "Expected value to be either true or false")
			}
		}
		if err != nil {
			return logconfig.ConfigException(newJavaErr, base, props[k], "Not a number of type "+strings.ToUpper(typ.String()))
		}
	}
	return nil
}

// isPasswordConfig is DynamicBrokerConfig.isPasswordConfig.
func isPasswordConfig(name string) bool {
	for _, n := range []string{"ssl.keystore.password", "ssl.key.password", "ssl.truststore.password", "sasl.jaas.config"} {
		if strings.HasSuffix(name, n) {
			return true
		}
	}
	return false
}

// scalaSet prints names as Scala prints a small Set.
func scalaSet(names []string) string { return "Set(" + strings.Join(names, ", ") + ")" }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
