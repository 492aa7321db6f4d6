package coordinator

import (
	"errors"
	"reflect"
	"testing"
)

func strp(s string) *string { return &s }

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"broker v4", EncodeBrokerInfo(BrokerInfo{ID: 1, JmxPort: -1, Timestamp: "1583312345678",
			Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "host1", Port: 9092, SecurityProtocol: "PLAINTEXT"}}}),
			// As a kafka_2.13-2.4.1 broker writes it.
			`{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://host1:9092"],"jmx_port":-1,"port":9092,"host":"host1","version":4,"timestamp":"1583312345678"}`},
		{"broker no plaintext", EncodeBrokerInfo(BrokerInfo{ID: 1, JmxPort: 9999, Timestamp: "1", Rack: strp("r1"),
			Endpoints: []Endpoint{{Listener: "INTERNAL", Host: "::1", Port: 9093, SecurityProtocol: "SSL"}, {Listener: "EXT", Host: "", Port: 9094, SecurityProtocol: "SASL_SSL"}}}),
			`{"listener_security_protocol_map":{"INTERNAL":"SSL","EXT":"SASL_SSL"},"endpoints":["INTERNAL://[::1]:9093","EXT://:9094"],"rack":"r1","jmx_port":9999,"port":-1,"host":null,"version":4,"timestamp":"1"}`},
		{"topic v2", EncodeTopicAssignment(map[int32][]int32{0: {1, 2}, 1: {2, 3}}, nil, nil),
			`{"version":2,"partitions":{"0":[1,2],"1":[2,3]},"adding_replicas":{},"removing_replicas":{}}`},
		// Scala 2.13's HashMap order past its first resize, as kafka-topics
		// 2.4.1 (kafka_2.13) writes a 20-partition topic.
		{"topic v2 twenty partitions", EncodeTopicAssignment(twenty(), nil, nil),
			`{"version":2,"partitions":{"11":[1],"12":[1],"13":[1],"14":[1],"15":[1],"16":[1],"17":[1],"18":[1],"19":[1],"0":[1],"1":[1],"2":[1],"3":[1],"4":[1],"5":[1],"6":[1],"7":[1],"8":[1],"9":[1],"10":[1]},"adding_replicas":{},"removing_replicas":{}}`},
		{"topic v2 many", EncodeTopicAssignment(map[int32][]int32{10: {1}, 2: {1}}, map[int32][]int32{2: {3}}, map[int32][]int32{2: {1}}),
			`{"version":2,"partitions":{"2":[1],"10":[1]},"adding_replicas":{"2":[3]},"removing_replicas":{"2":[1]}}`},
		{"partition state", EncodePartitionState(PartitionState{Leader: 1, LeaderEpoch: 0, ControllerEpoch: 1, ISR: []int32{1, 2}}),
			`{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`},
		{"partition state no leader", EncodePartitionState(PartitionState{Leader: -1, LeaderEpoch: 3, ControllerEpoch: 2}),
			`{"controller_epoch":2,"leader":-1,"version":1,"leader_epoch":3,"isr":[]}`},
		{"controller", EncodeController(1, 1583312345678), `{"version":1,"brokerid":1,"timestamp":"1583312345678"}`},
		{"controller epoch", EncodeControllerEpoch(12), `12`},
		{"cluster id", EncodeClusterID("Xh0mQ2JkT0-7Dc8aTgj7yw"), `{"version":"1","id":"Xh0mQ2JkT0-7Dc8aTgj7yw"}`},
		{"config", EncodeConfig(map[string]string{"retention.ms": "86400000", "cleanup.policy": "compact"}),
			`{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"86400000"}}`},
		// Printed by Kafka 2.4.1's ConfigEntityZNode.encode on Java 17.
		{"config, nine keys", EncodeConfig(map[string]string{"retention.ms": "86400000", "cleanup.policy": "compact", "segment.bytes": "1000",
			"min.insync.replicas": "2", "max.message.bytes": "12", "flush.ms": "1", "compression.type": "gzip", "file.delete.delay.ms": "3", "index.interval.bytes": "5"}),
			`{"version":1,"config":{"compression.type":"gzip","cleanup.policy":"compact","file.delete.delay.ms":"3","flush.ms":"1","max.message.bytes":"12","min.insync.replicas":"2","retention.ms":"86400000","segment.bytes":"1000","index.interval.bytes":"5"}}`},
		{"config change, default broker", EncodeConfigChange("brokers/<default>"), `{"version":2,"entity_path":"brokers/<default>"}`},
		{"config empty", EncodeConfig(nil), `{"version":1,"config":{}}`},
		{"config change", EncodeConfigChange("topics/my-topic"), `{"version":2,"entity_path":"topics/my-topic"}`},
		{"isr change", EncodeISRChange([]TopicPartition{{Topic: "t", Partition: 0}, {Topic: "t", Partition: 3}}),
			`{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":3}]}`},
		{"preferred", EncodePreferredElection([]TopicPartition{{Topic: "t", Partition: 0}}), `{"version":1,"partitions":[{"topic":"t","partition":0}]}`},
		{"reassign", EncodeReassignment([]Reassignment{{TopicPartition{Topic: "t", Partition: 0}, []int32{1, 2, 3}}}),
			`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}`},
		{"producer id block", EncodeProducerIDBlock(ProducerIDBlock{Broker: 0, Start: 0, End: 999}),
			`{"version":1,"broker":0,"block_start":"0","block_end":"999"}`},
		{"log dir event", EncodeLogDirEvent(2), `{"version":1,"broker":2,"event":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

func twenty() map[int32][]int32 {
	m := map[int32][]int32{}
	for p := int32(0); p < 20; p++ {
		m[p] = []int32{1}
	}
	return m
}

func TestDecodeBrokerInfo(t *testing.T) {
	tests := []struct {
		name string
		data string
		want BrokerInfo
		err  bool
	}{
		{"v4", `{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},"endpoints":["PLAINTEXT://host1:9092","SSL://host1:9093"],"jmx_port":-1,"host":"host1","timestamp":"1583312345678","port":9092,"version":4}`,
			BrokerInfo{ID: 7, Host: "host1", Port: 9092, JmxPort: -1, Timestamp: "1583312345678", Epoch: 42,
				Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "host1", Port: 9092, SecurityProtocol: "PLAINTEXT"}, {Listener: "SSL", Host: "host1", Port: 9093, SecurityProtocol: "SSL"}}}, false},
		{"v4 custom listener ipv6 rack", `{"version":4,"host":null,"port":-1,"jmx_port":-1,"timestamp":"5","endpoints":["REPL://[::1]:9094"],"listener_security_protocol_map":{"REPL":"SASL_PLAINTEXT"},"rack":"a"}`,
			BrokerInfo{ID: 7, Port: -1, JmxPort: -1, Timestamp: "5", Epoch: 42, Rack: strp("a"),
				Endpoints: []Endpoint{{Listener: "REPL", Host: "::1", Port: 9094, SecurityProtocol: "SASL_PLAINTEXT"}}}, false},
		{"v2 no map", `{"version":2,"host":"h","port":1,"jmx_port":-1,"timestamp":"5","endpoints":["PLAINTEXT://h:1"]}`,
			BrokerInfo{ID: 7, Host: "h", Port: 1, JmxPort: -1, Timestamp: "5", Epoch: 42,
				Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "h", Port: 1, SecurityProtocol: "PLAINTEXT"}}}, false},
		{"v1 numeric timestamp", `{"version":1,"host":"h","port":1,"jmx_port":-1,"timestamp":5}`,
			BrokerInfo{ID: 7, Host: "h", Port: 1, JmxPort: -1, Timestamp: "5", Epoch: 42,
				Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "h", Port: 1, SecurityProtocol: "PLAINTEXT"}}}, false},
		{"bad endpoint", `{"version":4,"endpoints":["nonsense"]}`, BrokerInfo{}, true},
		{"not json", `x`, BrokerInfo{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBrokerInfo(7, []byte(tt.data), 42)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBrokerInfoRoundTrip(t *testing.T) {
	in := BrokerInfo{ID: 3, Host: "h", Port: 9092, JmxPort: -1, Timestamp: "99", Rack: strp("r"),
		Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "h", Port: 9092, SecurityProtocol: "PLAINTEXT"}, {Listener: "CONTROLLER", Host: "h", Port: 9093, SecurityProtocol: "PLAINTEXT"}}}
	out, err := DecodeBrokerInfo(3, EncodeBrokerInfo(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v\nwant %+v", out, in)
	}
}

func TestDecodeTopicAssignment(t *testing.T) {
	tests := []struct {
		name string
		data string
		want TopicAssignment
		err  bool
	}{
		{"v2", `{"version":2,"partitions":{"0":[1,2],"1":[2,3]},"adding_replicas":{"1":[3]},"removing_replicas":{}}`,
			TopicAssignment{map[int32][]int32{0: {1, 2}, 1: {2, 3}}, map[int32][]int32{1: {3}}, map[int32][]int32{}}, false},
		{"v1", `{"version":1,"partitions":{"0":[1]}}`,
			TopicAssignment{map[int32][]int32{0: {1}}, map[int32][]int32{}, map[int32][]int32{}}, false},
		{"bad partition", `{"version":1,"partitions":{"x":[1]}}`, TopicAssignment{}, true},
		{"negative partition", `{"version":1,"partitions":{"-1":[1]}}`, TopicAssignment{}, true},
		{"null", ``, TopicAssignment{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeTopicAssignment([]byte(tt.data))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeSmallZnodes(t *testing.T) {
	ps, err := DecodePartitionState([]byte(`{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`), 5)
	if err != nil || !reflect.DeepEqual(ps, PartitionState{Leader: 1, LeaderEpoch: 0, ControllerEpoch: 1, ISR: []int32{1, 2}, ZkVersion: 5}) {
		t.Errorf("partition state: %+v %v", ps, err)
	}
	if _, err := DecodePartitionState([]byte(`{"leader":1}`), 0); err == nil {
		t.Error("partition state without epochs accepted")
	}
	for _, tt := range []struct {
		data string
		want int32
		err  bool
	}{{`{"version":1,"brokerid":3,"timestamp":"1"}`, 3, false}, {`3`, 3, false}, {``, -1, true}, {`{"version":1}`, -1, true}} {
		got, err := DecodeController([]byte(tt.data))
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("DecodeController(%q) = %d, %v", tt.data, got, err)
		}
	}
	if e, err := DecodeControllerEpoch([]byte("17")); e != 17 || err != nil {
		t.Errorf("controller epoch: %d %v", e, err)
	}
	if id, err := DecodeClusterID([]byte(`{"version":"1","id":"abc"}`)); id != "abc" || err != nil {
		t.Errorf("cluster id: %q %v", id, err)
	}
	if b, err := DecodeProducerIDBlock([]byte(`{"version":1,"broker":2,"block_start":"1000","block_end":"1999"}`)); err != nil || b != (ProducerIDBlock{2, 1000, 1999}) {
		t.Errorf("pid block: %+v %v", b, err)
	}
	if c, err := DecodeConfig([]byte(`{"version":1,"config":{"a":"1"}}`)); err != nil || c["a"] != "1" {
		t.Errorf("config: %v %v", c, err)
	}
	if c, err := DecodeConfig(nil); err != nil || len(c) != 0 {
		t.Errorf("null config: %v %v", c, err)
	}
	for _, tt := range []struct{ data, want string }{
		{`{"version":2,"entity_path":"topics/t"}`, "topics/t"},
		{`{"version":1,"entity_type":"topics","entity_name":"t"}`, "topics/t"},
	} {
		if got, err := DecodeConfigChange([]byte(tt.data)); err != nil || got != tt.want {
			t.Errorf("config change %s: %q %v", tt.data, got, err)
		}
	}
	tps, err := DecodeISRChange([]byte(`{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"u","partition":3}]}`))
	if err != nil || !reflect.DeepEqual(tps, []TopicPartition{{Topic: "t", Partition: 0}, {Topic: "u", Partition: 3}}) {
		t.Errorf("isr change: %v %v", tps, err)
	}
	if _, err := DecodeISRChange([]byte(`{"version":1,"partitions":[{"topic":"t"}]}`)); err == nil {
		t.Error("isr change without partition accepted")
	}
	rs, err := DecodeReassignment([]byte(`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}`))
	if err != nil || !reflect.DeepEqual(rs, []Reassignment{{TopicPartition{Topic: "t", Partition: 0}, []int32{1, 2, 3}}}) {
		t.Errorf("reassignment: %v %v", rs, err)
	}
	if b, err := DecodeLogDirEvent([]byte(`{"version":1,"broker":2,"event":1}`)); b != 2 || err != nil {
		t.Errorf("log dir event: %d %v", b, err)
	}
}

func TestKafkaErrorMatchesSentinel(t *testing.T) {
	err := kafkaErrorf(ErrTopicExists, "Topic '%s' already exists.", "x")
	if err.Error() != "Topic 'x' already exists." || !errors.Is(err, ErrTopicExists) {
		t.Errorf("got %v", err)
	}
}
