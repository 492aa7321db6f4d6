package broker

// DescribeConfigs, versions 0-2 (Kafka 2.4.1: 0-2).
//
// Topic resources: every topic-level key with its value, the topic's
// override (DYNAMIC_TOPIC_CONFIG) from /config/topics/<t> or else the
// broker default: a dynamic broker config (DYNAMIC_BROKER_CONFIG,
// DYNAMIC_DEFAULT_BROKER_CONFIG), STATIC_BROKER_CONFIG when
// server.properties set the broker synonym, else DEFAULT_CONFIG; with
// synonyms on request (v1+).
// Broker resources: Config.Describe (filled by cmd) with the dynamic
// broker configs over it, see broker_config_describe.go; the resource name
// must be this broker's id, or empty for the cluster-wide defaults.
// Differs: the static and default synonyms of a topic key name its broker
// key even where Kafka lists only a higher-precedence synonym
// (log.retention.hours for retention.ms).

import (
	"context"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleDescribeConfigs(ctx context.Context, _ *conn, req *kmsg.DescribeConfigsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewDescribeConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		entries, err := s.describeResource(ctx, r, req.IncludeSynonyms && req.Version >= 1)
		if err != nil {
			rr.ErrorCode = errorCode(err)
			rr.ErrorMessage = errorMessage(err)
		}
		for _, e := range entries {
			rc := kmsg.NewDescribeConfigsResponseResourceConfig()
			rc.Name, rc.Value, rc.ReadOnly, rc.IsSensitive = e.Name, e.Value, e.ReadOnly, e.IsSensitive
			rc.Source = kmsg.ConfigSource(e.Source)
			rc.IsDefault = e.Source == SourceDefaultConfig
			for _, syn := range e.Synonyms {
				rs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
				rs.Name, rs.Value, rs.Source = syn.Name, syn.Value, kmsg.ConfigSource(syn.Source)
				rc.ConfigSynonyms = append(rc.ConfigSynonyms, rs)
			}
			rr.Configs = append(rr.Configs, rc)
		}
		resp.Resources = append(resp.Resources, rr)
	}
	return resp, nil
}

func (s *Server) describeResource(ctx context.Context, r kmsg.DescribeConfigsRequestResource, synonyms bool) ([]ConfigEntry, error) {
	var names map[string]bool
	if r.ConfigNames != nil {
		names = map[string]bool{}
		for _, n := range r.ConfigNames {
			names[n] = true
		}
	}
	switch r.ResourceType {
	case kmsg.ConfigResourceTypeTopic:
		if err := coordinator.ValidateTopicName(r.ResourceName); err != nil {
			return nil, newAPIError(kerr.InvalidTopicException, invalidTopicMessage(r.ResourceName))
		}
		if !s.meta.hasTopic(r.ResourceName) {
			return nil, newAPIError(kerr.UnknownTopicOrPartition, fmt.Sprintf("Topic %s does not exist.", r.ResourceName))
		}
		overrides, err := s.deps.Admin.TopicConfig(ctx, r.ResourceName)
		if err != nil {
			return nil, err
		}
		st := s.staticConfig()
		d, err := s.loadDynamicConfigs(ctx, st)
		if err != nil {
			return nil, err
		}
		defaults := s.topicDefaults(d)
		settings, err := applyTopicConfig(defaults, overrides)
		if err != nil {
			// Describe what can be described; a bad override is reported
			// with its raw value below.
			settings = defaults
		}
		return s.describeTopicConfigs(settings, overrides, names, synonyms, d), nil
	case kmsg.ConfigResourceTypeBroker:
		if r.ResourceName == "" {
			return s.describeBroker(ctx, false, names, synonyms)
		}
		id, err := strconv.ParseInt(r.ResourceName, 10, 32)
		if err != nil {
			return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Broker id must be an integer, but it is: %s", r.ResourceName))
		}
		if int32(id) != s.cfg.BrokerID {
			return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Unexpected broker id, expected %d or empty string, but received %s", s.cfg.BrokerID, r.ResourceName))
		}
		return s.describeBroker(ctx, true, names, synonyms)
	}
	return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Unsupported resource type: %d", r.ResourceType))
}

// describeTopicSettings lists every topic key of settings; overrides are
// the topic's own values.
func (s *Server) describeTopicSettings(settings topicSettings, overrides map[string]string, names map[string]bool, synonyms bool) []ConfigEntry {
	return s.describeTopicConfigs(settings, overrides, names, synonyms, dynamicConfigs{})
}

// describeTopicConfigs is describeTopicSettings with the dynamic broker
// configs d as the broker defaults' first sources.
func (s *Server) describeTopicConfigs(settings topicSettings, overrides map[string]string, names map[string]bool, synonyms bool, d dynamicConfigs) []ConfigEntry {
	static := map[string]ConfigEntry{}
	if s.cfg.Describe != nil {
		for _, e := range s.cfg.Describe() {
			if e.Source == SourceStaticBrokerConfig {
				static[e.Name] = e
			}
		}
	}
	defaults := s.cfg.defaultTopicSettings()
	var out []ConfigEntry
	for _, k := range topicKeys() {
		if names != nil && !names[k.name] {
			continue
		}
		e := ConfigEntry{Name: k.name, Source: SourceDefaultConfig}
		var syns []ConfigSynonym
		if v, ok := overrides[k.name]; ok {
			e.Value = kmsg.StringPtr(v)
			e.Source = SourceDynamicTopicConfig
			syns = append(syns, ConfigSynonym{Name: k.name, Value: kmsg.StringPtr(v), Source: SourceDynamicTopicConfig})
		} else {
			e.Value = kmsg.StringPtr(k.get(&settings))
		}
		if isDynamicBrokerKey(k.brokerName) {
			if v, ok := d.broker[k.brokerName]; ok {
				syns = append(syns, ConfigSynonym{Name: k.brokerName, Value: kmsg.StringPtr(v), Source: SourceDynamicBrokerConfig})
			}
			if v, ok := d.cluster[k.brokerName]; ok {
				syns = append(syns, ConfigSynonym{Name: k.brokerName, Value: kmsg.StringPtr(v), Source: SourceDynamicDefaultBrokerConfig})
			}
			if e.Source == SourceDefaultConfig {
				if _, src, ok := d.value(k.brokerName); ok {
					e.Source = src
				}
			}
		}
		if st, ok := static[k.brokerName]; ok {
			if e.Source == SourceDefaultConfig {
				e.Source = SourceStaticBrokerConfig
			}
			syns = append(syns, ConfigSynonym{Name: k.brokerName, Value: st.Value, Source: SourceStaticBrokerConfig})
		} else {
			syns = append(syns, ConfigSynonym{Name: k.brokerName, Value: kmsg.StringPtr(k.get(&defaults)), Source: SourceDefaultConfig})
		}
		if synonyms {
			e.Synonyms = syns
		}
		out = append(out, e)
	}
	return out
}
