package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

func TestJavaDate(t *testing.T) {
	ts := time.Date(2018, 12, 6, 2, 0, 46, 338*int(time.Millisecond), time.Local)
	tests := []struct{ pattern, want string }{
		{"yyyy-MM-dd HH:mm:ss:SSS", "2018-12-06 02:00:46:338"},
		{"yy/M/d", "18/12/6"},
		{"'at' HH'h'", "at 02h"},
		{"''", "'"},
	}
	for _, tt := range tests {
		if got := javaDate(tt.pattern, ts); got != tt.want {
			t.Errorf("javaDate(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestSummaryAndProgress(t *testing.T) {
	start := time.Date(2018, 12, 6, 2, 0, 46, 338*int(time.Millisecond), time.Local).UnixMilli()
	tests := []struct {
		name string
		fn   func(*bytes.Buffer)
		want string
	}{
		{"summary", func(b *bytes.Buffer) {
			printSummary(b, "yyyy-MM-dd HH:mm:ss:SSS", totals{startMs: start, endMs: start + 2000, joinMs: 1000, messages: 2048, bytes: 2 << 20})
		}, "2018-12-06 02:00:46:338, 2018-12-06 02:00:48:338, 2.0000, 1.0000, 2048, 1024.0000, 1000, 1000, 2.0000, 2048.0000\n"},
		{"empty run in one millisecond", func(b *bytes.Buffer) {
			printSummary(b, "HH", totals{startMs: start, endMs: start})
		}, "02, 02, 0.0000, NaN, 0, NaN, 0, 0, NaN, NaN\n"},
		{"progress", func(b *bytes.Buffer) {
			printProgress(b, "ss", progress{bytes: 3 << 20, lastBytes: 1 << 20, messages: 30, lastMessages: 10, startMs: start, endMs: start + 1000, joinMs: 500})
		}, "47, 0, 3.0000, 2.0000, 30, 20.0000, 500, 500, 4.0000, 40.0000\n"},
		{"header", func(b *bytes.Buffer) { printHeader(b, false) },
			"start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n"},
		{"detailed header", func(b *bytes.Buffer) { printHeader(b, true) },
			"time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			tt.fn(&b)
			if b.String() != tt.want {
				t.Errorf("got  %q\nwant %q", b.String(), tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		bootstrap string
		errKind   string // "", "usage", "option", "help", "other"
	}{
		{"broker-list", []string{"--broker-list", "h:1", "--topic", "t", "--messages", "5"}, "h:1", ""},
		{"bootstrap-server", []string{"--bootstrap-server", "h:2", "--topic", "t", "--messages", "5"}, "h:2", ""},
		{"missing messages", []string{"--broker-list", "h:1", "--topic", "t"}, "", "usage"},
		{"missing servers", []string{"--topic", "t", "--messages", "1"}, "", "usage"},
		{"bad number", []string{"--broker-list", "h:1", "--topic", "t", "--messages", "x"}, "", "option"},
		{"no arguments", nil, "", "help"},
		{"zero interval", []string{"--broker-list", "h:1", "--topic", "t", "--messages", "1", "--reporting-interval", "0"}, "", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newOptions().parse(tt.args)
			var usage *cli.UsageError
			var optErr *cli.OptionError
			kind := "other"
			switch {
			case err == nil:
				kind = ""
			case errors.Is(err, errHelp):
				kind = "help"
			case errors.As(err, &usage):
				kind = "usage"
			case errors.As(err, &optErr):
				kind = "option"
			}
			if kind != tt.errKind {
				t.Fatalf("err = %v (%s), want %s", err, kind, tt.errKind)
			}
			if err == nil && (c.bootstrap != tt.bootstrap || c.timeoutMs != 10000 || c.fetchSize != 1048576 || c.reportingIntervalMs != 5000) {
				t.Errorf("config %+v", c)
			}
		})
	}
}
