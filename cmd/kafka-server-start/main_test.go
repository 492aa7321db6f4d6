package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samsa-broker/samsa/conf"
)

func TestOverrideArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{nil, nil, ""},
		{[]string{"--override", "broker.id=2", "--override", "log.dirs=/x"}, []string{"broker.id=2", "log.dirs=/x"}, ""},
		{[]string{"--override"}, nil, "Option override requires an argument"},
		{[]string{"extra"}, nil, "Found non argument parameters: extra"},
	} {
		got, err := overrideArgs(tc.args)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%v: got %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
}

// TestTutorialAnnotatedLine: the tutorial's own `broker.id=1 ##21行 修改`
// stops the broker with an error that explains where comments may go.
func TestTutorialAnnotatedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.properties")
	body := "zookeeper.connect=127.0.0.1:1\nbroker.id=1 ##21行 修改\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOG_DIR", "")
	var out, errb bytes.Buffer
	if code := run([]string{path}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"server.properties:2", "broker.id", "'#' starts a comment only at the beginning of a line", "(kafka.Kafka$)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "USAGE: kafka-server-start") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestTranslation checks that server.properties reaches the broker's,
// storage's and the coordinator's own configs.
func TestTranslation(t *testing.T) {
	p, err := conf.ParseProperties(strings.NewReader(strings.Join([]string{
		"broker.id=3",
		"listeners=PLAINTEXT://127.0.0.13:9092",
		"log.dirs=/a,/b",
		"num.partitions=4",
		"zookeeper.connect=127.0.0.11:2181/kafka",
		"log.retention.hours=1",
		"log.segment.bytes=1048576",
		"auto.create.topics.enable=false",
		"unclean.leader.election.enable=true",
		"offsets.retention.minutes=60",
	}, "\n")), "server.properties")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := conf.NewBrokerConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	b := brokerConfig(c)
	if err := b.Validate(); err != nil {
		t.Fatalf("translated broker config invalid: %v", err)
	}
	if b.BrokerID != 3 || b.Topics.NumPartitions != 4 || b.Topics.AutoCreateTopicsEnable || len(b.LogDirs) != 2 {
		t.Errorf("broker config: %+v", b)
	}
	if len(b.Listeners) != 1 || b.Listeners[0].Host != "127.0.0.13" || b.Listeners[0].Port != 9092 || b.Listeners[0].Name != "PLAINTEXT" {
		t.Errorf("listeners: %+v", b.Listeners)
	}
	if b.Log.RetentionMs != 3600000 || b.Log.SegmentBytes != 1048576 || b.Log.MaxMessageBytes != 1000012 {
		t.Errorf("log defaults: %+v", b.Log)
	}
	if err := b.Log.Validate(); err != nil {
		t.Errorf("log config invalid: %v", err)
	}
	if b.Group.OffsetsRetention.Minutes() != 60 || b.Group.MaxSize <= 0 || b.Group.OffsetMetadataMaxBytes != 4096 {
		t.Errorf("group config: %+v", b.Group)
	}
	n := nodeConfig(c)
	if n.BrokerID != 3 || !n.UncleanLeaderElectionEnable || len(n.Endpoints) != 1 || n.Endpoints[0].Host != "127.0.0.13" || n.InterBrokerListener != "PLAINTEXT" {
		t.Errorf("node config: %+v", n)
	}
	m := managerConfig(c, b.Log)
	if strings.Join(m.Dirs, ",") != "/a,/b" || m.RetentionCheckInterval.Milliseconds() != 300000 {
		t.Errorf("manager config: %+v", m)
	}
	if len(describe(c)) < 100 {
		t.Errorf("describe lists %d keys, want every broker key", len(describe(c)))
	}
}
