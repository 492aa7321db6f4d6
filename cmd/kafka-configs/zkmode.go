package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/logconfig"
	"github.com/samsa-broker/samsa/coordinator"
)

// zkTimeout is the session and connection timeout ConfigCommand gives
// KafkaZkClient (30 s).
const zkTimeout = 30 * time.Second

// zkAdmin is AdminZkClient over one connection.
type zkAdmin struct {
	c  *command
	zk *coordinator.ZK
}

// processWithZK is ConfigCommand.processCommandWithZk.
func (c *command) processWithZK(ctx context.Context) error {
	connect, err := c.o.s.String(c.o.zookeeper)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, zkTimeout)
	defer cancel()
	z, err := coordinator.Dial(dctx, connect, zkTimeout, nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &javaErr{class: "kafka.zookeeper.ZooKeeperClientTimeoutException",
				msg: "Timed out waiting for connection while in state: CONNECTING", err: err}
		}
		return &javaErr{class: classIllegalArgument, msg: err.Error(), err: err}
	}
	defer z.Close()
	a := &zkAdmin{c: c, zk: z}
	if c.o.has(c.o.alter) {
		return a.alterConfig(ctx)
	}
	return a.describeConfig(ctx)
}

func configPath(typ, name string) string { return coordinator.ConfigPath + "/" + typ + "/" + name }

// fetchEntityConfig is AdminZkClient.fetchEntityConfig: the entity's
// config, empty when its znode is absent.
func (a *zkAdmin) fetchEntityConfig(ctx context.Context, typ, name string) (map[string]string, error) {
	data, _, err := a.zk.Get(ctx, configPath(typ, name))
	if errors.Is(err, coordinator.ErrNoNode) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return coordinator.DecodeConfig(data)
}

// fetchEntityConfigOrdered is fetchEntityConfig with the znode's key order.
func (a *zkAdmin) fetchEntityConfigOrdered(ctx context.Context, typ, name string) ([]string, map[string]string, error) {
	data, _, err := a.zk.Get(ctx, configPath(typ, name))
	if errors.Is(err, coordinator.ErrNoNode) {
		return nil, map[string]string{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cfg, err := coordinator.DecodeConfig(data)
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	for _, k := range configKeyOrder(data) {
		if _, ok := cfg[k]; ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) != len(cfg) { // not the usual JSON: fall back to sorted
		keys = keys[:0]
		for k := range cfg {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	return keys, cfg, nil
}

// changeEntityConfig is AdminZkClient.changeEntityConfig: setData or
// create /config/<type>/<name>, then the change notification.
func (a *zkAdmin) changeEntityConfig(ctx context.Context, typ, name string, cfg map[string]string) error {
	if typ == typeTopics {
		if err := a.zk.SetTopicConfig(ctx, name, cfg); err != nil {
			return err
		}
		return a.zk.NotifyConfigChange(ctx, typ+"/"+name)
	}
	// Entity names like <default> must reach the notification unescaped.
	return a.zk.WriteEntityConfig(ctx, typ, name, cfg)
}

// alterConfig is ConfigCommand.alterConfig (ZooKeeper mode).
func (a *zkAdmin) alterConfig(ctx context.Context) error {
	c := a.c
	addKeys, add, err := c.parseConfigsToBeAdded()
	if err != nil {
		return err
	}
	del := c.parseConfigsToBeDeleted()
	ent, err := c.parseEntity()
	if err != nil {
		return err
	}
	typ, name := ent.root.typ, ent.fullName()
	switch typ {
	case typeUsers:
		for _, m := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
			if _, ok := add[m]; ok {
				return &javaErr{class: "java.lang.UnsupportedOperationException", msg: "SCRAM credentials are not supported by this tool"}
			}
		}
	case typeBrokers:
		if err := a.checkBrokerConfigs(ctx, name, addKeys); err != nil {
			return err
		}
		if slices.ContainsFunc(addKeys, func(k string) bool { return !slices.Contains(brokerQuotaConfigs, k) }) {
			if err := preProcessBrokerConfigs(add, name != defaultEntity); err != nil {
				return err
			}
		}
	}
	cfg, err := a.fetchEntityConfig(ctx, typ, name)
	if err != nil {
		return err
	}
	var invalid []string
	for _, k := range del {
		if _, ok := cfg[k]; !ok {
			invalid = append(invalid, k)
		}
	}
	if len(invalid) > 0 {
		return &javaErr{class: classInvalidConfig, msg: "Invalid config(s): " + strings.Join(invalid, ",")}
	}
	for k, v := range add {
		cfg[k] = v
	}
	for _, k := range del {
		delete(cfg, k)
	}
	if err := a.validate(ctx, typ, name, cfg); err != nil {
		return err
	}
	if err := a.changeEntityConfig(ctx, typ, name, cfg); err != nil {
		return err
	}
	c.println(fmt.Sprintf("Completed Updating config for entity: %s.", ent))
	return nil
}

// validate is the validation of AdminZkClient.changeConfigs per type.
func (a *zkAdmin) validate(ctx context.Context, typ, name string, cfg map[string]string) error {
	switch typ {
	case typeTopics:
		if err := validateTopicName(name); err != nil {
			return err
		}
		ok, _, err := a.zk.Exists(ctx, coordinator.TopicPath(name))
		if err != nil {
			return err
		}
		if !ok {
			return &javaErr{class: "kafka.admin.AdminOperationException", msg: fmt.Sprintf("Topic \"%s\" does not exist.", name)}
		}
		return logconfig.Validate(cfg, newJavaErr)
	case typeClients:
		return validateDynamic(cfg, clientConfigs, false)
	case typeUsers:
		if name == defaultEntity || strings.Contains(name, "/clients") {
			return validateDynamic(cfg, clientConfigs, false)
		}
		return validateDynamic(cfg, userConfigs, false)
	case typeBrokers:
		if name != defaultEntity && !isJavaInt(name) {
			return illegalArgument("Error parsing broker %s. The broker's Entity Name must be a single integer value", name)
		}
		return validateBrokerConfigTypes(cfg)
	}
	return illegalArgument("%s is not a known entityType. Should be one of topics, clients, brokers", typ)
}

// checkBrokerConfigs is alterConfig's guard for brokers: configs other than
// the replication quotas may be written through ZooKeeper only while the
// broker (or, for the default, every broker) is down.
func (a *zkAdmin) checkBrokerConfigs(ctx context.Context, name string, keys []string) error {
	var dynamic []string
	for _, k := range keys {
		if !slices.Contains(brokerQuotaConfigs, k) {
			dynamic = append(dynamic, k)
		}
	}
	if len(dynamic) == 0 {
		return nil
	}
	msg := fmt.Sprintf("--bootstrap-server option must be specified to update broker configs Set(%s).", strings.Join(dynamic, ", "))
	info := "Broker configuration updates using ZooKeeper are supported for bootstrapping before brokers" +
		" are started to enable encrypted password configs to be stored in ZooKeeper."
	if name != defaultEntity {
		id, err := strconv.ParseInt(name, 10, 32)
		if err != nil {
			return nil
		}
		running, _, err := a.zk.Exists(ctx, coordinator.BrokerPath(int32(id)))
		if err != nil {
			return err
		}
		return require(!running, fmt.Sprintf("%s when broker %s is running. %s", msg, name, info))
	}
	ids, err := a.zk.Children(ctx, coordinator.BrokerIDsPath)
	if err != nil && !errors.Is(err, coordinator.ErrNoNode) {
		return err
	}
	return require(len(ids) == 0, fmt.Sprintf("%s for default cluster if any broker is running. %s", msg, info))
}

// validateDynamic is DynamicConfig.validate: known names unless custom
// ones are allowed, values parsed as their type.
func validateDynamic(cfg map[string]string, names []string, customAllowed bool) error {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !customAllowed {
		var unknown []string
		for _, k := range keys {
			if !slices.Contains(names, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			return require(false, fmt.Sprintf("Unknown Dynamic Configuration: HashSet(%s).", strings.Join(unknown, ", ")))
		}
	}
	for _, k := range keys {
		v := strings.TrimSpace(cfg[k])
		typ := ""
		switch {
		case k == "request_percentage":
			typ = "DOUBLE"
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return logconfig.ConfigException(newJavaErr, k, v, "Not a number of type DOUBLE")
			}
		case slices.Contains(names, k) && !strings.HasPrefix(k, "SCRAM-"):
			typ = "LONG"
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return logconfig.ConfigException(newJavaErr, k, v, "Not a number of type "+typ)
			}
		}
	}
	return nil
}

// validateTopicName is Topic.validate.
func validateTopicName(name string) error {
	if err := coordinator.ValidateTopicName(name); err != nil {
		return &javaErr{class: "org.apache.kafka.common.errors.InvalidTopicException", msg: err.Error(), err: err}
	}
	return nil
}

// describeConfig is ConfigCommand.describeConfig (ZooKeeper mode).
func (a *zkAdmin) describeConfig(ctx context.Context) error {
	ent, err := a.c.parseEntity()
	if err != nil {
		return err
	}
	describeAllUsers := ent.root.typ == typeUsers && !ent.root.hasName && ent.child == nil
	all, err := a.allEntities(ctx, ent)
	if err != nil {
		return err
	}
	for _, e := range all {
		keys, cfg, err := a.fetchEntityConfigOrdered(ctx, e.root.typ, e.fullName())
		if err != nil {
			return err
		}
		if len(cfg) == 0 && describeAllUsers {
			continue
		}
		a.c.println(fmt.Sprintf("Configs for %s are %s", e, formatConfig(keys, cfg)))
	}
	return nil
}

// formatConfig prints k=v pairs in the order Kafka's Properties iterates
// them, filled in the znode's key order.
func formatConfig(keys []string, cfg map[string]string) string {
	var parts []string
	for _, k := range javaPropertiesOrder(keys) {
		parts = append(parts, k+"="+cfg[k])
	}
	return strings.Join(parts, ",")
}

// configKeyOrder returns the keys of a config znode's "config" object in
// the order they appear; nil if the data is not such JSON.
func configKeyOrder(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		if t != "config" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil
		}
		var keys []string
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil
			}
			ks, _ := k.(string)
			keys = append(keys, ks)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
		}
		return keys
	}
	return nil
}

// allEntities is ConfigEntity.getAllEntities.
func (a *zkAdmin) allEntities(ctx context.Context, ce configEntity) ([]configEntity, error) {
	switch {
	case !ce.root.hasName:
		names, err := a.entitiesWithConfig(ctx, ce.root.typ)
		if err != nil {
			return nil, err
		}
		var out []configEntity
		for _, n := range names {
			root := entity{typ: ce.root.typ, name: n, hasName: true}
			if ce.child == nil {
				out = append(out, configEntity{root: root})
				continue
			}
			sub, err := a.allEntities(ctx, configEntity{root: root, child: &entity{typ: ce.child.typ}})
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		return out, nil
	case ce.child != nil && !ce.child.hasName:
		names, err := a.entitiesWithConfig(ctx, ce.root.path()+"/"+ce.child.typ)
		if err != nil {
			return nil, err
		}
		var out []configEntity
		for _, n := range names {
			out = append(out, configEntity{root: ce.root, child: &entity{typ: ce.child.typ, name: n, hasName: true}})
		}
		return out, nil
	}
	return []configEntity{ce}, nil
}

// entitiesWithConfig is KafkaZkClient.getAllEntitiesWithConfig: the
// children of /config/<path>, in the order ZooKeeper lists them.
func (a *zkAdmin) entitiesWithConfig(ctx context.Context, p string) ([]string, error) {
	parent := coordinator.ConfigPath + "/" + p
	names, err := a.zk.Children(ctx, parent)
	if errors.Is(err, coordinator.ErrNoNode) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Creation order (czxid) is the server's insertion order.
	czxid := map[string]int64{}
	for _, n := range names {
		if _, st, err := a.zk.Exists(ctx, parent+"/"+n); err == nil {
			czxid[n] = st.Czxid
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return czxid[names[i]] < czxid[names[j]] })
	return zkChildOrder(names), nil
}

// zkChildOrder is the order in which a ZooKeeper server lists children:
// the iteration order of the java.util.HashSet (initial capacity 8,
// doubled past 0.75 load) of its DataNode; within one hash bucket, the
// order names were added (the caller passes creation order).
func zkChildOrder(names []string) []string {
	capacity := 8
	for float64(len(names)) > 0.75*float64(capacity) {
		capacity <<= 1
	}
	buckets := make([][]string, capacity)
	for _, n := range names {
		h := uint32(javaStringHash(n))
		b := int((h ^ (h >> 16)) & uint32(capacity-1))
		buckets[b] = append(buckets[b], n)
	}
	out := make([]string, 0, len(names))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
