package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestFormatter(t *testing.T) {
	ts := time.UnixMilli(1583312345678)
	rec := &kgo.Record{Key: []byte("k"), Value: []byte("v"), Timestamp: ts, Partition: 2, Offset: 7}
	nullKey := &kgo.Record{Value: []byte("v"), Timestamp: ts}
	tests := []struct {
		name  string
		props map[string]string
		rec   *kgo.Record
		want  string
	}{
		{"value only", nil, rec, "v\n"},
		{"key and value", map[string]string{"print.key": "true"}, rec, "k\tv\n"},
		{"null key", map[string]string{"print.key": "true"}, nullKey, "null\tv\n"},
		{"timestamp", map[string]string{"print.timestamp": "true", "print.key": "true"}, rec, "CreateTime:1583312345678\tk\tv\n"},
		{"timestamp only", map[string]string{"print.timestamp": "true", "print.value": "false"}, rec, "CreateTime:1583312345678\n"},
		{"key only", map[string]string{"print.key": " TRUE ", "print.value": "false"}, rec, "k\n"},
		{"separators", map[string]string{"print.key": "true", "key.separator": "=", "line.separator": ";"}, rec, "k=v;"},
		{"partition and offset", map[string]string{"print.partition": "true", "print.offset": "true"}, rec, "Partition:2\tOffset:7\tv\n"},
		{"nothing", map[string]string{"print.value": "false"}, rec, ""},
		{"long deserializer", map[string]string{"value.deserializer": "org.apache.kafka.common.serialization.LongDeserializer"},
			&kgo.Record{Value: []byte{0, 0, 0, 0, 0, 0, 1, 0}}, "256\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := newFormatter(tc.props)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := f.writeTo(&b, tc.rec); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
	f, _ := newFormatter(map[string]string{"value.deserializer": "org.apache.kafka.common.serialization.IntegerDeserializer"})
	var b bytes.Buffer
	if err := f.writeTo(&b, rec); err == nil || isWriteError(err) || b.Len() != 0 {
		t.Errorf("bad integer: err %v, wrote %q", err, b.String())
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		usage       string
		group       string
		autoCommit  bool
		reset       string
		offset      int64
		partitioned bool
	}{
		{name: "tutorial line", args: []string{"--bootstrap-server", "kafka1:9092", "--topic", "test"},
			group: "console-consumer-", reset: "latest", offset: offsetLatest},
		{name: "from beginning with group", args: []string{"--bootstrap-server", "a:1", "-topic", "t", "--from-beginning", "--group", "g"},
			group: "g", autoCommit: true, reset: "earliest", offset: offsetEarliest},
		{name: "group via property", args: []string{"--bootstrap-server", "a:1", "--whitelist", "t.*", "--consumer-property", "group.id=h"},
			group: "h", autoCommit: true, reset: "latest", offset: offsetLatest},
		{name: "partition and offset", args: []string{"--bootstrap-server", "a:1", "--topic", "t", "--partition", "0", "--offset", "42"},
			group: "console-consumer-", reset: "latest", offset: 42, partitioned: true},
		{name: "no topic", args: []string{"--bootstrap-server", "a:1"}, usage: "Exactly one of whitelist/topic is required."},
		{name: "no server", args: []string{"--topic", "t"}, usage: `Missing required argument "[bootstrap-server]"`},
		{name: "bad offset", args: []string{"--bootstrap-server", "a:1", "--topic", "t", "--partition", "0", "--offset", "-3"},
			usage: "The provided offset value '-3' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."},
		{name: "group and partition", args: []string{"--bootstrap-server", "a:1", "--topic", "t", "--partition", "0", "--group", "g"},
			usage: "Options group and partition cannot be specified together."},
		{name: "groups disagree", args: []string{"--bootstrap-server", "a:1", "--topic", "t", "--group", "g", "--consumer-property", "group.id=h"},
			usage: "The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: 'g', 'h'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := newOptions().parse(tc.args, rand.New(rand.NewPCG(1, 2)))
			if tc.usage != "" {
				var u *cli.UsageError
				if !errors.As(err, &u) || u.Msg != tc.usage {
					t.Fatalf("err = %v, want usage %q", err, tc.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := cfg.consumer["group.id"]
			if tc.group == "console-consumer-" {
				if len(g) <= len(tc.group) || g[:len(tc.group)] != tc.group {
					t.Errorf("group %q, want a generated one", g)
				}
			} else if g != tc.group {
				t.Errorf("group %q, want %q", g, tc.group)
			}
			if cfg.autoCommit() != tc.autoCommit {
				t.Errorf("autoCommit = %v", cfg.autoCommit())
			}
			if r := cfg.consumer["auto.offset.reset"]; r != tc.reset {
				t.Errorf("auto.offset.reset = %q, want %q", r, tc.reset)
			}
			if cfg.offset != tc.offset || (cfg.partition != nil) != tc.partitioned {
				t.Errorf("offset %d partition %v", cfg.offset, cfg.partition)
			}
			if _, err := cfg.clientOptions(nil); err != nil {
				t.Errorf("clientOptions: %v", err)
			}
		})
	}
}
