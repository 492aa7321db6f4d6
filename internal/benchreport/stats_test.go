package benchreport

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want Stats
	}{
		{"three runs", []float64{3, 1, 2}, Stats{1, 2, 3}},
		{"one run", []float64{7}, Stats{7, 7, 7}},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, Stats{1, 2.5, 4}},
		{"duplicates", []float64{5, 5, 1}, Stats{1, 5, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.in...)
			if got := Summarize(tc.in); got != tc.want {
				t.Fatalf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.in[i] {
					t.Fatalf("Summarize reordered its input: %v", tc.in)
				}
			}
		})
	}
	if s := Summarize(nil); !math.IsNaN(s.Min) || !math.IsNaN(s.Median) || !math.IsNaN(s.Max) {
		t.Fatalf("Summarize(nil) = %+v, want NaNs", s)
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(i + 1)
	}
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		{"p50 of 1..100 is index 50", hundred, 0.5, 51},
		{"p99 of 1..100", hundred, 0.99, 100},
		{"p99.9 clamps to the last", hundred, 0.999, 100},
		{"p0", hundred, 0, 1},
		{"one value", []float64{42}, 0.999, 42},
		{"four values, p50 is the third", []float64{1, 2, 3, 4}, 0.5, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percentile(tc.sorted, tc.q); got != tc.want {
				t.Fatalf("Percentile(q=%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	if !math.IsNaN(Percentile(nil, 0.5)) {
		t.Fatal("Percentile of nothing should be NaN")
	}
}
