package main

import (
	"slices"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logconfig"
	"github.com/samsa-broker/samsa/conf"
)

// Entity types (kafka.server.ConfigType) and the broker logger type of
// ConfigCommand.
const (
	typeTopics        = "topics"
	typeClients       = "clients"
	typeUsers         = "users"
	typeBrokers       = "brokers"
	typeBrokerLoggers = "broker-loggers"
	// defaultEntity is ConfigEntityName.Default.
	defaultEntity = "<default>"
)

// zkEntityTypes is ConfigType.all, in its order (messages list it).
var zkEntityTypes = []string{typeTopics, typeClients, typeUsers, typeBrokers}

// bootstrapEntityTypes is BrokerSupportedConfigTypes.
var bootstrapEntityTypes = []string{typeBrokers, typeBrokerLoggers}

// Dynamic config names of DynamicConfig.Broker (the quota ones),
// DynamicConfig.Client and DynamicConfig.User.
var (
	brokerQuotaConfigs = []string{"follower.replication.throttled.rate", "leader.replication.throttled.rate", "replica.alter.log.dirs.io.max.bytes.per.second"}
	clientConfigs      = []string{"consumer_byte_rate", "producer_byte_rate", "request_percentage"}
	userConfigs        = []string{"SCRAM-SHA-256", "SCRAM-SHA-512", "consumer_byte_rate", "producer_byte_rate", "request_percentage"}
)

// brokerDynamicConfigs is DynamicConfig.Broker.names, sorted: the
// replication quotas and every dynamic KafkaConfig key.
func brokerDynamicConfigs() []string {
	names := slices.Clone(brokerQuotaConfigs)
	for _, n := range conf.BrokerKeyNames() {
		if conf.IsDynamicBrokerKey(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// options are ConfigCommand.ConfigCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	zookeeper, bootstrapServer, commandConfig, alter, describe, entityType,
	entityName, entityDefault, addConfig, deleteConfig, force *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.zookeeper = p.Accepts("zookeeper", "REQUIRED: The connection string for the zookeeper connection in the form host:port. "+
		"Multiple URLS can be given to allow fail-over.").WithRequiredArg().DescribedAs("urls")
	o.bootstrapServer = p.Accepts("bootstrap-server", "The Kafka server to connect to. "+
		"This is required for describing and altering broker configs.").WithRequiredArg().DescribedAs("server to connect to")
	o.commandConfig = p.Accepts("command-config", "Property file containing configs to be passed to Admin Client. "+
		"This is used only with --bootstrap-server option for describing and altering broker configs.").
		WithRequiredArg().DescribedAs("command config property file")
	o.alter = p.Accepts("alter", "Alter the configuration for the entity.")
	o.describe = p.Accepts("describe", "List configs for the given entity.")
	o.entityType = p.Accepts("entity-type", "Type of entity (topics/clients/users/brokers/broker-loggers)").WithRequiredArg()
	o.entityName = p.Accepts("entity-name", "Name of entity (topic name/client id/user principal name/broker id)").WithRequiredArg()
	o.entityDefault = p.Accepts("entity-default", "Default entity name for clients/users/brokers (applies to corresponding entity type in command line)")
	list := func(names []string) string {
		return "\n\t" + strings.Join(names, "\n\t") + "\n"
	}
	o.addConfig = p.Accepts("add-config", "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: "+
		"For entity-type 'topics': "+list(logconfig.Names())+
		"For entity-type 'brokers': "+list(brokerDynamicConfigs())+
		"For entity-type 'users': "+list(userConfigs)+
		"For entity-type 'clients': "+list(clientConfigs)+
		"Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user.").
		WithRequiredArg()
	o.deleteConfig = p.Accepts("delete-config", "config keys to remove 'k1,k2'").WithRequiredArg()
	o.force = p.Accepts("force", "Suppress console prompts")
	return o
}

func (o *options) has(opt *cli.Option) bool { return o.s.Has(opt) }

// entityTypes are the --entity-type values in order.
func (o *options) entityTypes() []string { return o.s.Values(o.entityType) }

// checkArgs is ConfigCommandOptions.checkArgs.
func (o *options) checkArgs() error {
	actions := 0
	for _, a := range []*cli.Option{o.alter, o.describe} {
		if o.has(a) {
			actions++
		}
	}
	if actions != 1 {
		return &cli.UsageError{Msg: "Command must include exactly one action: --describe, --alter"}
	}
	if err := cli.CheckInvalid(o.s, o.alter, o.describe); err != nil {
		return err
	}
	if err := cli.CheckInvalid(o.s, o.describe, o.alter, o.addConfig, o.deleteConfig); err != nil {
		return err
	}
	types := o.entityTypes()
	allowed, connect := zkEntityTypes, "--zookeeper"
	if o.has(o.bootstrapServer) {
		allowed, connect = bootstrapEntityTypes, "--bootstrap-server"
	}
	for _, t := range types {
		if !slices.Contains(allowed, t) {
			return illegalArgument("Invalid entity-type %s, --entity-type must be one of %s with the %s argument", t, strings.Join(allowed, ","), connect)
		}
	}
	if len(types) == 0 {
		return illegalArgument("At least one --entity-type must be specified")
	}
	if len(types) > 1 && !(len(types) == 2 && slices.Contains(types, typeUsers) && slices.Contains(types, typeClients)) {
		return illegalArgument("Only 'users' and 'clients' entity types may be specified together")
	}
	switch {
	case !o.has(o.bootstrapServer) && !o.has(o.zookeeper):
		return illegalArgument("One of the required --bootstrap-server or --zookeeper arguments must be specified")
	case o.has(o.bootstrapServer) && o.has(o.zookeeper):
		return illegalArgument("Only one of --bootstrap-server or --zookeeper must be specified")
	case o.has(o.bootstrapServer) && !o.has(o.entityName) && !o.has(o.entityDefault):
		return illegalArgument("At least one of --entity-name or --entity-default must be specified with --bootstrap-server")
	}
	if o.has(o.entityName) && (slices.Contains(types, typeBrokers) || slices.Contains(types, typeBrokerLoggers)) {
		id, _ := o.s.String(o.entityName)
		if !isJavaInt(id) {
			return illegalArgument("The entity name for %s must be a valid integer broker id , but it is: %s", types[0], id)
		}
	}
	if slices.Contains(types, typeClients) || slices.Contains(types, typeTopics) || slices.Contains(types, typeUsers) {
		if err := cli.CheckRequired(o.s, o.zookeeper, o.entityType); err != nil {
			return err
		}
	}
	if o.has(o.describe) && slices.Contains(types, typeBrokerLoggers) && !o.has(o.entityName) {
		return illegalArgument("--entity-name must be specified with --describe of %s", strings.Join(types, ","))
	}
	if o.has(o.alter) {
		if slices.Contains(types, typeUsers) || slices.Contains(types, typeClients) || slices.Contains(types, typeBrokers) {
			if !o.has(o.entityName) && !o.has(o.entityDefault) {
				return illegalArgument("--entity-name or --entity-default must be specified with --alter of users, clients or brokers")
			}
		} else if !o.has(o.entityName) {
			return illegalArgument("--entity-name must be specified with --alter of %s", strings.Join(types, ","))
		}
		if !o.has(o.addConfig) && !o.has(o.deleteConfig) {
			return illegalArgument("At least one of --add-config or --delete-config must be specified with --alter")
		}
	}
	return nil
}
