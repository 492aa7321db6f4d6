package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/sirupsen/logrus"
)

var errVersion = errors.New("kafka-console-consumer: version requested")

// options are ConsoleConsumer.ConsumerConfig's options.
type options struct {
	p *cli.Parser

	topic, whitelist, partition, offset, consumerProperty, consumerConfig,
	formatter, property, fromBeginning, maxMessages, timeoutMs,
	skipMessageOnError, bootstrapServer, keyDeserializer, valueDeserializer,
	enableSystestEvents, isolationLevel, group *cli.Option
}

const defaultFormatter = "kafka.tools.DefaultMessageFormatter"

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.topic = p.Accepts("topic", "The topic id to consume on.").WithRequiredArg().DescribedAs("topic")
	o.whitelist = p.Accepts("whitelist", "Regular expression specifying whitelist of topics to include for consumption.").WithRequiredArg().DescribedAs("whitelist")
	o.partition = p.Accepts("partition", "The partition to consume from. Consumption "+
		"starts from the end of the partition unless '--offset' is specified.").WithRequiredArg().DescribedAs("partition").OfType("Integer")
	o.offset = p.Accepts("offset", "The offset id to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end").
		WithRequiredArg().DescribedAs("consume offset").DefaultsTo("latest")
	o.consumerProperty = p.Accepts("consumer-property", "A mechanism to pass user-defined properties in the form key=value to the consumer.").
		WithRequiredArg().DescribedAs("consumer_prop")
	o.consumerConfig = p.Accepts("consumer.config", "Consumer config properties file. Note that [consumer-property] takes precedence over this config.").
		WithRequiredArg().DescribedAs("config file")
	o.formatter = p.Accepts("formatter", "The name of a class to use for formatting kafka messages for display.").
		WithRequiredArg().DescribedAs("class").DefaultsTo(defaultFormatter)
	o.property = p.Accepts("property", "The properties to initialize the message formatter. Default properties include:\n"+
		"\tprint.timestamp=true|false\n"+
		"\tprint.key=true|false\n"+
		"\tprint.value=true|false\n"+
		"\tkey.separator=<key.separator>\n"+
		"\tline.separator=<line.separator>\n"+
		"\tkey.deserializer=<key.deserializer>\n"+
		"\tvalue.deserializer=<value.deserializer>\n"+
		"\nUsers can also pass in customized properties for their formatter; more specifically, users "+
		"can pass in properties keyed with 'key.deserializer.' and 'value.deserializer.' prefixes to configure their deserializers.").
		WithRequiredArg().DescribedAs("prop")
	o.fromBeginning = p.Accepts("from-beginning", "If the consumer does not already have an established offset to consume from, "+
		"start with the earliest message present in the log rather than the latest message.")
	o.maxMessages = p.Accepts("max-messages", "The maximum number of messages to consume before exiting. If not set, consumption is continual.").
		WithRequiredArg().DescribedAs("num_messages").OfType("Integer")
	o.timeoutMs = p.Accepts("timeout-ms", "If specified, exit if no message is available for consumption for the specified interval.").
		WithRequiredArg().DescribedAs("timeout_ms").OfType("Integer")
	o.skipMessageOnError = p.Accepts("skip-message-on-error", "If there is an error when processing a message, "+
		"skip it instead of halt.")
	o.bootstrapServer = p.Accepts("bootstrap-server", "REQUIRED: The server(s) to connect to.").WithRequiredArg().DescribedAs("server to connect to")
	o.keyDeserializer = p.Accepts("key-deserializer", "").WithRequiredArg().DescribedAs("deserializer for key")
	o.valueDeserializer = p.Accepts("value-deserializer", "").WithRequiredArg().DescribedAs("deserializer for values")
	o.enableSystestEvents = p.Accepts("enable-systest-events", "Log lifecycle events of the consumer in addition to logging consumed "+
		"messages. (This is specific for system tests.)")
	o.isolationLevel = p.Accepts("isolation-level", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted"+
		"to read all messages.").WithRequiredArg().DefaultsTo("read_uncommitted")
	o.group = p.Accepts("group", "The consumer group id of the consumer.").WithRequiredArg().DescribedAs("consumer group id")
	return o
}

// Offsets of --offset (ListOffsetRequest.EARLIEST_TIMESTAMP / LATEST_TIMESTAMP).
const (
	offsetEarliest int64 = -2
	offsetLatest   int64 = -1
)

// config is what the options resolve to.
type config struct {
	topic, whitelist   string
	partition          *int32
	offset             int64
	maxMessages        int // -1: unlimited
	timeout            int // ms; -1: none
	skipMessageOnError bool
	systestEvents      bool
	groupPassed        bool
	formatter          *formatter
	consumer           map[string]string // Java consumer properties, bootstrap.servers and group.id included
	log                *logrus.Entry     // for the client's connection warnings; nil: none
}

// parse is ConsumerConfig's constructor plus consumerProps. A *cli.UsageError
// is printed with the usage table; other errors as Kafka would print them.
func (o *options) parse(args []string, rnd *rand.Rand) (*config, error) {
	s, err := o.p.Parse(args)
	if err != nil {
		return nil, &cli.UsageError{Msg: err.Error()}
	}
	if len(args) == 0 || s.Has(o.p.Help) {
		return nil, &cli.UsageError{Msg: "This tool helps to read data from Kafka topics and outputs it to standard output."}
	}
	if s.Has(o.p.Version) {
		return nil, errVersion
	}
	c := &config{maxMessages: -1, timeout: -1, skipMessageOnError: s.Has(o.skipMessageOnError), systestEvents: s.Has(o.enableSystestEvents)}
	extra := cli.ParseKeyValue(s.Values(o.consumerProperty))
	props := map[string]string{}
	if s.Has(o.consumerConfig) {
		path, err := s.String(o.consumerConfig)
		if err != nil {
			return nil, err
		}
		if props, err = cli.LoadProperties(path); err != nil {
			return nil, err
		}
	}
	fileProps := map[string]string{}
	for k, v := range props {
		fileProps[k] = v
	}
	if p, ok, err := s.Int(o.partition); err != nil {
		return nil, err
	} else if ok {
		c.partition = &p
	}
	if class, _ := s.String(o.formatter); class != defaultFormatter {
		return nil, fmt.Errorf("java.lang.ClassNotFoundException: %s", class)
	}
	fprops := cli.ParseKeyValue(s.Values(o.property))
	if v, _ := s.String(o.keyDeserializer); v != "" {
		fprops["key.deserializer"] = v
	}
	if v, _ := s.String(o.valueDeserializer); v != "" {
		fprops["value.deserializer"] = v
	}
	if n, ok, err := s.Int(o.maxMessages); err != nil {
		return nil, err
	} else if ok {
		c.maxMessages = int(n)
	}
	if n, ok, err := s.Int(o.timeoutMs); err != nil {
		return nil, err
	} else if ok {
		c.timeout = int(n)
	}
	if c.formatter, err = newFormatter(fprops); err != nil {
		return nil, err
	}

	if s.Has(o.topic) == s.Has(o.whitelist) {
		return nil, &cli.UsageError{Msg: "Exactly one of whitelist/topic is required."}
	}
	if c.topic, err = s.String(o.topic); err != nil {
		return nil, err
	}
	if c.whitelist, err = s.String(o.whitelist); err != nil {
		return nil, err
	}
	if c.partition != nil {
		if !s.Has(o.topic) {
			return nil, &cli.UsageError{Msg: "The topic is required when partition is specified."}
		}
		if s.Has(o.fromBeginning) && s.Has(o.offset) {
			return nil, &cli.UsageError{Msg: "Options from-beginning and offset cannot be specified together."}
		}
	} else if s.Has(o.offset) {
		return nil, &cli.UsageError{Msg: "The partition is required when offset is specified."}
	}
	c.offset = offsetLatest
	if s.Has(o.offset) {
		v, err := s.String(o.offset)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(v) {
		case "earliest":
			c.offset = offsetEarliest
		case "latest":
			c.offset = offsetLatest
		default:
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n < 0 {
				return nil, &cli.UsageError{Msg: fmt.Sprintf("The provided offset value '%s' is incorrect. Valid values are "+
					"'earliest', 'latest', or a non-negative long.", v)}
			}
			c.offset = n
		}
	} else if s.Has(o.fromBeginning) {
		c.offset = offsetEarliest
	}
	if err := cli.CheckRequired(s, o.bootstrapServer); err != nil {
		return nil, err
	}

	// The group id may come from --group, --consumer-property or
	// --consumer.config; all given must agree.
	var groups []string
	if g, ok, err := s.Value(o.group); err != nil {
		return nil, err
	} else if ok {
		groups = appendUnique(groups, g)
	}
	if g, ok := fileProps["group.id"]; ok {
		groups = appendUnique(groups, g)
	}
	if g, ok := extra["group.id"]; ok {
		groups = appendUnique(groups, g)
	}
	if len(groups) > 1 {
		return nil, &cli.UsageError{Msg: "The group ids provided in different places (directly using '--group', " +
			"via '--consumer-property', or via '--consumer.config') do not match. " +
			"Detected group ids: '" + strings.Join(groups, "', '") + "'"}
	}
	c.groupPassed = len(groups) == 1
	if c.groupPassed {
		props["group.id"] = groups[0]
	} else {
		props["group.id"] = fmt.Sprintf("console-consumer-%d", rnd.IntN(100000))
		// The generated group is never used again: do not commit for it.
		if _, ok := props["enable.auto.commit"]; !ok {
			props["enable.auto.commit"] = "false"
		}
	}
	if c.groupPassed && c.partition != nil {
		return nil, &cli.UsageError{Msg: "Options group and partition cannot be specified together."}
	}

	// consumerProps: file, then --consumer-property, then auto.offset.reset,
	// bootstrap.servers and isolation.level.
	for k, v := range extra {
		props[k] = v
	}
	if reset, ok := props["auto.offset.reset"]; ok {
		if s.Has(o.fromBeginning) && reset != "earliest" {
			return nil, &exitError{msg: fmt.Sprintf("Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please remove one option", reset)}
		}
	} else if s.Has(o.fromBeginning) {
		props["auto.offset.reset"] = "earliest"
	} else {
		props["auto.offset.reset"] = "latest"
	}
	if props["bootstrap.servers"], err = s.String(o.bootstrapServer); err != nil {
		return nil, err
	}
	if _, ok := props["isolation.level"]; s.Has(o.isolationLevel) || !ok {
		if props["isolation.level"], err = s.String(o.isolationLevel); err != nil {
			return nil, err
		}
	}
	c.consumer = props
	return c, nil
}

func appendUnique(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// exitError is a message printed alone to stderr before exiting with 1.
type exitError struct{ msg string }

func (e *exitError) Error() string { return e.msg }
