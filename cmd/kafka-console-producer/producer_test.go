package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "producer.properties")
	if err := os.WriteFile(file, []byte("linger.ms=5\nacks=all\ncompression.type=lz4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		want  map[string]string
		sync  bool
		usage string
	}{
		{name: "tutorial line", args: []string{"--broker-list", "kafka1:9092", "-topic", "test"},
			want: map[string]string{"bootstrap.servers": "kafka1:9092", "acks": "1", "linger.ms": "1000", "compression.type": "none",
				"client.id": "console-producer", "request.timeout.ms": "1500", "retries": "3", "batch.size": "16384"}},
		{name: "bootstrap-server synonym", args: []string{"--bootstrap-server", "a:1,b:2", "--topic", "t"},
			want: map[string]string{"bootstrap.servers": "a:1,b:2"}},
		{name: "bare compression codec is gzip", args: []string{"--broker-list", "a:1", "--topic", "t", "--compression-codec"},
			want: map[string]string{"compression.type": "gzip"}},
		{name: "compression codec value", args: []string{"--broker-list", "a:1", "--topic", "t", "--compression-codec", "zstd", "--sync"},
			want: map[string]string{"compression.type": "zstd"}, sync: true},
		{name: "file keeps values options do not set explicitly", args: []string{"--broker-list", "a:1", "--topic", "t", "--producer.config", file},
			want: map[string]string{"linger.ms": "5", "acks": "all", "compression.type": "none"}},
		{name: "explicit option beats file and property", args: []string{"--broker-list", "a:1", "--topic", "t", "--producer.config", file,
			"--producer-property", "acks=0", "--request-required-acks", "-1", "--producer-property", "max.request.size=2000000"},
			want: map[string]string{"acks": "-1", "max.request.size": "2000000"}},
		{name: "missing topic", args: []string{"--broker-list", "a:1"}, usage: `Missing required argument "[topic]"`},
		{name: "bad host port", args: []string{"--broker-list", "kafka1", "--topic", "t"}, usage: "Please provide valid host:port like host1:9091,host2:9092\n "},
		{name: "unknown option", args: []string{"--broker-list", "a:1", "--topic", "t", "--bogus"}, usage: "bogus is not a recognized option"},
		{name: "no arguments", args: nil, usage: "This tool helps to read data from standard input and publish it to Kafka."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := newOptions().parse(tc.args)
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
			for k, v := range tc.want {
				if got := cfg.producer[k]; got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if cfg.sync != tc.sync {
				t.Errorf("sync = %v", cfg.sync)
			}
			if _, err := clientOptions(cfg.producer); err != nil {
				t.Errorf("clientOptions: %v", err)
			}
		})
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		props   map[string]string
		want    []message
		prompts string
		err     string
	}{
		{name: "plain lines, last without newline", input: "hello\r\nworld\nlast",
			want: []message{{value: []byte("hello")}, {value: []byte("world")}, {value: []byte("last")}}, prompts: ">>>>"},
		{name: "empty input", input: "", prompts: ">"},
		{name: "keys", input: "k1:v1\nk2:\n", props: map[string]string{"parse.key": "true", "key.separator": ":"},
			want: []message{{key: []byte("k1"), value: []byte("v1")}, {key: []byte("k2"), value: []byte("")}}, prompts: ">>>"},
		{name: "missing key", input: "ok\tv\nnokey\n", props: map[string]string{"parse.key": " TRUE "},
			want: []message{{key: []byte("ok"), value: []byte("v")}}, prompts: ">>",
			err: "org.apache.kafka.common.KafkaException: No key found on line 2: nokey"},
		{name: "missing key ignored", input: "nokey\n", props: map[string]string{"parse.key": "true", "ignore.error": "true"},
			want: []message{{value: []byte("nokey")}}, prompts: ">>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var prompt bytes.Buffer
			r := newLineReader(strings.NewReader(tc.input), &prompt, "t", tc.props)
			var got []message
			var err error
			for {
				var m message
				if m, err = r.next(); err != nil {
					break
				}
				got = append(got, m)
			}
			if tc.err == "" && !errors.Is(err, io.EOF) || tc.err != "" && err.Error() != tc.err {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !bytes.Equal(got[i].key, tc.want[i].key) || (got[i].key == nil) != (tc.want[i].key == nil) || !bytes.Equal(got[i].value, tc.want[i].value) {
					t.Errorf("message %d = %q/%q, want %q/%q", i, got[i].key, got[i].value, tc.want[i].key, tc.want[i].value)
				}
			}
			if prompt.String() != tc.prompts {
				t.Errorf("prompts = %q, want %q", prompt.String(), tc.prompts)
			}
		})
	}
}

func TestRunUsageExit(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--topic", "t"}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if !strings.HasPrefix(stderr.String(), "Missing required argument \"[broker-list]\"\nOption ") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
