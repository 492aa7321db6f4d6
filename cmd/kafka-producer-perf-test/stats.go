package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// reportingInterval is ProducerPerformance's fixed window.
const reportingInterval = 5 * time.Second

// maxSamples bounds the latencies kept for percentiles, as the Java Stats
// class does (numRecords / min(numRecords, 500000) is the sampling step).
const maxSamples = 500000

// stats is ProducerPerformance.Stats: totals, a reporting window and a
// sample of latencies. Callbacks from several partitions may run at once,
// so every field is under mu.
type stats struct {
	mu  sync.Mutex
	out io.Writer
	now func() time.Time

	start, windowStart time.Time
	latencies          []int32
	sampling           int64

	count, bytes, totalLatency            int64
	maxLatency                            int32
	windowCount, windowBytes, windowTotal int64
	windowMax                             int32
}

func newStats(numRecords int64, out io.Writer, now func() time.Time) *stats {
	sampling := int64(1)
	if numRecords > maxSamples {
		sampling = numRecords / maxSamples
	}
	t := now()
	return &stats{
		out: out, now: now, start: t, windowStart: t, sampling: sampling,
		latencies: make([]int32, 0, numRecords/sampling+1),
	}
}

// record accounts one acknowledged record; iter is its send index.
func (s *stats) record(iter int64, latencyMs int32, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	s.bytes += int64(bytes)
	s.totalLatency += int64(latencyMs)
	s.maxLatency = max(s.maxLatency, latencyMs)
	s.windowCount++
	s.windowBytes += int64(bytes)
	s.windowTotal += int64(latencyMs)
	s.windowMax = max(s.windowMax, latencyMs)
	if iter%s.sampling == 0 && len(s.latencies) < cap(s.latencies) {
		s.latencies = append(s.latencies, latencyMs)
	}
	if t := s.now(); t.Sub(s.windowStart) >= reportingInterval {
		s.printWindow(t)
		s.windowStart = t
		s.windowCount, s.windowBytes, s.windowTotal, s.windowMax = 0, 0, 0, 0
	}
}

// elapsedMs is a Java currentTimeMillis difference; it is never zero so a
// very short run prints large rates instead of Infinity.
func elapsedMs(from, to time.Time) float64 {
	return float64(max(to.Sub(from).Milliseconds(), 1))
}

func (s *stats) printWindow(t time.Time) {
	ms := elapsedMs(s.windowStart, t)
	avg := 0.0
	if s.windowCount > 0 {
		avg = float64(s.windowTotal) / float64(s.windowCount)
	}
	fmt.Fprintf(s.out, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
		s.windowCount, 1000*float64(s.windowCount)/ms, 1000*float64(s.windowBytes)/ms/(1024*1024), avg, float64(s.windowMax))
}

// printTotal prints the final line.
func (s *stats) printTotal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := elapsedMs(s.start, s.now())
	avg := 0.0
	if s.count > 0 {
		avg = float64(s.totalLatency) / float64(s.count)
	}
	p := percentiles(s.latencies, 0.5, 0.95, 0.99, 0.999)
	fmt.Fprintf(s.out, "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.count, 1000*float64(s.count)/ms, 1000*float64(s.bytes)/ms/(1024*1024), avg, float64(s.maxLatency), p[0], p[1], p[2], p[3])
}

// percentiles sorts the samples and picks the value at index
// (int)(p*len), as Stats.percentiles does; with no samples it reports 0.
func percentiles(samples []int32, ps ...float64) []int32 {
	slices.Sort(samples)
	out := make([]int32, len(ps))
	if len(samples) == 0 {
		return out
	}
	for i, p := range ps {
		out[i] = samples[min(int(p*float64(len(samples))), len(samples)-1)]
	}
	return out
}
