package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

const deprecated = "This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405\n"

// testdata/kafka-help.txt is what Kafka 2.4.1's
// PreferredReplicaLeaderElectionCommand prints on stderr when run without
// arguments (its stdout has the deprecation line).
func TestUsageIsKafkas(t *testing.T) {
	want, err := os.ReadFile("testdata/kafka-help.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), nil, &out, &errb); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if errb.String() != string(want) || out.String() != deprecated {
		t.Errorf("usage differs from Kafka's:\n%s%s", out.String(), errb.String())
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string // first line of stderr
	}{
		{[]string{"--zookeeper", "z", "--bootstrap-server", "b"}, "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided"},
		{[]string{"--path-to-json-file", "f"}, "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided"},
		{[]string{"--admin.config", "f", "--zookeeper", "z"},
			`Exception in thread "main" joptsimple.UnavailableOptionException: Option(s) [admin.config] are unavailable given other options on the command line`},
		{[]string{"--bogus"}, `Exception in thread "main" joptsimple.UnrecognizedOptionException: bogus is not a recognized option`},
		{[]string{"--zookeeper", "z", "--path-to-json-file", "/nonexistent/file"}, `Exception in thread "main" java.nio.file.NoSuchFileException: /nonexistent/file`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if code != 1 || first != tt.want || !strings.HasPrefix(out.String(), deprecated) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tt.args, code, out.String(), first, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errb); code != 0 || out.String() != deprecated+"2.4.1 (Commit:c57222ae8cd7866b)\n" {
		t.Fatalf("exit %d, %q", code, out.String())
	}
}
