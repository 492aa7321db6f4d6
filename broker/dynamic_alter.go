package broker

// AlterConfigs and IncrementalAlterConfigs of a BROKER resource, as
// AdminManager.alterBrokerConfigs: the resource name is this broker's id
// (per-broker configs) or empty (cluster-wide defaults); the new config set
// is validated as DynamicBrokerConfig.validate does and, unless
// validate_only, written to /config/brokers/<id> or /config/brokers/<default>
// with a config change notification, which every broker applies
// (config_changes.go). Errors that Kafka raises as ConfigException or
// IllegalArgumentException come back as INVALID_REQUEST "Invalid config
// value for resource ConfigResource(type=BROKER, name='1'): ...".

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// configError is a ConfigException or IllegalArgumentException of Kafka's:
// the caller names the resource in front of it.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// requirement is Scala's require failing.
func requirement(msg string) error { return &configError{msg: "requirement failed: " + msg} }

// brokerIDOf is AdminManager.getBrokerId: "" for the cluster default, else
// this broker's id.
func (s *Server) brokerIDOf(name string) (perBroker bool, err error) {
	if name == "" {
		return false, nil
	}
	id, perr := strconv.ParseInt(name, 10, 32)
	if perr != nil {
		return false, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Broker id must be an integer, but it is: %s", name))
	}
	if int32(id) != s.cfg.BrokerID {
		return false, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Unexpected broker id, expected %d, but received %s", s.cfg.BrokerID, name))
	}
	return true, nil
}

// alterBrokerConfig is AdminManager.alterBrokerConfigs; next computes the
// new config set from the current one (as stored, filtered as Kafka's
// fromPersistentProps filters it).
func (s *Server) alterBrokerConfig(ctx context.Context, name string, validateOnly bool,
	next func(current map[string]string, st staticConfig) (map[string]string, error)) error {
	err := s.alterBrokerConfigUnwrapped(ctx, name, validateOnly, next)
	var ce *configError
	if errors.As(err, &ce) {
		msg := fmt.Sprintf("Invalid config value for resource ConfigResource(type=BROKER, name='%s'): %s", name, ce.msg)
		s.apiLog.Info(msg)
		return newAPIError(kerr.InvalidRequest, msg)
	}
	return err
}

func (s *Server) alterBrokerConfigUnwrapped(ctx context.Context, name string, validateOnly bool,
	next func(current map[string]string, st staticConfig) (map[string]string, error)) error {
	perBroker, err := s.brokerIDOf(name)
	if err != nil {
		return err
	}
	z, ok := s.brokerConfigZK()
	if !ok {
		return newAPIError(kerr.UnknownServerError, "broker: the admin client cannot write broker configs")
	}
	st := s.staticConfig()
	cur, err := s.loadDynamicConfigs(ctx, st)
	if err != nil {
		return err
	}
	entity := defaultConfigEntity
	current := cur.cluster
	if perBroker {
		entity, current = name, cur.broker
	}
	props, err := next(current, st)
	if err != nil {
		return err
	}
	if err := s.validateDynamicUpdate(props, perBroker, st, cur); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	// toPersistentProps: passwords are stored encoded with
	// password.encoder.secret, which Samsa does not implement.
	for _, k := range sortedNames(props) {
		if isDynamicPasswordKey(k) {
			if !perBroker {
				return configErrorf("Password config can be defined only at broker level")
			}
			return configErrorf("Password encoder secret not configured")
		}
	}
	s.apiLog.Infof("Updating %s with new configuration %s", brokerEntityName(entity), formatProps(props))
	return z.WriteEntityConfig(ctx, configTypeBrokers, entity, props)
}

func brokerEntityName(entity string) string {
	if entity == defaultConfigEntity {
		return "the default config of brokers"
	}
	return "broker " + entity
}

// formatProps prints a config set as {k=v, ...}, passwords hidden.
func formatProps(props map[string]string) string {
	var parts []string
	for _, k := range sortedNames(props) {
		v := props[k]
		if isDynamicPasswordKey(k) {
			v = "[hidden]"
		}
		parts = append(parts, k+"="+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// validateDynamicUpdate is DynamicBrokerConfig.validate: props would become
// the per-broker (perBroker) or cluster-default config set.
func (s *Server) validateDynamicUpdate(props map[string]string, perBroker bool, st staticConfig, cur dynamicConfigs) error {
	keys := dynamicKeys()
	if names := nonDynamicNames(props, st, keys); len(names) > 0 {
		return configErrorf("Cannot update these configs dynamically: %s", scalaSet(names))
	}
	if names := securityNamesWithoutPrefix(props, keys); len(names) > 0 {
		// A filter of a Java set wrapper: Scala prints a mutable HashSet.
		return configErrorf("These security configs can be dynamically updated only per-listener using the listener prefix: HashSet(%s)", strings.Join(names, ", "))
	}
	if err := validateDynamicTypes(props, keys); err != nil {
		return &configError{msg: err.Error()}
	}
	if !perBroker {
		if names := perBrokerNames(props, keys); len(names) > 0 {
			return configErrorf("Cannot update these configs at default cluster level, broker id must be specified: %s", scalaSet(names))
		}
	}
	newProps, oldProps := st.props(), st.props()
	overrideProps(oldProps, cur.cluster)
	overrideProps(oldProps, cur.broker)
	if perBroker {
		overrideProps(newProps, cur.cluster)
		overrideProps(newProps, props)
	} else {
		overrideProps(newProps, props)
		overrideProps(newProps, cur.broker)
	}
	if err := checkKafkaConfig(newProps, st); err != nil {
		return err
	}
	return checkReconfiguration(oldProps, newProps, st)
}

// effective returns a key's value from props, else its default.
func effective(props map[string]string, st staticConfig, name string) (string, bool) {
	if v, ok := props[name]; ok {
		return strings.TrimSpace(v), true
	}
	if v, ok := st.defaultValue(name); ok {
		return *v, true
	}
	return "", false
}

func effectiveInt(props map[string]string, st staticConfig, name string, def int64) int64 {
	if v, ok := effective(props, st, name); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// checkKafkaConfig is the part of KafkaConfig.validateValues that dynamic
// keys can break.
func checkKafkaConfig(props map[string]string, st staticConfig) error {
	const hour = int64(3600000)
	msOr := func(ms, other string, unit, def int64) int64 {
		if v, ok := props[ms]; ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n
			}
		}
		return unit * effectiveInt(props, st, other, def)
	}
	if msOr("log.roll.ms", "log.roll.hours", hour, 168) < 1 {
		return requirement("log.roll.ms must be equal or greater than 1")
	}
	if msOr("log.roll.jitter.ms", "log.roll.jitter.hours", hour, 0) < 0 {
		return requirement("log.roll.jitter.ms must be equal or greater than 0")
	}
	retention := msOr("log.retention.ms", "log.retention.hours", hour, 168)
	if _, ok := props["log.retention.ms"]; !ok {
		if m, ok := props["log.retention.minutes"]; ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(m), 10, 64); err == nil {
				retention = n * 60000
			}
		}
	}
	if retention < 1 && retention != -1 {
		return requirement("log.retention.ms must be unlimited (-1) or, equal or greater than 1")
	}
	threads := effectiveInt(props, st, "log.cleaner.threads", 1)
	if threads > 0 && effectiveInt(props, st, "log.cleaner.dedupe.buffer.size", 134217728)/threads <= 1024*1024 {
		return requirement("log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.")
	}
	if v, ok := effective(props, st, "compression.type"); ok {
		valid := []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}
		if !contains(valid, strings.ToLower(v)) {
			return requirement(fmt.Sprintf("compression.type : %s is not valid. Valid options are %s", v, strings.Join(valid, ",")))
		}
	}
	return nil
}

// checkReconfiguration is the validateReconfiguration of the components
// whose keys change (DynamicThreadPool, LogCleaner). Kafka wraps their
// refusal in ConfigException("Invalid dynamic configuration", cause), whose
// two-argument constructor makes the message "Invalid value <cause> for
// configuration Invalid dynamic configuration".
func checkReconfiguration(oldProps, newProps map[string]string, st staticConfig) error {
	invalid := func(cause string) error {
		return configErrorf("Invalid value org.apache.kafka.common.config.ConfigException: %s for configuration Invalid dynamic configuration", cause)
	}
	for _, k := range dynamicThreadKeys() {
		oldV, newV := effectiveInt(oldProps, st, k, 1), effectiveInt(newProps, st, k, 1)
		if newV == oldV {
			continue
		}
		failed := fmt.Sprintf("Dynamic thread count update validation failed for %s=%d", k, newV)
		switch {
		case newV <= 0:
			return invalid(failed + ", value should be at least 1")
		case newV < oldV/2:
			return invalid(fmt.Sprintf("%s, value should be at least half the current value %d", failed, oldV))
		case newV > oldV*2:
			return invalid(fmt.Sprintf("%s, value should not be greater than double the current value %d", failed, oldV))
		}
	}
	oldV, newV := effectiveInt(oldProps, st, "log.cleaner.threads", 1), effectiveInt(newProps, st, "log.cleaner.threads", 1)
	if changedCleanerKeys(oldProps, newProps) {
		switch {
		case newV < 1:
			return invalid("Log cleaner threads should be at least 1")
		case newV < oldV/2:
			return invalid(fmt.Sprintf("Log cleaner threads cannot be reduced to less than half the current value %d", oldV))
		case newV > oldV*2:
			return invalid(fmt.Sprintf("Log cleaner threads cannot be increased to more than double the current value %d", oldV))
		}
	}
	return nil
}

// changedCleanerKeys reports whether an update touches LogCleaner's keys,
// which makes Kafka validate the cleaner's whole new config.
func changedCleanerKeys(oldProps, newProps map[string]string) bool {
	for _, k := range dynamicCleanerKeys() {
		if oldProps[k] != newProps[k] {
			return true
		}
	}
	return false
}

// applyBrokerConfigOps is AdminManager.prepareIncrementalConfigs over a copy
// of current, for a broker resource (KafkaConfig's key types).
func applyBrokerConfigOps(current map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig, st staticConfig) (map[string]string, error) {
	out := make(map[string]string, len(current))
	for k, v := range current {
		out[k] = v
	}
	keys := dynamicKeys()
	isList := func(name string) (bool, error) {
		if d, ok := keys[name]; ok {
			return d.typ == dynList, nil
		}
		if st.isKafkaKey(name) {
			return false, nil
		}
		// configKeys(name) on a Scala Map: NoSuchElementException.
		return false, newAPIError(kerr.UnknownServerError, "key not found: "+name)
	}
	for _, op := range ops {
		if op.Value == nil && op.Op != kmsg.IncrementalAlterConfigOpDelete {
			// Properties.setProperty(name, null): a NullPointerException.
			return nil, newAPIError(kerr.UnknownServerError, "")
		}
		switch op.Op {
		case kmsg.IncrementalAlterConfigOpSet:
			out[op.Name] = *op.Value
		case kmsg.IncrementalAlterConfigOpDelete:
			delete(out, op.Name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			verb := "append"
			if op.Op == kmsg.IncrementalAlterConfigOpSubtract {
				verb = "subtract"
			}
			list, err := isList(op.Name)
			if err != nil {
				return nil, err
			}
			if !list {
				return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Config value %s is not allowed for config key: %s", verb, op.Name))
			}
			old, ok := out[op.Name]
			if !ok {
				// getProperty(name).split(","): a NullPointerException,
				// with the message Java 14 and later give it.
				return nil, newAPIError(kerr.UnknownServerError,
					`Cannot invoke "String.split(String)" because the return value of "java.util.Properties.getProperty(String)" is null`)
			}
			oldList := strings.Split(old, ",")
			items := strings.Split(*op.Value, ",")
			var next []string
			if op.Op == kmsg.IncrementalAlterConfigOpAppend {
				next = append(oldList, items...)
			} else {
				next = subtractList(oldList, items)
			}
			out[op.Name] = strings.Join(next, ",")
		default:
			return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Unknown config operation %d for config key: %s", op.Op, op.Name))
		}
	}
	return out, nil
}

// subtractList is Scala's List.diff: each item removes one occurrence.
func subtractList(from, items []string) []string {
	remove := map[string]int{}
	for _, it := range items {
		remove[it]++
	}
	var out []string
	for _, v := range from {
		if remove[v] > 0 {
			remove[v]--
			continue
		}
		out = append(out, v)
	}
	return out
}

// responseMessage is the error message of a resource's response: null for
// no error and for exceptions without a message (an explicit
// NullPointerException).
func responseMessage(err error) *string {
	if err == nil || err.Error() == "" {
		return nil
	}
	return errorMessage(err)
}
