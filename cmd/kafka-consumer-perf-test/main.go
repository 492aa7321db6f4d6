package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// run is ConsumerPerformance.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	cfg, err := o.parse(args)
	var usage *cli.UsageError
	var optErr *cli.OptionError
	switch {
	case errors.Is(err, errHelp):
		// CommandLineUtils.printHelpAndExitIfNeeded dies with status 1.
		o.p.Usage(stderr, "This tool helps in performance test for the full zookeeper consumer")
		return 1
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, cli.Version)
		return 0
	case errors.As(err, &usage):
		o.p.Usage(stderr, usage.Msg)
		return 1
	case errors.As(err, &optErr):
		cli.PrintUncaught(stderr, optErr.JavaString())
		return 1
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !cfg.hideHeader {
		printHeader(stdout, cfg.showDetailedStats)
	}
	c := &consumer{cfg: cfg, out: stdout}
	opts, err := c.clientOptions()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "org.apache.kafka.common.KafkaException: Failed to construct kafka consumer: %v\n", err)
		return 1
	}
	t := totals{startMs: time.Now().UnixMilli()}
	c.markJoinStart(t.startMs)
	c.consume(ctx, client, &t)
	t.endMs = time.Now().UnixMilli()
	t.joinMs = c.joinTotal()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	client.LeaveGroupContext(closeCtx)
	cancel()
	client.Close()
	if !cfg.showDetailedStats {
		printSummary(stdout, cfg.dateFormat, t)
	}
	if cfg.printMetrics {
		printMetrics(stdout, t)
	}
	if ctx.Err() != nil {
		return 130
	}
	return 0
}

// consumer holds one run's group-join bookkeeping, which the rebalance
// callbacks update from franz-go's goroutines.
type consumer struct {
	cfg *config
	out io.Writer

	mu          sync.Mutex
	joinStart   int64 // Unix ms when the current rebalance began
	joinTotalMs int64
	joinRoundMs int64 // since the last detailed report
}

func (c *consumer) markJoinStart(ms int64) {
	c.mu.Lock()
	c.joinStart = ms
	c.mu.Unlock()
}

func (c *consumer) joinTotal() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joinTotalMs
}

// clientOptions is ConsumerPerfConfig's property set: --consumer.config,
// then the tool's own bootstrap, group, fetch size, reset policy and
// check.crcs=false.
func (c *consumer) clientOptions() ([]kgo.Opt, error) {
	reset := kgo.NewOffset().AtStart()
	if c.cfg.fromLatest {
		reset = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(c.cfg.bootstrap, ",")...),
		kgo.ConsumerGroup(c.cfg.group),
		kgo.ConsumeTopics(c.cfg.topic),
		kgo.ConsumeResetOffset(reset),
		kgo.FetchMaxPartitionBytes(c.cfg.fetchSize),
		kgo.DisableFetchCRCValidation(),
		kgo.OnPartitionsRevoked(func(context.Context, *kgo.Client, map[string][]int32) {
			c.markJoinStart(time.Now().UnixMilli())
		}),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			now := time.Now().UnixMilli()
			c.mu.Lock()
			c.joinTotalMs += now - c.joinStart
			c.joinRoundMs += now - c.joinStart
			c.mu.Unlock()
		}),
	}
	// The Java consumer's fetch defaults (fetch.max.bytes 50 MiB,
	// fetch.min.bytes 1, fetch.max.wait.ms 500) apply unless the config
	// file sets them.
	maxBytes := int64(52428800)
	minBytes := int64(1)
	maxWait := int64(500)
	for key, dst := range map[string]*int64{"fetch.max.bytes": &maxBytes, "fetch.min.bytes": &minBytes, "fetch.max.wait.ms": &maxWait} {
		if v, ok := c.cfg.props[key]; ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s", v, key)
			}
			*dst = n
		}
	}
	opts = append(opts, kgo.FetchMaxBytes(int32(maxBytes)), kgo.FetchMinBytes(int32(minBytes)),
		kgo.FetchMaxWait(time.Duration(maxWait)*time.Millisecond))
	if id := c.cfg.props["client.id"]; id != "" {
		opts = append(opts, kgo.ClientID(id))
	}
	return opts, nil
}

// consume is ConsumerPerformance.consume: poll in 100 ms rounds until
// enough records arrived or none came for the timeout.
func (c *consumer) consume(ctx context.Context, client *kgo.Client, t *totals) {
	var bytes, messages, lastBytes, lastMessages int64
	now := time.Now().UnixMilli()
	lastReport, lastConsumed := now, now
	for messages < c.cfg.messages && now-lastConsumed <= c.cfg.timeoutMs && ctx.Err() == nil {
		pollCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fetches := client.PollFetches(pollCtx)
		cancel()
		now = time.Now().UnixMilli()
		if fetches.NumRecords() > 0 {
			lastConsumed = now
		}
		fetches.EachRecord(func(r *kgo.Record) {
			messages++
			bytes += int64(len(r.Key) + len(r.Value))
			if now-lastReport >= c.cfg.reportingIntervalMs {
				c.mu.Lock()
				round := c.joinRoundMs
				c.joinRoundMs = 0
				c.mu.Unlock()
				if c.cfg.showDetailedStats {
					printProgress(c.out, c.cfg.dateFormat, progress{bytes: bytes, lastBytes: lastBytes, messages: messages,
						lastMessages: lastMessages, startMs: lastReport, endMs: now, joinMs: round})
				}
				lastReport, lastMessages, lastBytes = now, messages, bytes
			}
		})
	}
	if messages < c.cfg.messages {
		fmt.Fprintf(c.out, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded. "+
			"You can use the --timeout option to increase the timeout.\n", c.cfg.timeoutMs)
	}
	t.messages, t.bytes = messages, bytes
}

// printMetrics prints the consumer metrics this tool can compute, in the
// layout of Kafka's ToolsUtils.printMetrics.
func printMetrics(w io.Writer, t totals) {
	secs := max(float64(t.endMs-t.startMs)/1000, 1e-3)
	m := map[string]float64{
		"consumer-fetch-manager-metrics:records-consumed-total:{client-id=consumer-1}": float64(t.messages),
		"consumer-fetch-manager-metrics:records-consumed-rate:{client-id=consumer-1}":  float64(t.messages) / secs,
		"consumer-fetch-manager-metrics:bytes-consumed-total:{client-id=consumer-1}":   float64(t.bytes),
		"consumer-fetch-manager-metrics:bytes-consumed-rate:{client-id=consumer-1}":    float64(t.bytes) / secs,
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
