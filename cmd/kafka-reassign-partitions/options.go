package main

import "github.com/samsa-broker/samsa/cmd/internal/cli"

// options are ReassignPartitionsCommand.ReassignPartitionsCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	bootstrapServer, commandConfig, zookeeper, generate, execute, verify,
	reassignmentJSONFile, topicsToMoveJSONFile, brokerList, disableRackAware,
	throttle, replicaAlterLogDirsThrottle, timeout *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.bootstrapServer = p.Accepts("bootstrap-server", "the server(s) to use for bootstrapping. REQUIRED if "+
		"an absolute path of the log directory is specified for any replica in the reassignment json file").
		WithRequiredArg().DescribedAs("Server(s) to use for bootstrapping")
	o.commandConfig = p.Accepts("command-config", "Property file containing configs to be passed to Admin Client.").
		WithRequiredArg().DescribedAs("Admin client property file")
	o.zookeeper = p.Accepts("zookeeper", "REQUIRED: The connection string for the zookeeper connection in the "+
		"form host:port. Multiple URLS can be given to allow fail-over.").
		WithRequiredArg().DescribedAs("urls")
	o.generate = p.Accepts("generate", "Generate a candidate partition reassignment configuration."+
		" Note that this only generates a candidate assignment, it does not execute it.")
	o.execute = p.Accepts("execute", "Kick off the reassignment as specified by the --reassignment-json-file option.")
	o.verify = p.Accepts("verify", "Verify if the reassignment completed as specified by the --reassignment-json-file option. "+
		"If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed")
	o.reassignmentJSONFile = p.Accepts("reassignment-json-file", "The JSON file with the partition reassignment configuration"+
		"The format to use is - \n"+
		"{\"partitions\":\n\t[{\"topic\": \"foo\",\n\t  \"partition\": 1,\n\t  \"replicas\": [1,2,3],\n\t  \"log_dirs\": [\"dir1\",\"dir2\",\"dir3\"] }],\n\"version\":1\n}\n"+
		"Note that \"log_dirs\" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list "+
		"can be either \"any\" or the absolution path of the log directory on the broker. If absolute log directory path is specified, the replica will be moved to the specified log directory on the broker.").
		WithRequiredArg().DescribedAs("manual assignment json file path")
	o.topicsToMoveJSONFile = p.Accepts("topics-to-move-json-file", "Generate a reassignment configuration to move the partitions"+
		" of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n"+
		"{\"topics\":\n\t[{\"topic\": \"foo\"},{\"topic\": \"foo1\"}],\n\"version\":1\n}").
		WithRequiredArg().DescribedAs("topics to reassign json file path")
	o.brokerList = p.Accepts("broker-list", "The list of brokers to which the partitions need to be reassigned"+
		" in the form \"0,1,2\". This is required if --topics-to-move-json-file is used to generate reassignment configuration").
		WithRequiredArg().DescribedAs("brokerlist")
	o.disableRackAware = p.Accepts("disable-rack-aware", "Disable rack aware replica assignment")
	o.throttle = p.Accepts("throttle", "The movement of partitions between brokers will be throttled to this value (bytes/sec). "+
		"Rerunning with this option, whilst a rebalance is in progress, will alter the throttle value. The throttle rate should be at least 1 KB/s.").
		WithRequiredArg().DescribedAs("throttle").OfType("Long").DefaultsTo("-1")
	o.replicaAlterLogDirsThrottle = p.Accepts("replica-alter-log-dirs-throttle", "The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). "+
		"Rerunning with this option, whilst a rebalance is in progress, will alter the throttle value. The throttle rate should be at least 1 KB/s.").
		WithRequiredArg().DescribedAs("replicaAlterLogDirsThrottle").OfType("Long").DefaultsTo("-1")
	o.timeout = p.Accepts("timeout", "The maximum time in ms allowed to wait for partition reassignment execution to be successfully initiated").
		WithRequiredArg().DescribedAs("timeout").OfType("Long").DefaultsTo("10000")
	return o
}

// validate is validateAndParseArgs after parsing: exactly one action, the
// ZooKeeper address, and the files and options each action needs.
func (o *options) validate() error {
	s := o.s
	actions := 0
	for _, a := range []*cli.Option{o.generate, o.execute, o.verify} {
		if s.Has(a) {
			actions++
		}
	}
	if actions != 1 {
		return cli.Usagef("Command must include exactly one action: --generate, --execute or --verify")
	}
	if err := cli.CheckRequired(s, o.zookeeper); err != nil {
		return err
	}
	switch {
	case s.Has(o.verify):
		if !s.Has(o.reassignmentJSONFile) {
			return cli.Usagef("If --verify option is used, command must include --reassignment-json-file that was used during the --execute option")
		}
		return cli.CheckInvalid(s, o.verify, o.throttle, o.replicaAlterLogDirsThrottle, o.topicsToMoveJSONFile, o.disableRackAware, o.brokerList)
	case s.Has(o.generate):
		if !s.Has(o.topicsToMoveJSONFile) || !s.Has(o.brokerList) {
			return cli.Usagef("If --generate option is used, command must include both --topics-to-move-json-file and --broker-list options")
		}
		return cli.CheckInvalid(s, o.generate, o.throttle, o.replicaAlterLogDirsThrottle, o.reassignmentJSONFile)
	default:
		if !s.Has(o.reassignmentJSONFile) {
			return cli.Usagef("If --execute option is used, command must include --reassignment-json-file that was output during the --generate option")
		}
		return cli.CheckInvalid(s, o.execute, o.topicsToMoveJSONFile, o.disableRackAware, o.brokerList)
	}
}
