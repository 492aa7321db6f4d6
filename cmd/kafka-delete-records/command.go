package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// callTimeout is the Java AdminClient's default call timeout (2 minutes).
const callTimeout = 120 * time.Second

type options struct {
	p                                          *cli.Parser
	bootstrapServer, offsetJSONFile, cmdConfig *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	return &options{
		p: p,
		bootstrapServer: p.Accepts("bootstrap-server", "REQUIRED: The server to connect to.").
			WithRequiredArg().DescribedAs("server(s) to use for bootstrapping"),
		offsetJSONFile: p.Accepts("offset-json-file", "REQUIRED: The JSON file with offset per partition. The format to use is:\n"+
			"{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n \"version\":1\n}").
			WithRequiredArg().DescribedAs("Offset json file path"),
		cmdConfig: p.Accepts("command-config", "A property file containing configs to be passed to Admin Client.").
			WithRequiredArg().DescribedAs("command config property file path"),
	}
}

// partitionOffset is one entry of the offset JSON file.
type partitionOffset struct {
	topic     string
	partition int32
	offset    int64
}

func (p partitionOffset) String() string { return p.topic + "-" + strconv.Itoa(int(p.partition)) }

// run is DeleteRecordsCommand.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	if len(args) == 0 || s.Has(o.p.Help) {
		o.p.Usage(stderr, "This tool helps to delete records of the given partitions down to the specified offset.")
		return 1
	}
	if s.Has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return 0
	}
	if err := cli.CheckRequired(s, o.bootstrapServer, o.offsetJSONFile); err != nil {
		var usage *cli.UsageError
		if errors.As(err, &usage) {
			o.p.Usage(stderr, usage.Msg)
		}
		return 1
	}
	if err := execute(ctx, o, s, stdout); err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	return 0
}

func adminOperation(msg string) error {
	return &cli.JavaError{Text: "kafka.admin.AdminOperationException: " + msg}
}

// parseOffsetJSON is parseOffsetJsonStringWithoutDedup.
func parseOffsetJSON(data []byte) ([]partitionOffset, error) {
	var js map[string]json.RawMessage
	if err := json.Unmarshal(data, &js); err != nil {
		return nil, adminOperation("The input string is not a valid JSON")
	}
	version := 1
	if v, ok := js["version"]; ok {
		if err := json.Unmarshal(v, &version); err != nil {
			return nil, adminOperation("The input string is not a valid JSON")
		}
	}
	if version != 1 {
		return nil, adminOperation(fmt.Sprintf("Not supported version field value %d", version))
	}
	raw, ok := js["partitions"]
	if !ok {
		return nil, adminOperation("Missing partitions field")
	}
	var parts []struct {
		Topic     *string `json:"topic"`
		Partition *int32  `json:"partition"`
		Offset    *int64  `json:"offset"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, &cli.JavaError{Text: "kafka.utils.json.JsonMappingException: " + err.Error(), Err: err}
	}
	out := make([]partitionOffset, 0, len(parts))
	for _, p := range parts {
		switch {
		case p.Topic == nil:
			return nil, &cli.JavaError{Text: "java.util.NoSuchElementException: key not found: topic"}
		case p.Partition == nil:
			return nil, &cli.JavaError{Text: "java.util.NoSuchElementException: key not found: partition"}
		case p.Offset == nil:
			return nil, &cli.JavaError{Text: "java.util.NoSuchElementException: key not found: offset"}
		}
		out = append(out, partitionOffset{*p.Topic, *p.Partition, *p.Offset})
	}
	return out, nil
}

func execute(ctx context.Context, o *options, s *cli.Set, stdout io.Writer) error {
	servers, err := s.String(o.bootstrapServer)
	if err != nil {
		return err
	}
	clientID := "adminclient-1"
	if s.Has(o.cmdConfig) {
		path, _ := s.String(o.cmdConfig)
		props, err := cli.LoadProperties(path)
		if err != nil {
			return &cli.JavaError{Text: "java.nio.file.NoSuchFileException: " + path, Err: err}
		}
		if id, ok := props["client.id"]; ok {
			clientID = id
		}
	}
	file, _ := s.String(o.offsetJSONFile)
	data, err := os.ReadFile(file)
	if err != nil {
		return &cli.JavaError{Text: "java.nio.file.NoSuchFileException: " + file, Err: err}
	}
	offsets, err := parseOffsetJSON(data)
	if err != nil {
		return err
	}
	seen := map[partitionOffset]int{}
	var dups []string
	for _, p := range offsets {
		k := partitionOffset{topic: p.topic, partition: p.partition}
		seen[k]++
		if seen[k] == 2 {
			dups = append(dups, k.String())
		}
	}
	if len(dups) > 0 {
		return &cli.JavaError{Text: "kafka.common.AdminCommandFailedException: Offset json file contains duplicate topic partitions: " + strings.Join(dups, ",")}
	}

	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(servers, ",")...), kgo.ClientID(clientID))
	if err != nil {
		return &cli.JavaError{Text: "org.apache.kafka.common.KafkaException: Failed create new KafkaAdminClient", Err: err}
	}
	defer client.Close()
	adm := kadm.NewClient(client)

	fmt.Fprintln(stdout, "Executing records delete operation")
	req := kadm.Offsets{}
	for _, p := range offsets {
		req.AddOffset(p.topic, p.partition, p.offset, -1)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resps, reqErr := adm.DeleteRecords(cctx, req)
	fmt.Fprintln(stdout, "Records delete operation completed:")
	for _, p := range javaHashMapOrder(offsets) {
		var line string
		r, ok := resps.Lookup(p.topic, p.partition)
		switch {
		case ok && r.Err == nil:
			line = fmt.Sprintf("partition: %s\tlow_watermark: %d", p, r.LowWatermark)
		case ok:
			line = fmt.Sprintf("partition: %s\terror: %s", p, javaError(r.Err))
		case reqErr != nil:
			line = fmt.Sprintf("partition: %s\terror: %s", p, javaError(reqErr))
		default:
			line = fmt.Sprintf("partition: %s\terror: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.", p)
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}

// javaError is the getMessage() of the ExecutionException a failed future
// throws: the cause's toString().
func javaError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment."
	}
	return cli.JavaException(err, "")
}

// javaStringHash is java.lang.String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// javaHashMapOrder is the iteration order of the java.util.HashMap of
// futures KafkaAdminClient.deleteRecords returns (new HashMap<>(n), keys
// TopicPartition with hashCode 31*(31+partition)+topic.hashCode()),
// filled in file order.
func javaHashMapOrder(ps []partitionOffset) []partitionOffset {
	n := len(ps)
	capacity := 1
	for capacity < n {
		capacity <<= 1
	}
	// The first put allocates capacity; every put that makes the size
	// exceed 0.75*capacity doubles it.
	for size := 1; size <= n; size++ {
		if float64(size) > 0.75*float64(capacity) {
			capacity <<= 1
		}
	}
	buckets := make([][]partitionOffset, capacity)
	for _, p := range ps {
		h := 31*(31+p.partition) + javaStringHash(p.topic)
		i := int((uint32(h) ^ (uint32(h) >> 16)) & uint32(capacity-1))
		buckets[i] = append(buckets[i], p)
	}
	var out []partitionOffset
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
