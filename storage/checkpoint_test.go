package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOffsetCheckpointFormat(t *testing.T) {
	m := map[TopicPartition]int64{{"my-topic", 1}: 0, {"my-topic", 0}: 1534}
	got := string(formatOffsetCheckpoint(m))
	want := "0\n2\nmy-topic 0 1534\nmy-topic 1 0\n"
	if got != want {
		t.Fatalf("format = %q, want %q", got, want)
	}
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"kafka example", want, 2, false},
		{"empty file", "", 0, false},
		{"version only", "0\n", 0, false},
		{"no trailing newline", "0\n1\na 0 5", 1, false},
		{"bad version", "1\n0\n", 0, true},
		{"count mismatch", "0\n3\na 0 1\n", 0, true},
		{"malformed line", "0\n1\na 0\n", 0, true},
		{"bad number", "0\n1\na x 1\n", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOffsetCheckpoint([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && len(got) != tc.want {
				t.Fatalf("%d entries, want %d", len(got), tc.want)
			}
		})
	}
}

func TestEpochCache(t *testing.T) {
	type op struct {
		kind  string // assign, end, start
		epoch int32
		off   int64
	}
	tests := []struct {
		name string
		ops  []op
		want []epochEntry
	}{
		{"assign grows", []op{{"assign", 0, 0}, {"assign", 0, 5}, {"assign", 3, 10}}, []epochEntry{{0, 0}, {3, 10}}},
		{"assign replaces conflicting", []op{{"assign", 0, 0}, {"assign", 3, 10}, {"assign", 2, 8}}, []epochEntry{{0, 0}, {2, 8}}},
		{"same epoch lower offset", []op{{"assign", 1, 10}, {"assign", 1, 5}}, []epochEntry{{1, 5}}},
		{"negative epoch ignored", []op{{"assign", -1, 0}}, nil},
		{"truncate from end", []op{{"assign", 0, 0}, {"assign", 1, 10}, {"assign", 2, 20}, {"end", 0, 10}}, []epochEntry{{0, 0}}},
		{"truncate from start", []op{{"assign", 0, 0}, {"assign", 1, 10}, {"assign", 2, 20}, {"start", 0, 15}}, []epochEntry{{1, 15}, {2, 20}}},
		{"truncate from start exact", []op{{"assign", 0, 0}, {"assign", 1, 10}, {"start", 0, 10}}, []epochEntry{{1, 10}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := NewMemFS()
			fs.MkdirAll("/p", 0o755)
			c, err := loadEpochCache(fs, "/p/leader-epoch-checkpoint", testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range tc.ops {
				switch o.kind {
				case "assign":
					err = c.assign(o.epoch, o.off)
				case "end":
					err = c.truncateFromEnd(o.off)
				case "start":
					err = c.truncateFromStart(o.off)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if got := c.snapshot(); !equalEpochs(got, tc.want) {
				t.Fatalf("entries %v, want %v", got, tc.want)
			}
			c2, _ := loadEpochCache(fs, "/p/leader-epoch-checkpoint", testLogger(t))
			if got := c2.snapshot(); len(tc.want) > 0 && !equalEpochs(got, tc.want) {
				t.Fatalf("reloaded %v, want %v", got, tc.want)
			}
		})
	}
}

func equalEpochs(a, b []epochEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEndOffsetFor(t *testing.T) {
	c := &epochCache{entries: []epochEntry{{1, 10}, {3, 20}, {5, 30}}}
	tests := []struct {
		epoch   int32
		wantE   int32
		wantOff int64
	}{
		{5, 5, 100}, // latest: LEO
		{0, 0, 10},  // below first: first start
		{1, 1, 20},
		{2, 1, 20},
		{4, 3, 30},
		{6, -1, -1},
		{-1, -1, -1},
	}
	for _, tc := range tests {
		e, off := c.endOffsetFor(tc.epoch, 100)
		if e != tc.wantE || off != tc.wantOff {
			t.Errorf("endOffsetFor(%d) = %d %d, want %d %d", tc.epoch, e, off, tc.wantE, tc.wantOff)
		}
	}
}

func TestMetaProperties(t *testing.T) {
	at := time.Date(2020, 3, 12, 10, 0, 0, 0, time.UTC)
	got := string(formatMeta(brokerMeta{ClusterID: "Xh0mQ2JkT0-7Dc8aTgj7yw", BrokerID: 1}, at))
	want := "#\n#Thu Mar 12 10:00:00 UTC 2020\ncluster.id=Xh0mQ2JkT0-7Dc8aTgj7yw\nversion=0\nbroker.id=1\n"
	if got != want {
		t.Fatalf("formatMeta = %q, want %q", got, want)
	}
	tests := []struct {
		name    string
		in      string
		want    brokerMeta
		wantErr string
	}{
		{"kafka", want, brokerMeta{"Xh0mQ2JkT0-7Dc8aTgj7yw", 1}, ""},
		{"no cluster id", "version=0\nbroker.id=3\n", brokerMeta{"", 3}, ""},
		{"colon and spaces", "version : 0\n  broker.id   7\n! comment\n", brokerMeta{"", 7}, ""},
		{"escaped", "cluster.id=a\\=b\\u0041\nversion=0\nbroker.id=0\n", brokerMeta{"a=bA", 0}, ""},
		{"continuation", "cluster.id=ab\\\n   cd\nversion=0\nbroker.id=0\n", brokerMeta{"abcd", 0}, ""},
		{"version 1", "version=1\nbroker.id=0\n", brokerMeta{}, "unrecognized version"},
		{"negative id", "version=0\nbroker.id=-1\n", brokerMeta{}, "broker.id"},
		{"missing version", "broker.id=1\n", brokerMeta{}, "version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMeta([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseMeta = %+v %v, want %+v", got, err, tc.want)
			}
		})
	}
}

func TestCorruptEpochCheckpointIgnored(t *testing.T) {
	fs := NewMemFS()
	fs.MkdirAll("/p", 0o755)
	f, _ := fs.OpenFile("/p/leader-epoch-checkpoint", 0o102, 0o644)
	f.WriteAt([]byte("0\n5\n1 2\n"), 0)
	c, err := loadEpochCache(fs, "/p/leader-epoch-checkpoint", testLogger(t))
	if err != nil || len(c.snapshot()) != 0 {
		t.Fatalf("corrupt checkpoint: %v %v", c, err)
	}
	if !errors.Is(func() error { _, err := parseEpochCheckpoint([]byte("0\n5\n1 2\n")); return err }(), errMalformedCheckpoint) {
		t.Fatal("parse accepted a count mismatch")
	}
}
