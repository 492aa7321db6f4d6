package election

import (
	"reflect"
	"testing"
)

func TestParsePartitions(t *testing.T) {
	tp := func(topic string, p int32) TopicPartition { return TopicPartition{Topic: topic, Partition: p} }
	tests := []struct {
		in      string
		m       Messages
		want    []TopicPartition
		wantErr string
	}{
		{`{"partitions":[{"topic":"foo","partition":1},{"topic":"foobar","partition":2}]}`, PartitionsFile(),
			[]TopicPartition{tp("foo", 1), tp("foobar", 2)}, ""},
		{`{"partitions":[]}`, PartitionsFile(), []TopicPartition{}, ""},
		{`x`, PartitionsFile(), nil, "kafka.admin.AdminOperationException: Replica election data is empty"},
		{`x`, PreferredFile(), nil, "kafka.admin.AdminOperationException: Preferred replica election data is empty"},
		{`{}`, PartitionsFile(), nil, "kafka.admin.AdminOperationException: Replica election data is missing \"partitions\" field"},
		{`{}`, PreferredFile(), nil, "kafka.admin.AdminOperationException: Preferred replica election data is empty"},
		{`{"partitions":[{"topic":"a","partition":0},{"topic":"a","partition":0}]}`, PartitionsFile(), nil,
			"kafka.admin.AdminOperationException: Replica election data contains duplicate partitions: a-0"},
		{`{"partitions":[{"topic":"a"}]}`, PreferredFile(), nil, "com.fasterxml.jackson.databind.JsonMappingException: No such field exists: `partition`"},
		{`{"partitions":[{"topic":"a","partition":1.5}]}`, PreferredFile(), nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected `Int` value, received 1.5"},
		{`{"partitions":3}`, PreferredFile(), nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected JSON array, received 3"},
	}
	for _, tt := range tests {
		got, err := ParsePartitions([]byte(tt.in), tt.m)
		if tt.wantErr != "" {
			var ee *Error
			if err == nil || !asError(err, &ee) || ee.JavaString() != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

func TestSetString(t *testing.T) {
	tps := []TopicPartition{{Topic: "t", Partition: 1}, {Topic: "t", Partition: 0}}
	if got := String(tps, false); got != "Set(t-1, t-0)" {
		t.Errorf("got %s", got)
	}
	if got := String(tps, true); got != "HashSet(t-1, t-0)" {
		t.Errorf("got %s", got)
	}
	if got := String(nil, false); got != "Set()" {
		t.Errorf("got %s", got)
	}
}

func FuzzParsePartitions(f *testing.F) {
	f.Add([]byte(`{"partitions":[{"topic":"foo","partition":1}]}`))
	f.Add([]byte(`{"partitions":[{"topic":"foo","partition":1},{"topic":"foo","partition":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tps, err := ParsePartitions(data, PartitionsFile())
		if err != nil {
			return
		}
		seen := map[TopicPartition]bool{}
		for _, tp := range tps {
			if seen[tp] {
				t.Fatalf("duplicate %v accepted", tp)
			}
			seen[tp] = true
		}
	})
}

func TestValidateBootstrap(t *testing.T) {
	tests := []struct {
		in, wantCause string
	}{
		{"127.0.0.1:9092", ""},
		{" 127.0.0.1:9092 , ,localhost:1", ""},
		{"[::1]:9092", ""},
		{"x", "org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: x"},
		{"127.0.0.1:99999", "org.apache.kafka.common.config.ConfigException: Invalid port in bootstrap.servers: 127.0.0.1:99999"},
		{"", "org.apache.kafka.common.config.ConfigException: No resolvable bootstrap urls given in bootstrap.servers"},
	}
	for _, tt := range tests {
		err := ValidateBootstrap(tt.in)
		if tt.wantCause == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.in, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.JavaString() != "org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient" ||
			len(e.Causes) != 1 || e.Causes[0] != tt.wantCause {
			t.Errorf("%q: %#v, want cause %s", tt.in, err, tt.wantCause)
		}
	}
}
