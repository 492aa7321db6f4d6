package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// errVersion asks main to print the version and exit 0.
var errVersion = errors.New("kafka-consumer-perf-test: version requested")

// errHelp asks main to print the help table and exit 0.
var errHelp = errors.New("kafka-consumer-perf-test: help requested")

// config is ConsumerPerfConfig after parsing.
type config struct {
	bootstrap, topic, group string
	messages                int64
	fetchSize               int32
	fromLatest              bool
	reportingIntervalMs     int64
	showDetailedStats       bool
	hideHeader              bool
	dateFormat              string
	timeoutMs               int64
	printMetrics            bool
	props                   map[string]string // --consumer.config
}

// options are ConsumerPerfConfig's and PerfConfig's joptsimple options.
type options struct {
	p *cli.Parser

	brokerList, bootstrapServer, topic, group, fetchSize, fromLatest,
	socketBufferSize, threads, numFetchThreads, consumerConfig, printMetrics,
	showDetailedStats, timeout, messages, reportingInterval, dateFormat,
	hideHeader *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.brokerList = p.Accepts("broker-list", "REQUIRED: The server(s) to connect to.").WithRequiredArg().DescribedAs("host")
	o.bootstrapServer = p.Accepts("bootstrap-server", "The server(s) to connect to, a synonym of --broker-list (Kafka 2.5).").WithRequiredArg().DescribedAs("host").Hidden()
	o.topic = p.Accepts("topic", "REQUIRED: The topic to consume from.").WithRequiredArg().DescribedAs("topic")
	o.group = p.Accepts("group", "The group id to consume on.").WithRequiredArg().DescribedAs("gid").DefaultsTo("perf-consumer-" + strconv.Itoa(rand.IntN(100000)))
	o.fetchSize = p.Accepts("fetch-size", "The amount of data to fetch in a single request.").WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("1048576")
	o.fromLatest = p.Accepts("from-latest", "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.")
	o.socketBufferSize = p.Accepts("socket-buffer-size", "The size of the tcp RECV size.").WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("2097152")
	o.threads = p.Accepts("threads", "Number of processing threads.").WithRequiredArg().DescribedAs("count").OfType("Integer").DefaultsTo("10")
	o.numFetchThreads = p.Accepts("num-fetch-threads", "Number of fetcher threads.").WithRequiredArg().DescribedAs("count").OfType("Integer").DefaultsTo("1")
	o.consumerConfig = p.Accepts("consumer.config", "Consumer config properties file.").WithRequiredArg().DescribedAs("config file")
	o.printMetrics = p.Accepts("print-metrics", "Print out the metrics.")
	o.showDetailedStats = p.Accepts("show-detailed-stats", "If set, stats are reported for each reporting interval as configured by reporting-interval")
	o.timeout = p.Accepts("timeout", "The maximum allowed time in milliseconds between returned records.").WithOptionalArg().DescribedAs("milliseconds").OfType("Long").DefaultsTo("10000")
	o.messages = p.Accepts("messages", "REQUIRED: The number of messages to send or consume").WithRequiredArg().DescribedAs("count").OfType("Long")
	o.reportingInterval = p.Accepts("reporting-interval", "Interval in milliseconds at which to print progress info.").WithRequiredArg().DescribedAs("interval_ms").OfType("Integer").DefaultsTo("5000")
	o.dateFormat = p.Accepts("date-format", "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.").
		WithRequiredArg().DescribedAs("date format").DefaultsTo("yyyy-MM-dd HH:mm:ss:SSS")
	o.hideHeader = p.Accepts("hide-header", "If set, skips printing the header for the stats ")
	return o
}

func (o *options) parse(args []string) (*config, error) {
	s, err := o.p.Parse(args)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || s.Has(o.p.Help) {
		return nil, errHelp
	}
	if s.Has(o.p.Version) {
		return nil, errVersion
	}
	bootstrapOpt := o.brokerList
	if !s.Has(o.brokerList) && s.Has(o.bootstrapServer) {
		bootstrapOpt = o.bootstrapServer
	}
	if err := cli.CheckRequired(s, o.topic, o.messages, bootstrapOpt); err != nil {
		return nil, err
	}
	c := &config{
		fromLatest:        s.Has(o.fromLatest),
		showDetailedStats: s.Has(o.showDetailedStats),
		hideHeader:        s.Has(o.hideHeader),
		printMetrics:      s.Has(o.printMetrics),
		props:             map[string]string{},
	}
	if c.bootstrap, err = s.String(bootstrapOpt); err != nil {
		return nil, err
	}
	if c.topic, err = s.String(o.topic); err != nil {
		return nil, err
	}
	if c.group, err = s.String(o.group); err != nil {
		return nil, err
	}
	if c.dateFormat, err = s.String(o.dateFormat); err != nil {
		return nil, err
	}
	if c.messages, _, err = s.Long(o.messages); err != nil {
		return nil, err
	}
	if c.fetchSize, _, err = s.Int(o.fetchSize); err != nil {
		return nil, err
	}
	if c.timeoutMs, _, err = s.Long(o.timeout); err != nil {
		return nil, err
	}
	ri, _, err := s.Int(o.reportingInterval)
	if err != nil {
		return nil, err
	}
	if ri <= 0 {
		return nil, errors.New("java.lang.IllegalArgumentException: Reporting interval must be greater than 0.")
	}
	c.reportingIntervalMs = int64(ri)
	if s.Has(o.consumerConfig) {
		path, _ := s.String(o.consumerConfig)
		if c.props, err = cli.LoadProperties(path); err != nil {
			return nil, fmt.Errorf("kafka-consumer-perf-test: %w", err)
		}
	}
	return c, nil
}
