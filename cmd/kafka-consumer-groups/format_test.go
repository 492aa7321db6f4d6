package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }

func TestFormatOffsets(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []offsetRow
		want string
	}{
		{
			name: "minimum widths",
			rows: []offsetRow{{group: "g", topic: "t", partition: i32(0), offset: i64(3), logEndOffset: i64(5), lag: i64(2),
				consumerID: "c-1", host: "/127.0.0.1", clientID: "c"}},
			want: "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
				"g               t               0          3               5               2               c-1             /127.0.0.1      c\n",
		},
		{
			name: "missing values and a long group",
			rows: []offsetRow{{group: "a-rather-long-group", topic: "t", partition: i32(1), logEndOffset: i64(5),
				consumerID: "-", host: "-", clientID: "-"}},
			want: "\nGROUP               TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
				"a-rather-long-group t               1          -               5               -               -               -               -\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatOffsets(tc.rows); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestFormatMembersAndState(t *testing.T) {
	rows := []memberRow{{group: "g", consumerID: "c-1", host: "/127.0.0.1", clientID: "c", numPartitions: 2,
		assignment: []tp{{"b", 1}, {"a", 2}, {"a", 0}}}}
	want := "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n" +
		"g               c-1             /127.0.0.1      c               2               a(0,2), b(1)\n"
	if got := formatMembers(rows, true); got != want {
		t.Errorf("members:\n%q\nwant\n%q", got, want)
	}
	g := kadm.DescribedGroup{Group: "g", State: "Stable", Protocol: "range",
		Coordinator: kadm.BrokerDetail{NodeID: 2, Host: "127.0.0.12", Port: 9092},
		Members:     []kadm.DescribedGroupMember{{}, {}}}
	wantState := "\nGROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS" +
		"\ng                         127.0.0.12:9092 (2)       range                Stable          2\n"
	if got := formatState(g); got != wantState {
		t.Errorf("state:\n%q\nwant\n%q", got, wantState)
	}
	if got := assignmentString(nil); got != "-" {
		t.Errorf("empty assignment: %q", got)
	}
}

func TestConvertTimestamp(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "2020-03-01T00:00:00.000", want: 1583020800000},
		{in: "2020-03-01T01:00:00.000+01:00", want: 1583020800000},
		{in: "2020-03-01T01:00:00.000+0100", want: 1583020800000},
		{in: "2020-03-01T00:00:00.000Z", want: 1583020800000},
		{in: "2020-03-01", err: true},
		{in: "2020-03-01T00:00", err: true},
	} {
		got, err := convertTimestamp(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("convertTimestamp(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "PT1H", want: time.Hour},
		{in: "P1DT2H3M4.5S", want: 26*time.Hour + 3*time.Minute + 4500*time.Millisecond},
		{in: "pt15m", want: 15 * time.Minute},
		{in: "-PT10S", want: -10 * time.Second},
		{in: "P", err: true},
		{in: "PT", err: true},
		{in: "1H", err: true},
	} {
		got, err := parseDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestJavaHashMapOrder checks the order against what Kafka 2.4.1's tool
// printed for the same partitions (a java.util.HashMap's iteration).
func TestJavaHashMapOrder(t *testing.T) {
	for _, tc := range []struct {
		in, want []tp
	}{
		{in: []tp{{"tool", 0}, {"tool", 1}, {"tool", 2}}, want: []tp{{"tool", 2}, {"tool", 1}, {"tool", 0}}},
		{in: []tp{{"tool", 1}}, want: []tp{{"tool", 1}}},
	} {
		got := append([]tp(nil), tc.in...)
		javaHashMapOrder(got)
		if len(got) != len(tc.want) {
			t.Fatalf("got %v", got)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("order of %v: got %v, want %v", tc.in, got, tc.want)
				break
			}
		}
	}
	if h := javaStringHash("tool"); h != 3565976 {
		t.Errorf(`"tool".hashCode() = %d, want 3565976`, h)
	}
}

// TestUsageErrors runs the tool without a cluster: every case stops before
// connecting, with Kafka's message and exit status.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		stdout     string
		stderrHead string
	}{
		{args: nil, code: 1, stderrHead: usageHelp + "\nOption "},
		{args: []string{"--version"}, code: 0, stdout: "2.4.1 (Commit:c57222ae8cd7866b)\n"},
		{args: []string{"--list"}, code: 1, stderrHead: "Missing required argument \"[bootstrap-server]\"\n"},
		{args: []string{"--list", "--describe"}, code: 1,
			stderrHead: "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets\n"},
		{args: []string{"--describe", "--bootstrap-server", "x"}, code: 1,
			stderrHead: "Option [describe] takes one of these options: [group], [all-groups]\n"},
		{args: []string{"--list", "--bootstrap-server", "x", "--members"}, code: 1,
			stderrHead: "Exception in thread \"main\" joptsimple.UnavailableOptionException: Option(s) [members] are unavailable given other options on the command line\n"},
		{args: []string{"--delete", "--bootstrap-server", "x", "--group", "g", "--topic", "t"}, code: 1,
			stderrHead: "The consumer does not support topic-specific offset deletion from a consumer group.\n"},
		{args: []string{"--reset-offsets", "--bootstrap-server", "x", "--group", "g", "--execute", "--dry-run"}, code: 1,
			stderrHead: "Option [reset-offsets] only accepts one of [execute] and [dry-run]\n"},
		{args: []string{"--reset-offsets", "--bootstrap-server", "x", "--group", "g", "--to-earliest", "--to-latest"}, code: 1,
			stderrHead: noExecuteWarning + "\nOption \"[to-earliest]\" can't be used with option \"[to-latest]\"\n"},
		{args: []string{"--describe", "--bootstrap-server", "x", "--group", "g", "--topic", "t"}, code: 1,
			stderrHead: "Option \"[topic]\" can't be used with option \"[describe]\"\n"},
		{args: []string{"--delete-offsets", "--bootstrap-server", "x", "--group", "g"}, code: 1,
			stderrHead: "Option [delete-offsets] takes the following options: [group], [topic]\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(t.Context(), tc.args, &out, &errb)
			if code != tc.code || out.String() != tc.stdout || !strings.HasPrefix(errb.String(), tc.stderrHead) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr starting %q",
					code, out.String(), errb.String(), tc.code, tc.stdout, tc.stderrHead)
			}
		})
	}
}

// FuzzParseDuration: user input must never panic the parser, and what it
// accepts must be a well-formed ISO-8601 duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT1H", "P1DT2H3M4.5S", "-PT1S", "P", "PTS", "P1D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseDuration(s); err == nil && !strings.Contains(strings.ToUpper(s), "P") {
			t.Fatalf("accepted %q", s)
		}
		_, _ = convertTimestamp(s)
	})
}
