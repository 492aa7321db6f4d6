package main

import (
	"reflect"
	"testing"
)

func TestParseOffsetJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    []partitionOffset
		wantErr string
	}{
		{`{"partitions":[{"topic":"foo","partition":1,"offset":5}],"version":1}`, []partitionOffset{{"foo", 1, 5}}, ""},
		{`{"partitions":[{"topic":"foo","partition":0,"offset":-1}]}`, []partitionOffset{{"foo", 0, -1}}, ""},
		{`not json`, nil, "kafka.admin.AdminOperationException: The input string is not a valid JSON"},
		{`{"version":2,"partitions":[]}`, nil, "kafka.admin.AdminOperationException: Not supported version field value 2"},
		{`{"version":1}`, nil, "kafka.admin.AdminOperationException: Missing partitions field"},
	}
	for _, tt := range tests {
		got, err := parseOffsetJSON([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s: err %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestJavaHashMapOrder(t *testing.T) {
	// "t".hashCode() = 116; TopicPartition hashes 31*(31+p)+116: p0 1077,
	// p1 1108, p2 1139; with capacity 4 the buckets are 1, 0, 3.
	in := []partitionOffset{{"t", 0, 0}, {"t", 1, 0}, {"t", 2, 0}}
	want := []partitionOffset{{"t", 1, 0}, {"t", 0, 0}, {"t", 2, 0}}
	if got := javaHashMapOrder(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func FuzzParseOffsetJSON(f *testing.F) {
	f.Add([]byte(`{"partitions":[{"topic":"foo","partition":1,"offset":5}],"version":1}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := parseOffsetJSON(data)
		if err == nil {
			javaHashMapOrder(ps) // must not panic
		}
	})
}
