package main

import (
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logconfig"
)

// options are TopicCommand.TopicCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	bootstrapServer, commandConfig, zookeeper, list, create, delete, alter,
	describe, topic, config, deleteConfig, partitions, replicationFactor,
	replicaAssignment, underReplicated, unavailable, underMinISR, atMinISR,
	topicsWithOverrides, ifExists, ifNotExists, disableRackAware, force,
	excludeInternal *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.bootstrapServer = p.Accepts("bootstrap-server", "REQUIRED: The Kafka server to connect to. In case of providing this, a direct Zookeeper connection won't be required.").
		WithRequiredArg().DescribedAs("server to connect to")
	o.commandConfig = p.Accepts("command-config", "Property file containing configs to be passed to Admin Client. "+
		"This is used only with --bootstrap-server option for describing and altering broker configs.").
		WithRequiredArg().DescribedAs("command config property file")
	o.zookeeper = p.Accepts("zookeeper", "DEPRECATED, The connection string for the zookeeper connection in the form host:port. "+
		"Multiple hosts can be given to allow fail-over.").WithRequiredArg().DescribedAs("hosts")
	o.list = p.Accepts("list", "List all available topics.")
	o.create = p.Accepts("create", "Create a new topic.")
	o.delete = p.Accepts("delete", "Delete a topic")
	o.alter = p.Accepts("alter", "Alter the number of partitions, replica assignment, and/or configuration for the topic.")
	o.describe = p.Accepts("describe", "List details for the given topics.")
	o.topic = p.Accepts("topic", "The topic to create, alter, describe or delete. It also accepts a regular "+
		"expression, except for --create option. Put topic name in double quotes and use the '\\' prefix "+
		"to escape regular expression symbols; e.g. \"test\\.topic\".").WithRequiredArg().DescribedAs("topic")
	var names strings.Builder
	for _, n := range logconfig.Names() {
		names.WriteString("\t" + n + "\n")
	}
	o.config = p.Accepts("config", "A topic configuration override for the topic being created or altered."+
		"The following is a list of valid configurations: \n"+names.String()+
		"See the Kafka documentation for full details on the topic configs."+
		"It is supported only in combination with --create if --bootstrap-server option is used.").
		WithRequiredArg().DescribedAs("name=value")
	o.deleteConfig = p.Accepts("delete-config", "A topic configuration override to be removed for an existing topic (see the list of configurations under the --config option). "+
		"Not supported with the --bootstrap-server option.").WithRequiredArg().DescribedAs("name")
	o.partitions = p.Accepts("partitions", "The number of partitions for the topic being created or "+
		"altered (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected). If not supplied for create, defaults to the cluster default.").
		WithRequiredArg().DescribedAs("# of partitions").OfType("Integer")
	o.replicationFactor = p.Accepts("replication-factor", "The replication factor for each partition in the topic being created. If not supplied, defaults to the cluster default.").
		WithRequiredArg().DescribedAs("replication factor").OfType("Integer")
	o.replicaAssignment = p.Accepts("replica-assignment", "A list of manual partition-to-broker assignments for the topic being created or altered.").
		WithRequiredArg().DescribedAs("broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , " +
		"broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...")
	o.underReplicated = p.Accepts("under-replicated-partitions", "if set when describing topics, only show under replicated partitions")
	o.unavailable = p.Accepts("unavailable-partitions", "if set when describing topics, only show partitions whose leader is not available")
	o.underMinISR = p.Accepts("under-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is less than the configured minimum. Not supported with the --zookeeper option.")
	o.atMinISR = p.Accepts("at-min-isr-partitions", "if set when describing topics, only show partitions whose isr count is equal to the configured minimum. Not supported with the --zookeeper option.")
	o.topicsWithOverrides = p.Accepts("topics-with-overrides", "if set when describing topics, only show topics that have overridden configs")
	o.ifExists = p.Accepts("if-exists", "if set when altering or deleting or describing topics, the action will only execute if the topic exists. Not supported with the --bootstrap-server option.")
	o.ifNotExists = p.Accepts("if-not-exists", "if set when creating topics, the action will only execute if the topic does not already exist. Not supported with the --bootstrap-server option.")
	o.disableRackAware = p.Accepts("disable-rack-aware", "Disable rack aware replica assignment")
	o.force = p.Accepts("force", "Suppress console prompts")
	o.excludeInternal = p.Accepts("exclude-internal", "exclude internal topics when running list or describe command. The internal topics will be listed by default")
	return o
}

func (o *options) has(opt *cli.Option) bool { return o.s.Has(opt) }

// checkArgs is TopicCommandOptions.checkArgs. A *cli.UsageError goes to the
// usage table; any other error escapes main as an uncaught exception.
func (o *options) checkArgs(args []string) error {
	if len(args) == 0 {
		return &cli.UsageError{Msg: "Create, delete, describe, or change a topic."}
	}
	if o.has(o.p.Help) {
		return &cli.UsageError{Msg: "This tool helps to create, delete, describe, or change a topic."}
	}
	if o.has(o.p.Version) {
		return errVersion
	}
	actions := 0
	for _, a := range []*cli.Option{o.create, o.list, o.alter, o.describe, o.delete} {
		if o.has(a) {
			actions++
		}
	}
	if actions != 1 {
		return &cli.UsageError{Msg: "Command must include exactly one action: --list, --describe, --create, --alter or --delete"}
	}
	if o.has(o.bootstrapServer) == o.has(o.zookeeper) {
		return &javaErr{class: "java.lang.IllegalArgumentException", msg: "Only one of --bootstrap-server or --zookeeper must be specified"}
	}
	var checks []error
	req := func(opts ...*cli.Option) { checks = append(checks, cli.CheckRequired(o.s, opts...)) }
	inv := func(used *cli.Option, invalid ...*cli.Option) {
		checks = append(checks, cli.CheckInvalid(o.s, used, invalid...))
	}

	if !o.has(o.bootstrapServer) {
		req(o.zookeeper)
	}
	if o.has(o.describe) && o.has(o.ifExists) {
		req(o.topic)
	}
	if !o.has(o.list) && !o.has(o.describe) {
		req(o.topic)
	}
	if o.has(o.create) && !o.has(o.replicaAssignment) && o.has(o.zookeeper) {
		req(o.partitions, o.replicationFactor)
	}
	if o.has(o.bootstrapServer) && o.has(o.alter) {
		if o.has(o.config) && o.has(o.alter) {
			checks = append(checks, cli.Usagef("Option combination \"%s,%s\" can't be used with option \"%s\"", o.bootstrapServer, o.config, o.alter))
		}
		req(o.partitions)
	}
	all := []*cli.Option{o.alter, o.create, o.describe, o.list, o.delete}
	reports := []*cli.Option{o.underReplicated, o.underMinISR, o.atMinISR, o.unavailable}
	inv(o.config, minus(all, o.alter, o.create)...)
	inv(o.deleteConfig, append(minus(all, o.alter), o.bootstrapServer)...)
	inv(o.partitions, minus(all, o.alter, o.create)...)
	inv(o.replicationFactor, minus(all, o.create)...)
	inv(o.replicaAssignment, minus(all, o.create, o.alter)...)
	if o.has(o.create) {
		inv(o.replicaAssignment, o.partitions, o.replicationFactor)
	}
	inv(o.underReplicated, append(append(minus(all, o.describe), minus(reports, o.underReplicated)...), o.topicsWithOverrides)...)
	inv(o.underMinISR, append(append(minus(all, o.describe), minus(reports, o.underMinISR)...), o.topicsWithOverrides, o.zookeeper)...)
	inv(o.atMinISR, append(append(minus(all, o.describe), minus(reports, o.atMinISR)...), o.topicsWithOverrides, o.zookeeper)...)
	inv(o.unavailable, append(append(minus(all, o.describe), minus(reports, o.unavailable)...), o.topicsWithOverrides)...)
	inv(o.topicsWithOverrides, append(minus(all, o.describe), reports...)...)
	inv(o.ifExists, append(minus(all, o.alter, o.delete, o.describe), o.bootstrapServer)...)
	inv(o.ifNotExists, append(minus(all, o.create), o.bootstrapServer)...)
	inv(o.excludeInternal, minus(all, o.list, o.describe)...)
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// minus returns set without the given options.
func minus(set []*cli.Option, without ...*cli.Option) []*cli.Option {
	var out []*cli.Option
	for _, o := range set {
		keep := true
		for _, w := range without {
			if o == w {
				keep = false
			}
		}
		if keep {
			out = append(out, o)
		}
	}
	return out
}
