package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is ProducerPerformance.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	cfg, err := o.parse(args, stdout)
	var optErr *cli.OptionError
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprintln(stdout, "usage: producer-performance\n\nThis tool is used to verify the producer performance.")
		o.p.PrintHelp(stdout)
		return 0
	case errors.As(err, &optErr):
		fmt.Fprintln(stderr, "producer-performance: error: "+optErr.Msg)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	opts, err := clientOptions(cfg.props, batchLimit(ctx, strings.Split(cfg.props["bootstrap.servers"], ","), cfg.topic))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "org.apache.kafka.common.KafkaException: Failed to construct kafka producer: %v\n", err)
		return 1
	}
	res := produce(ctx, client, cfg, stdout, stderr)
	if cfg.printMetrics {
		_ = client.Flush(ctx)
		res.stats.printTotal()
		printMetrics(stdout, cfg.props["client.id"], res)
		client.Close()
	} else {
		_ = client.Flush(ctx) // producer.close() waits for what is buffered
		client.Close()
		res.stats.printTotal()
	}
	if n := res.failed.Load(); n > 0 {
		fmt.Fprintf(stderr, "%d records failed; first error: %v\n", n, res.firstErr.Load())
	}
	if ctx.Err() != nil {
		return 130
	}
	return 0
}

// result is what a run leaves for the final report.
type result struct {
	stats    *stats
	sent     int64
	failed   atomic.Int64
	firstErr atomic.Value // error text of the first failure
	elapsed  time.Duration
}

// produce sends cfg.numRecords records, pacing them with the throttler. As
// in the Java tool, a failed send counts in the stats and its exception is
// printed to stderr.
func produce(ctx context.Context, client *kgo.Client, cfg *config, stdout, stderr io.Writer) *result {
	st := newStats(cfg.numRecords, stdout, time.Now)
	res := &result{stats: st}
	var payload []byte
	if cfg.recordSize > 0 {
		payload = fillPayload(cfg.recordSize)
	}
	pick := rand.New(rand.NewSource(0))
	th := throttler{target: cfg.throughput, start: time.Now()}
	start := time.Now()
	for i := int64(0); i < cfg.numRecords && ctx.Err() == nil; i++ {
		if cfg.payloads != nil {
			payload = cfg.payloads[pick.Intn(len(cfg.payloads))]
		}
		iter, size, sendStart := i, len(payload), time.Now()
		client.Produce(ctx, &kgo.Record{Topic: cfg.topic, Value: payload}, func(_ *kgo.Record, err error) {
			// As PerfCallback.onCompletion: a failed send counts in the
			// stats too, and its exception is printed.
			st.record(iter, int32(time.Since(sendStart).Milliseconds()), size)
			if err != nil {
				if res.failed.Add(1) == 1 {
					res.firstErr.Store(err.Error())
				}
				fmt.Fprintln(stderr, cli.JavaException(err, ""))
			}
		})
		res.sent++
		th.wait(ctx, i+1, time.Now())
	}
	res.elapsed = time.Since(start)
	return res
}

// printMetrics prints the few producer metrics this tool can compute, in
// the layout of Kafka's ToolsUtils.printMetrics.
func printMetrics(w io.Writer, clientID string, res *result) {
	if clientID == "" {
		clientID = "producer-1"
	}
	tag := "{client-id=" + clientID + "}"
	res.stats.mu.Lock()
	count, bytes := res.stats.count, res.stats.bytes
	res.stats.mu.Unlock()
	secs := max(res.elapsed.Seconds(), 1e-3)
	m := map[string]float64{
		"producer-metrics:record-send-total:" + tag:  float64(count),
		"producer-metrics:record-send-rate:" + tag:   float64(count) / secs,
		"producer-metrics:record-error-total:" + tag: float64(res.failed.Load()),
		"producer-metrics:byte-total:" + tag:         float64(bytes),
		"producer-metrics:byte-rate:" + tag:          float64(bytes) / secs,
	}
	names := make([]string, 0, len(m))
	width := len("Metric Name")
	for k := range m {
		names = append(names, k)
		width = max(width, len(k))
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-*s   %s\n", width, "Metric Name", "Value")
	for _, k := range names {
		fmt.Fprintf(w, "%-*s : %.3f\n", width, k, m[k])
	}
}
