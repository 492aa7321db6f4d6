package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestArgumentErrors checks what Kafka 2.4.1's TopicCommand prints for
// common mistakes, before any connection is made (outputs taken from the
// real tool).
func TestArgumentErrors(t *testing.T) {
	tests := []struct {
		args        string
		stderrFirst string // first line of stderr
		usage       bool   // the help table follows
	}{
		{"", "Create, delete, describe, or change a topic.", true},
		{"--list", `Exception in thread "main" java.lang.IllegalArgumentException: Only one of --bootstrap-server or --zookeeper must be specified`, false},
		{"--list --zookeeper a:1 --bootstrap-server b:2", `Exception in thread "main" java.lang.IllegalArgumentException: Only one of --bootstrap-server or --zookeeper must be specified`, false},
		{"--lst", `Exception in thread "main" joptsimple.UnrecognizedOptionException: lst is not a recognized option`, false},
		{"-tpoic x --list", `Exception in thread "main" joptsimple.UnrecognizedOptionException: t is not a recognized option`, false},
		{"--list --zookeeper", `Exception in thread "main" joptsimple.OptionMissingRequiredArgumentException: Option zookeeper requires an argument`, false},
		{"--list --create --zookeeper a:1", "Command must include exactly one action: --list, --describe, --create, --alter or --delete", true},
		{"--create --zookeeper a:1", `Missing required argument "[topic]"`, true},
		{"--create --zookeeper a:1 --topic t", `Missing required argument "[partitions]"`, true},
		{"--create --zookeeper a:1 --topic t --partitions 1 --replication-factor 1 --replica-assignment 0", `Option "[replica-assignment]" can't be used with option "[partitions]"`, true},
		{"--list --zookeeper a:1 --partitions 3", `Option "[partitions]" can't be used with option "[list]"`, true},
		{"--describe --zookeeper a:1 --under-min-isr-partitions", `Option "[under-min-isr-partitions]" can't be used with option "[zookeeper]"`, true},
		{"--alter --bootstrap-server a:1 --topic t --config a=b", `Option combination "[bootstrap-server],[config]" can't be used with option "[alter]"`, true},
		{"--delete --bootstrap-server a:1 --topic t --if-exists", `Option "[if-exists]" can't be used with option "[bootstrap-server]"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.args, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), strings.Fields(tc.args), &stdout, &stderr); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if first != tc.stderrFirst {
				t.Errorf("stderr starts %q, want %q", first, tc.stderrFirst)
			}
			if got := strings.HasPrefix(rest, "Option "); got != tc.usage {
				t.Errorf("usage table printed: %v, want %v", got, tc.usage)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestParseReplicaAssignment(t *testing.T) {
	got, err := parseReplicaAssignment("0:1, 1:2,2 :0")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1][0] != 1 || got[1][1] != 2 || got[2][0] != 2 {
		t.Errorf("got %v", got)
	}
	for in, want := range map[string]string{
		"1:1":   "Partition replica lists may not contain duplicate entries: 1",
		"1:x":   `For input string: "x"`,
		"1:2,3": "Partition 1 has different replication factor: [3]",
	} {
		if _, err := parseReplicaAssignment(in); err == nil || err.Error() != want {
			t.Errorf("%q: err %v, want %q", in, err, want)
		}
	}
}

func TestWhitelist(t *testing.T) {
	w, err := newWhitelist(` "test.*,other" `)
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{"test": true, "test2": true, "other": true, "others": false, "a_test": false} {
		if got := w.allowed(topic, false); got != want {
			t.Errorf("%s: %v, want %v", topic, got, want)
		}
	}
	if w, _ := newWhitelist(".*"); w.allowed("__consumer_offsets", true) {
		t.Error("internal topic not excluded")
	}
	if _, err := newWhitelist("("); err == nil || err.Error() != "( is an invalid regex." {
		t.Errorf("bad regex: %v", err)
	}
}
