package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/election"
)

// adminElect is AdminClientCommand.electPreferredLeaders: ElectLeaders
// through the controller, then the results (with Kafka 2.4's quirk of
// listing the elected partitions on the "already elected" line too).
func adminElect(ctx context.Context, o *options, stdout, stderr io.Writer, partitions []election.TopicPartition, fromUser bool) error {
	props := map[string]string{}
	if o.s.Has(o.adminConfig) {
		path, _ := o.s.String(o.adminConfig)
		p, err := cli.LoadProperties(path)
		if err != nil {
			return &election.Error{Class: "java.nio.file.NoSuchFileException", Msg: path}
		}
		props = p
	}
	servers, err := o.s.String(o.bootstrapServer)
	if err != nil {
		return err
	}
	client, err := election.NewClient(servers, props)
	if err != nil {
		return err
	}
	defer client.Close()
	if !fromUser {
		partitions = nil
	} else if partitions == nil {
		partitions = []election.TopicPartition{}
	}
	res, err := client.Elect(ctx, election.Preferred, partitions, timeout)
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
		// Kafka prints the exception's stack trace and exits normally.
		fmt.Fprintln(stdout, "Error while making request")
		fmt.Fprintln(stderr, cli.JavaException(err, ""))
		return nil
	}
	if len(res.Succeeded) > 0 {
		fmt.Fprintf(stdout, "Successfully completed preferred leader election for partitions %s\n", election.Join(res.Succeeded, ", "))
	}
	if len(res.Noop) > 0 {
		fmt.Fprintf(stdout, "Preferred replica already elected for partitions %s\n", election.Join(res.Succeeded, ", "))
	}
	if len(res.Failed) > 0 {
		root := &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: fmt.Sprintf("%d preferred replica(s) could not be elected", len(res.Failed))}
		for _, f := range res.Failed {
			fmt.Fprintf(stdout, "Error completing preferred leader election for partition: %s: %s\n", f.Partition, f.Exception)
			root.Suppressed = append(root.Suppressed, f.Exception)
		}
		return root
	}
	return nil
}
