package main

import "github.com/samsa-broker/samsa/cmd/internal/cli"

// options are PreferredReplicaLeaderElectionCommandOptions.
type options struct {
	p *cli.Parser
	s *cli.Set

	jsonFile, zookeeper, bootstrapServer, adminConfig *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.jsonFile = p.Accepts("path-to-json-file", "The JSON file with the list of partitions "+
		"for which preferred replica leader election should be done, in the following format - \n"+
		"{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\n"+
		"Defaults to all existing partitions").
		WithRequiredArg().DescribedAs("list of partitions for which preferred replica leader election needs to be triggered")
	o.zookeeper = p.Accepts("zookeeper", "DEPRECATED. The connection string for the zookeeper connection in the "+
		"form host:port. Multiple URLS can be given to allow fail-over. "+
		"Replaced by --bootstrap-server, REQUIRED unless --bootstrap-server is given.").
		WithRequiredArg().DescribedAs("urls")
	o.bootstrapServer = p.Accepts("bootstrap-server", "A hostname and port for the broker to connect to, "+
		"in the form host:port. Multiple comma-separated URLs can be given. REQUIRED unless --zookeeper is given.").
		WithRequiredArg().DescribedAs("host:port")
	o.adminConfig = p.Accepts("admin.config", "Admin client config properties file to pass to the admin client when --bootstrap-server is given.").
		WithRequiredArg().DescribedAs("config file")
	return o
}

// parse is the options' constructor: joptsimple's parse, then its check of
// admin.config's availableIf(bootstrap-server).
func (o *options) parse(args []string) error {
	s, err := o.p.Parse(args)
	if err != nil {
		return err
	}
	o.s = s
	if s.Has(o.adminConfig) && !s.Has(o.bootstrapServer) {
		return &cli.OptionError{Class: "joptsimple.UnavailableOptionException",
			Msg: "Option(s) [admin.config] are unavailable given other options on the command line"}
	}
	return nil
}
