package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRandomBytesOfLenMatchesJava(t *testing.T) {
	// new java.util.Random(0), 40 times (char)(nextInt(26) + 65), printed
	// by OpenJDK 17.
	const java = "SSXVNJHPDQDXVCRASTVYBCWVMGNYKRXVZXKGXTSP"
	r := newJavaRandom(0)
	got := string(randomBytesOfLen(r, 10)) + string(randomBytesOfLen(r, 30))
	if got != java {
		t.Fatalf("got %s, want %s", got, java)
	}
}

func TestJavaFormats(t *testing.T) {
	// Expected strings printed by OpenJDK 17's Double.toString and
	// String.format("%.4f").
	doubles := []struct {
		in   float64
		want string
	}{
		{0.0123, "0.0123"},
		{1.0, "1.0"},
		{12.5, "12.5"},
		{0.00099, "9.9E-4"},
		{1.5e-4, "1.5E-4"},
		{12345678.9, "1.23456789E7"},
		{0.001, "0.001"},
		{2.3456789012, "2.3456789012"},
		{0, "0.0"},
	}
	for _, tc := range doubles {
		if got := javaDouble(tc.in); got != tc.want {
			t.Errorf("javaDouble(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	fixed := []struct {
		in   float64
		want string
	}{
		{1.23455, "1.2346"},
		{0.00005, "0.0001"},
		{2, "2.0000"},
		{0.12344, "0.1234"},
	}
	for _, tc := range fixed {
		if got := javaFixed(tc.in, 4); got != tc.want {
			t.Errorf("javaFixed(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x*float64(time.Millisecond)))
		}
		return d
	}
	many := make([]float64, 1000)
	for i := range many {
		many[i] = float64(i) + 0.9 // 0.9 ... 999.9 ms, truncated to 0 ... 999
	}
	tests := []struct {
		name string
		in   []time.Duration
		want string
	}{
		{"one", ms(1.5), "Avg latency: 1.5000 ms\n\nPercentiles: 50th = 1, 99th = 1, 99.9th = 1\n"},
		{"sub-ms truncates to 0", ms(0.2, 0.4, 0.9), "Avg latency: 0.5000 ms\n\nPercentiles: 50th = 0, 99th = 0, 99.9th = 0\n"},
		{"index int(n*q) of sorted", ms(5, 1, 3, 2), "Avg latency: 2.7500 ms\n\nPercentiles: 50th = 3, 99th = 5, 99.9th = 5\n"},
		{"thousand", ms(many...), "Avg latency: 500.4000 ms\n\nPercentiles: 50th = 500, 99th = 990, 99.9th = 999\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			summarize(tc.in).print(&b)
			if b.String() != tc.want {
				t.Fatalf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	if got := progressLine(1000, 1234567*time.Nanosecond); got != "1000\t1.234567\n" {
		t.Fatalf("got %q", got)
	}
	if got := progressLine(0, 2*time.Millisecond); got != "0\t2.0\n" {
		t.Fatalf("got %q", got)
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		usage   bool
	}{
		{"too few", []string{"b", "t", "10", "1"}, "", true},
		{"too many", []string{"b", "t", "10", "1", "20", "p", "x"}, "", true},
		{"acks 0", []string{"b", "t", "10", "0", "20"}, "java.lang.IllegalArgumentException: Latency testing requires synchronous acknowledgement. Please use 1 or all", false},
		{"acks -1", []string{"b", "t", "10", "-1", "20"}, "Please use 1 or all", false},
		{"count not a number", []string{"b", "t", "ten", "1", "20"}, `java.lang.NumberFormatException: For input string: "ten"`, false},
		{"missing properties file", []string{"b", "t", "10", "all", "20", "/nonexistent/p.properties"}, "java.nio.file.NoSuchFileException: /nonexistent/p.properties", false},
		{"ok", []string{"b", "t", "10", "all", "20"}, "", false},
		{"ok, empty properties path", []string{"b", "t", "10", "1", "20", ""}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseArgs(tc.args, "")
			switch {
			case tc.usage:
				if !errors.Is(err, errUsage) {
					t.Fatalf("err = %v, want usage", err)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if cfg.props["bootstrap.servers"] != "b" || cfg.numMessages != 10 || cfg.messageLen != 20 {
					t.Fatalf("cfg = %+v", cfg)
				}
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"a"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d", code)
	}
	want := "USAGE: java kafka.tools.EndToEndLatency$ broker_list topic num_messages producer_acks message_size_bytes [optional] properties_file\n"
	if errb.String() != want || out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q", errb.String(), out.String())
	}
}
