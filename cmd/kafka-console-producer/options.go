package main

import (
	"regexp"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// options are ConsoleProducer.ProducerConfig's options.
type options struct {
	p *cli.Parser

	topic, brokerList, bootstrapServer, sync, compressionCodec, batchSize,
	messageSendMaxRetries, retryBackoffMs, sendTimeout, requestRequiredAcks,
	requestTimeoutMs, metadataExpiryMs, maxBlockMs, maxMemoryBytes,
	maxPartitionMemoryBytes, lineReader, socketBufferSize, property,
	producerProperty, producerConfig *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	o := &options{p: p}
	o.topic = p.Accepts("topic", "REQUIRED: The topic id to produce messages to.").WithRequiredArg().DescribedAs("topic")
	o.brokerList = p.Accepts("broker-list", "REQUIRED: The broker list string in the form HOST1:PORT1,HOST2:PORT2.").WithRequiredArg().DescribedAs("broker-list")
	o.bootstrapServer = p.Accepts("bootstrap-server", "The server(s) to connect to, a synonym of --broker-list (Kafka 2.5).").WithRequiredArg().DescribedAs("server to connect to").Hidden()
	o.sync = p.Accepts("sync", "If set message send requests to the brokers are synchronously, one at a time as they arrive.")
	o.compressionCodec = p.Accepts("compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'."+
		"If specified without value, then it defaults to 'gzip'").WithOptionalArg().DescribedAs("compression-codec")
	o.batchSize = p.Accepts("batch-size", "Number of messages to send in a single batch if they are not being sent synchronously.").
		WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("200")
	o.messageSendMaxRetries = p.Accepts("message-send-max-retries", "Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retires before the producer give up and drop this message.").
		WithRequiredArg().OfType("Integer").DefaultsTo("3")
	o.retryBackoffMs = p.Accepts("retry-backoff-ms", "Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata.").
		WithRequiredArg().OfType("Integer").DefaultsTo("100")
	o.sendTimeout = p.Accepts("timeout", "If set and the producer is running in asynchronous mode, this gives the maximum amount of time"+
		" a message will queue awaiting sufficient batch size. The value is given in ms.").
		WithRequiredArg().DescribedAs("timeout_ms").OfType("Integer").DefaultsTo("1000")
	o.requestRequiredAcks = p.Accepts("request-required-acks", "The required acks of the producer requests").
		WithRequiredArg().DescribedAs("request required acks").DefaultsTo("1")
	o.requestTimeoutMs = p.Accepts("request-timeout-ms", "The ack timeout of the producer requests. Value must be non-negative and non-zero").
		WithRequiredArg().DescribedAs("request timeout ms").OfType("Integer").DefaultsTo("1500")
	o.metadataExpiryMs = p.Accepts("metadata-expiry-ms", "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes.").
		WithRequiredArg().DescribedAs("metadata expiration interval").OfType("Long").DefaultsTo("300000")
	o.maxBlockMs = p.Accepts("max-block-ms", "The max time that the producer will block for during a send request").
		WithRequiredArg().DescribedAs("max block on send").OfType("Long").DefaultsTo("60000")
	o.maxMemoryBytes = p.Accepts("max-memory-bytes", "The total memory used by the producer to buffer records waiting to be sent to the server.").
		WithRequiredArg().DescribedAs("total memory in bytes").OfType("Long").DefaultsTo("33554432")
	o.maxPartitionMemoryBytes = p.Accepts("max-partition-memory-bytes", "The buffer size allocated for a partition. When records are received which are smaller than this size the producer "+
		"will attempt to optimistically group them together until this size is reached.").
		WithRequiredArg().DescribedAs("memory in bytes per partition").OfType("Long").DefaultsTo("16384")
	o.lineReader = p.Accepts("line-reader", "The class name of the class to use for reading lines from standard in. "+
		"By default each line is read as a separate message.").
		WithRequiredArg().DescribedAs("reader_class").DefaultsTo(lineReaderClass)
	o.socketBufferSize = p.Accepts("socket-buffer-size", "The size of the tcp RECV size.").
		WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("102400")
	o.property = p.Accepts("property", "A mechanism to pass user-defined properties in the form key=value to the message reader. "+
		"This allows custom configuration for a user-defined message reader.").WithRequiredArg().DescribedAs("prop")
	o.producerProperty = p.Accepts("producer-property", "A mechanism to pass user-defined properties in the form key=value to the producer. ").
		WithRequiredArg().DescribedAs("producer_prop")
	o.producerConfig = p.Accepts("producer.config", "Producer config properties file. Note that [producer-property] takes precedence over this config.").
		WithRequiredArg().DescribedAs("config file")
	return o
}

const lineReaderClass = "kafka.tools.ConsoleProducer$LineMessageReader"

// config is what the options resolve to.
type config struct {
	topic       string
	brokers     []string
	sync        bool
	readerProps map[string]string
	producer    map[string]string // Java producer properties
}

// parse mirrors ProducerConfig's constructor; errors are *cli.UsageError
// (printed with the usage table) or *cli.OptionError.
func (o *options) parse(args []string) (*config, error) {
	s, err := o.p.Parse(args)
	if err != nil {
		// ProducerConfig.tryParse sends joptsimple errors to printUsageAndDie.
		return nil, &cli.UsageError{Msg: err.Error()}
	}
	if len(args) == 0 || s.Has(o.p.Help) {
		return nil, &cli.UsageError{Msg: "This tool helps to read data from standard input and publish it to Kafka."}
	}
	if s.Has(o.p.Version) {
		return nil, errVersion
	}
	brokerOpt := o.brokerList
	if s.Has(o.bootstrapServer) {
		brokerOpt = o.bootstrapServer
	}
	if err := cli.CheckRequired(s, o.topic, brokerOpt); err != nil {
		return nil, err
	}
	c := &config{sync: s.Has(o.sync)}
	if c.topic, err = s.String(o.topic); err != nil {
		return nil, err
	}
	brokerList, err := s.String(brokerOpt)
	if err != nil {
		return nil, err
	}
	if !validHostPorts(brokerList) {
		return nil, &cli.UsageError{Msg: "Please provide valid host:port like host1:9091,host2:9092\n "}
	}
	c.brokers = strings.Split(brokerList, ",")
	c.readerProps = cli.ParseKeyValue(s.Values(o.property))
	if reader, _ := s.String(o.lineReader); reader != lineReaderClass {
		return nil, &cli.UsageError{Msg: "Only the default line reader " + lineReaderClass + " is supported, not " + reader}
	}

	props := map[string]string{}
	if s.Has(o.producerConfig) {
		path, err := s.String(o.producerConfig)
		if err != nil {
			return nil, err
		}
		if props, err = cli.LoadProperties(path); err != nil {
			return nil, err
		}
	}
	for k, v := range cli.ParseKeyValue(s.Values(o.producerProperty)) {
		props[k] = v
	}
	props["bootstrap.servers"] = brokerList
	props["compression.type"] = "none"
	if s.Has(o.compressionCodec) {
		props["compression.type"] = "gzip" // DefaultCompressionCodec
		if v, err := s.String(o.compressionCodec); err != nil {
			return nil, err
		} else if v != "" {
			props["compression.type"] = v
		}
	}
	props["client.id"] = "console-producer"
	for _, m := range []struct {
		key string
		opt *cli.Option
	}{
		{"linger.ms", o.sendTimeout},
		{"acks", o.requestRequiredAcks},
		{"request.timeout.ms", o.requestTimeoutMs},
		{"retries", o.messageSendMaxRetries},
		{"retry.backoff.ms", o.retryBackoffMs},
		{"send.buffer.bytes", o.socketBufferSize},
		{"buffer.memory", o.maxMemoryBytes},
		{"batch.size", o.maxPartitionMemoryBytes},
		{"metadata.max.age.ms", o.metadataExpiryMs},
		{"max.block.ms", o.maxBlockMs},
	} {
		// CommandLineUtils.maybeMergeOptions: an explicit option wins, a
		// property already set stays, otherwise the option's default.
		if _, set := props[m.key]; s.Has(m.opt) || !set {
			v, err := s.String(m.opt)
			if err != nil {
				return nil, err
			}
			props[m.key] = v
		}
	}
	// Typed options are converted by joptsimple when read; check them now.
	for _, opt := range []*cli.Option{o.batchSize, o.messageSendMaxRetries, o.retryBackoffMs, o.sendTimeout, o.requestTimeoutMs, o.socketBufferSize} {
		if _, _, err := s.Int(opt); err != nil {
			return nil, err
		}
	}
	for _, opt := range []*cli.Option{o.metadataExpiryMs, o.maxBlockMs, o.maxMemoryBytes, o.maxPartitionMemoryBytes} {
		if _, _, err := s.Long(opt); err != nil {
			return nil, err
		}
	}
	c.producer = props
	return c, nil
}

// hostPortRE is org.apache.kafka.common.utils.Utils' HOST_PORT_PATTERN.
var hostPortRE = regexp.MustCompile(`^.*?\[?([0-9a-zA-Z\-%._:]*)\]?:([0-9]+)$`)

// validHostPorts is ToolsUtils.validatePortOrDie's test.
func validHostPorts(list string) bool {
	for _, hp := range strings.Split(list, ",") {
		if !hostPortRE.MatchString(hp) {
			return false
		}
	}
	return list != ""
}
