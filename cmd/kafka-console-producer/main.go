package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logfmt"
	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

var errVersion = errors.New("kafka-console-producer: version requested")

// closeTimeout bounds the final flush; Java's producer.close() waits without
// bound, but a tool that never exits is worse than one that reports loss.
const closeTimeout = 30 * time.Second

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	var got os.Signal
	go func() {
		got = <-sigs
		cancel()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if s, ok := got.(syscall.Signal); ok && ctx.Err() != nil {
		code = 128 + int(s) // the JVM's exit status after its shutdown hooks ran
	}
	os.Exit(code)
}

// run is ConsoleProducer.main; it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := newOptions()
	cfg, err := o.parse(args)
	var usage *cli.UsageError
	var optErr *cli.OptionError
	switch {
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, cli.Version)
		return 0
	case errors.As(err, &usage):
		o.p.Usage(stderr, usage.Msg)
		return 1
	case errors.As(err, &optErr):
		fmt.Fprintln(stderr, optErr.Msg)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, err) // e.printStackTrace, without the trace
		return 1
	}

	log := logfmt.NewLogger(stderr, logrus.WarnLevel)
	opts, err := clientOptions(cfg.producer)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	connected := new(atomic.Bool)
	opts = append(opts, kgo.WithHooks(cli.ConnectWarner{Log: logrus.NewEntry(log), Prefix: "Producer clientId=" + cfg.producer["client.id"], Connected: connected, BootstrapLine: true}))
	client, err := kgo.NewClient(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "org.apache.kafka.common.KafkaException: Failed to construct kafka producer: %v\n", err)
		return 1
	}
	p := &producer{client: client, log: log.WithField(logfmt.LoggerField, "org.apache.kafka.clients.producer.internals.ErrorLoggingCallback"), cfg: cfg, connected: connected}
	defer p.close()

	// Reading happens in a goroutine so a signal can interrupt a blocked
	// read; it reads (and prompts) only when asked, after the previous
	// record was handed to the producer, as Kafka's single thread does.
	reader := newLineReader(stdin, stdout, cfg.topic, cfg.readerProps)
	type read struct {
		m   message
		err error
	}
	want, got := make(chan struct{}), make(chan read)
	go func() {
		for {
			select {
			case <-want:
			case <-ctx.Done():
				return
			}
			m, err := reader.next()
			select {
			case got <- read{m, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		var r read
		select {
		case want <- struct{}{}:
		case <-ctx.Done():
			return 130
		}
		select {
		case r = <-got:
		case <-ctx.Done():
			return 130
		}
		switch {
		case errors.Is(r.err, io.EOF):
			return 0
		case r.err != nil:
			fmt.Fprintln(stderr, r.err)
			return 1
		}
		if err := p.send(ctx, r.m); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
}

// producer sends records the way ConsoleProducer.send does.
type producer struct {
	client    *kgo.Client
	log       *logrus.Entry
	cfg       *config
	connected *atomic.Bool // some broker was reached: metadata could load
}

// send produces one record. Asynchronously (the default) failures are
// logged like Kafka's ErrorLoggingCallback; with --sync the record is sent
// at once and a failure ends the tool, as the Java future's get() would.
func (p *producer) send(ctx context.Context, m message) error {
	rec := &kgo.Record{Topic: p.cfg.topic, Key: m.key, Value: m.value}
	if !p.cfg.sync {
		p.client.Produce(ctx, rec, p.logFailure)
		return nil
	}
	done := make(chan error, 1)
	p.client.Produce(ctx, rec, func(r *kgo.Record, err error) { done <- err })
	if err := p.client.Flush(ctx); err != nil {
		return nil // interrupted; main reports the signal
	}
	if err := <-done; err != nil {
		cause := p.exception(rec, err)
		return fmt.Errorf("java.util.concurrent.ExecutionException: %s\nCaused by: %s", cause, cause)
	}
	return nil
}

func (p *producer) logFailure(r *kgo.Record, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	key := "null"
	if r.Key != nil {
		key = fmt.Sprintf("%d bytes", len(r.Key))
	}
	value := "null"
	if r.Value != nil {
		value = fmt.Sprintf("%d bytes", len(r.Value))
	}
	p.log.WithError(errors.New(p.exception(r, err))).Errorf(
		"Error when sending message to topic %s with key: %s, value: %s with error:", r.Topic, key, value)
}

// exception names err as the Java producer would report it.
func (p *producer) exception(r *kgo.Record, err error) string {
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition),
		errors.Is(err, kgo.ErrRecordTimeout) && !p.connected.Load():
		return fmt.Sprintf("org.apache.kafka.common.errors.TimeoutException: Topic %s not present in metadata after %s ms.",
			r.Topic, p.cfg.producer["max.block.ms"])
	case errors.Is(err, kgo.ErrRecordTimeout):
		return fmt.Sprintf("org.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s) for %s-%d: %s",
			r.Topic, r.Partition, err)
	}
	return cli.JavaException(err, "")
}

// close flushes what is buffered and closes the client, like the shutdown
// hook's producer.close().
func (p *producer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = p.client.Flush(ctx) // failures were reported through the callbacks
	p.client.Close()
}
