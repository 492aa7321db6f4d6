package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// testdata/kafka-help.txt is what Kafka 2.4.1's LeaderElectionCommand
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
	const ex = `Exception in thread "main" kafka.common.AdminCommandFailedException: `
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--all-topic-partitions"}, ex + "Missing required option(s): election-type, bootstrap-server"},
		{[]string{"--election-type", "preferred", "--all-topic-partitions"}, ex + "Missing required option(s): bootstrap-server"},
		{[]string{"--bootstrap-server", "b", "--election-type", "preferred"}, ex + "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file"},
		{[]string{"--bootstrap-server", "b", "--election-type", "preferred", "--topic", "t", "--all-topic-partitions"}, ex + "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file"},
		{[]string{"--bootstrap-server", "b", "--election-type", "preferred", "--topic", "t"}, ex + "Missing required option(s): partition"},
		{[]string{"--bootstrap-server", "b", "--election-type", "preferred", "--partition", "1", "--all-topic-partitions"}, ex + "Option partition is only allowed if topic is used"},
		{[]string{"--bootstrap-server", "b", "--election-type", "bogus", "--all-topic-partitions"},
			`Exception in thread "main" joptsimple.OptionArgumentConversionException: Cannot parse argument 'bogus' of option election-type` + "\n" +
				"Caused by: joptsimple.ValueConversionException: Value [bogus] is not one of [[PREFERRED,UNCLEAN]]"},
		{[]string{"--bootstrap-server", "b", "--election-type", "preferred", "--topic", "t", "--partition", "x"},
			`Exception in thread "main" joptsimple.OptionArgumentConversionException: Cannot parse argument 'x' of option partition`},
		{[]string{"--bootstrap-server", "b", "--election-type", "unclean", "--path-to-json-file", "/nonexistent/file"},
			`Exception in thread "main" java.nio.file.NoSuchFileException: /nonexistent/file`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errb)
		if code != 1 || !strings.HasPrefix(errb.String(), tt.want+"\n") {
			t.Errorf("%v: exit %d, stderr\n%s\nwant\n%s", tt.args, code, errb.String(), tt.want)
		}
	}
}
