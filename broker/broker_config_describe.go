package broker

// DescribeConfigs of a BROKER resource, as AdminManager.describeConfigs and
// createBrokerConfigEntry: this broker's id lists every broker key with its
// current value, the source of the value (DYNAMIC_BROKER_CONFIG,
// DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG or DEFAULT_CONFIG),
// read-only unless the key is dynamic (AllDynamicConfigs), and on request
// its synonyms in precedence order; dynamic keys that are no KafkaConfig
// keys (the replication quotas, custom keys) follow, shown as sensitive
// since their type is unknown. An empty name lists only the cluster-wide
// dynamic defaults, with DYNAMIC_DEFAULT_BROKER_CONFIG synonyms.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// describeBroker describes this broker (perBroker) or the cluster defaults.
func (s *Server) describeBroker(ctx context.Context, perBroker bool, names map[string]bool, synonyms bool) ([]ConfigEntry, error) {
	st := s.staticConfig()
	d, err := s.loadDynamicConfigs(ctx, st)
	if err != nil {
		return nil, err
	}
	want := func(n string) bool { return names == nil || names[n] }
	var out []ConfigEntry
	add := func(name string, value *string, sensitive bool) {
		e := brokerConfigEntry(name, value, sensitive, perBroker, st, d)
		if !synonyms {
			e.Synonyms = nil
		}
		out = append(out, e)
	}
	if !perBroker {
		for _, n := range sortedNames(d.cluster) {
			if want(n) {
				v := d.cluster[n]
				add(n, &v, !st.isKafkaKey(n) || st.byName[n].IsSensitive)
			}
		}
		return out, nil
	}
	for _, e := range st.entries {
		if !want(e.Name) {
			continue
		}
		value := e.Value
		if v, _, ok := d.value(e.Name); ok {
			value = &v
			if k, known := dynamicKeys()[e.Name]; known {
				if parsed, err := k.parse(e.Name, v); err == nil {
					value = &parsed
				}
			}
		}
		add(e.Name, value, e.IsSensitive)
	}
	// Dynamic keys KafkaConfig does not know: originals without a type.
	extra := map[string]string{}
	for k, v := range d.cluster {
		extra[k] = v
	}
	for k, v := range d.broker {
		extra[k] = v
	}
	for _, n := range sortedNames(extra) {
		if !st.isKafkaKey(n) && want(n) {
			add(n, nil, true)
		}
	}
	return out, nil
}

// brokerConfigEntry is createBrokerConfigEntry.
func brokerConfigEntry(name string, value *string, sensitive, perBroker bool, st staticConfig, d dynamicConfigs) ConfigEntry {
	if sensitive {
		value = nil
	}
	all := configSynonyms(name, brokerConfigSynonyms(name, true), sensitive, st, d)
	if !perBroker {
		var only []ConfigSynonym
		for _, syn := range all {
			if syn.Source == SourceDynamicDefaultBrokerConfig {
				only = append(only, syn)
			}
		}
		all = only
	}
	e := ConfigEntry{Name: name, Value: value, Source: SourceDefaultConfig, ReadOnly: !isDynamicBrokerKey(name),
		IsSensitive: sensitive, Synonyms: all}
	if len(all) > 0 {
		e.Source = all[0].Source
	}
	return e
}

// configSynonyms is AdminManager.configSynonyms: for each level in
// precedence order, every synonym set there; then everything before the
// first entry of name itself is dropped (listener overrides when the base
// key is described).
func configSynonyms(name string, syns []string, sensitive bool, st staticConfig, d dynamicConfigs) []ConfigSynonym {
	var all []ConfigSynonym
	addFrom := func(get func(string) (*string, bool), src ConfigSource) {
		for _, n := range syns {
			if v, ok := get(n); ok {
				if sensitive {
					v = nil
				}
				all = append(all, ConfigSynonym{Name: n, Value: v, Source: src})
			}
		}
	}
	fromMap := func(m map[string]string) func(string) (*string, bool) {
		return func(n string) (*string, bool) {
			v, ok := m[n]
			if !ok {
				return nil, false
			}
			return kmsg.StringPtr(v), true
		}
	}
	addFrom(fromMap(d.broker), SourceDynamicBrokerConfig)
	addFrom(fromMap(d.cluster), SourceDynamicDefaultBrokerConfig)
	addFrom(st.supplied, SourceStaticBrokerConfig)
	addFrom(st.defaultValue, SourceDefaultConfig)
	for i, syn := range all {
		if syn.Name == name {
			return all[i:]
		}
	}
	return nil
}
