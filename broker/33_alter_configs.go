package broker

// AlterConfigs, versions 0-1 (Kafka 2.4.1: 0-1).
//
// As AdminManager.alterConfigs: a topic resource's entries REPLACE the
// topic's whole override set (keys not sent are removed); the topic must
// exist in ZooKeeper (else UNKNOWN_SERVER_ERROR, as Kafka answers); the values are validated as LogConfig.validate does
// (unknown key INVALID_CONFIG, bad value INVALID_REQUEST); unless
// validate_only, /config/topics/<t> is written and a config change
// notification created, which every broker applies (config_changes.go).
// Broker resources (dynamic broker configs) replace the whole config set
// of /config/brokers/<id> or, for an empty name, /config/brokers/<default>
// (dynamic_alter.go).

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

// configAdmin is the part of *coordinator.ZK that writes configs; Deps.Admin
// provides it in production.
type configAdmin interface {
	ChangeTopicConfig(ctx context.Context, topic string, config map[string]string) error
}

func (s *Server) handleAlterConfigs(ctx context.Context, _ *conn, req *kmsg.AlterConfigsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		overrides := map[string]string{}
		hasNull := false
		for _, c := range r.Configs {
			if c.Value != nil {
				overrides[c.Name] = *c.Value
			} else {
				hasNull = true
			}
		}
		var err error
		if r.ResourceType == kmsg.ConfigResourceTypeBroker {
			err = s.alterBrokerConfig(ctx, r.ResourceName, req.ValidateOnly, func(map[string]string, staticConfig) (map[string]string, error) {
				if hasNull {
					// Properties.setProperty(name, null) in
					// AdminManager: a NullPointerException.
					return nil, newAPIError(kerr.UnknownServerError, "")
				}
				return overrides, nil
			})
		} else {
			err = s.alterResourceConfig(ctx, r.ResourceType, r.ResourceName, req.ValidateOnly, func(map[string]string) (map[string]string, error) {
				return overrides, nil
			})
		}
		rr.ErrorCode, rr.ErrorMessage = errorCode(err), responseMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return resp, nil
}

// alterResourceConfig is AdminManager.alterTopicConfigs: next computes the
// new override set from the current one.
func (s *Server) alterResourceConfig(ctx context.Context, typ kmsg.ConfigResourceType, name string, validateOnly bool,
	next func(current map[string]string) (map[string]string, error)) error {
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
	default:
		return newAPIError(kerr.InvalidRequest, fmt.Sprintf("AlterConfigs is only supported for topics and brokers, but resource type is %s", resourceTypeName(typ)))
	}
	admin, ok := s.deps.Admin.(configAdmin)
	if !ok {
		return newAPIError(kerr.UnknownServerError, "broker: the admin client cannot write configs")
	}
	if err := coordinator.ValidateTopicName(name); err != nil {
		return newAPIError(kerr.InvalidTopicException, invalidTopicMessage(name))
	}
	if _, err := s.deps.Admin.TopicAssignment(ctx, name); err != nil {
		if errors.Is(err, coordinator.ErrTopicNotFound) || errors.Is(err, coordinator.ErrNoNode) {
			// AdminZkClient.validateTopicConfig throws an
			// AdminOperationException, which is no ApiException: Kafka
			// answers UNKNOWN_SERVER_ERROR with its message.
			return newAPIError(kerr.UnknownServerError, fmt.Sprintf("Topic \"%s\" does not exist.", name))
		}
		return err
	}
	current, err := s.deps.Admin.TopicConfig(ctx, name)
	if err != nil {
		return err
	}
	overrides, err := next(current)
	if err != nil {
		return err
	}
	if err := validateTopicOverrides(s.cfg.defaultTopicSettings(), name, overrides); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	s.apiLog.Infof("Updating topic %s with new configuration %v", name, overrides)
	return admin.ChangeTopicConfig(ctx, name, overrides)
}

// resourceTypeName is ConfigResource.Type's name as Kafka prints it.
func resourceTypeName(t kmsg.ConfigResourceType) string {
	switch t {
	case kmsg.ConfigResourceTypeTopic:
		return "TOPIC"
	case kmsg.ConfigResourceTypeBroker:
		return "BROKER"
	case kmsg.ConfigResourceTypeBrokerLogger:
		return "BROKER_LOGGER"
	}
	return "UNKNOWN"
}
