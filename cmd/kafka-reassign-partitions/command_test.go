package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// testdata/kafka-help.txt is what Kafka 2.4.1's ReassignPartitionsCommand
// prints on stderr when run without arguments.
func TestUsageIsKafkas(t *testing.T) {
	want, err := os.ReadFile("testdata/kafka-help.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), nil, &out, &errb); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if errb.String() != string(want) {
		t.Errorf("usage differs from Kafka's:\n%s", errb.String())
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		args       []string
		wantStderr string // first line
		wantCode   int
	}{
		{[]string{"--generate", "--execute"}, "Command must include exactly one action: --generate, --execute or --verify", 1},
		{[]string{"--verify"}, `Missing required argument "[zookeeper]"`, 1},
		{[]string{"--verify", "--zookeeper", "z"}, "If --verify option is used, command must include --reassignment-json-file that was used during the --execute option", 1},
		{[]string{"--generate", "--zookeeper", "z", "--broker-list", "1"}, "If --generate option is used, command must include both --topics-to-move-json-file and --broker-list options", 1},
		{[]string{"--execute", "--zookeeper", "z"}, "If --execute option is used, command must include --reassignment-json-file that was output during the --generate option", 1},
		{[]string{"--execute", "--zookeeper", "z", "--reassignment-json-file", "f", "--broker-list", "1"}, `Option "[execute]" can't be used with option "[broker-list]"`, 1},
		{[]string{"--generate", "--zookeeper", "z", "--topics-to-move-json-file", "f", "--broker-list", "1", "--throttle", "5"}, `Option "[generate]" can't be used with option "[throttle]"`, 1},
		{[]string{"--bogus"}, `Exception in thread "main" joptsimple.UnrecognizedOptionException: bogus is not a recognized option`, 1},
		{[]string{"--zookeeper"}, `Exception in thread "main" joptsimple.OptionMissingRequiredArgumentException: Option zookeeper requires an argument`, 1},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != tt.wantCode || first != tt.wantStderr {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tt.args, code, first, tt.wantCode, tt.wantStderr)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errb); code != 0 || out.String() != "2.4.1 (Commit:c57222ae8cd7866b)\n" {
		t.Fatalf("exit %d, %q", code, out.String())
	}
}

func TestParseBrokerList(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"1,2,3", "1,2,3", ""},
		{"1,2,", "1,2", ""},
		{"1,,2", "", `For input string: ""`},
		{"x", "", `For input string: "x"`},
		{"", "", `For input string: ""`},
	}
	for _, tt := range tests {
		got, err := parseBrokerList(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: err %v, want %s", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || joinInts(got, ",") != tt.want {
			t.Errorf("%q: %v %v, want %s", tt.in, got, err, tt.want)
		}
	}
}
