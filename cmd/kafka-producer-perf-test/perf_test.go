package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestStatsLines(t *testing.T) {
	tests := []struct {
		name      string
		latencies []int32
		step      time.Duration
		want      []string
	}{
		{
			name:      "one window then the total",
			latencies: []int32{1, 2, 3, 10},
			step:      2 * time.Second,
			want: []string{
				"3 records sent, 0.5 records/sec (0.00 MB/sec), 2.0 ms avg latency, 3.0 ms max latency.",
				"4 records sent, 0.400000 records/sec (0.00 MB/sec), 4.00 ms avg latency, 10.00 ms max latency, 3 ms 50th, 10 ms 95th, 10 ms 99th, 10 ms 99.9th.",
			},
		},
		{
			name:      "no window",
			latencies: []int32{5, 7},
			step:      time.Millisecond,
			want: []string{
				"2 records sent, 666.666667 records/sec (0.65 MB/sec), 6.00 ms avg latency, 7.00 ms max latency, 7 ms 50th, 7 ms 95th, 7 ms 99th, 7 ms 99.9th.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			clock := &fakeClock{t: time.Unix(0, 0), step: tt.step}
			s := newStats(int64(len(tt.latencies)), &out, clock.now)
			for i, l := range tt.latencies {
				s.record(int64(i), l, 1024)
			}
			s.printTotal()
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	tests := []struct {
		samples []int32
		ps      []float64
		want    []int32
	}{
		{nil, []float64{0.5}, []int32{0}},
		{[]int32{9, 1, 5, 3, 7}, []float64{0.5, 0.95, 0.999}, []int32{5, 9, 9}},
		{[]int32{4, 3, 2, 1}, []float64{0.5}, []int32{3}}, // index (int)(0.5*4) = 2
	}
	for _, tt := range tests {
		if got := percentiles(tt.samples, tt.ps...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("percentiles(%v, %v) = %v, want %v", tt.samples, tt.ps, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "producer.properties")
	if err := os.WriteFile(cfgFile, []byte("bootstrap.servers=a:1\nacks=all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	payloads := filepath.Join(dir, "payloads")
	if err := os.WriteFile(payloads, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		wantErr   string
		wantProps map[string]string
		payloads  int
	}{
		{name: "props group ends at next option", args: []string{"--topic", "t", "--num-records", "10", "--producer-props", "bootstrap.servers=h:9092", "acks=1", "--record-size", "100", "--throughput", "-1"},
			wantProps: map[string]string{"bootstrap.servers": "h:9092", "acks": "1"}},
		{name: "command line wins over the file", args: []string{"--topic", "t", "--num-records", "10", "--record-size", "1", "--throughput", "5", "--producer.config", cfgFile, "--producer-props", "acks=0"},
			wantProps: map[string]string{"bootstrap.servers": "a:1", "acks": "0"}},
		{name: "payload file", args: []string{"--topic", "t", "--num-records", "1", "--payload-file", payloads, "--throughput", "-1", "--producer-props", "bootstrap.servers=h:1"},
			wantProps: map[string]string{"bootstrap.servers": "h:1"}, payloads: 3},
		{name: "no props", args: []string{"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "-1"},
			wantErr: "Either --producer-props or --producer.config must be specified."},
		{name: "both payload kinds", args: []string{"--topic", "t", "--num-records", "1", "--record-size", "1", "--payload-file", payloads, "--throughput", "-1", "--producer-props", "bootstrap.servers=h:1"},
			wantErr: "argument --payload-file: not allowed with argument --record-size"},
		{name: "missing topic", args: []string{"--num-records", "1", "--record-size", "1", "--throughput", "-1", "--producer-props", "bootstrap.servers=h:1"},
			wantErr: "argument --topic is required"},
		{name: "bad property", args: []string{"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "-1", "--producer-props", "acks"},
			wantErr: "java.lang.IllegalArgumentException: Invalid property: acks"},
		{name: "empty props group", args: []string{"--topic", "t", "--producer-props", "--num-records", "1"},
			wantErr: "argument --producer-props: expected at least one argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c, err := newOptions().parse(tt.args, &out)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.props, tt.wantProps) {
				t.Errorf("props = %v, want %v", c.props, tt.wantProps)
			}
			if len(c.payloads) != tt.payloads {
				t.Errorf("%d payloads, want %d", len(c.payloads), tt.payloads)
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}} {
		if _, err := newOptions().parse(args, &bytes.Buffer{}); !errors.Is(err, errHelp) {
			t.Errorf("parse(%v) = %v, want help", args, err)
		}
	}
	var optErr *cli.OptionError
	if _, err := newOptions().parse([]string{"--nope"}, &bytes.Buffer{}); !errors.As(err, &optErr) {
		t.Errorf("unknown option: %v, want an option error", err)
	}
}

func TestClientOptionsRejectsBadValues(t *testing.T) {
	tests := []map[string]string{
		{"bootstrap.servers": "h:1", "acks": "2"},
		{"bootstrap.servers": "h:1", "batch.size": "-1"},
		{"bootstrap.servers": "h:1", "compression.type": "brotli"},
		{"bootstrap.servers": "h:1", "linger.ms": "soon"},
	}
	for _, props := range tests {
		if _, err := clientOptions(props, defaultMaxMessageBytes); err == nil {
			t.Errorf("clientOptions(%v) accepted", props)
		}
	}
	if _, err := clientOptions(map[string]string{"bootstrap.servers": "h:1", "acks": "all", "enable.idempotence": "true", "compression.type": "lz4", "linger.ms": "5"}, defaultMaxMessageBytes); err != nil {
		t.Errorf("valid properties refused: %v", err)
	}
}
