package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/election"
)

const helpText = "This tool helps to causes leadership for each partition to be transferred back to the 'preferred replica'," +
	" it can be used to balance leadership among the servers."

// timeout is the tool's ZooKeeper and admin request timeout (30000 ms).
const timeout = 30 * time.Second

// run is PreferredReplicaLeaderElectionCommand.main; it returns the exit
// status: 1 for anything thrown out of main, as the JVM does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stdout, "This tool is deprecated. Please use kafka-leader-election tool. Tracking issue: KAFKA-8405")
	o := newOptions()
	if err := o.parse(args); err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	s := o.s
	if len(args) == 0 || s.Has(o.p.Help) {
		o.p.Usage(stderr, helpText)
		return 1
	}
	if s.Has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return 0
	}
	if s.Has(o.bootstrapServer) == s.Has(o.zookeeper) {
		o.p.Usage(stderr, fmt.Sprintf("Exactly one of '%s' or '%s' must be provided", o.bootstrapServer, o.zookeeper))
		return 1
	}
	var partitions []election.TopicPartition
	fromUser := s.Has(o.jsonFile)
	if fromUser {
		path, err := s.String(o.jsonFile)
		if err == nil {
			partitions, err = readPartitions(path)
		}
		if err != nil {
			printUncaught(stderr, err)
			return 1
		}
	}
	var err error
	if s.Has(o.zookeeper) {
		fmt.Fprintln(stdout, "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.")
		fmt.Fprintln(stdout, "Use --bootstrap-server instead to specify a broker to connect to.")
		err = zkElect(ctx, o, stdout, partitions, fromUser)
	} else {
		err = adminElect(ctx, o, stdout, stderr, partitions, fromUser)
	}
	if err != nil {
		printUncaught(stderr, err)
		return 1
	}
	return 0
}

func readPartitions(path string) ([]election.TopicPartition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &election.Error{Class: "java.nio.file.NoSuchFileException", Msg: path}
	}
	return election.ParsePartitions(data, election.PreferredFile())
}

// printUncaught prints an exception escaping main with its causes and
// suppressed exceptions (the JVM's stack frames left out).
func printUncaught(w io.Writer, err error) {
	var ee *election.Error
	if errors.As(err, &ee) {
		fmt.Fprintf(w, "Exception in thread \"main\" %s\n", ee.JavaString())
		for _, s := range ee.Suppressed {
			fmt.Fprintf(w, "\tSuppressed: %s\n", s)
		}
		for _, c := range ee.Causes {
			fmt.Fprintf(w, "Caused by: %s\n", c)
		}
		return
	}
	cli.PrintUncaughtError(w, err)
}
