package broker

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

// dynFakeAdmin adds /config/<type>/<name> znodes to fakeAdmin.
type dynFakeAdmin struct {
	*fakeAdmin
	mu     sync.Mutex
	nodes  map[string]map[string]string // "brokers/1" -> config
	writes []string
}

func (a *dynFakeAdmin) EntityConfig(_ context.Context, typ, name string) (map[string]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]string{}
	for k, v := range a.nodes[typ+"/"+name] {
		out[k] = v
	}
	return out, nil
}

func (a *dynFakeAdmin) WriteEntityConfig(_ context.Context, typ, name string, cfg map[string]string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nodes[typ+"/"+name] = cfg
	a.writes = append(a.writes, typ+"/"+name)
	return nil
}

func (a *dynFakeAdmin) set(entity string, cfg map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.nodes[entity] = cfg
}

func (a *dynFakeAdmin) node(entity string) (map[string]string, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nodes[entity], len(a.writes)
}

// staticEntries stand for Config.Describe: a few keys as cmd reports them.
func staticEntries() []ConfigEntry {
	e := func(name, value string, src ConfigSource) ConfigEntry {
		v := kmsg.StringPtr(value)
		return ConfigEntry{Name: name, Value: v, Source: src, ReadOnly: true, Synonyms: []ConfigSynonym{{Name: name, Value: v, Source: src}}}
	}
	return []ConfigEntry{
		e("num.partitions", "3", SourceStaticBrokerConfig),
		e("num.io.threads", "8", SourceDefaultConfig),
		e("log.retention.hours", "168", SourceDefaultConfig),
		{Name: "log.retention.ms", Source: SourceDefaultConfig, ReadOnly: true},
		e("log.segment.bytes", "1000000", SourceStaticBrokerConfig),
		e("message.max.bytes", "1000012", SourceDefaultConfig),
		e("listeners", "PLAINTEXT://127.0.0.1:0", SourceStaticBrokerConfig),
		e("log.cleaner.threads", "1", SourceDefaultConfig),
		e("log.cleaner.dedupe.buffer.size", "134217728", SourceDefaultConfig),
		e("log.cleanup.policy", "delete", SourceDefaultConfig),
		e("compression.type", "producer", SourceDefaultConfig),
		{Name: "ssl.keystore.password", Source: SourceDefaultConfig, IsSensitive: true, ReadOnly: true},
	}
}

// newDynamicHarness is newHarness with an admin client that stores entity
// configs and a Config.Describe.
func newDynamicHarness(t *testing.T) (*harness, *dynFakeAdmin) {
	t.Helper()
	cfg := testConfig()
	cfg.Describe = staticEntries
	admin := &dynFakeAdmin{fakeAdmin: newFakeAdmin(), nodes: map[string]map[string]string{}}
	h := &harness{t: t, node: &fakeNode{clusterID: "cluster-A", epoch: 100, controller: true}, admin: admin.fakeAdmin, logs: newFakeLogs()}
	s, err := New(cfg, Deps{Node: h.node, Admin: admin, Logs: h.logs}, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	h.s = s
	h.addr = s.Addrs()[0].String()
	_, port, _ := net.SplitHostPort(h.addr)
	p, _ := strconv.Atoi(port)
	h.port = int32(p)
	return h, admin
}

func TestAlterBrokerConfigs(t *testing.T) {
	h, admin := newDynamicHarness(t)
	c := h.dial()
	const res1 = "Invalid config value for resource ConfigResource(type=BROKER, name='1'): "
	tests := []struct {
		name         string
		resource     string
		configs      map[string]string
		validateOnly bool
		wantCode     int16
		wantMsg      string
		wantNode     string // entity written, "" = none
	}{
		{"cluster default", "", map[string]string{"log.retention.ms": "1000"}, false, 0, "", "brokers/<default>"},
		{"per broker", "1", map[string]string{"log.retention.ms": "2000", "num.io.threads": "16"}, false, 0, "", "brokers/1"},
		{"custom key", "1", map[string]string{"my.custom": "x"}, false, 0, "", "brokers/1"},
		{"validate only", "1", map[string]string{"log.retention.ms": "5"}, true, 0, "", ""},
		{"not dynamic", "1", map[string]string{"num.partitions": "3"}, false, kerr.InvalidRequest.Code,
			res1 + "Cannot update these configs dynamically: Set(num.partitions)", ""},
		{"per broker at cluster level", "", map[string]string{"listeners": "PLAINTEXT://:1"}, false, kerr.InvalidRequest.Code,
			"Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)", ""},
		{"security without listener prefix", "1", map[string]string{"ssl.keystore.location": "/k"}, false, kerr.InvalidRequest.Code,
			res1 + "These security configs can be dynamically updated only per-listener using the listener prefix: HashSet(ssl.keystore.location)", ""},
		{"below minimum", "1", map[string]string{"log.segment.bytes": "10"}, false, kerr.InvalidRequest.Code,
			res1 + "Invalid value 10 for configuration log.segment.bytes: Value must be at least 14", ""},
		{"not a number", "1", map[string]string{"message.max.bytes": "abc"}, false, kerr.InvalidRequest.Code,
			res1 + "Invalid value abc for configuration message.max.bytes: Not a number of type INT", ""},
		{"bad list item", "1", map[string]string{"log.cleanup.policy": "delete,zap"}, false, kerr.InvalidRequest.Code,
			res1 + "Invalid value zap for configuration log.cleanup.policy: String must be one of: compact, delete", ""},
		{"KafkaConfig requirement", "1", map[string]string{"log.retention.ms": "0"}, false, kerr.InvalidRequest.Code,
			res1 + "requirement failed: log.retention.ms must be unlimited (-1) or, equal or greater than 1", ""},
		{"bad compression", "1", map[string]string{"compression.type": "zip"}, false, kerr.InvalidRequest.Code,
			res1 + "requirement failed: compression.type : zip is not valid. Valid options are uncompressed,zstd,lz4,snappy,gzip,producer", ""},
		{"threads beyond double", "1", map[string]string{"num.io.threads": "17"}, false, kerr.InvalidRequest.Code,
			res1 + "Invalid value org.apache.kafka.common.config.ConfigException: Dynamic thread count update validation failed for num.io.threads=17, value should not be greater than double the current value 8 for configuration Invalid dynamic configuration", ""},
		{"password", "1", map[string]string{"listener.name.plaintext.ssl.keystore.password": "x"}, false, kerr.InvalidRequest.Code,
			res1 + "Password encoder secret not configured", ""},
		{"other broker", "2", map[string]string{"log.retention.ms": "1"}, false, kerr.InvalidRequest.Code,
			"Unexpected broker id, expected 1, but received 2", ""},
		{"not an id", "x", map[string]string{}, false, kerr.InvalidRequest.Code,
			"Broker id must be an integer, but it is: x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, before := admin.node("")
			req := kmsg.NewPtrAlterConfigsRequest()
			req.ValidateOnly = tt.validateOnly
			r := kmsg.NewAlterConfigsRequestResource()
			r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, tt.resource
			for _, k := range sortedNames(tt.configs) {
				e := kmsg.NewAlterConfigsRequestResourceConfig()
				e.Name, e.Value = k, kmsg.StringPtr(tt.configs[k])
				r.Configs = append(r.Configs, e)
			}
			req.Resources = append(req.Resources, r)
			got := c.do(req, 1).(*kmsg.AlterConfigsResponse).Resources[0]
			msg := ""
			if got.ErrorMessage != nil {
				msg = *got.ErrorMessage
			}
			if got.ErrorCode != tt.wantCode || (tt.wantCode != 0 && msg != tt.wantMsg) {
				t.Fatalf("code %d %q, want %d %q", got.ErrorCode, msg, tt.wantCode, tt.wantMsg)
			}
			node, after := admin.node(tt.wantNode)
			if tt.wantNode == "" {
				if after != before {
					t.Fatalf("%d writes, want none", after-before)
				}
				return
			}
			if after != before+1 || len(node) != len(tt.configs) {
				t.Fatalf("%s = %v after %d writes, want %v", tt.wantNode, node, after-before, tt.configs)
			}
			for k, v := range tt.configs {
				if node[k] != v {
					t.Errorf("%s: %s=%q, want %q", tt.wantNode, k, node[k], v)
				}
			}
		})
	}
}

func TestIncrementalAlterBrokerConfigs(t *testing.T) {
	h, admin := newDynamicHarness(t)
	c := h.dial()
	admin.set("brokers/1", map[string]string{"log.cleanup.policy": "delete", "log.retention.ms": "100", "num.partitions": "9"})
	op := func(name string, o kmsg.IncrementalAlterConfigOp, v string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
		e := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		e.Name, e.Op, e.Value = name, o, kmsg.StringPtr(v)
		return e
	}
	tests := []struct {
		name     string
		ops      []kmsg.IncrementalAlterConfigsRequestResourceConfig
		wantCode int16
		wantMsg  string
		want     map[string]string
	}{
		// The stored non-dynamic num.partitions is dropped on read, as
		// fromPersistentProps drops it.
		{"append and delete", []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			op("log.cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, "compact"),
			op("log.retention.ms", kmsg.IncrementalAlterConfigOpDelete, ""),
			op("message.max.bytes", kmsg.IncrementalAlterConfigOpSet, "2000"),
		}, 0, "", map[string]string{"log.cleanup.policy": "delete,compact", "message.max.bytes": "2000"}},
		{"subtract", []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			op("log.cleanup.policy", kmsg.IncrementalAlterConfigOpSubtract, "delete"),
		}, 0, "", map[string]string{"log.cleanup.policy": "compact", "message.max.bytes": "2000"}},
		{"append to a non-list", []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			op("message.max.bytes", kmsg.IncrementalAlterConfigOpAppend, "1"),
		}, kerr.InvalidRequest.Code, "Config value append is not allowed for config key: message.max.bytes", nil},
		{"duplicate keys", []kmsg.IncrementalAlterConfigsRequestResourceConfig{
			op("message.max.bytes", kmsg.IncrementalAlterConfigOpSet, "1"),
			op("message.max.bytes", kmsg.IncrementalAlterConfigOpDelete, ""),
		}, kerr.InvalidRequest.Code, "Error due to duplicate config keys : message.max.bytes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := kmsg.NewPtrIncrementalAlterConfigsRequest()
			r := kmsg.NewIncrementalAlterConfigsRequestResource()
			r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, "1"
			r.Configs = tt.ops
			req.Resources = append(req.Resources, r)
			got := c.do(req, 0).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
			msg := ""
			if got.ErrorMessage != nil {
				msg = *got.ErrorMessage
			}
			if got.ErrorCode != tt.wantCode || (tt.wantCode != 0 && msg != tt.wantMsg) {
				t.Fatalf("code %d %q, want %d %q", got.ErrorCode, msg, tt.wantCode, tt.wantMsg)
			}
			if tt.want == nil {
				return
			}
			node, _ := admin.node("brokers/1")
			if len(node) != len(tt.want) {
				t.Fatalf("brokers/1 = %v, want %v", node, tt.want)
			}
			for k, v := range tt.want {
				if node[k] != v {
					t.Errorf("%s=%q, want %q", k, node[k], v)
				}
			}
		})
	}
}

func TestDescribeDynamicBrokerConfigs(t *testing.T) {
	h, admin := newDynamicHarness(t)
	c := h.dial()
	admin.set("brokers/<default>", map[string]string{"log.retention.ms": "1000", "message.max.bytes": "5000", "leader.replication.throttled.rate": "7"})
	admin.set("brokers/1", map[string]string{"log.retention.ms": "2000", "num.partitions": "5"})
	h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}}}, 0)

	describe := func(typ kmsg.ConfigResourceType, name string) map[string]kmsg.DescribeConfigsResponseResourceConfig {
		req := kmsg.NewPtrDescribeConfigsRequest()
		req.IncludeSynonyms = true
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = typ, name
		req.Resources = append(req.Resources, r)
		res := c.do(req, 2).(*kmsg.DescribeConfigsResponse).Resources[0]
		if res.ErrorCode != 0 {
			t.Fatalf("describe %d %q: code %d", typ, name, res.ErrorCode)
		}
		out := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
		for _, e := range res.Configs {
			out[e.Name] = e
		}
		return out
	}
	syns := func(e kmsg.DescribeConfigsResponseResourceConfig) string {
		var parts []string
		for _, s := range e.ConfigSynonyms {
			v := "null"
			if s.Value != nil {
				v = *s.Value
			}
			parts = append(parts, s.Source.String()+":"+s.Name+"="+v)
		}
		return strings.Join(parts, ", ")
	}
	broker := describe(kmsg.ConfigResourceTypeBroker, "1")
	cluster := describe(kmsg.ConfigResourceTypeBroker, "")
	topic := describe(kmsg.ConfigResourceTypeTopic, "t")
	tests := []struct {
		name     string
		got      kmsg.DescribeConfigsResponseResourceConfig
		value    string // "null" for none
		source   kmsg.ConfigSource
		readOnly bool
		synonyms string
	}{
		{"broker log.retention.ms", broker["log.retention.ms"], "2000", kmsg.ConfigSourceDynamicBrokerConfig, false,
			"DYNAMIC_BROKER_CONFIG:log.retention.ms=2000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168"},
		{"broker log.retention.hours", broker["log.retention.hours"], "168", kmsg.ConfigSourceDefaultConfig, true,
			"DEFAULT_CONFIG:log.retention.hours=168"},
		{"broker message.max.bytes", broker["message.max.bytes"], "5000", kmsg.ConfigSourceDynamicDefaultBrokerConfig, false,
			"DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=5000, DEFAULT_CONFIG:message.max.bytes=1000012"},
		// Stored but not dynamic: ignored, as fromPersistentProps ignores it.
		{"broker num.partitions", broker["num.partitions"], "3", kmsg.ConfigSourceStaticBrokerConfig, true,
			"STATIC_BROKER_CONFIG:num.partitions=3"},
		{"broker quota", broker["leader.replication.throttled.rate"], "null", kmsg.ConfigSourceDynamicDefaultBrokerConfig, true,
			"DYNAMIC_DEFAULT_BROKER_CONFIG:leader.replication.throttled.rate=null"},
		{"cluster log.retention.ms", cluster["log.retention.ms"], "1000", kmsg.ConfigSourceDynamicDefaultBrokerConfig, false,
			"DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000"},
		{"topic retention.ms", topic["retention.ms"], "2000", kmsg.ConfigSourceDynamicBrokerConfig, false,
			"DYNAMIC_BROKER_CONFIG:log.retention.ms=2000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000, DEFAULT_CONFIG:log.retention.ms=604800000"},
		{"topic max.message.bytes", topic["max.message.bytes"], "5000", kmsg.ConfigSourceDynamicDefaultBrokerConfig, false,
			"DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=5000, DEFAULT_CONFIG:message.max.bytes=1000012"},
	}
	for _, tt := range tests {
		v := "null"
		if tt.got.Value != nil {
			v = *tt.got.Value
		}
		if v != tt.value || tt.got.Source != tt.source || tt.got.ReadOnly != tt.readOnly || syns(tt.got) != tt.synonyms {
			t.Errorf("%s: %s source %s read-only %v synonyms {%s}; want %s %s %v {%s}", tt.name, v, tt.got.Source, tt.got.ReadOnly, syns(tt.got),
				tt.value, tt.source, tt.readOnly, tt.synonyms)
		}
	}
	if len(cluster) != 3 {
		t.Errorf("cluster defaults list %d entries, want the 3 stored", len(cluster))
	}
}

// TestConfigChangeAppliesBrokerDefaults: a notification for the cluster
// default or this broker gives every hosted partition the new log
// defaults under its topic's overrides; removing them restores the static
// defaults.
func TestConfigChangeAppliesBrokerDefaults(t *testing.T) {
	h, admin := newDynamicHarness(t)
	c := h.dial()
	parts := map[int32][]int32{0: {1}}
	h.updateMetadata(c, map[string]map[int32][]int32{"t": parts, "u": parts}, 0)
	h.leaderAndISR(c, "t", parts, 0)
	h.leaderAndISR(c, "u", parts, 0)
	h.admin.setTopic("t", parts, map[string]string{"retention.ms": "1234"})
	h.admin.setTopic("u", parts, nil)

	z := &fakeChangeZK{nodes: map[string][]byte{}, ctime: map[string]int64{}}
	l := &configChangeListener{s: h.s, zk: z, last: -1, wake: make(chan struct{}, 1)}
	static := h.s.cfg.Log
	steps := []struct {
		name        string
		entity      string
		cfg         map[string]string
		tRet, uRet  int64
		segment     int64
		uMinISR     int32
		wantApplied bool
	}{
		{"cluster default", "brokers/<default>", map[string]string{"log.retention.ms": "5000", "log.segment.bytes": "2048", "min.insync.replicas": "2"},
			1234, 5000, 2048, 2, true},
		{"this broker wins", "brokers/1", map[string]string{"log.retention.ms": "7000"}, 1234, 7000, 2048, 2, true},
		{"another broker is ignored", "brokers/2", map[string]string{"log.retention.ms": "1"}, 1234, 7000, 2048, 2, true},
		{"removed", "brokers/<default>", map[string]string{}, 1234, 7000, static.SegmentBytes, 1, true},
	}
	for i, st := range steps {
		admin.set(st.entity, st.cfg)
		z.mu.Lock()
		name := coordinator.ConfigChangePrefix + strconv.FormatInt(int64(1000+i), 10)
		z.nodes[name] = coordinator.EncodeEntityConfigChange(st.entity)
		z.ctime[name] = h.s.now().UnixMilli()
		z.mu.Unlock()
		if err := l.processAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			topic  string
			ret    int64
			minISR int32
		}{{"t", st.tRet, 0}, {"u", st.uRet, st.uMinISR}} {
			p, ok := h.s.parts.get(tpOf(tt.topic, 0))
			if !ok {
				t.Fatalf("%s-0 not hosted", tt.topic)
			}
			cfg := p.log.Config()
			if cfg.RetentionMs != tt.ret || cfg.SegmentBytes != st.segment {
				t.Errorf("%s: %s-0 retention %d segment %d, want %d %d", st.name, tt.topic, cfg.RetentionMs, cfg.SegmentBytes, tt.ret, st.segment)
			}
			if tt.minISR != 0 && p.snapshot().minISR != tt.minISR {
				t.Errorf("%s: %s-0 min.insync.replicas %d, want %d", st.name, tt.topic, p.snapshot().minISR, tt.minISR)
			}
		}
	}
}

func TestDynKeyParse(t *testing.T) {
	keys := dynamicKeys()
	tests := []struct {
		name, value, want, wantErr string
	}{
		{"log.retention.ms", " 100 ", "100", ""},
		{"log.retention.ms", "1h", "", "Invalid value 1h for configuration log.retention.ms: Not a number of type LONG"},
		{"num.io.threads", "0", "", "Invalid value 0 for configuration num.io.threads: Value must be at least 1"},
		{"log.preallocate", "TRUE", "true", ""},
		{"log.preallocate", "yes", "", "Invalid value yes for configuration log.preallocate: Expected value to be either true or false"},
		{"log.cleaner.min.cleanable.ratio", "0.25", "0.25", ""},
		{"log.cleaner.io.max.bytes.per.second", "1e308", "1.0E308", ""},
		{"log.cleaner.io.buffer.load.factor", "2", "2.0", ""},
		{"log.cleanup.policy", "compact, delete", "compact,delete", ""},
		{"log.message.timestamp.type", "Other", "", "Invalid value Other for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{"sasl.login.refresh.buffer.seconds", "40000", "", "Invalid value 40000 for configuration sasl.login.refresh.buffer.seconds: Not a number of type SHORT"},
	}
	for _, tt := range tests {
		got, err := keys[tt.name].parse(tt.name, tt.value)
		errMsg := ""
		if err != nil {
			errMsg = err.Error()
		}
		if got != tt.want || errMsg != tt.wantErr {
			t.Errorf("%s=%q: %q, %q; want %q, %q", tt.name, tt.value, got, errMsg, tt.want, tt.wantErr)
		}
	}
	for _, tt := range []struct {
		name     string
		dynamic  bool
		password bool
	}{
		{"log.retention.ms", true, false},
		{"log.retention.hours", false, false},
		{"log.message.format.version", false, false},
		{"leader.replication.throttled.rate", false, false},
		{"listener.name.x.ssl.key.password", false, true},
		{"sasl.jaas.config", true, true},
	} {
		if isDynamicBrokerKey(tt.name) != tt.dynamic || isDynamicPasswordKey(tt.name) != tt.password {
			t.Errorf("%s: dynamic %v password %v", tt.name, isDynamicBrokerKey(tt.name), isDynamicPasswordKey(tt.name))
		}
	}
}

// TestReconcileNewPartitions: partitions created after the dynamic
// defaults were loaded get them at creation, and the reconcile pass (for
// partitions created before the first load) does not touch partitions it
// already handled.
func TestReconcileNewPartitions(t *testing.T) {
	h, admin := newDynamicHarness(t)
	c := h.dial()
	parts := map[int32][]int32{0: {1}}
	h.admin.setTopic("old", parts, nil)
	h.admin.setTopic("new", parts, map[string]string{"segment.bytes": "4096"})
	h.updateMetadata(c, map[string]map[int32][]int32{"old": parts, "new": parts}, 0)
	h.leaderAndISR(c, "old", parts, 0)
	admin.set("brokers/<default>", map[string]string{"log.retention.ms": "5000"})

	l := &configChangeListener{s: h.s, last: -1, wake: make(chan struct{}, 1)}
	if err := l.reloadBrokerConfigs(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.leaderAndISR(c, "new", parts, 0)
	pNew, _ := h.s.parts.get(tpOf("new", 0))
	if got := pNew.log.Config().RetentionMs; got != 5000 {
		t.Fatalf("new partition created with retention %d, want the dynamic default 5000", got)
	}
	// A change to the old partition's log behind the listener's back shows
	// whether reconcile touches partitions it already handled.
	pOld, _ := h.s.parts.get(tpOf("old", 0))
	marked := pOld.log.Config()
	marked.RetentionMs = 42
	pOld.log.SetConfig(marked)

	l.reconcile(context.Background())
	for _, tt := range []struct {
		topic            string
		retention, bytes int64
	}{
		{"new", 5000, 4096},
		{"old", 42, h.s.cfg.Log.SegmentBytes},
	} {
		p, _ := h.s.parts.get(tpOf(tt.topic, 0))
		if cfg := p.log.Config(); cfg.RetentionMs != tt.retention || cfg.SegmentBytes != tt.bytes {
			t.Errorf("%s-0 after reconcile: retention %d segment %d, want %d %d", tt.topic, cfg.RetentionMs, cfg.SegmentBytes, tt.retention, tt.bytes)
		}
	}
}

// FuzzDynamicConfigValue feeds AlterConfigs values (untrusted) through the
// dynamic key parsers and the KafkaConfig checks: no panic, and a value
// that parses prints back to itself.
func FuzzDynamicConfigValue(f *testing.F) {
	for _, s := range []string{"1000", " -1 ", "1e308", "compact, delete", "true", "", "abc", "9223372036854775808", "NaN"} {
		f.Add("log.retention.ms", s)
		f.Add("log.cleanup.policy", s)
		f.Add("log.cleaner.io.max.bytes.per.second", s)
	}
	keys := dynamicKeys()
	st := staticConfig{entries: staticEntries(), byName: map[string]ConfigEntry{}}
	for _, e := range st.entries {
		st.byName[e.Name] = e
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		_ = validateDynamicTypes(map[string]string{name: value}, keys)
		_ = checkKafkaConfig(map[string]string{name: value}, st)
		_ = checkReconfiguration(map[string]string{}, map[string]string{name: value}, st)
		k, ok := keys[name]
		if !ok {
			return
		}
		parsed, err := k.parse(name, value)
		if err != nil {
			return
		}
		again, err := k.parse(name, parsed)
		if err != nil || again != parsed {
			t.Fatalf("%s=%q parses to %q, which parses to %q, %v", name, value, parsed, again, err)
		}
	})
}
