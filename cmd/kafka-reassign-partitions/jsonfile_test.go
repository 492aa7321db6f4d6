package main

import (
	"fmt"
	"reflect"
	"testing"
)

func TestParseReassignment(t *testing.T) {
	tests := []struct {
		in       string
		want     []proposal
		wantDirs []replicaDir
		wantErr  string
	}{
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]},{"topic":"u","partition":3,"replicas":[3]}]}`,
			[]proposal{{tp{Topic: "t", Partition: 0}, []int32{1, 2}}, {tp{Topic: "u", Partition: 3}, []int32{3}}}, nil, ""},
		{`{"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","/data"]}]} trailing`,
			[]proposal{{tp{Topic: "t", Partition: 0}, []int32{1, 2}}},
			[]replicaDir{{replica{tp{Topic: "t", Partition: 0}, 2}, "/data"}}, ""},
		{`{"version":1}`, nil, nil, ""},
		{`not json`, nil, nil, "kafka.admin.AdminOperationException: The input string is not a valid JSON"},
		{``, nil, nil, "kafka.admin.AdminOperationException: The input string is not a valid JSON"},
		{`{"version":2}`, nil, nil, "kafka.admin.AdminOperationException: Not supported version field value 2"},
		{`{"version":"1"}`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected `Int` value, received \"1\""},
		{`[]`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected JSON object, received []"},
		{`{"partitions":{}}`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected JSON array, received {}"},
		{`{"partitions":[{"partition":0,"replicas":[1]}]}`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: No such field exists: `topic`"},
		{`{"partitions":[{"topic":"t","replicas":[1]}]}`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: No such field exists: `partition`"},
		{`{"partitions":[{"topic":"t","partition":0}]}`, nil, nil, "com.fasterxml.jackson.databind.JsonMappingException: No such field exists: `replicas`"},
		{`{"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any","any"]}]}`, nil, nil,
			"kafka.common.AdminCommandFailedException: Size of replicas list List(1) is different from size of log dirs list List(any, any) for partition t-0"},
	}
	for _, tt := range tests {
		got, dirs, err := parseReassignment([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || javaString(err) != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.in, javaString(err), tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(dirs, tt.wantDirs) {
			t.Errorf("%s: got %v %v %v, want %v %v", tt.in, got, dirs, err, tt.want, tt.wantDirs)
		}
	}
}

func TestParseTopics(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{`{"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}`, []string{"foo", "foo1"}, ""},
		{`{"version":1}`, nil, ""},
		{`{`, nil, "kafka.admin.AdminOperationException: The input string is not a valid JSON"},
		{`{"topics":[{"name":"foo"}]}`, nil, "com.fasterxml.jackson.databind.JsonMappingException: No such field exists: `topic`"},
		{`{"topics":[{"topic":1}]}`, nil, "com.fasterxml.jackson.databind.JsonMappingException: Expected `String` value, received 1"},
	}
	for _, tt := range tests {
		got, err := parseTopics([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || javaString(err) != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatReassignmentJSON(t *testing.T) {
	got := formatReassignmentJSON([]assignment{{tp{Topic: "t", Partition: 1}, []int32{2, 3}}, {tp{Topic: "t", Partition: 0}, []int32{1}}})
	want := `{"version":1,"partitions":[{"topic":"t","partition":1,"replicas":[2,3],"log_dirs":["any","any"]},{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any"]}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := formatReassignmentJSON(nil); got != `{"version":1,"partitions":[]}` {
		t.Errorf("empty: %s", got)
	}
}

func TestPartitionsInOrder(t *testing.T) {
	got, err := partitionsInOrder([]byte(`{"version":2,"partitions":{"2":[3,1],"0":[1,2],"1":[2,3]},"adding_replicas":{},"removing_replicas":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []assignment{{tp{Partition: 2}, []int32{3, 1}}, {tp{Partition: 0}, []int32{1, 2}}, {tp{Partition: 1}, []int32{2, 3}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{`[]`, `{"partitions":[]}`, `{"partitions":{"x":[1]}}`, `{"partitions":{"0":"a"}}`} {
		if _, err := partitionsInOrder([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestThrottledReplicas(t *testing.T) {
	got := throttledReplicas([]assignment{{tp{Topic: "t", Partition: 0}, []int32{1, 2}}, {tp{Topic: "t", Partition: 2}, nil}, {tp{Topic: "t", Partition: 1}, []int32{3}}})
	if got != "0:1,0:2,1:3" {
		t.Errorf("got %q", got)
	}
}

func TestScalaMapsOfTopicPartitions(t *testing.T) {
	var small, large []assignment
	for p := int32(0); p < 3; p++ {
		small = append(small, assignment{tp{Topic: "t", Partition: 2 - p}, []int32{p}})
	}
	for p := int32(0); p < 6; p++ {
		large = append(large, assignment{tp{Topic: "t", Partition: p}, []int32{p}})
	}
	// Up to four entries keep insertion order; a HashMap filtered down to
	// few entries stays a trie.
	if got := fmt.Sprint(keysOf(buildTPMap(small).entries)); got != "[t-2 t-1 t-0]" {
		t.Errorf("small map order %s", got)
	}
	m := buildTPMap(large)
	if !m.hashed {
		t.Fatal("six entries should make a HashMap")
	}
	f := m.filter(func(a assignment) bool { return a.tp.Partition < 2 })
	if !f.hashed || len(f.entries) != 2 {
		t.Errorf("filtered HashMap: %+v", f)
	}
	if got := reassignmentString(nil); got != "Map()" {
		t.Errorf("empty reassignment string %s", got)
	}
}

func FuzzParseReassignment(f *testing.F) {
	f.Add([]byte(`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`))
	f.Add([]byte(`{"partitions":[{"topic":"t","partition":"0"}]}`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		props, dirs, err := parseReassignment(data)
		if err != nil && (props != nil || dirs != nil) {
			t.Fatalf("error %v with results", err)
		}
		for _, d := range dirs {
			if d.dir == anyLogDir {
				t.Fatalf("any log dir kept: %v", d)
			}
		}
		_, _ = parseTopics(data)
		_, _ = partitionsInOrder(data)
	})
}
