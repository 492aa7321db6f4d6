package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// errHelp asks main to print the help text and exit 0 (argparse4j's -h,
// and ProducerPerformance with no arguments at all).
var errHelp = errors.New("kafka-producer-perf-test: help requested")

// config is what ProducerPerformance reads from its arguments.
type config struct {
	topic        string
	numRecords   int64
	recordSize   int // 0 when payloads come from a file
	payloads     [][]byte
	throughput   int64
	props        map[string]string
	printMetrics bool
}

// options are ProducerPerformance's argparse4j arguments. The tool uses
// argparse4j rather than joptsimple, so --producer-props takes every
// following token up to the next option (nargs("+")); that is split off
// before the rest goes through cli.Parser.
type options struct {
	p *cli.Parser

	topic, numRecords, recordSize, payloadFile, payloadDelimiter, throughput,
	producerConfig, printMetrics, transactionalID, transactionDurationMs *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.topic = p.Accepts("topic", "produce messages to this topic").WithRequiredArg().DescribedAs("TOPIC")
	o.numRecords = p.Accepts("num-records", "number of messages to produce").WithRequiredArg().DescribedAs("NUM-RECORDS").OfType("Long")
	o.recordSize = p.Accepts("record-size", "message size in bytes. Note that you must provide exactly one of --record-size or --payload-file.").
		WithRequiredArg().DescribedAs("RECORD-SIZE").OfType("Integer")
	o.payloadFile = p.Accepts("payload-file", "file to read the message payloads from. This works only for UTF-8 encoded text files. "+
		"Payloads will be read from this file and a payload will be randomly selected when sending messages. "+
		"Note that you must provide exactly one of --record-size or --payload-file.").WithRequiredArg().DescribedAs("PAYLOAD-FILE")
	o.payloadDelimiter = p.Accepts("payload-delimiter", "provides delimiter to be used when --payload-file is provided. Defaults to new line. "+
		"Note that this parameter will be ignored if --payload-file is not provided.").WithRequiredArg().DescribedAs("PAYLOAD-DELIMITER").DefaultsTo(`\n`)
	o.throughput = p.Accepts("throughput", "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.").
		WithRequiredArg().DescribedAs("THROUGHPUT").OfType("Integer")
	p.Accepts("producer-props", "kafka producer related configuration properties like bootstrap.servers,client.id etc. "+
		"These configs take precedence over those passed via --producer.config.").WithRequiredArg().DescribedAs("PROP-NAME=PROP-VALUE")
	o.producerConfig = p.Accepts("producer.config", "producer config properties file.").WithRequiredArg().DescribedAs("CONFIG-FILE")
	o.printMetrics = p.Accepts("print-metrics", "print out metrics at the end of the test.")
	o.transactionalID = p.Accepts("transactional-id", "The transactionalId to use if transaction-duration-ms is > 0. Not supported by this tool.").
		WithRequiredArg().DescribedAs("TRANSACTIONAL-ID").DefaultsTo("performance-producer-default-transactional-id")
	o.transactionDurationMs = p.Accepts("transaction-duration-ms", "The max age of each transaction. Transactions are not supported by this tool; only 0 is accepted.").
		WithRequiredArg().DescribedAs("TRANSACTION-DURATION").OfType("Long").DefaultsTo("0")
	return o
}

// splitProducerProps removes every --producer-props group (the option and
// the tokens after it that do not start with '-') from args.
func splitProducerProps(args []string) (rest, props []string, seen bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a != "--producer-props" && a != "-producer-props" {
			if v, ok := strings.CutPrefix(a, "--producer-props="); ok {
				seen = true
				props = append(props, v)
				continue
			}
			rest = append(rest, a)
			continue
		}
		seen = true
		n := 0
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			n++
			props = append(props, args[i])
		}
		if n == 0 {
			return nil, nil, true, errors.New("argument --producer-props: expected at least one argument")
		}
	}
	return rest, props, seen, nil
}

func (o *options) parse(args []string, stdout io.Writer) (*config, error) {
	if len(args) == 0 {
		return nil, errHelp
	}
	rest, propArgs, seenProps, err := splitProducerProps(args)
	if err != nil {
		return nil, err
	}
	s, err := o.p.Parse(rest)
	if err != nil {
		return nil, err
	}
	if s.Has(o.p.Help) {
		return nil, errHelp
	}
	for _, req := range []*cli.Option{o.topic, o.numRecords, o.throughput} {
		if !s.Has(req) {
			return nil, fmt.Errorf("argument --%s is required", req.Name())
		}
	}
	switch {
	case s.Has(o.recordSize) && s.Has(o.payloadFile):
		return nil, errors.New("argument --payload-file: not allowed with argument --record-size")
	case !s.Has(o.recordSize) && !s.Has(o.payloadFile):
		return nil, errors.New("one of the arguments --record-size --payload-file is required")
	}
	if !seenProps && !s.Has(o.producerConfig) {
		return nil, errors.New("Either --producer-props or --producer.config must be specified.")
	}
	c := &config{printMetrics: s.Has(o.printMetrics), props: map[string]string{}}
	if c.topic, err = s.String(o.topic); err != nil {
		return nil, err
	}
	if c.numRecords, _, err = s.Long(o.numRecords); err != nil {
		return nil, err
	}
	tp, _, err := s.Int(o.throughput)
	if err != nil {
		return nil, err
	}
	c.throughput = int64(tp)
	if d, _, err := s.Long(o.transactionDurationMs); err != nil {
		return nil, err
	} else if d > 0 {
		return nil, errors.New("kafka-producer-perf-test: transactions (--transaction-duration-ms > 0) are not supported")
	}
	if s.Has(o.recordSize) {
		n, _, err := s.Int(o.recordSize)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return nil, fmt.Errorf("java.lang.NegativeArraySizeException: %d", n)
		}
		c.recordSize = int(n)
	} else {
		path, _ := s.String(o.payloadFile)
		delim, _ := s.String(o.payloadDelimiter)
		if c.payloads, err = readPayloads(path, delim, stdout); err != nil {
			return nil, err
		}
	}
	if s.Has(o.producerConfig) {
		path, _ := s.String(o.producerConfig)
		fileProps, err := cli.LoadProperties(path)
		if err != nil {
			return nil, err
		}
		for k, v := range fileProps {
			c.props[k] = v
		}
	}
	for _, kv := range propArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.Contains(v, "=") {
			return nil, fmt.Errorf("java.lang.IllegalArgumentException: Invalid property: %s", kv)
		}
		c.props[k] = v
	}
	if c.props["bootstrap.servers"] == "" {
		return nil, errors.New("org.apache.kafka.common.config.ConfigException: Missing required configuration \"bootstrap.servers\" which has no default value.")
	}
	return c, nil
}

// readPayloads splits the file on delim (a regular expression in Java's
// String.split; a literal here, which covers the documented use).
func readPayloads(path, delim string, stdout io.Writer) ([][]byte, error) {
	if delim == `\n` {
		delim = "\n"
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintln(stdout, "Reading payloads from: "+abs)
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return nil, errors.New("java.lang.IllegalArgumentException: File does not exist or empty file provided.")
	}
	parts := strings.Split(string(b), delim)
	for len(parts) > 1 && parts[len(parts)-1] == "" { // Java's split drops trailing empty strings
		parts = parts[:len(parts)-1]
	}
	fmt.Fprintln(stdout, "Number of messages read: "+strconv.Itoa(len(parts)))
	out := make([][]byte, len(parts))
	for i, p := range parts {
		out[i] = []byte(p)
	}
	return out, nil
}

// fillPayload fills a record of n bytes with the Java tool's uppercase
// letters (random.nextInt(26) + 65 with seed 0; the letters differ, the
// alphabet and size do not).
func fillPayload(n int) []byte {
	r := rand.New(rand.NewSource(0))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Intn(26) + 65)
	}
	return b
}
