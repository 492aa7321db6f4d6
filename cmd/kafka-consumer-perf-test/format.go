package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// javaDate formats t with a java.text.SimpleDateFormat pattern. Only the
// letters a perf run's timestamps need are translated (y M d H m s S and
// quoted text); any other letter is copied as is.
func javaDate(pattern string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		c := pattern[i]
		if c == '\'' {
			j := strings.IndexByte(pattern[i+1:], '\'')
			if j < 0 {
				b.WriteString(pattern[i+1:])
				break
			}
			if j == 0 {
				b.WriteByte('\'')
			}
			b.WriteString(pattern[i+1 : i+1+j])
			i += j + 2
			continue
		}
		n := 1
		for i+n < len(pattern) && pattern[i+n] == c {
			n++
		}
		i += n
		var v int
		switch c {
		case 'y':
			v = t.Year()
			if n == 2 {
				v %= 100
			}
		case 'M':
			v = int(t.Month())
		case 'd':
			v = t.Day()
		case 'H':
			v = t.Hour()
		case 'm':
			v = t.Minute()
		case 's':
			v = t.Second()
		case 'S':
			v = t.Nanosecond() / int(time.Millisecond)
		default:
			b.WriteString(strings.Repeat(string(c), n))
			continue
		}
		fmt.Fprintf(&b, "%0*d", n, v)
	}
	return b.String()
}

// printHeader is ConsumerPerformance.printHeader.
func printHeader(w io.Writer, detailed bool) {
	const extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec"
	if detailed {
		fmt.Fprintln(w, "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"+extra)
		return
	}
	fmt.Fprintln(w, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec"+extra)
}

// totals are the counters of one run, times in Unix milliseconds.
type totals struct {
	startMs, endMs, joinMs int64
	messages, bytes        int64
}

// printSummary prints the single summary row.
func printSummary(w io.Writer, dateFormat string, t totals) {
	mb := float64(t.bytes) / (1024 * 1024)
	secs := float64(t.endMs-t.startMs) / 1000
	fetchMs := t.endMs - t.startMs - t.joinMs
	fetchSecs := float64(fetchMs) / 1000
	fmt.Fprintf(w, "%s, %s, %s, %s, %d, %s, %d, %d, %s, %s\n",
		javaDate(dateFormat, time.UnixMilli(t.startMs)), javaDate(dateFormat, time.UnixMilli(t.endMs)),
		f4(mb), f4(mb/secs), t.messages, f4(float64(t.messages)/secs), t.joinMs, fetchMs,
		f4(mb/fetchSecs), f4(float64(t.messages)/fetchSecs))
}

// progress is one reporting interval for --show-detailed-stats.
type progress struct {
	bytes, lastBytes, messages, lastMessages int64
	startMs, endMs, joinMs                   int64
}

// printProgress is printConsumerProgress (basic and extended parts).
func printProgress(w io.Writer, dateFormat string, p progress) {
	elapsed := float64(p.endMs - p.startMs)
	intervalMB := float64(p.bytes-p.lastBytes) / (1024 * 1024)
	fmt.Fprintf(w, "%s, %d, %s, %s, %d, %s",
		javaDate(dateFormat, time.UnixMilli(p.endMs)), 0, f4(float64(p.bytes)/(1024*1024)),
		f4(1000*intervalMB/elapsed), p.messages, f4(float64(p.messages-p.lastMessages)/elapsed*1000))
	fetchMs := p.endMs - p.startMs - p.joinMs
	var mbs, msgs float64
	if fetchMs > 0 {
		mbs = 1000 * intervalMB / float64(fetchMs)
		msgs = 1000 * float64(p.messages-p.lastMessages) / float64(fetchMs)
	}
	fmt.Fprintf(w, ", %d, %d, %s, %s\n", p.joinMs, fetchMs, f4(mbs), f4(msgs))
}

// f4 is Java's "%.4f", which spells the results of dividing by zero
// Infinity and NaN (a run that ends within the same millisecond).
func f4(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}
