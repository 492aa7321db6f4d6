package broker

import (
	"slices"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func metadataRequest(allowCreate bool, topics ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = allowCreate
	if topics == nil {
		return req // null: all topics
	}
	req.Topics = []kmsg.MetadataRequestTopic{}
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func TestMetadata(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.updateMetadata(c, map[string]map[int32][]int32{"a": {0: {1}, 1: {3}}, "gone": {0: {1}}}, 2)
	h.updateMetadata(c, map[string]map[int32][]int32{"gone": {0: nil}}, 2) // leader -2: deleted

	for v := int16(0); v <= 9; v++ {
		var req *kmsg.MetadataRequest
		if v == 0 {
			req = metadataRequest(true, []string{}...)
			req.Topics = []kmsg.MetadataRequestTopic{} // v0: empty = all
		} else {
			req = metadataRequest(true)
		}
		resp := c.do(req, v).(*kmsg.MetadataResponse)
		if len(resp.Brokers) != 1 || resp.Brokers[0].NodeID != 1 || resp.Brokers[0].Port != h.port {
			t.Fatalf("v%d brokers %+v", v, resp.Brokers)
		}
		if v >= 1 && resp.ControllerID != 1 {
			t.Fatalf("v%d controller %d", v, resp.ControllerID)
		}
		if v >= 2 && (resp.ClusterID == nil || *resp.ClusterID != "cluster-A") {
			t.Fatalf("v%d cluster id %v", v, resp.ClusterID)
		}
		if len(resp.Topics) != 1 || *resp.Topics[0].Topic != "a" {
			t.Fatalf("v%d topics %+v", v, resp.Topics)
		}
		ps := resp.Topics[0].Partitions
		if len(ps) != 2 || ps[0].ErrorCode != 0 || ps[0].Leader != 1 {
			t.Fatalf("v%d partitions %+v", v, ps)
		}
		if ps[1].ErrorCode != kerr.LeaderNotAvailable.Code || ps[1].Leader != -1 {
			t.Fatalf("v%d partition with dead leader %+v", v, ps[1])
		}
		if v >= 7 && ps[0].LeaderEpoch != 2 {
			t.Fatalf("v%d leader epoch %d", v, ps[0].LeaderEpoch)
		}
	}
	if resp := c.do(metadataRequest(false, []string{}...), 9).(*kmsg.MetadataResponse); len(resp.Topics) != 0 {
		t.Fatalf("empty topic list (v1+ means none): %d topics", len(resp.Topics))
	}
}

func TestMetadataAutoCreate(t *testing.T) {
	tests := []struct {
		name        string
		topic       string
		allow       bool
		enabled     bool
		wantCode    int16
		wantCreated bool
	}{
		{"created", "new", true, true, kerr.LeaderNotAvailable.Code, true},
		{"not allowed by request", "new", false, true, kerr.UnknownTopicOrPartition.Code, false},
		{"disabled on broker", "new", true, false, kerr.UnknownTopicOrPartition.Code, false},
		{"invalid name", "bad/name", true, true, kerr.InvalidTopicException.Code, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Topics.AutoCreateTopicsEnable = tt.enabled; c.Topics.NumPartitions = 3 })
			c := h.dial()
			h.updateMetadata(c, nil, 0)
			resp := c.do(metadataRequest(tt.allow, tt.topic), 9).(*kmsg.MetadataResponse)
			if got := resp.Topics[0].ErrorCode; got != tt.wantCode {
				t.Fatalf("code %d, want %d", got, tt.wantCode)
			}
			as, created := h.admin.assignment(tt.topic)
			if created != tt.wantCreated {
				t.Fatalf("created %v, want %v", created, tt.wantCreated)
			}
			if created && (len(as) != 3 || !slices.Equal(as[0], []int32{1})) {
				t.Fatalf("assignment %v", as)
			}
		})
	}
}

func createTopicsRequest(timeoutMs int32, validateOnly bool, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis, req.ValidateOnly, req.Topics = timeoutMs, validateOnly, topics
	return req
}

func newTopic(name string, partitions int32, rf int16, configs ...string) kmsg.CreateTopicsRequestTopic {
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	for i := 0; i+1 < len(configs); i += 2 {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = configs[i], kmsg.StringPtr(configs[i+1])
		t.Configs = append(t.Configs, c)
	}
	return t
}

func TestCreateTopicsErrors(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.updateMetadata(c, map[string]map[int32][]int32{"exists": {0: {1}}}, 0)
	withAssignment := newTopic("manual", -1, -1)
	a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	a.Partition, a.Replicas = 0, []int32{1, 1}
	withAssignment.ReplicaAssignment = append(withAssignment.ReplicaAssignment, a)
	tests := []struct {
		name    string
		topic   kmsg.CreateTopicsRequestTopic
		code    int16
		message string
	}{
		{"rf above brokers", newTopic("x", 1, 3), kerr.InvalidReplicationFactor.Code, "Replication factor: 3 larger than available brokers: 1."},
		{"exists", newTopic("exists", 1, 1), kerr.TopicAlreadyExists.Code, "Topic 'exists' already exists."},
		{"zero partitions", newTopic("x", 0, 1), kerr.InvalidPartitions.Code, "Number of partitions must be larger than 0."},
		{"zero rf", newTopic("x", 1, 0), kerr.InvalidReplicationFactor.Code, "Replication factor must be larger than 0."},
		{"bad name", newTopic("a b", 1, 1), kerr.InvalidTopicException.Code, "Topic name \"a b\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"},
		{"unknown config", newTopic("x", 1, 1, "foo", "1"), kerr.InvalidConfig.Code, "Unknown topic config name: foo"},
		{"bad config value", newTopic("x", 1, 1, "retention.ms", "soon"), kerr.InvalidConfig.Code, "Invalid value soon for configuration retention.ms: Not a number of type LONG"},
		{"duplicate replica", withAssignment, kerr.InvalidReplicaAssignment.Code, "Duplicate replica assignment found: [1 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := c.do(createTopicsRequest(0, false, tt.topic), 5).(*kmsg.CreateTopicsResponse)
			rt := resp.Topics[0]
			if rt.ErrorCode != tt.code || rt.ErrorMessage == nil || *rt.ErrorMessage != tt.message {
				msg := "<nil>"
				if rt.ErrorMessage != nil {
					msg = *rt.ErrorMessage
				}
				t.Fatalf("code %d message %q, want %d %q", rt.ErrorCode, msg, tt.code, tt.message)
			}
		})
	}
	t.Run("not controller", func(t *testing.T) {
		h.node.setController(false)
		defer h.node.setController(true)
		resp := c.do(createTopicsRequest(0, false, newTopic("y", 1, 1)), 5).(*kmsg.CreateTopicsResponse)
		if resp.Topics[0].ErrorCode != kerr.NotController.Code {
			t.Fatalf("code %d", resp.Topics[0].ErrorCode)
		}
	})
	t.Run("duplicate in request", func(t *testing.T) {
		resp := c.do(createTopicsRequest(0, false, newTopic("d", 1, 1), newTopic("d", 1, 1)), 5).(*kmsg.CreateTopicsResponse)
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != kerr.InvalidRequest.Code {
			t.Fatalf("%+v", resp.Topics)
		}
	})
	t.Run("validate only writes nothing", func(t *testing.T) {
		resp := c.do(createTopicsRequest(1000, true, newTopic("v", -1, -1)), 5).(*kmsg.CreateTopicsResponse)
		if rt := resp.Topics[0]; rt.ErrorCode != 0 || rt.NumPartitions != 1 || rt.ReplicationFactor != 1 {
			t.Fatalf("%+v", rt)
		}
		if _, ok := h.admin.assignment("v"); ok {
			t.Fatal("validate_only created the topic")
		}
	})
}

func TestCreateTopicsWaitsForLeaders(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	h.updateMetadata(c, nil, 0)
	// Like the controller: leaders appear in the metadata cache after the
	// topic znode is written, for topics not named "slow".
	h.admin.setHooks(func(topic string, as map[int32][]int32) {
		if topic == "slow" {
			return
		}
		go h.s.meta.update(h.umRequest(map[string]map[int32][]int32{topic: as}, 0))
	}, nil)
	resp := c.do(createTopicsRequest(30000, false, newTopic("fast", 2, -1, "retention.ms", "5")), 5).(*kmsg.CreateTopicsResponse)
	rt := resp.Topics[0]
	if rt.ErrorCode != 0 || rt.NumPartitions != 2 || rt.ReplicationFactor != 1 {
		t.Fatalf("%+v", rt)
	}
	if !h.s.meta.hasLeaders("fast", 2) {
		t.Fatal("answered before the leaders were known")
	}
	var src int8 = -1
	for _, cfg := range rt.Configs {
		if cfg.Name == "retention.ms" {
			src = cfg.Source
		}
	}
	if src != int8(SourceDynamicTopicConfig) {
		t.Fatalf("retention.ms source %d", src)
	}
	resp = c.do(createTopicsRequest(1, false, newTopic("slow", 1, 1)), 5).(*kmsg.CreateTopicsResponse)
	if resp.Topics[0].ErrorCode != kerr.RequestTimedOut.Code {
		t.Fatalf("slow topic: code %d", resp.Topics[0].ErrorCode)
	}
}

func TestDeleteTopics(t *testing.T) {
	for _, tt := range []struct {
		name       string
		enabled    bool
		controller bool
		topic      string
		version    int16
		want       int16
	}{
		{"deleted", true, true, "t", 4, 0},
		{"unknown", true, true, "nope", 4, kerr.UnknownTopicOrPartition.Code},
		{"not controller", true, false, "t", 4, kerr.NotController.Code},
		{"disabled", false, true, "t", 4, kerr.TopicDeletionDisabled.Code},
		{"disabled v2", false, true, "t", 2, kerr.InvalidRequest.Code},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Topics.DeleteTopicEnable = tt.enabled })
			h.node.setController(tt.controller)
			c := h.dial()
			h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}}}, 0)
			h.admin.setHooks(nil, func(topic string) {
				go h.s.meta.update(h.umRequest(map[string]map[int32][]int32{topic: {0: nil}}, 0))
			})
			req := kmsg.NewPtrDeleteTopicsRequest()
			req.TopicNames, req.TimeoutMillis = []string{tt.topic}, 30000
			resp := c.do(req, tt.version).(*kmsg.DeleteTopicsResponse)
			if got := resp.Topics[0].ErrorCode; got != tt.want {
				t.Fatalf("code %d, want %d", got, tt.want)
			}
			if tt.want == 0 && h.s.meta.hasTopic("t") {
				t.Fatal("answered before the topic left the metadata cache")
			}
		})
	}
}

func TestCreatePartitions(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	initial := map[int32][]int32{0: {1}, 1: {1}}
	h.admin.setTopic("t", initial, nil)
	h.updateMetadata(c, map[string]map[int32][]int32{"t": initial}, 0)
	h.admin.setHooks(func(topic string, as map[int32][]int32) {
		go h.s.meta.update(h.umRequest(map[string]map[int32][]int32{topic: as}, 0))
	}, nil)
	for _, tt := range []struct {
		name  string
		topic string
		count int32
		code  int16
		msg   string
	}{
		{"fewer", "t", 1, kerr.InvalidPartitions.Code, "Topic currently has 2 partitions, which is higher than the requested 1."},
		{"same", "t", 2, kerr.InvalidPartitions.Code, "Topic already has 2 partitions."},
		{"unknown", "nope", 3, kerr.UnknownTopicOrPartition.Code, "The topic 'nope' does not exist."},
		{"grown", "t", 4, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := kmsg.NewPtrCreatePartitionsRequest()
			rt := kmsg.NewCreatePartitionsRequestTopic()
			rt.Topic, rt.Count = tt.topic, tt.count
			req.Topics = append(req.Topics, rt)
			got := c.do(req, 1).(*kmsg.CreatePartitionsResponse).Topics[0]
			msg := ""
			if got.ErrorMessage != nil {
				msg = *got.ErrorMessage
			}
			if got.ErrorCode != tt.code || msg != tt.msg {
				t.Fatalf("code %d %q, want %d %q", got.ErrorCode, msg, tt.code, tt.msg)
			}
		})
	}
	if as, _ := h.admin.assignment("t"); len(as) != 4 || !slices.Equal(as[3], []int32{1}) {
		t.Fatalf("assignment after growing: %v", as)
	}
}

func TestDescribeConfigs(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Describe = func() []ConfigEntry {
			return []ConfigEntry{
				{Name: "log.retention.hours", Value: kmsg.StringPtr("168"), Source: SourceStaticBrokerConfig},
				{Name: "log.segment.bytes", Value: kmsg.StringPtr("1000"), Source: SourceStaticBrokerConfig},
				{Name: "num.io.threads", Value: kmsg.StringPtr("8"), Source: SourceDefaultConfig},
			}
		}
	})
	c := h.dial()
	h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {1}}}, 0)
	h.admin.setTopic("t", nil, map[string]string{"retention.ms": "60000"})

	describe := func(typ kmsg.ConfigResourceType, name string, keys ...string) kmsg.DescribeConfigsResponseResource {
		req := kmsg.NewPtrDescribeConfigsRequest()
		req.IncludeSynonyms = true
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = typ, name
		if keys != nil {
			r.ConfigNames = keys
		}
		req.Resources = append(req.Resources, r)
		return c.do(req, 2).(*kmsg.DescribeConfigsResponse).Resources[0]
	}
	res := describe(kmsg.ConfigResourceTypeTopic, "t")
	if res.ErrorCode != 0 || len(res.Configs) != len(topicKeys()) {
		t.Fatalf("topic: code %d, %d configs", res.ErrorCode, len(res.Configs))
	}
	bySource := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, cfg := range res.Configs {
		bySource[cfg.Name] = cfg
	}
	for _, tt := range []struct {
		name   string
		value  string
		source kmsg.ConfigSource
	}{
		{"retention.ms", "60000", kmsg.ConfigSourceDynamicTopicConfig},
		{"segment.bytes", strconv.FormatInt(h.s.cfg.Log.SegmentBytes, 10), kmsg.ConfigSourceStaticBrokerConfig},
		{"cleanup.policy", h.s.cfg.Log.CleanupPolicy, kmsg.ConfigSourceDefaultConfig},
	} {
		got := bySource[tt.name]
		if got.Value == nil || *got.Value != tt.value || got.Source != tt.source {
			t.Errorf("%s: %v source %d, want %s source %d", tt.name, got.Value, got.Source, tt.value, tt.source)
		}
	}
	if syn := bySource["retention.ms"].ConfigSynonyms; len(syn) != 2 || syn[1].Name != "log.retention.ms" {
		t.Errorf("retention.ms synonyms %+v", syn)
	}
	if res := describe(kmsg.ConfigResourceTypeTopic, "nope"); res.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown topic: code %d", res.ErrorCode)
	}
	if res := describe(kmsg.ConfigResourceTypeBroker, "1", "num.io.threads"); res.ErrorCode != 0 || len(res.Configs) != 1 || *res.Configs[0].Value != "8" {
		t.Errorf("broker: %+v", res)
	}
	if res := describe(kmsg.ConfigResourceTypeBroker, "2"); res.ErrorCode != kerr.InvalidRequest.Code {
		t.Errorf("other broker: code %d", res.ErrorCode)
	}
}

func TestMetadataCreatesOffsetsTopic(t *testing.T) {
	for _, tt := range []struct {
		name     string
		rf       int16
		wantCode int16
		created  bool
	}{
		{"enough brokers", 1, kerr.LeaderNotAvailable.Code, true},
		{"too few brokers", 3, kerr.InvalidReplicationFactor.Code, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) {
				c.OffsetsTopic.ReplicationFactor, c.OffsetsTopic.NumPartitions = tt.rf, 5
				c.Topics.AutoCreateTopicsEnable = false
			})
			c := h.dial()
			h.updateMetadata(c, nil, 0)
			resp := c.do(metadataRequest(false, "__consumer_offsets"), 9).(*kmsg.MetadataResponse)
			if got := resp.Topics[0]; got.ErrorCode != tt.wantCode || !got.IsInternal {
				t.Fatalf("code %d internal %v, want %d", got.ErrorCode, got.IsInternal, tt.wantCode)
			}
			as, ok := h.admin.assignment("__consumer_offsets")
			if ok != tt.created || ok && len(as) != 5 {
				t.Fatalf("created %v with %d partitions", ok, len(as))
			}
		})
	}
}
