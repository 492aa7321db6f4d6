package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// clientOptions translates Java producer properties into franz-go options,
// keeping the Java client's defaults where the property is unset (2.4:
// idempotence off, delivery.timeout.ms 120000, max.request.size 1048576,
// sticky partitioning of keyless records, murmur2 for keyed ones).
func clientOptions(props map[string]string) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(props["bootstrap.servers"], ",")...),
		kgo.ClientID(props["client.id"]),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		// The Java producer asks for auto-creation in its Metadata requests.
		kgo.AllowAutoTopicCreation(),
	}
	ms := func(key string, def int64, typ string) (time.Duration, error) {
		return cli.PropMillis(props, key, def, typ)
	}
	integer := func(key string, def int64) (int64, error) { return cli.PropInt(props, key, def) }

	acks := strings.TrimSpace(props["acks"])
	idempotent := strings.EqualFold(strings.TrimSpace(props["enable.idempotence"]), "true")
	switch acks {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
	case "1", "":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	default:
		return nil, cli.ConfigError("acks", acks, "String must be one of: all, -1, 0, 1")
	}
	if !idempotent || (acks != "all" && acks != "-1") {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}

	c := strings.TrimSpace(props["compression.type"])
	codec, ok := cli.CompressionCodec(c)
	if !ok {
		// 2.4's ProducerConfig does not validate the name; the producer's
		// constructor fails on it.
		return nil, fmt.Errorf("org.apache.kafka.common.KafkaException: Failed to construct kafka producer\n"+
			"Caused by: java.lang.IllegalArgumentException: Unknown compression name: %s", c)
	}
	opts = append(opts, kgo.ProducerBatchCompression(codec))

	linger, err := ms("linger.ms", 0, "LONG")
	if err != nil {
		return nil, err
	}
	if linger > 0 {
		opts = append(opts, kgo.ProducerLinger(linger))
	}
	reqTimeout, err := ms("request.timeout.ms", 30000, "INT")
	if err != nil {
		return nil, err
	}
	if reqTimeout > 0 {
		opts = append(opts, kgo.ProduceRequestTimeout(reqTimeout))
	}
	// The Java producer waits max.block.ms for a topic's metadata and then
	// delivery.timeout.ms for the batch; franz-go has one record timeout, and
	// would give up on an unknown topic after a few metadata loads. Bounding
	// records by the shorter of the two and never failing them early for an
	// unknown topic makes a stopped broker or a missing topic fail after
	// max.block.ms (60 s), as with Kafka's tool.
	delivery, err := ms("delivery.timeout.ms", 120000, "INT")
	if err != nil {
		return nil, err
	}
	block, err := ms("max.block.ms", 60000, "LONG")
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RecordDeliveryTimeout(min(delivery, block)), kgo.UnknownTopicRetries(-1))
	backoff, err := ms("retry.backoff.ms", 100, "LONG")
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RetryBackoffFn(func(int) time.Duration { return backoff }))
	maxAge, err := ms("metadata.max.age.ms", 300000, "LONG")
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.MetadataMaxAge(maxAge))

	retries, err := integer("retries", 2147483647)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RecordRetries(int(retries)))
	maxRequest, err := integer("max.request.size", 1048576)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.ProducerBatchMaxBytes(int32(maxRequest)))
	if !idempotent {
		inflight, err := integer("max.in.flight.requests.per.connection", 5)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(int(inflight)))
	}
	return opts, nil
}
