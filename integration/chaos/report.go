package chaos

import (
	"fmt"
	"strings"
	"time"
)

// Injection is one fault as a run injected it.
type Injection struct {
	Fault  string
	Victim string
	At     time.Duration // since the workload started
	// Healed is when the fault was healed, since the workload started;
	// zero when it was never injected.
	Healed time.Duration
	Err    string // why it could not be injected or healed
	// Probe is what the fault's probe saw, if it has one.
	Probe string
}

// Report is one run's summary.
type Report struct {
	Duration   time.Duration
	Settings   Settings
	Workers    int
	Partitions int32
	Result     Result
	Injections []Injection
	// Skipped says which faults this run could not inject at all, and why.
	Skipped []string
	// Start is when the workload started, and Ops its history: with them
	// the faults table counts the sends that completed while each fault
	// was held, which shows what stayed available under it.
	Start time.Time
	Ops   []Op
}

// heldSends counts the sends that completed while in was held.
func (r Report) heldSends(in Injection) (acked, indeterminate int) {
	if in.Healed == 0 {
		return 0, 0
	}
	from, to := r.Start.Add(in.At), r.Start.Add(in.Healed)
	for _, op := range r.Ops {
		if op.Type != Send || op.Time.Before(from) || op.Time.After(to) {
			continue
		}
		switch op.Outcome {
		case OK:
			acked++
		case Info:
			indeterminate++
		}
	}
	return acked, indeterminate
}

// Markdown renders the report as the tables docs/reliability.md holds:
// operations, faults injected, anomalies by kind.
func (r Report) Markdown() string {
	var b strings.Builder
	res := r.Result
	fmt.Fprintf(&b, "Workload %v, %d workers, %d partitions, acks=all %v, min.insync.replicas %d, idempotent %v, unclean election %v.\n\n",
		r.Duration.Round(time.Second), r.Workers, r.Partitions, r.Settings.AcksAll, r.Settings.MinISR, r.Settings.Idempotent, r.Settings.UncleanElection)
	b.WriteString("| Operations | Count |\n|---|---:|\n")
	fmt.Fprintf(&b, "| sends | %d |\n| sends acknowledged | %d |\n| sends failed | %d |\n| sends indeterminate | %d |\n| polls returning records | %d |\n| of which by subscribe | %d |\n| records polled | %d |\n\n",
		res.Sends, res.AckedSends, res.FailedSends, res.IndeterminateSends, res.Polls, res.SubscribePolls, res.PolledMsgs)

	counts := map[string]int{}
	acked, indeterminate := map[string]int{}, map[string]int{}
	var order []string
	for _, in := range r.Injections {
		if counts[in.Fault] == 0 {
			order = append(order, in.Fault)
		}
		counts[in.Fault]++
		a, i := r.heldSends(in)
		acked[in.Fault] += a
		indeterminate[in.Fault] += i
	}
	b.WriteString("| Fault | Injected | Sends acknowledged while held | Sends indeterminate while held |\n|---|---:|---:|---:|\n")
	for _, f := range order {
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", f, counts[f], acked[f], indeterminate[f])
	}
	for _, why := range r.Skipped {
		fmt.Fprintf(&b, "\nNot injected in this run: %s.\n", why)
	}
	b.WriteString("\n| Anomaly | Count | Allowed under these settings |\n|---|---:|---|\n")
	for _, k := range Kinds() {
		n, allowed := 0, 0
		for _, a := range res.Anomalies {
			if a.Kind == k {
				n++
				if a.Allowed {
					allowed++
				}
			}
		}
		note := "no"
		switch {
		case n > 0 && allowed == n:
			note = "yes"
		case allowed > 0:
			note = fmt.Sprintf("%d of %d (subscribe)", allowed, n)
		case r.Settings.allowed(k):
			note = "yes"
		case k == PollSkip || k == NonmonotonicPoll:
			note = "only under subscribe"
		}
		fmt.Fprintf(&b, "| %s | %d | %s |\n", k, n, note)
	}
	var probes []string
	for _, in := range r.Injections {
		if in.Probe != "" {
			probes = append(probes, fmt.Sprintf("%s (%s) at %v: %s", in.Fault, in.Victim, in.At.Round(time.Second), in.Probe))
		}
	}
	if len(probes) > 0 {
		b.WriteString("\nProbes at the end of a fault:\n\n")
		for _, p := range probes {
			b.WriteString("- " + p + "\n")
		}
	}
	var failed []string
	for _, in := range r.Injections {
		if in.Err != "" {
			failed = append(failed, fmt.Sprintf("%s (%s) at %v: %s", in.Fault, in.Victim, in.At.Round(time.Second), in.Err))
		}
	}
	if len(failed) > 0 {
		b.WriteString("\nFaults that could not be injected or healed:\n\n")
		for _, f := range failed {
			b.WriteString("- " + f + "\n")
		}
	}
	return b.String()
}
