package benchreport

import (
	"math"
	"slices"
)

// Stats are the summary of a figure's runs.
type Stats struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// Summarize returns min, median and max of vs; the median of an even
// number of runs is the mean of the middle two. No runs give NaNs.
func Summarize(vs []float64) Stats {
	if len(vs) == 0 {
		return Stats{Min: math.NaN(), Median: math.NaN(), Max: math.NaN()}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stats{Min: s[0], Median: med, Max: s[n-1]}
}

// Percentile is the value at index int(n*q) of the sorted values (clamped
// to the last), the definition Kafka's perf and latency tools use, so
// percentiles computed here compare with theirs. q is in [0, 1].
func Percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(float64(len(sorted)) * q)
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ratio is a/b, or nil when it is not a number (a missing side, a zero
// denominator).
func ratio(a, b float64) *float64 {
	r := a / b
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nil
	}
	return &r
}
