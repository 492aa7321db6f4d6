package main

import (
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// commonOptions maps the client properties both clients share. Unknown
// properties are ignored, as the Java clients only warn about them.
func commonOptions(props map[string]string, clientID string) []kgo.Opt {
	if id := props["client.id"]; id != "" {
		clientID = id
	}
	return []kgo.Opt{
		kgo.SeedBrokers(strings.Split(props["bootstrap.servers"], ",")...),
		kgo.ClientID(clientID),
	}
}

// producerOptions is the Java tool's producer: the properties file plus
// linger.ms=0 and the acks argument, no idempotence (the 2.4 default), no
// compression unless compression.type says otherwise.
func producerOptions(props map[string]string, acks string) ([]kgo.Opt, error) {
	opts := commonOptions(props, "producer-1")
	opts = append(opts, kgo.DisableIdempotentWrite(), kgo.ProducerLinger(0))
	if acks == "all" {
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	} else {
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	}
	c := strings.TrimSpace(props["compression.type"])
	codec, ok := cli.CompressionCodec(c)
	if !ok {
		return nil, cli.ConfigError("compression.type", c, "String must be one of: none, gzip, snappy, lz4, zstd")
	}
	opts = append(opts, kgo.ProducerBatchCompression(codec))

	reqTimeout, err := cli.PropMillis(props, "request.timeout.ms", 30000, "INT")
	if err != nil {
		return nil, err
	}
	if reqTimeout > 0 {
		opts = append(opts, kgo.ProduceRequestTimeout(reqTimeout))
	}
	return opts, nil
}

// minFetchWait is franz-go's lowest fetch.max.wait.ms; the Java tool sets 0
// "to ensure we have no temporal batching". A fetch that waits is answered
// as soon as data is there, so waiting up to 10 ms adds no latency.
const minFetchWait = 10 * time.Millisecond

// consumerOptions is the Java tool's consumer without its group: the
// partitions are assigned by hand and the group only receives the final
// offset commit.
func consumerOptions(props map[string]string, offsets map[string]map[int32]kgo.Offset) ([]kgo.Opt, error) {
	opts := commonOptions(props, "consumer-1")
	maxPartition, err := cli.PropInt(props, "max.partition.fetch.bytes", 1048576)
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		kgo.ConsumePartitions(offsets),
		kgo.FetchMaxWait(minFetchWait),
		kgo.FetchMinBytes(1),
		kgo.FetchMaxPartitionBytes(int32(max(maxPartition, 1))),
	)
	return opts, nil
}
