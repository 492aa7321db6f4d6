package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Dynamic broker, user and client configs: /config/<type>/<name> and the
// change notification that announces it, as AdminZkClient.changeEntityConfig
// writes them.

// EncodeEntityConfigChange encodes a config change notification v2 as
// Kafka's Jackson does: {"version":2,"entity_path":"brokers/<default>"},
// with '<', '>' and '&' written as themselves (encoding/json would escape
// them as \u003c...). Part of the cluster's shared format: never change.
func EncodeEntityConfigChange(entityPath string) []byte {
	return []byte(`{"version":2,"entity_path":` + string(jacksonString(entityPath)) + `}`)
}

// EncodeEntityConfig encodes {"version":1,"config":{...}} with the keys in
// the order Kafka 2.4.1 on Java 9 or later writes them: Jackson iterates the
// java.util.Properties, which keeps its entries in a ConcurrentHashMap of 16
// bins (doubled when 3/4 full), bins in index order of (h ^ h>>>16) & (n-1),
// each in insertion order (here: sorted). Strings are written unescaped as
// Jackson writes them.
func EncodeEntityConfig(cfg map[string]string) []byte {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := 16
	for len(keys) >= n-n/4 {
		n *= 2
	}
	bins := make([][]string, n)
	for _, k := range keys {
		h := uint32(javaStringHash(k))
		i := int((h^(h>>16))&0x7fffffff) & (n - 1)
		bins[i] = append(bins[i], k)
	}
	var b bytes.Buffer
	b.WriteString(`{"version":1,"config":{`)
	first := true
	for _, bin := range bins {
		for _, k := range bin {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.Write(jacksonString(k))
			b.WriteByte(':')
			b.Write(jacksonString(cfg[k]))
		}
	}
	b.WriteString("}}")
	return b.Bytes()
}

// jacksonString encodes s as a JSON string the way Jackson does: without
// escaping '<', '>' and '&'.
func jacksonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// WriteEntityConfig is AdminZkClient.changeEntityConfig: set (or create)
// /config/<entityType>/<name> to exactly cfg, then create the persistent
// sequential /config/changes/config_change_<seq> naming the entity, so that
// every broker applies it. The notification's bytes are Kafka's for every
// entity name, "<default>" included.
func (z *ZK) WriteEntityConfig(ctx context.Context, entityType, name string, cfg map[string]string) error {
	p := ConfigPath + "/" + entityType + "/" + name
	data := EncodeEntityConfig(cfg)
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
