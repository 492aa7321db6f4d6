package benchreport

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"
)

var (
	figRate = Figure{Scenario: "S1", Name: "produce", Unit: "records/s", Better: Higher, Chart: true}
	figMiB  = Figure{Scenario: "S1", Name: "produce MiB/s", Unit: "MiB/s", Better: Higher}
	figP50  = Figure{Scenario: "S6", Name: "p50", Unit: "ms", Better: Lower, Group: "e2e latency", Chart: true}
	figP99  = Figure{Scenario: "S6", Name: "p99", Unit: "ms", Better: Lower, Group: "e2e latency", Chart: true}
	figOnly = Figure{Scenario: "S6", Name: "samsa only", Unit: "ms", Better: Lower}
)

func sampleReport() *Report {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := New(Meta{Started: start, Scale: 0.1, Tools: "go", KafkaVersion: "2.4.1", Command: "make bench",
		Scenarios: []Scenario{{ID: "S1", Title: "small records", Description: "6 partitions, RF 1"}}})
	for _, v := range []float64{300, 100, 200} {
		r.Add(figRate, Samsa, v)
	}
	for _, v := range []float64{50, 40, 60} {
		r.Add(figRate, Kafka, v)
	}
	r.Add(figMiB, Kafka, 5)
	r.Add(figMiB, Samsa, 20)
	r.SetLimit(figMiB, Limit{Value: 400, Basis: "dd oflag=direct"})
	for _, v := range []float64{0.2, 0.4, 0.3} {
		r.Add(figP50, Samsa, v)
		r.Add(figP50, Kafka, v*10)
		r.Add(figP99, Samsa, v*3)
		r.Add(figP99, Kafka, v*30)
	}
	r.Add(figOnly, Samsa, 1)
	r.AddProbe(Probe{Scenario: "S1", Time: start, DiskMiBps: 400, LoopbackMiBs: 4000, RTTp50us: 16, RTTp99us: 30, RTTp999us: 60})
	r.Note("capped run: %s", "S1 kafka 2")
	r.Finish(start.Add(20 * time.Minute))
	return r
}

func find(t *testing.T, rs []Result, f Figure, kind string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Scenario == f.Scenario && r.Name == f.Name && r.Kind == kind {
			return r
		}
	}
	t.Fatalf("no result for %s %s %s", f.Scenario, f.Name, kind)
	return Result{}
}

func TestResults(t *testing.T) {
	rs := sampleReport().Results()
	tests := []struct {
		name           string
		fig            Figure
		kind           string
		stats          Stats
		samsaOverKafka float64 // NaN: no ratio
		overLimit      float64 // NaN: no limit
	}{
		{"samsa rate", figRate, Samsa, Stats{100, 200, 300}, 4, math.NaN()},
		{"kafka rate carries the same ratio", figRate, Kafka, Stats{40, 50, 60}, 4, math.NaN()},
		{"samsa MiB/s against the disk", figMiB, Samsa, Stats{20, 20, 20}, 4, 0.05},
		{"kafka MiB/s against the disk", figMiB, Kafka, Stats{5, 5, 5}, 4, 0.0125},
		{"latency ratio below one is better", figP50, Samsa, Stats{0.2, 0.3, 0.4}, 0.1, math.NaN()},
		{"one kind only: no ratio", figOnly, Samsa, Stats{1, 1, 1}, math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := find(t, rs, tc.fig, tc.kind)
			if math.Abs(r.Min-tc.stats.Min) > 1e-9 || math.Abs(r.Median-tc.stats.Median) > 1e-9 || math.Abs(r.Max-tc.stats.Max) > 1e-9 {
				t.Errorf("stats %+v, want %+v", r.Stats, tc.stats)
			}
			checkRatio(t, "samsa/kafka", r.SamsaOverKafka, tc.samsaOverKafka)
			checkRatio(t, "over limit", r.OverLimit, tc.overLimit)
		})
	}
	// Figures keep the order they were first added, Samsa before Kafka.
	var order []string
	for _, r := range rs {
		order = append(order, r.Name+"/"+r.Kind)
	}
	want := "produce/samsa produce/kafka produce MiB/s/samsa produce MiB/s/kafka p50/samsa p50/kafka p99/samsa p99/kafka samsa only/samsa"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}

func checkRatio(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) && got != nil:
		t.Errorf("%s = %v, want none", what, *got)
	case !math.IsNaN(want) && got == nil:
		t.Errorf("%s missing, want %v", what, want)
	case got != nil && math.Abs(*got-want) > 1e-9:
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	// The documented layout: one object per scenario/figure/kind.
	var doc struct {
		Meta    map[string]any   `json:"meta"`
		Probes  []map[string]any `json:"probes"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) != 9 || len(doc.Probes) != 1 || doc.Meta["kafka_version"] != "2.4.1" {
		t.Fatalf("document: %d results, %d probes, meta %v", len(doc.Results), len(doc.Probes), doc.Meta)
	}
	first := doc.Results[0]
	for _, key := range []string{"scenario", "figure", "unit", "better", "kind", "runs", "stats", "samsa_over_kafka"} {
		if _, ok := first[key]; !ok {
			t.Errorf("result object lacks %q: %v", key, first)
		}
	}
	if st := first["stats"].(map[string]any); st["median"] != 200.0 {
		t.Errorf("stats %v", st)
	}

	back, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := back.WriteJSON(&again); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() {
		t.Fatalf("round trip changed the document:\n%s\nvs\n%s", again.String(), b.String())
	}
}

func TestWriteJSONRejectsNaN(t *testing.T) {
	r := New(Meta{})
	r.Add(figRate, Samsa, math.NaN())
	if err := r.WriteJSON(&bytes.Buffer{}); err == nil {
		t.Fatal("a NaN run was written")
	}
}

func TestReadJSONRejectsGarbage(t *testing.T) {
	if _, err := ReadJSON(strings.NewReader("{not json")); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"## S1: small records\n\n6 partitions, RF 1\n",
		"| produce, records/s | higher | 100.0 / 200.0 / 300.0 | 40.00 / 50.00 / 60.00 | 4.00 | - | - |",
		"| produce MiB/s, MiB/s | higher | 20.00 / 20.00 / 20.00 | 5.000 / 5.000 / 5.000 | 4.00 | 0.05 | 400.0 MiB/s (dd oflag=direct) |",
		"| samsa only, ms | lower | 1.000 / 1.000 / 1.000 | - | - | - | - |",
		"| S1 | 12:00:00 | 400.0 | 4000 | 16.00 / 30.00 / 60.00 |",
		"* capped run: S1 kafka 2",
		"(20m0s)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestWritePNG(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().WritePNG(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	// Two panels (S1 produce; S6 e2e latency with two clusters) fit one row.
	if got := img.Bounds().Dy(); got != headerH+panelH {
		t.Errorf("height %d, want %d", got, headerH+panelH)
	}
	// Both kinds' bar colours are drawn.
	seen := map[string]bool{}
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for k, c := range kindColors {
				if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
					seen[k] = true
				}
			}
		}
	}
	if !seen[Samsa] || !seen[Kafka] {
		t.Errorf("colours drawn: %v", seen)
	}
}

func TestPanels(t *testing.T) {
	ps := panels(sampleReport().Results())
	if len(ps) != 2 {
		t.Fatalf("%d panels, want 2", len(ps))
	}
	if ps[1].title != "S6: e2e latency" || len(ps[1].clusters) != 2 || ps[1].clusters[1].label != "p99" || len(ps[1].clusters[1].bars) != 2 {
		t.Fatalf("latency panel %+v", ps[1])
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct{ raw, want float64 }{{0.3, 0.5}, {1, 1}, {1.1, 2}, {42, 50}, {120, 200}, {0, 0}}
	for _, tc := range tests {
		if got := niceStep(tc.raw); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

func TestAxisLabel(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0.1 * 3, "0.3"}, {1500000, "1500000"}, {250000, "250000"}, {0, "0"}, {12.5, "12.5"}}
	for _, tc := range tests {
		if got := axisLabel(tc.in); got != tc.want {
			t.Errorf("axisLabel(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
