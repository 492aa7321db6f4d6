package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Dynamic broker, user and client configs: /config/<type>/<name> and the
// change notification that announces it, as AdminZkClient.changeEntityConfig
// writes them.

// EncodeEntityConfigChange encodes a config change notification v2 as
// Kafka's Jackson does: {"version":2,"entity_path":"brokers/<default>"},
// with '<', '>' and '&' written as themselves (encoding/json would escape
// them as \u003c...). Part of the cluster's shared format: never change.
func EncodeEntityConfigChange(entityPath string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(entityPath) // a string always encodes
	return []byte(`{"version":2,"entity_path":` + string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))) + `}`)
}

// WriteEntityConfig is AdminZkClient.changeEntityConfig: set (or create)
// /config/<entityType>/<name> to exactly cfg, then create the persistent
// sequential /config/changes/config_change_<seq> naming the entity, so that
// every broker applies it. The notification's bytes are Kafka's for every
// entity name, "<default>" included.
func (z *ZK) WriteEntityConfig(ctx context.Context, entityType, name string, cfg map[string]string) error {
	p := ConfigPath + "/" + entityType + "/" + name
	data := EncodeConfig(cfg)
	_, err := z.Set(ctx, p, data, -1)
	if errors.Is(err, ErrNoNode) {
		_, err = z.CreateRecursive(ctx, p, data, ModePersistent)
		if errors.Is(err, ErrNodeExists) {
			_, err = z.Set(ctx, p, data, -1)
		}
	}
	if err != nil {
		return fmt.Errorf("coordinator: writing %s: %w", p, err)
	}
	if _, err := z.CreateRecursive(ctx, ConfigChangesPath+"/"+ConfigChangePrefix,
		EncodeEntityConfigChange(entityType+"/"+name), ModePersistentSequential); err != nil {
		return fmt.Errorf("coordinator: notifying the change of %s: %w", p, err)
	}
	return nil
}
