package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logfmt"
	"github.com/sirupsen/logrus"
)

// missing is MISSING_COLUMN_VALUE.
const missing = "-"

// command is ConsumerGroupService: the options, an admin client and the
// output streams.
type command struct {
	o       *options
	adm     *kadm.Client
	cl      *kgo.Client
	stdout  io.Writer
	stderr  io.Writer
	log     *logrus.Entry
	timeout time.Duration

	filePlan filePlan // --from-file, read once (loadResetPlan)
}

// usageExit is CommandLineUtils.printUsageAndDie called while the command
// runs: run prints the usage table and exits 1.
type usageExit struct{ msg string }

func (e *usageExit) Error() string { return e.msg }

func (c *command) printf(format string, args ...any) { fmt.Fprintf(c.stdout, format, args...) }

// printError is ConsumerGroupCommand.printError: the message on standard
// output, the exception (Kafka prints its stack trace) on standard error.
func (c *command) printError(msg string, err error) {
	c.printf("\nError: %s\n", msg)
	if err != nil {
		fmt.Fprintln(c.stderr, javaString(err))
	}
}

// javaString is the toString() of the exception Kafka's admin client would
// have thrown for err.
func javaString(err error) string {
	var je *cli.JavaError
	if errors.As(err, &je) {
		return je.Text
	}
	return cli.JavaException(err, "")
}

// ctx bounds one admin call by --timeout, as withTimeoutMs does.
func (c *command) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.timeout)
}

// run is ConsumerGroupCommand.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	if err := o.parse(args); err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	if err := o.checkArgs(args, stderr); err != nil {
		var usage *cli.UsageError
		switch {
		case errors.Is(err, errVersion):
			fmt.Fprintln(stdout, cli.Version)
			return 0
		case errors.As(err, &usage):
			o.p.Usage(stderr, usage.Msg)
		default:
			cli.PrintUncaughtError(stderr, err)
		}
		return 1
	}
	timeoutMs, _, err := o.s.Long(o.timeout)
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	logger := logfmt.NewLogger(stderr, logrus.WarnLevel)
	c := &command{o: o, stdout: stdout, stderr: stderr, timeout: time.Duration(timeoutMs) * time.Millisecond,
		log: logger.WithField(logfmt.LoggerField, "kafka.admin.ConsumerGroupCommand$")}
	if err := c.connect(); err != nil {
		cli.PrintUncaught(stderr, javaString(err))
		return 1
	}
	defer c.cl.Close()

	err = c.dispatch(ctx)
	var ue *usageExit
	if errors.As(err, &ue) {
		o.p.Usage(stderr, ue.msg)
		return 1
	}
	if err != nil {
		c.printError("Executing consumer group command failed due to "+javaMessage(err), err)
	}
	return 0
}

// javaMessage is getMessage() of the exception main catches: futures'
// ExecutionExceptions carry their cause's toString().
func javaMessage(err error) string {
	var je *cli.JavaError
	if errors.As(err, &je) {
		if i := strings.Index(je.Text, ": "); i >= 0 && !strings.HasPrefix(je.Text, "org.apache.kafka") {
			return je.Text[i+2:]
		}
		return je.Text
	}
	return javaString(err)
}

func (c *command) dispatch(ctx context.Context) error {
	o := c.o
	switch {
	case o.has(o.list):
		groups, err := c.listGroups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			c.printf("%s\n", g)
		}
		return nil
	case o.has(o.describe):
		return c.describeGroups(ctx)
	case o.has(o.delete):
		return c.deleteGroups(ctx)
	case o.has(o.resetOffsets):
		plan, err := c.resetOffsets(ctx)
		if err != nil {
			return err
		}
		if o.has(o.export) {
			c.printf("%s\n", c.exportCSV(plan))
		} else {
			c.printPlan(plan)
		}
		return nil
	default:
		return c.deleteOffsets(ctx)
	}
}

// connect creates the admin client from --bootstrap-server and
// --command-config (client.id is the one property honoured).
func (c *command) connect() error {
	bootstrap, err := c.o.s.String(c.o.bootstrapServer)
	if err != nil {
		return err
	}
	opts := []kgo.Opt{kgo.SeedBrokers(splitServers(bootstrap)...), kgo.RequestTimeoutOverhead(c.timeout)}
	if c.o.has(c.o.commandConfig) {
		path, err := c.o.s.String(c.o.commandConfig)
		if err != nil {
			return err
		}
		props, err := cli.LoadProperties(path)
		if err != nil {
			return &cli.JavaError{Text: "java.nio.file.NoSuchFileException: " + path, Err: err}
		}
		if id := props["client.id"]; id != "" {
			opts = append(opts, kgo.ClientID(id))
		}
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return &cli.JavaError{Text: "org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient", Err: err}
	}
	c.cl = cl
	c.adm = kadm.NewClient(cl)
	return nil
}

func splitServers(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}
