package main

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestFormatJSON(t *testing.T) {
	part := func(p int32, size int64) kmsg.DescribeLogDirsResponseDirTopicPartition {
		rp := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
		rp.Partition, rp.Size = p, size
		return rp
	}
	topic := kmsg.NewDescribeLogDirsResponseDirTopic()
	topic.Topic = "t"
	// "t"-0, -1, -2 hash to buckets 5, 4, 3 of 16: Kafka prints them backwards.
	topic.Partitions = []kmsg.DescribeLogDirsResponseDirTopicPartition{part(0, 10), part(1, 0), part(2, 7)}
	other := kmsg.NewDescribeLogDirsResponseDirTopic()
	other.Topic = "x"
	other.Partitions = []kmsg.DescribeLogDirsResponseDirTopicPartition{part(0, 1)}
	ok := kmsg.NewDescribeLogDirsResponseDir()
	ok.Dir, ok.Topics = "/d1", []kmsg.DescribeLogDirsResponseDirTopic{topic, other}
	bad := kmsg.NewDescribeLogDirsResponseDir()
	bad.Dir, bad.ErrorCode = "/d2", kerr.KafkaStorageError.Code

	tests := []struct {
		name   string
		topics map[string]bool
		want   string
	}{
		{"topic filter", map[string]bool{"t": true},
			`{"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/d1","error":null,"partitions":[{"partition":"t-2","size":7,"offsetLag":0,"isFuture":false},{"partition":"t-1","size":0,"offsetLag":0,"isFuture":false},{"partition":"t-0","size":10,"offsetLag":0,"isFuture":false}]},{"logDir":"/d2","error":"org.apache.kafka.common.errors.KafkaStorageException","partitions":[]}]}]}`},
	}
	for _, tt := range tests {
		got, err := formatJSON(map[int32][]kmsg.DescribeLogDirsResponseDir{1: {ok, bad}}, tt.topics)
		if err != nil || got != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
