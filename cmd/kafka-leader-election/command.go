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

const helpText = "This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas."

// timeout is the admin client's request timeout the tool sets (30 s).
const timeout = 30 * time.Second

// run is LeaderElectionCommand.main; it returns the exit status: 1 for
// anything thrown out of main, as the JVM does.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := runErr(ctx, args, stdout, stderr); err != nil {
		var ee *election.Error
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "Exception in thread \"main\" %s\n", ee.JavaString())
			for _, s := range ee.Suppressed {
				fmt.Fprintf(stderr, "\tSuppressed: %s\n", s)
			}
			for _, c := range ee.Causes {
				fmt.Fprintf(stderr, "Caused by: %s\n", c)
			}
		} else if !errors.Is(err, errUsage) {
			cli.PrintUncaughtError(stderr, err)
		}
		return 1
	}
	return 0
}

// errUsage: the usage has been printed.
var errUsage = errors.New("kafka-leader-election: usage printed")

func runErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		return err
	}
	o.s = s
	if len(args) == 0 || s.Has(o.p.Help) {
		o.p.Usage(stderr, helpText)
		return errUsage
	}
	if s.Has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return nil
	}
	if err := o.validate(); err != nil {
		return err
	}
	typ, err := o.electionTypeValue()
	if err != nil {
		return err
	}
	var partitions []election.TopicPartition
	if s.Has(o.pathToJSONFile) {
		path, err := s.String(o.pathToJSONFile)
		if err != nil {
			return err
		}
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return &election.Error{Class: "java.nio.file.NoSuchFileException", Msg: path}
		}
		if partitions, err = election.ParsePartitions(data, election.PartitionsFile()); err != nil {
			return err
		}
	} else if s.Has(o.topic) {
		topic, err := s.String(o.topic)
		if err != nil {
			return err
		}
		p, _, err := s.Int(o.partition)
		if err != nil {
			return err
		}
		partitions = []election.TopicPartition{{Topic: topic, Partition: p}}
	}
	props := map[string]string{}
	if s.Has(o.adminConfig) {
		path, _ := s.String(o.adminConfig)
		if props, err = cli.LoadProperties(path); err != nil {
			return &election.Error{Class: "java.nio.file.NoSuchFileException", Msg: path}
		}
	}
	servers, err := s.String(o.bootstrapServer)
	if err != nil {
		return err
	}
	client, err := election.NewClient(servers, props)
	if err != nil {
		return err
	}
	defer client.Close()
	return elect(ctx, client, typ, partitions, stdout)
}

// elect is LeaderElectionCommand.electLeaders.
func elect(ctx context.Context, client *election.Client, typ election.Type, partitions []election.TopicPartition, stdout io.Writer) error {
	res, err := client.Elect(ctx, typ, partitions, timeout)
	switch {
	case errors.Is(err, election.ErrTimeout):
		fmt.Fprintln(stdout, "Timeout waiting for election results")
		return &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: "Timeout waiting for election results",
			Causes: []string{"org.apache.kafka.common.errors.TimeoutException: Aborted due to timeout."}}
	case errors.Is(err, election.ErrClusterAuthorization):
		fmt.Fprintln(stdout, "Not authorized to perform leader election")
		return &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: "Not authorized to perform leader election",
			Causes: []string{"org.apache.kafka.common.errors.ClusterAuthorizationException: Cluster authorization failed."}}
	case err != nil:
		fmt.Fprintln(stdout, "Error while making request")
		return &election.Error{Class: "java.util.concurrent.ExecutionException", Msg: cli.JavaException(err, "")}
	}
	if len(res.Succeeded) > 0 {
		fmt.Fprintf(stdout, "Successfully completed leader election (%s) for partitions %s\n", typ, election.Join(res.Succeeded, ", "))
	}
	if len(res.Noop) > 0 {
		fmt.Fprintf(stdout, "Valid replica already elected for partitions %s\n", election.Join(res.Succeeded, ", "))
	}
	if len(res.Failed) > 0 {
		root := &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: fmt.Sprintf("%d replica(s) could not be elected", len(res.Failed))}
		for _, f := range res.Failed {
			fmt.Fprintf(stdout, "Error completing leader election (%s) for partition: %s: %s\n", typ, f.Partition, f.Exception)
			root.Suppressed = append(root.Suppressed, f.Exception)
		}
		return root
	}
	return nil
}
