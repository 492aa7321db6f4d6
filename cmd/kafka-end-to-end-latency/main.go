package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// className is getClass.getName of the Scala object, which the usage line
// names.
const className = "kafka.tools.EndToEndLatency$"

// pollTimeout is the Java tool's timeout for one poll.
const pollTimeout = 60 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	brokerList  string
	topic       string
	numMessages int
	acks        string
	messageLen  int
	props       map[string]string
	latencyFile string
}

// run is EndToEndLatency.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, os.Getenv("SAMSA_LATENCY_FILE"))
	if errors.Is(err, errUsage) {
		fmt.Fprintln(stderr, "USAGE: java "+className+" broker_list topic num_messages producer_acks message_size_bytes [optional] properties_file")
		return 1
	}
	if err == nil {
		err = measure(ctx, cfg, stdout)
	}
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	return 0
}

var errUsage = errors.New("kafka-end-to-end-latency: wrong number of arguments")

// parseArgs checks the positional arguments in the Java tool's order.
func parseArgs(args []string, latencyFile string) (*config, error) {
	if len(args) != 5 && len(args) != 6 {
		return nil, errUsage
	}
	cfg := &config{brokerList: args[0], topic: args[1], acks: args[3], latencyFile: latencyFile}
	var err error
	if cfg.numMessages, err = javaInt(args[2]); err != nil {
		return nil, err
	}
	if cfg.messageLen, err = javaInt(args[4]); err != nil {
		return nil, err
	}
	if cfg.acks != "1" && cfg.acks != "all" {
		return nil, &cli.JavaError{Text: "java.lang.IllegalArgumentException: Latency testing requires synchronous acknowledgement. Please use 1 or all"}
	}
	cfg.props = map[string]string{}
	if len(args) == 6 && args[5] != "" {
		if cfg.props, err = cli.LoadProperties(args[5]); err != nil {
			return nil, err
		}
	}
	cfg.props["bootstrap.servers"] = cfg.brokerList
	return cfg, nil
}

// javaInt is Scala's String.toInt (Integer.parseInt).
func javaInt(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, &cli.JavaError{Text: fmt.Sprintf("java.lang.NumberFormatException: For input string: %q", s), Err: err}
	}
	return int(n), nil
}

func runtimeError(format string, a ...any) error {
	return &cli.JavaError{Text: "java.lang.RuntimeException: " + fmt.Sprintf(format, a...)}
}

// measure runs the round trips and prints the results.
func measure(ctx context.Context, cfg *config, stdout io.Writer) error {
	if cfg.messageLen < 0 {
		return &cli.JavaError{Text: fmt.Sprintf("java.lang.NegativeArraySizeException: %d", cfg.messageLen)}
	}
	admin, err := kgo.NewClient(commonOptions(cfg.props, "adminclient-1")...)
	if err != nil {
		return fmt.Errorf("kafka-end-to-end-latency: admin client: %w", err)
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)
	offsets, err := endOffsets(ctx, adm, cfg.topic, stdout)
	if err != nil {
		return err
	}
	popts, err := producerOptions(cfg.props, cfg.acks)
	if err != nil {
		return err
	}
	producer, err := kgo.NewClient(popts...)
	if err != nil {
		return fmt.Errorf("kafka-end-to-end-latency: producer: %w", err)
	}
	defer producer.Close()
	copts, err := consumerOptions(cfg.props, offsets)
	if err != nil {
		return err
	}
	consumer, err := kgo.NewClient(copts...)
	if err != nil {
		return fmt.Errorf("kafka-end-to-end-latency: consumer: %w", err)
	}
	defer consumer.Close()
	group := "test-group-" + strconv.FormatInt(time.Now().UnixMilli(), 10)

	latencies := make([]time.Duration, 0, cfg.numMessages)
	random := newJavaRandom(0)
	var rtErr error
	for i := 0; i < cfg.numMessages && rtErr == nil; i++ {
		message := randomBytesOfLen(random, cfg.messageLen)
		var elapsed time.Duration
		elapsed, rtErr = roundTrip(ctx, producer, consumer, cfg.topic, message, offsets)
		if rtErr != nil {
			break
		}
		if i%1000 == 0 {
			io.WriteString(stdout, progressLine(i, elapsed))
		}
		latencies = append(latencies, elapsed)
	}
	// finalise(): the consumed positions are committed to the tool's group.
	commitPositions(ctx, adm, group, cfg.topic, offsets)
	if rtErr != nil {
		return rtErr
	}
	if err := writeLatencies(cfg.latencyFile, latencies); err != nil {
		return err
	}
	if len(latencies) == 0 {
		io.WriteString(stdout, "Avg latency: NaN ms\n\n")
		return &cli.JavaError{Text: "java.lang.ArrayIndexOutOfBoundsException: Index 0 out of bounds for length 0"}
	}
	summarize(latencies).print(stdout)
	return nil
}

// endOffsets creates the topic if it is missing (one partition, replication
// factor 1, as the Java tool does) and returns the log end of each of its
// partitions: the consumer starts there, so it sees only what this run
// sends. Resolving the ends before the first send also means no message can
// slip in before the consumer's position is known.
func endOffsets(ctx context.Context, adm *kadm.Client, topic string, stdout io.Writer) (map[string]map[int32]kgo.Offset, error) {
	topics, err := adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, fmt.Errorf("kafka-end-to-end-latency: list topics: %w", err)
	}
	if !topics.Has(topic) {
		fmt.Fprintf(stdout, "Topic \"%s\" does not exist. Will create topic with %d partition(s) and replication factor = %d\n", topic, 1, 1)
		resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			return nil, &cli.JavaError{Text: "java.lang.RuntimeException: Failed to create topic " + topic, Err: err}
		}
	}
	var ends kadm.ListedOffsets
	for attempt := 0; ; attempt++ {
		ends, err = adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = ends.Error()
		}
		if err == nil && len(ends[topic]) > 0 {
			break
		}
		// A just-created topic has no leaders for a moment.
		if attempt == 100 || ctx.Err() != nil {
			return nil, fmt.Errorf("kafka-end-to-end-latency: end offsets of %s: %w", topic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	offsets := map[string]map[int32]kgo.Offset{topic: {}}
	for p, o := range ends[topic] {
		offsets[topic][p] = kgo.NewOffset().At(o.Offset)
	}
	return offsets, nil
}

// roundTrip sends one message, waits for its acknowledgement, then polls
// until it comes back, and returns the time all of that took. The records
// polled update positions, the offsets the final commit stores.
func roundTrip(ctx context.Context, producer, consumer *kgo.Client, topic string, message []byte, positions map[string]map[int32]kgo.Offset) (time.Duration, error) {
	begin := time.Now()
	if err := producer.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: message}).FirstErr(); err != nil {
		return 0, &cli.JavaError{Text: "java.util.concurrent.ExecutionException: " + err.Error(), Err: err}
	}
	pollCtx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	var got []*kgo.Record
	for len(got) == 0 {
		fetches := consumer.PollFetches(pollCtx)
		if pollCtx.Err() != nil {
			break
		}
		fetches.EachError(func(t string, p int32, err error) {
			// Transient fetch errors (a leader moving) are retried by the
			// client, as the Java consumer's poll does.
			_ = err
		})
		got = fetches.Records()
	}
	elapsed := time.Since(begin)
	if len(got) == 0 {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("kafka-end-to-end-latency: interrupted: %w", ctx.Err())
		}
		return 0, runtimeError("poll() timed out before finding a result (timeout:[%d])", pollTimeout.Milliseconds())
	}
	for _, r := range got {
		positions[r.Topic][r.Partition] = kgo.NewOffset().At(r.Offset + 1)
	}
	if !bytes.Equal(got[0].Value, message) {
		return 0, runtimeError("The message read [%s] did not match the message sent [%s]", got[0].Value, message)
	}
	if len(got) > 1 {
		return 0, runtimeError("Only one result was expected during this test. We found [%d]", len(got))
	}
	return elapsed, nil
}

// commitPositions is the final consumer.commitSync(): the positions of the
// assigned partitions, committed as a simple (generation -1) group commit.
// Failure is ignored here: the measurement is already done.
func commitPositions(ctx context.Context, adm *kadm.Client, group, topic string, positions map[string]map[int32]kgo.Offset) {
	var offs kadm.Offsets
	for p, o := range positions[topic] {
		offs.Add(kadm.Offset{Topic: topic, Partition: p, At: o.EpochOffset().Offset, LeaderEpoch: -1})
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, _ = adm.CommitOffsets(cctx, group, offs)
}

// writeLatencies writes the nanosecond latencies to path, one per line; an
// empty path writes nothing.
func writeLatencies(path string, latencies []time.Duration) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, l := range latencies {
		b.WriteString(strconv.FormatInt(l.Nanoseconds(), 10))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("kafka-end-to-end-latency: SAMSA_LATENCY_FILE: %w", err)
	}
	return nil
}
