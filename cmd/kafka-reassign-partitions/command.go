package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/election"
	"github.com/samsa-broker/samsa/coordinator"
)

const helpText = "This tool helps to moves topic partitions between replicas."

// command is one run of the tool.
type command struct {
	o      *options
	zk     *coordinator.ZK
	stdout io.Writer
}

// run is ReassignPartitionsCommand.main; it returns the exit status. As in
// Kafka 2.4, a failure of the action itself is printed and exits 0; only
// bad options and an unreachable ZooKeeper exit 1.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	o.s = s
	if len(args) == 0 || s.Has(o.p.Help) {
		o.p.Usage(stderr, helpText)
		return 1
	}
	if s.Has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return 0
	}
	if err := o.validate(); err != nil {
		var usage *cli.UsageError
		if errors.As(err, &usage) {
			o.p.Usage(stderr, usage.Msg)
		}
		return 1
	}
	connect, err := s.String(o.zookeeper)
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	z, err := dialZK(ctx, connect)
	if err != nil {
		printUncaught(stderr, err)
		return 1
	}
	defer z.Close()
	if err := o.checkAdminClient(); err != nil {
		printUncaught(stderr, err)
		return 1
	}
	c := &command{o: o, zk: z, stdout: stdout}
	switch {
	case s.Has(o.verify):
		err = c.verify(ctx)
	case s.Has(o.generate):
		err = c.generate(ctx)
	default:
		err = c.execute(ctx)
	}
	if err != nil {
		// main's catch: the message, then the exception's stack trace
		// (its first line; the frames are the JVM's).
		fmt.Fprintln(stdout, "Partitions reassignment failed due to "+err.Error())
		fmt.Fprintln(stdout, javaString(err))
		var oe *cli.OptionError
		if errors.As(err, &oe) {
			for _, c := range oe.Causes {
				fmt.Fprintln(stdout, "Caused by: "+c)
			}
		}
		// Utils.stackTrace ends with a newline, which println doubles.
		fmt.Fprintln(stdout)
	}
	return 0
}

// javaString is the toString() of the exception Kafka's tool would throw.
func javaString(err error) string {
	var ke *kafkaException
	if errors.As(err, &ke) {
		return ke.JavaString()
	}
	var oe *cli.OptionError
	if errors.As(err, &oe) {
		return oe.JavaString()
	}
	return err.Error()
}

func printUncaught(w io.Writer, err error) {
	var ee *election.Error
	if errors.As(err, &ee) {
		cli.PrintUncaught(w, ee.JavaString(), ee.Causes...)
		return
	}
	cli.PrintUncaught(w, javaString(err))
}

// checkAdminClient is createAdminClient's failures: with --bootstrap-server
// the admin client's properties file is read and the servers checked
// before anything else happens. (The client itself is only needed to move
// replicas between log directories, which this tool does not do.)
func (o *options) checkAdminClient() error {
	if !o.s.Has(o.bootstrapServer) {
		return nil
	}
	if o.s.Has(o.commandConfig) {
		path, _ := o.s.String(o.commandConfig)
		if _, err := cli.LoadProperties(path); err != nil {
			return &kafkaException{class: "java.nio.file.NoSuchFileException", msg: path, err: err}
		}
	}
	servers, err := o.s.String(o.bootstrapServer)
	if err != nil {
		return err
	}
	return election.ValidateBootstrap(servers)
}

// readFile is Utils.readFileAsString.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &kafkaException{class: "java.nio.file.NoSuchFileException", msg: path, err: err}
	}
	return data, nil
}
