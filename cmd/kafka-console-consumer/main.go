package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logfmt"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// closeTimeout bounds the final offset commit and group leave.
const closeTimeout = 10 * time.Second

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	// A closed stdout must be a write error (Java's checkError), not a kill.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	var got os.Signal
	go func() {
		got = <-sigs
		cancel()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0)))
	if s, ok := got.(syscall.Signal); ok && ctx.Err() != nil {
		code = 128 + int(s) // the JVM's exit status after its shutdown hooks ran
	}
	os.Exit(code)
}

// run is ConsoleConsumer.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, rnd *rand.Rand) int {
	o := newOptions()
	cfg, err := o.parse(args, rnd)
	var usage *cli.UsageError
	var exitErr *exitError
	switch {
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, cli.Version)
		return 0
	case errors.As(err, &usage):
		o.p.Usage(stderr, usage.Msg)
		return 1
	case errors.As(err, &exitErr):
		fmt.Fprintln(stderr, exitErr.msg)
		return 1
	case err != nil:
		// An exception from ConsumerConfig's constructor escapes main.
		cli.PrintUncaughtError(stderr, err)
		return 1
	}

	logger := logfmt.NewLogger(stderr, logrus.WarnLevel)
	log := logger.WithField(logfmt.LoggerField, "kafka.tools.ConsoleConsumer$")
	cfg.log = logrus.NewEntry(logger)
	// Not derived from ctx: like the Java consumer's close, the start
	// positions are still committed after a signal.
	bg, stopBG := context.WithCancel(context.Background())
	c := &consumer{cfg: cfg, out: bufio.NewWriter(stdout), stderr: stderr, log: log, bg: bg, stopBG: stopBG}
	opts, err := cfg.clientOptions(c.onAssigned)
	if err == nil {
		if c.client, err = kgo.NewClient(opts...); err == nil {
			return c.run(ctx)
		}
	}
	stopBG()
	log.WithError(errors.New(err.Error())).Error("Unknown error when running consumer: ")
	return 1
}

// consumer is ConsoleConsumer.run/process with its ConsumerWrapper.
type consumer struct {
	cfg    *config
	client *kgo.Client
	out    *bufio.Writer
	stderr io.Writer
	log    *logrus.Entry
	count  int

	// Background commits of start positions (onAssigned); cleanup stops
	// and waits for them before the final commit.
	bg     context.Context
	stopBG context.CancelFunc
	wg     sync.WaitGroup
}

// onAssigned runs when the group assigns partitions. The Java consumer's
// auto-commit commits the position of every assigned partition, even one
// nothing was read from, so a group that read nothing resumes where it
// stood rather than at the reset point of its next start ("latest" would
// skip what was produced meanwhile). Marks only cover printed records, so
// the start position of partitions without a committed offset is committed
// here, off the group's goroutine.
func (c *consumer) onAssigned(_ context.Context, cl *kgo.Client, assigned map[string][]int32) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.commitStartPositions(c.bg, cl, assigned)
	}()
}

func (c *consumer) commitStartPositions(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) {
	adm := kadm.NewClient(cl)
	committed, err := adm.FetchOffsets(ctx, c.cfg.consumer["group.id"])
	if err != nil {
		return // the next auto-commit of printed records still happens
	}
	need := map[string][]int32{}
	var topics []string
	for t, ps := range assigned {
		for _, p := range ps {
			if o, ok := committed.Lookup(t, p); ok && o.Err == nil && o.At >= 0 {
				continue
			}
			if _, seen := need[t]; !seen {
				topics = append(topics, t)
			}
			need[t] = append(need[t], p)
		}
	}
	if len(topics) == 0 {
		return
	}
	var listed kadm.ListedOffsets
	switch c.cfg.consumer["auto.offset.reset"] {
	case "earliest":
		listed, err = adm.ListStartOffsets(ctx, topics...)
	case "latest":
		listed, err = adm.ListEndOffsets(ctx, topics...)
	default:
		return
	}
	if err != nil {
		return
	}
	offsets := map[string]map[int32]kgo.EpochOffset{}
	for t, ps := range need {
		for _, p := range ps {
			if l, ok := listed.Lookup(t, p); ok && l.Err == nil && l.Offset >= 0 {
				if offsets[t] == nil {
					offsets[t] = map[int32]kgo.EpochOffset{}
				}
				offsets[t][p] = kgo.EpochOffset{Epoch: -1, Offset: l.Offset}
			}
		}
	}
	done := make(chan struct{})
	cl.CommitOffsets(ctx, offsets, func(*kgo.Client, *kmsg.OffsetCommitRequest, *kmsg.OffsetCommitResponse, error) { close(done) })
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (c *consumer) run(ctx context.Context) int {
	defer func() {
		c.cleanup()
		fmt.Fprintf(c.stderr, "Processed a total of %d messages\n", c.count)
		if c.cfg.systestEvents && ctx.Err() != nil {
			fmt.Fprintln(c.out, "shutdown_complete")
			_ = c.out.Flush()
		}
	}()
	if err := c.process(ctx); err != nil {
		c.log.WithError(errors.New(err.Error())).Error("Unknown error when running consumer: ")
		return 1
	}
	return 0
}

// process prints records until max messages, a poll timeout, a fatal
// error or cancellation. Only a formatter failure without
// --skip-message-on-error is returned as an error.
func (c *consumer) process(ctx context.Context) error {
	for c.cfg.maxMessages < 0 || c.count < c.cfg.maxMessages {
		records, err := c.poll(ctx)
		if err != nil {
			if ctx.Err() == nil {
				c.log.WithError(errors.New(err.Error())).Error("Error processing message, terminating consumer process: ")
			}
			return nil
		}
		for _, r := range records {
			if c.cfg.maxMessages >= 0 && c.count >= c.cfg.maxMessages {
				break
			}
			c.count++
			if err := c.cfg.formatter.writeTo(c.out, r); err != nil {
				if isWriteError(err) {
					fmt.Fprintln(c.stderr, "Unable to write to standard out, closing consumer.")
					return nil
				}
				if !c.cfg.skipMessageOnError {
					return err
				}
				c.log.WithError(errors.New(err.Error())).Error("Error processing message, skipping this message: ")
			}
			c.client.MarkCommitRecords(r)
		}
		if err := c.out.Flush(); err != nil {
			fmt.Fprintln(c.stderr, "Unable to write to standard out, closing consumer.")
			return nil
		}
	}
	return nil
}

// writeError marks failures of the output stream, as opposed to a
// deserializer's.
type writeError struct{ error }

func (e writeError) Unwrap() error { return e.error }

func isWriteError(err error) bool {
	var we writeError
	return errors.As(err, &we)
}

// poll returns the next records. Kafka's receive() throws TimeoutException
// when one poll of --timeout-ms returns nothing; retriable fetch errors are
// left to the client, as the Java consumer does.
func (c *consumer) poll(ctx context.Context) ([]*kgo.Record, error) {
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if c.cfg.timeout >= 0 {
		pctx, cancel = context.WithTimeout(ctx, time.Duration(c.cfg.timeout)*time.Millisecond)
	}
	defer cancel()
	for {
		fetches := c.client.PollFetches(pctx)
		var fatal error
		fetches.EachError(func(topic string, partition int32, err error) {
			switch {
			case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), kerr.IsRetriable(err):
			case errors.Is(err, kgo.ErrClientClosed):
				fatal = err
			default:
				var ke *kerr.Error
				if !errors.As(err, &ke) || !ke.Retriable {
					fatal = fmt.Errorf("%s", cli.JavaException(err, ""))
				}
			}
		})
		if fatal != nil {
			return nil, fatal
		}
		if recs := fetches.Records(); len(recs) > 0 {
			return recs, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if pctx.Err() != nil {
			return nil, errors.New("org.apache.kafka.common.errors.TimeoutException")
		}
	}
}

// cleanup commits what was printed (with auto-commit) and leaves the group.
func (c *consumer) cleanup() {
	_ = c.out.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	waited := make(chan struct{})
	go func() { c.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
	}
	c.stopBG()
	c.wg.Wait()
	if c.cfg.partition == nil && c.cfg.autoCommit() {
		if err := c.client.CommitMarkedOffsets(ctx); err != nil {
			c.log.WithError(errors.New(cli.JavaException(err, ""))).Warn("Failed to commit offsets on close")
		}
	}
	c.client.Close()
}
