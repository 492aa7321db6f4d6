package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// summary is what the Java tool prints after the last round trip, computed
// from the round trips in nanoseconds.
type summary struct {
	avgMs           float64
	p50, p99, p999  int64 // whole milliseconds, as 2.4.1 prints them
	roundTrips      int
	latenciesMillis []int64
}

// summarize reproduces EndToEndLatency's arithmetic: the average over the
// exact nanosecond latencies, and percentiles picked at index
// int(n*q) of the latencies truncated to whole milliseconds and sorted.
func summarize(latencies []time.Duration) summary {
	s := summary{roundTrips: len(latencies)}
	if len(latencies) == 0 {
		return s
	}
	var total float64
	ms := make([]int64, len(latencies))
	for i, l := range latencies {
		total += float64(l.Nanoseconds())
		ms[i] = l.Nanoseconds() / 1000 / 1000
	}
	slices.Sort(ms)
	n := float64(len(ms))
	s.avgMs = total / n / 1000.0 / 1000.0
	s.p50 = ms[int(n*0.5)]
	s.p99 = ms[int(n*0.99)]
	s.p999 = ms[int(n*0.999)]
	s.latenciesMillis = ms
	return s
}

// print writes the two result lines exactly as 2.4.1 does; the first is
// formatted with a trailing "\n" and then println'd, hence the blank line.
func (s summary) print(w io.Writer) {
	fmt.Fprintf(w, "Avg latency: %s ms\n\n", javaFixed(s.avgMs, 4))
	fmt.Fprintf(w, "Percentiles: 50th = %d, 99th = %d, 99.9th = %d\n", s.p50, s.p99, s.p999)
}

// progressLine is the line printed for every 1000th round trip:
// i + "\t" + elapsed / 1000.0 / 1000.0 in Scala, a Java double.
func progressLine(i int, elapsed time.Duration) string {
	return fmt.Sprintf("%d\t%s\n", i, javaDouble(float64(elapsed.Nanoseconds())/1000.0/1000.0))
}
