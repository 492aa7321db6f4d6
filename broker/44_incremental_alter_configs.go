package broker

// IncrementalAlterConfigs, versions 0-1 (Kafka 2.4.1: 0-1).
//
// As AdminManager.incrementalAlterConfigs: the topic's current overrides
// are read from ZooKeeper and each operation applied to them: SET, DELETE,
// and for LIST keys (cleanup.policy, *.replication.throttled.replicas)
// APPEND and SUBTRACT; a key named twice in one resource is
// INVALID_REQUEST. The result is validated and written as AlterConfigs does.
// Broker resources start from the stored /config/brokers/<id> (or
// <default>) set and go through the same validation as AlterConfigs
// (dynamic_alter.go). Differs: broker logger resources are refused.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (s *Server) handleIncrementalAlterConfigs(ctx context.Context, _ *conn, req *kmsg.IncrementalAlterConfigsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	for _, r := range req.Resources {
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName = r.ResourceType, r.ResourceName
		ops := r.Configs
		err := duplicateConfigKeys(ops)
		if err == nil && r.ResourceType == kmsg.ConfigResourceTypeBroker {
			err = s.alterBrokerConfig(ctx, r.ResourceName, req.ValidateOnly, func(current map[string]string, st staticConfig) (map[string]string, error) {
				return applyBrokerConfigOps(current, ops, st)
			})
		} else if err == nil {
			err = s.alterResourceConfig(ctx, r.ResourceType, r.ResourceName, req.ValidateOnly, func(current map[string]string) (map[string]string, error) {
				return applyConfigOps(current, ops)
			})
		}
		rr.ErrorCode, rr.ErrorMessage = errorCode(err), responseMessage(err)
		resp.Resources = append(resp.Resources, rr)
	}
	return resp, nil
}

func duplicateConfigKeys(ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) error {
	seen := map[string]int{}
	for _, op := range ops {
		seen[op.Name]++
	}
	var dups []string
	for n, c := range seen {
		if c > 1 {
			dups = append(dups, n)
		}
	}
	if len(dups) == 0 {
		return nil
	}
	sort.Strings(dups)
	return newAPIError(kerr.InvalidRequest, "Error due to duplicate config keys : "+strings.Join(dups, ","))
}

// applyConfigOps is prepareIncrementalConfigs over a copy of current.
func applyConfigOps(current map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig) (map[string]string, error) {
	out := make(map[string]string, len(current))
	for k, v := range current {
		out[k] = v
	}
	keys := topicKeys()
	for _, op := range ops {
		value := ""
		if op.Value != nil {
			value = *op.Value
		}
		switch op.Op {
		case kmsg.IncrementalAlterConfigOpSet:
			out[op.Name] = value
		case kmsg.IncrementalAlterConfigOpDelete:
			delete(out, op.Name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			verb := "append"
			if op.Op == kmsg.IncrementalAlterConfigOpSubtract {
				verb = "subtract"
			}
			if _, ok := findTopicKey(keys, op.Name); !ok {
				return nil, newAPIError(kerr.InvalidConfig, fmt.Sprintf("Unknown topic config name: %s", op.Name))
			}
			if !contains(listTopicKeys, op.Name) {
				return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Config value %s is not allowed for config key: %s", verb, op.Name))
			}
			var old []string
			if v, ok := out[op.Name]; ok && v != "" {
				old = strings.Split(v, ",")
			}
			items := strings.Split(value, ",")
			var next []string
			if op.Op == kmsg.IncrementalAlterConfigOpAppend {
				next = append(old, items...)
			} else {
				for _, o := range old {
					if !contains(items, o) {
						next = append(next, o)
					}
				}
			}
			out[op.Name] = strings.Join(next, ",")
		default:
			return nil, newAPIError(kerr.InvalidRequest, fmt.Sprintf("Unknown config operation %d for config key: %s", op.Op, op.Name))
		}
	}
	return out, nil
}
