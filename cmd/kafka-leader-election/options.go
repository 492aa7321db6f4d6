package main

import (
	"fmt"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/election"
)

// options are LeaderElectionCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	bootstrapServer, adminConfig, pathToJSONFile, topic, partition,
	allTopicPartitions, electionType *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.bootstrapServer = p.Accepts("bootstrap-server",
		"A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.").
		WithRequiredArg().DescribedAs("host:port")
	o.adminConfig = p.Accepts("admin.config", "Configuration properties files to pass to the admin client").
		WithRequiredArg().DescribedAs("config file")
	o.pathToJSONFile = p.Accepts("path-to-json-file",
		"The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n"+
			"{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\n"+
			"Not allowed if --all-topic-partitions or --topic flags are specified.").
		WithRequiredArg().DescribedAs("Path to JSON file")
	o.topic = p.Accepts("topic",
		"Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.").
		WithRequiredArg().DescribedAs("topic name")
	o.partition = p.Accepts("partition", "Partition id for which to perform an election. REQUIRED if --topic is specified.").
		WithRequiredArg().DescribedAs("partition id").OfType("Integer")
	o.allTopicPartitions = p.Accepts("all-topic-partitions",
		"Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). "+
			"Not allowed if --topic or --path-to-json-file is specified.")
	o.electionType = p.Accepts("election-type",
		"Type of election to attempt. Possible values are \"preferred\" for preferred leader election or \"unclean\" for unclean leader election. "+
			"If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. "+
			"If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.").
		WithRequiredArg().DescribedAs("election type").OfType("[PREFERRED,UNCLEAN]")
	return o
}

func commandFailed(msg string) error {
	return &election.Error{Class: "kafka.common.AdminCommandFailedException", Msg: msg}
}

// validate is LeaderElectionCommand.validate.
func (o *options) validate() error {
	s := o.s
	var missing []string
	if !s.Has(o.bootstrapServer) {
		missing = append([]string{o.bootstrapServer.Name()}, missing...)
	}
	if !s.Has(o.electionType) {
		missing = append([]string{o.electionType.Name()}, missing...)
	}
	if len(missing) > 0 {
		return commandFailed("Missing required option(s): " + strings.Join(missing, ", "))
	}
	exclusive := []*cli.Option{o.topic, o.allTopicPartitions, o.pathToJSONFile}
	n := 0
	names := make([]string, len(exclusive))
	for i, x := range exclusive {
		names[i] = x.Name()
		if s.Has(x) {
			n++
		}
	}
	if n != 1 {
		return commandFailed("One and only one of the following options is required: " + strings.Join(names, ", "))
	}
	switch {
	case s.Has(o.topic) && !s.Has(o.partition):
		return commandFailed("Missing required option(s): " + o.partition.Name())
	case !s.Has(o.topic) && s.Has(o.partition):
		return commandFailed(fmt.Sprintf("Option %s is only allowed if %s is used", o.partition.Name(), o.topic.Name()))
	}
	return nil
}

// electionTypeValue converts --election-type as joptsimple's EnumConverter
// does (case-insensitive).
func (o *options) electionTypeValue() (election.Type, error) {
	v, err := o.s.String(o.electionType)
	if err != nil {
		return 0, err
	}
	switch strings.ToUpper(v) {
	case "PREFERRED":
		return election.Preferred, nil
	case "UNCLEAN":
		return election.Unclean, nil
	}
	return 0, &cli.OptionError{Class: "joptsimple.OptionArgumentConversionException",
		Msg:    fmt.Sprintf("Cannot parse argument '%s' of option %s", v, o.electionType.Name()),
		Causes: []string{fmt.Sprintf("joptsimple.ValueConversionException: Value [%s] is not one of [[PREFERRED,UNCLEAN]]", v)}}
}
