package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// clientOptions maps the Java producer properties the benchmarks use onto
// franz-go, keeping the Java 2.4 producer's defaults for unset ones:
// acks=1, linger.ms=0, batch.size=16384 (franz-go's per-partition batch
// cap is the same notion), buffer.memory=33554432, compression none,
// max.in.flight.requests.per.connection=5, idempotence off, sticky
// partitioning of keyless records. Unknown properties are ignored, as the
// Java producer only warns about them.
//
// batchCap is the largest batch the topic takes (batchLimit): batches are
// capped there whatever batch.size says.
func clientOptions(props map[string]string, batchCap int32) ([]kgo.Opt, error) {
	num := func(key string, def int64) (int64, error) {
		v, ok := props[key]
		if !ok {
			return def, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s", v, key)
		}
		return n, nil
	}
	clientID := props["client.id"]
	if clientID == "" {
		clientID = "producer-1"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(props["bootstrap.servers"], ",")...),
		kgo.ClientID(clientID),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.AllowAutoTopicCreation(),
	}
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
		return nil, fmt.Errorf("org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration acks: String must be one of: all, -1, 0, 1", acks)
	}
	if !idempotent || (acks != "all" && acks != "-1") {
		idempotent = false
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	c := strings.TrimSpace(props["compression.type"])
	codec, ok := cli.CompressionCodec(c)
	if !ok {
		return nil, fmt.Errorf("org.apache.kafka.common.KafkaException: Failed to construct kafka producer\n"+
			"Caused by: java.lang.IllegalArgumentException: Unknown compression name: %s", c)
	}
	opts = append(opts, kgo.ProducerBatchCompression(codec))

	linger, err := num("linger.ms", 0)
	if err != nil {
		return nil, err
	}
	if linger > 0 {
		opts = append(opts, kgo.ProducerLinger(time.Duration(linger)*time.Millisecond))
	}
	batch, err := num("batch.size", 16384)
	if err != nil {
		return nil, err
	}
	// batch.size 0 disables batching in Java; one record per batch is the
	// nearest franz-go setting.
	opts = append(opts, kgo.ProducerBatchMaxBytes(int32(min(max(batch, 1), int64(batchCap)))))
	buffer, err := num("buffer.memory", 33554432)
	if err != nil {
		return nil, err
	}
	// Java blocks send() when buffer.memory is full; franz-go blocks
	// Produce when either limit is reached, so the record count is only a
	// backstop sized for 1-byte records.
	opts = append(opts, kgo.MaxBufferedBytes(int(buffer)), kgo.MaxBufferedRecords(int(max(buffer, 10000))))
	reqTimeout, err := num("request.timeout.ms", 30000)
	if err != nil {
		return nil, err
	}
	if reqTimeout > 0 {
		opts = append(opts, kgo.ProduceRequestTimeout(time.Duration(reqTimeout)*time.Millisecond))
	}
	delivery, err := num("delivery.timeout.ms", 120000)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RecordDeliveryTimeout(time.Duration(delivery)*time.Millisecond))
	if !idempotent {
		inflight, err := num("max.in.flight.requests.per.connection", 5)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.MaxProduceRequestsInflightPerBroker(int(max(inflight, 1))))
	}
	return opts, nil
}

// defaultMaxMessageBytes is Kafka's message.max.bytes default, the limit of
// a topic without a max.message.bytes of its own.
const defaultMaxMessageBytes = 1000012

// batchLimit is the largest batch the brokers take for topic: the topic's
// max.message.bytes, read with DescribeConfigs, or Kafka's default when it
// cannot be read (the topic does not exist yet, say). The Java producer
// sends batches up to batch.size and, when a broker answers
// MESSAGE_TOO_LARGE, splits the batch and sends the halves again; franz-go
// fails such records instead, so this tool keeps its batches within the
// limit and a batch.size above it (1 MiB against the default 1000012)
// loses no record, as with the Java tool.
func batchLimit(ctx context.Context, seeds []string, topic string) int32 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return defaultMaxMessageBytes
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rcs, err := kadm.NewClient(cl).DescribeTopicConfigs(ctx, topic)
	if err != nil || len(rcs) != 1 || rcs[0].Err != nil {
		return defaultMaxMessageBytes
	}
	for _, c := range rcs[0].Configs {
		if c.Key == "max.message.bytes" && c.Value != nil {
			if n, err := strconv.ParseInt(*c.Value, 10, 32); err == nil && n > 0 {
				return int32(n)
			}
		}
	}
	return defaultMaxMessageBytes
}
