package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// errVersion asks run to print the version and exit 0.
var errVersion = errors.New("kafka-consumer-groups: version requested")

// Texts of ConsumerGroupCommandOptions; nl is the JVM's line.separator.
const (
	nl        = "\n"
	usageHelp = "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets."
	resetDoc  = "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive" + nl +
		"Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. " +
		"Additionally, the --export option is used to export the results to a CSV format." + nl +
		"You must choose one of the following reset specifications: --to-datetime, --by-period, --to-earliest, " +
		"--to-latest, --shift-by, --from-file, --to-current." + nl +
		"To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'."
	noExecuteWarning = "WARN: No action will be performed as the --execute option is missing." +
		"In a future major release, the default behavior of this command will be to prompt the user before " +
		"executing the reset rather than doing a dry run. You should add the --dry-run option explicitly " +
		"if you are scripting this command and want to keep the current default behavior without prompting."
)

// options are ConsumerGroupCommand.ConsumerGroupCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	bootstrapServer, group, topic, allTopics, list, describe, allGroups, delete,
	timeout, commandConfig, resetOffsets, deleteOffsets, dryRun, execute, export,
	toOffset, fromFile, toDatetime, byDuration, toEarliest, toLatest, toCurrent,
	shiftBy, members, verbose, offsets, state *cli.Option

	// availableIf and mutual exclusion, which joptsimple checks at parse
	// time: the describe sub-actions need --describe and exclude each other.
	subActions []*cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.bootstrapServer = p.Accepts("bootstrap-server", "REQUIRED: The server(s) to connect to.").
		WithRequiredArg().DescribedAs("server to connect to")
	o.group = p.Accepts("group", "The consumer group we wish to act on.").WithRequiredArg().DescribedAs("consumer group")
	o.topic = p.Accepts("topic", "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. "+
		"In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. "+
		"Reset-offsets also supports multiple topic inputs.").WithRequiredArg().DescribedAs("topic")
	o.allTopics = p.Accepts("all-topics", "Consider all topics assigned to a group in the `reset-offsets` process.")
	o.list = p.Accepts("list", "List all consumer groups.")
	o.describe = p.Accepts("describe", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group.")
	o.allGroups = p.Accepts("all-groups", "Apply to all consumer groups.")
	o.delete = p.Accepts("delete", "Pass in groups to delete topic partition offsets and ownership information "+
		"over the entire consumer group. For instance --group g1 --group g2")
	o.timeout = p.Accepts("timeout", "The timeout that can be set for some use cases. For example, it can be used when describing the group "+
		"to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, "+
		"or is going through some changes).").WithRequiredArg().DescribedAs("timeout (ms)").OfType("Long").DefaultsTo("5000")
	o.commandConfig = p.Accepts("command-config", "Property file containing configs to be passed to Admin Client and Consumer.").
		WithRequiredArg().DescribedAs("command config property file")
	o.resetOffsets = p.Accepts("reset-offsets", resetDoc)
	o.deleteOffsets = p.Accepts("delete-offsets", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.")
	o.dryRun = p.Accepts("dry-run", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.")
	o.execute = p.Accepts("execute", "Execute operation. Supported operations: reset-offsets.")
	o.export = p.Accepts("export", "Export operation execution to a CSV file. Supported operations: reset-offsets.")
	o.toOffset = p.Accepts("to-offset", "Reset offsets to a specific offset.").WithRequiredArg().DescribedAs("offset").OfType("Long")
	o.fromFile = p.Accepts("from-file", "Reset offsets to values defined in CSV file.").WithRequiredArg().DescribedAs("path to CSV file")
	o.toDatetime = p.Accepts("to-datetime", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'").
		WithRequiredArg().DescribedAs("datetime")
	o.byDuration = p.Accepts("by-duration", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'").
		WithRequiredArg().DescribedAs("duration")
	o.toEarliest = p.Accepts("to-earliest", "Reset offsets to earliest offset.")
	o.toLatest = p.Accepts("to-latest", "Reset offsets to latest offset.")
	o.toCurrent = p.Accepts("to-current", "Reset offsets to current offset.")
	o.shiftBy = p.Accepts("shift-by", "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.").
		WithRequiredArg().DescribedAs("number-of-offsets").OfType("Long")
	o.members = p.Accepts("members", "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only."+nl+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --members")
	o.verbose = p.Accepts("verbose", "Provide additional information, if any, when describing the group. This option may be used "+
		"with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only."+nl+"Example: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose")
	o.offsets = p.Accepts("offsets", "Describe the group and list all topic partitions in the group along with their offset lag. "+
		"This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only."+nl+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets")
	o.state = p.Accepts("state", "Describe the group state. This option may be used with '--describe' and '--bootstrap-server' options only."+nl+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --state")
	o.subActions = []*cli.Option{o.members, o.offsets, o.state}
	return o
}

func (o *options) has(opt *cli.Option) bool { return o.s.Has(opt) }

// parse is the options' constructor: joptsimple's parse, including its
// availableIf/availableUnless checks, which throw UnavailableOptionException.
func (o *options) parse(args []string) error {
	s, err := o.p.Parse(args)
	if err != nil {
		return err
	}
	o.s = s
	if s.Has(o.p.Help) {
		return nil
	}
	var forbidden []string
	for _, opt := range []*cli.Option{o.members, o.verbose, o.offsets, o.state} {
		if s.Has(opt) && !s.Has(o.describe) {
			forbidden = append(forbidden, opt.String())
		}
	}
	for _, opt := range o.subActions {
		for _, other := range o.subActions {
			if other != opt && s.Has(opt) && s.Has(other) && !contains(forbidden, opt.String()) {
				forbidden = append(forbidden, opt.String())
			}
		}
	}
	if len(forbidden) > 0 {
		return &cli.OptionError{Class: "joptsimple.UnavailableOptionException",
			Msg: fmt.Sprintf("Option(s) [%s] are unavailable given other options on the command line", strings.Join(trimBrackets(forbidden), ", "))}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func trimBrackets(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.Trim(n, "[]")
	}
	return out
}

// checkArgs is main's checks before the service starts plus
// ConsumerGroupCommandOptions.checkArgs. A *cli.UsageError goes to the usage
// table. stderr receives the dry-run warning.
func (o *options) checkArgs(args []string, stderr io.Writer) error {
	if len(args) == 0 || o.has(o.p.Help) {
		return &cli.UsageError{Msg: usageHelp}
	}
	if o.has(o.p.Version) {
		return errVersion
	}
	actions := 0
	for _, a := range []*cli.Option{o.list, o.describe, o.delete, o.resetOffsets, o.deleteOffsets} {
		if o.has(a) {
			actions++
		}
	}
	if actions != 1 {
		return &cli.UsageError{Msg: "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"}
	}
	if err := cli.CheckRequired(o.s, o.bootstrapServer); err != nil {
		return err
	}
	scopes := fmt.Sprintf("%s, %s", o.group, o.allGroups)
	if o.has(o.describe) && !o.has(o.group) && !o.has(o.allGroups) {
		return cli.Usagef("Option %s takes one of these options: %s", o.describe, scopes)
	}
	if o.has(o.delete) {
		if !o.has(o.group) && !o.has(o.allGroups) {
			return cli.Usagef("Option %s takes one of these options: %s", o.delete, scopes)
		}
		if o.has(o.topic) {
			return cli.Usagef("The consumer does not support topic-specific offset deletion from a consumer group.")
		}
	}
	if o.has(o.deleteOffsets) && (!o.has(o.group) || !o.has(o.topic)) {
		return cli.Usagef("Option %s takes the following options: %s, %s", o.deleteOffsets, o.group, o.topic)
	}
	if o.has(o.resetOffsets) {
		if o.has(o.dryRun) && o.has(o.execute) {
			return cli.Usagef("Option %s only accepts one of %s and %s", o.resetOffsets, o.execute, o.dryRun)
		}
		if !o.has(o.dryRun) && !o.has(o.execute) {
			io.WriteString(stderr, noExecuteWarning+"\n")
		}
		if !o.has(o.group) && !o.has(o.allGroups) {
			return cli.Usagef("Option %s takes one of these options: %s", o.resetOffsets, scopes)
		}
		scenarios := o.scenarios()
		for _, sc := range scenarios {
			if err := cli.CheckInvalid(o.s, sc, scenarios...); err != nil {
				return err
			}
		}
	}
	if err := cli.CheckInvalid(o.s, o.group, o.allGroups); err != nil {
		return err
	}
	if err := cli.CheckInvalid(o.s, o.group, o.list); err != nil {
		return err
	}
	return cli.CheckInvalid(o.s, o.topic, o.list, o.describe)
}

// scenarios are allResetOffsetScenarioOpts.
func (o *options) scenarios() []*cli.Option {
	return []*cli.Option{o.toOffset, o.shiftBy, o.toDatetime, o.byDuration, o.toEarliest, o.toLatest, o.toCurrent, o.fromFile}
}
