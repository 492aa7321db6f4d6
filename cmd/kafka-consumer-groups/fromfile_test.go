package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseResetPlan(t *testing.T) {
	for _, tc := range []struct {
		name, csv, single string
		want              string // groups sorted, "g:t-p=o ..." per group
		err               string
	}{
		{name: "single group, three columns", csv: "t,0,5\nt,1,7\n", single: "g", want: "g:t-0=5 t-1=7"},
		{name: "file order kept", csv: "b,2,1\na,0,2\nb,0,3\n", single: "g", want: "g:b-2=1 a-0=2 b-0=3"},
		{name: "repeated partition takes the later offset", csv: "t,0,5\nt,1,1\nt,0,9\n", single: "g", want: "g:t-0=9 t-1=1"},
		{name: "four columns with one group", csv: "g1,t,0,5\ng2,t,0,6\n", single: "g1", want: "g1:t-0=5|g2:t-0=6"},
		{name: "several groups", csv: "g1,t,0,5\ng2,u,3,6", want: "g1:t-0=5|g2:u-3=6"},
		{name: "CRLF lines", csv: "t,0,5\r\nt,1,7\r\n", single: "g", want: "g:t-0=5 t-1=7"},
		{name: "empty file", csv: "", single: "g", want: ""},
		{name: "three columns without a single group", csv: "t,0,5\n", err: `line 1 "t,0,5": expected 4 values`},
		{name: "bad partition", csv: "t,x,5\n", single: "g", err: `line 1 "t,x,5": expected 4 values`},
		{name: "bad offset later", csv: "t,0,5\nt,1,five\n", single: "g", err: `line 2 "t,1,five": offset "five" is not an integer`},
		{name: "blank line inside", csv: "t,0,5\n\nt,1,7\n", single: "g", err: `line 2 "": expected 3 values`},
		{name: "empty topic", csv: ",0,5\n", single: "g", err: "line 1 \",0,5\": expected 4 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseResetPlan(tc.csv, tc.single)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var groups []string
			for _, g := range sortedGroups(plan(p)) {
				var parts []string
				for _, n := range p[g] {
					parts = append(parts, fmt.Sprintf("%s-%d=%d", n.tp.topic, n.tp.partition, n.offset))
				}
				groups = append(groups, g+":"+strings.Join(parts, " "))
			}
			if got := strings.Join(groups, "|"); got != tc.want {
				t.Errorf("plan %q, want %q", got, tc.want)
			}
		})
	}
}
