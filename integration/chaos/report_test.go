package chaos

import (
	"strings"
	"testing"
	"time"
)

// TestReportMarkdown checks that the report's tables carry the counts of
// operations, faults and anomalies, and say which anomalies are allowed.
func TestReportMarkdown(t *testing.T) {
	ops := []Op{
		send(1, 0, 0, 10), send(1, 0, 1, 11), send(1, 0, 2, 12), sendInfo(1, 0, 13),
		poll(3, 0, Assign, m(0, 0, 10)), poll(4, 0, Subscribe, m(0, 2, 12), m(0, 0, 10)),
	}
	start := time.Now()
	for i := range ops {
		ops[i].Time = start.Add(time.Duration(i) * time.Second)
	}
	rep := Report{
		Duration: 90 * time.Second, Settings: Safe(), Workers: 2, Partitions: 1,
		Result: Check(ops, Safe()), Start: start, Ops: ops,
		Injections: []Injection{
			// Held over the second and third sends, then over the
			// indeterminate fourth.
			{Fault: "kill -9 broker", Victim: "broker 1", At: 1 * time.Second, Healed: 2 * time.Second},
			{Fault: "kill -9 broker", Victim: "broker 2", At: 3 * time.Second, Healed: 3 * time.Second},
			{Fault: "kill ZooKeeper leader", Err: "chaos: no ZooKeeper leader"},
		},
		Skipped: []string{"partition-zk: no firewall"},
	}
	md := rep.Markdown()
	for _, want := range []string{
		"| sends | 4 |",
		"| sends acknowledged | 3 |",
		"| sends indeterminate | 1 |",
		"| polls returning records | 2 |",
		"| of which by subscribe | 1 |",
		"| records polled | 3 |",
		"| kill -9 broker | 2 | 2 | 1 |",
		"| kill ZooKeeper leader | 1 | 0 | 0 |",
		"| lost-write | 1 | no |",
		"| nonmonotonic-poll | 1 | yes |",
		"| poll-skip | 0 | only under subscribe |",
		"| duplicate | 0 | no |",
		"kill ZooKeeper leader () at 0s: chaos: no ZooKeeper leader",
		"Not injected in this run: partition-zk: no firewall.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
