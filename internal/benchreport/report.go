package benchreport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Broker kinds.
const (
	Samsa = "samsa"
	Kafka = "kafka"
)

// Better says which direction of a figure is the good one.
type Better string

const (
	Higher Better = "higher"
	Lower  Better = "lower"
)

// Figure names one measured quantity of one scenario. Group puts figures
// into one chart panel (e.g. the percentiles of one latency); Chart says
// whether the figure is drawn at all.
type Figure struct {
	Scenario string `json:"scenario"`
	Name     string `json:"figure"`
	Unit     string `json:"unit"`
	Better   Better `json:"better"`
	Group    string `json:"group,omitempty"`
	Chart    bool   `json:"chart,omitempty"`
}

// Scenario describes one scenario for the Markdown report.
type Scenario struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Probe is a baseline taken right before a scenario.
type Probe struct {
	Scenario     string    `json:"scenario"`
	Time         time.Time `json:"time"`
	DiskMiBps    float64   `json:"disk_direct_MiBps"`
	LoopbackMiBs float64   `json:"loopback_MiBps"`
	RTTp50us     float64   `json:"loopback_rtt_p50_us"`
	RTTp99us     float64   `json:"loopback_rtt_p99_us"`
	RTTp999us    float64   `json:"loopback_rtt_p999_us"`
}

// Meta is what the reader needs to reproduce the run.
type Meta struct {
	Started      time.Time  `json:"started"`
	Finished     time.Time  `json:"finished"`
	Command      string     `json:"command"`
	Scale        float64    `json:"scale"`
	Tools        string     `json:"tools"`
	KafkaVersion string     `json:"kafka_version"`
	Host         string     `json:"host"`
	Scenarios    []Scenario `json:"scenarios"`
	Notes        []string   `json:"notes,omitempty"`
}

// Limit is the physical ceiling or floor a figure is compared with.
type Limit struct {
	Value float64 `json:"value"`
	Basis string  `json:"basis"`
}

// Result is one figure for one broker kind: the JSON object of the report.
type Result struct {
	Figure
	Kind  string    `json:"kind"`
	Runs  []float64 `json:"runs"`
	Stats `json:"stats"`
	// SamsaOverKafka is median(Samsa) / median(Kafka), the same on both
	// kinds' results of a figure.
	SamsaOverKafka *float64 `json:"samsa_over_kafka,omitempty"`
	Limit          *Limit   `json:"limit,omitempty"`
	// OverLimit is this kind's median / Limit.Value.
	OverLimit *float64 `json:"over_limit,omitempty"`
}

type figKey struct{ scenario, name string }

// Report accumulates a benchmark's figures. It is safe for concurrent use.
type Report struct {
	mu struct {
		sync.Mutex
		meta    Meta
		figures []Figure // in the order first added
		runs    map[figKey]map[string][]float64
		limits  map[figKey]Limit
		probes  []Probe
	}
}

// New returns an empty report.
func New(meta Meta) *Report {
	r := &Report{}
	r.mu.meta = meta
	r.mu.runs = map[figKey]map[string][]float64{}
	r.mu.limits = map[figKey]Limit{}
	return r
}

// Add records one run's value of f for a broker kind.
func (r *Report) Add(f Figure, kind string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := figKey{f.Scenario, f.Name}
	if _, ok := r.mu.runs[k]; !ok {
		r.mu.runs[k] = map[string][]float64{}
		r.mu.figures = append(r.mu.figures, f)
	}
	r.mu.runs[k][kind] = append(r.mu.runs[k][kind], v)
}

// SetLimit sets the physical limit f is compared with.
func (r *Report) SetLimit(f Figure, l Limit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.limits[figKey{f.Scenario, f.Name}] = l
}

// AddProbe records a baseline probe.
func (r *Report) AddProbe(p Probe) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.probes = append(r.mu.probes, p)
}

// Note adds a line to the report's notes (a capped run, a skipped figure).
func (r *Report) Note(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.meta.Notes = append(r.mu.meta.Notes, fmt.Sprintf(format, a...))
}

// Finish stamps the end time.
func (r *Report) Finish(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.meta.Finished = t
}

// kinds orders the broker kinds: Samsa, Kafka, then any other by name.
func kinds(m map[string][]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	rank := func(k string) int {
		switch k {
		case Samsa:
			return 0
		case Kafka:
			return 1
		}
		return 2
	}
	slices.SortFunc(ks, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	return ks
}

// Results returns one Result per figure and broker kind, in the order the
// figures were first added.
func (r *Report) Results() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Result
	for _, f := range r.mu.figures {
		k := figKey{f.Scenario, f.Name}
		byKind := r.mu.runs[k]
		samsa, kafka := Summarize(byKind[Samsa]), Summarize(byKind[Kafka])
		for _, kind := range kinds(byKind) {
			res := Result{Figure: f, Kind: kind, Runs: slices.Clone(byKind[kind]), Stats: Summarize(byKind[kind])}
			res.SamsaOverKafka = ratio(samsa.Median, kafka.Median)
			if l, ok := r.mu.limits[k]; ok {
				res.Limit = &l
				res.OverLimit = ratio(res.Median, l.Value)
			}
			out = append(out, res)
		}
	}
	return out
}

// document is the JSON file's layout.
type document struct {
	Meta    Meta     `json:"meta"`
	Probes  []Probe  `json:"probes"`
	Results []Result `json:"results"`
}

func (r *Report) snapshot() (Meta, []Probe) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.meta, slices.Clone(r.mu.probes)
}

// WriteJSON writes the report as one indented JSON document. NaN figures
// (a kind with no runs never appears, so these come only from the caller)
// are written as null.
func (r *Report) WriteJSON(w io.Writer) error {
	meta, probes := r.snapshot()
	doc := document{Meta: meta, Probes: probes, Results: r.Results()}
	for i := range doc.Results {
		for _, v := range doc.Results[i].Runs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("benchreport: %s %s (%s): run value %v is not a number", doc.Results[i].Scenario, doc.Results[i].Name, doc.Results[i].Kind, v)
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("benchreport: encode JSON: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON back into a Report, so a
// report can be re-rendered (or merged) without re-running the benchmark.
func ReadJSON(rd io.Reader) (*Report, error) {
	var doc document
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		return nil, fmt.Errorf("benchreport: decode JSON: %w", err)
	}
	r := New(doc.Meta)
	for _, p := range doc.Probes {
		r.AddProbe(p)
	}
	for _, res := range doc.Results {
		f := res.Figure
		for _, v := range res.Runs {
			r.Add(f, res.Kind, v)
		}
		if res.Limit != nil {
			r.SetLimit(f, *res.Limit)
		}
	}
	return r, nil
}

// WriteDir writes bench.json, bench.md and bench.png into dir, creating
// it if needed.
func (r *Report) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("benchreport: %w", err)
	}
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"bench.json", r.WriteJSON},
		{"bench.md", r.WriteMarkdown},
		{"bench.png", r.WritePNG},
	} {
		f, err := os.Create(filepath.Join(dir, out.name))
		if err != nil {
			return fmt.Errorf("benchreport: %w", err)
		}
		err = out.write(f)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("benchreport: %w", cerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
