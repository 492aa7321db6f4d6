package benchreport

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// WriteMarkdown writes the report as Markdown: the run's metadata, the
// probes, then one table per scenario with min / median / max per broker
// kind and the ratios.
func (r *Report) WriteMarkdown(w io.Writer) error {
	meta, probes := r.snapshot()
	results := r.Results()
	var b strings.Builder
	b.WriteString("# Samsa beside Apache Kafka: benchmark report\n\n")
	fmt.Fprintf(&b, "* Run: %s to %s (%s)\n", meta.Started.UTC().Format(time.RFC3339), meta.Finished.UTC().Format(time.RFC3339),
		meta.Finished.Sub(meta.Started).Round(time.Second))
	if meta.Command != "" {
		fmt.Fprintf(&b, "* Command: `%s`\n", meta.Command)
	}
	fmt.Fprintf(&b, "* Scale: %g; clients: %s; Apache Kafka %s\n", meta.Scale, meta.Tools, meta.KafkaVersion)
	if meta.Host != "" {
		fmt.Fprintf(&b, "* Host: %s\n", meta.Host)
	}
	b.WriteString("* Each cell: min / median / max over the runs; ratios compare medians. " +
		"\"Samsa/limit\" divides Samsa's median by the physical limit named in the last column.\n\n")

	if len(probes) > 0 {
		b.WriteString("## Baseline probes (taken right before each scenario)\n\n")
		b.WriteString("| Scenario | Time (UTC) | dd oflag=direct, MiB/s | Loopback TCP, MiB/s | Loopback RTT p50 / p99 / p99.9, us |\n")
		b.WriteString("|---|---|---|---|---|\n")
		for _, p := range probes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s / %s / %s |\n", p.Scenario, p.Time.UTC().Format("15:04:05"),
				num(p.DiskMiBps), num(p.LoopbackMiBs), num(p.RTTp50us), num(p.RTTp99us), num(p.RTTp999us))
		}
		b.WriteString("\n")
	}

	titles := map[string]Scenario{}
	for _, s := range meta.Scenarios {
		titles[s.ID] = s
	}
	scenario := ""
	for i := 0; i < len(results); {
		f := results[i].Figure
		if f.Scenario != scenario {
			scenario = f.Scenario
			s := titles[scenario]
			fmt.Fprintf(&b, "## %s", scenario)
			if s.Title != "" {
				fmt.Fprintf(&b, ": %s", s.Title)
			}
			b.WriteString("\n\n")
			if s.Description != "" {
				b.WriteString(s.Description + "\n\n")
			}
			b.WriteString("| Figure | Better | Samsa | Kafka | Samsa/Kafka | Samsa/limit | Limit |\n")
			b.WriteString("|---|---|---|---|---|---|---|\n")
		}
		// The results of one figure are adjacent, one per kind.
		cells := map[string]Result{}
		j := i
		for ; j < len(results) && results[j].Scenario == f.Scenario && results[j].Name == f.Name; j++ {
			cells[results[j].Kind] = results[j]
		}
		sam, kaf := cells[Samsa], cells[Kafka]
		ref := results[i]
		limitCell, overLimit := "-", "-"
		if ref.Limit != nil {
			limitCell = num(ref.Limit.Value) + " " + f.Unit + " (" + ref.Limit.Basis + ")"
			overLimit = ratioCell(sam.OverLimit)
		}
		fmt.Fprintf(&b, "| %s, %s | %s | %s | %s | %s | %s | %s |\n", f.Name, f.Unit, f.Better,
			statsCell(sam), statsCell(kaf), ratioCell(ref.SamsaOverKafka), overLimit, limitCell)
		i = j
		if i == len(results) || results[i].Scenario != scenario {
			b.WriteString("\n")
		}
	}
	if len(meta.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range meta.Notes {
			b.WriteString("* " + n + "\n")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("benchreport: write Markdown: %w", err)
	}
	return nil
}

func statsCell(r Result) string {
	if len(r.Runs) == 0 {
		return "-"
	}
	return num(r.Min) + " / " + num(r.Median) + " / " + num(r.Max)
}

func ratioCell(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *r)
}

// num prints a figure with three significant digits, or whole numbers
// when it is large.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "-"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
