package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// callTimeout is the Java AdminClient's default call timeout (2 minutes).
const callTimeout = 120 * time.Second

type options struct {
	p                                                *cli.Parser
	bootstrapServer, commandConfig, describe, topics *cli.Option
	brokers                                          *cli.Option
}

func newOptions() *options {
	p := cli.NewParser()
	return &options{
		p: p,
		bootstrapServer: p.Accepts("bootstrap-server", "REQUIRED: the server(s) to use for bootstrapping").
			WithRequiredArg().DescribedAs("The server(s) to use for bootstrapping"),
		commandConfig: p.Accepts("command-config", "Property file containing configs to be passed to Admin Client.").
			WithRequiredArg().DescribedAs("Admin client property file"),
		describe: p.Accepts("describe", "Describe the specified log directories on the specified brokers."),
		topics: p.Accepts("topic-list", "The list of topics to be queried in the form \"topic1,topic2,topic3\". "+
			"All topics will be queried if no topic list is specified").
			WithRequiredArg().DescribedAs("Topic list").DefaultsTo(""),
		brokers: p.Accepts("broker-list", "The list of brokers to be queried in the form \"0,1,2\". "+
			"All brokers in the cluster will be queried if no broker list is specified").
			WithRequiredArg().DescribedAs("Broker list"),
	}
}

// run is LogDirsCommand.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	if len(args) == 0 || s.Has(o.p.Help) {
		o.p.Usage(stderr, "This tool helps to query log directory usage on the specified brokers.")
		return 1
	}
	if s.Has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return 0
	}
	if err := cli.CheckRequired(s, o.bootstrapServer, o.describe); err != nil {
		var usage *cli.UsageError
		if errors.As(err, &usage) {
			o.p.Usage(stderr, usage.Msg)
		}
		return 1
	}
	if err := describe(ctx, o, s, stdout); err != nil {
		cli.PrintUncaughtError(stderr, err)
		return 1
	}
	return 0
}

func describe(ctx context.Context, o *options, s *cli.Set, stdout io.Writer) error {
	servers, _ := s.String(o.bootstrapServer)
	clientID := "log-dirs-tool"
	if s.Has(o.commandConfig) {
		path, _ := s.String(o.commandConfig)
		props, err := cli.LoadProperties(path)
		if err != nil {
			return &cli.JavaError{Text: "java.nio.file.NoSuchFileException: " + path, Err: err}
		}
		if id, ok := props["client.id"]; ok {
			clientID = id
		}
	}
	topicList, _ := s.String(o.topics)
	topicSet := map[string]bool{}
	for _, t := range strings.Split(topicList, ",") {
		if t != "" {
			topicSet[t] = true
		}
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(servers, ",")...), kgo.ClientID(clientID))
	if err != nil {
		return &cli.JavaError{Text: "org.apache.kafka.common.KafkaException: Failed create new KafkaAdminClient", Err: err}
	}
	defer client.Close()
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	var ids []int32
	if s.Has(o.brokers) {
		list, _ := s.String(o.brokers)
		for _, b := range strings.Split(list, ",") {
			if b == "" {
				continue
			}
			id, err := strconv.ParseInt(b, 10, 32)
			if err != nil {
				return &cli.JavaError{Text: fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", b)}
			}
			ids = append(ids, int32(id))
		}
	} else {
		meta, err := kmsg.NewPtrMetadataRequest().RequestWith(cctx, client)
		if err != nil {
			return executionException(err)
		}
		for _, b := range meta.Brokers {
			ids = append(ids, b.NodeID)
		}
	}
	fmt.Fprintln(stdout, "Querying brokers for log directories information")
	byBroker := map[int32][]kmsg.DescribeLogDirsResponseDir{}
	for _, id := range ids {
		req := kmsg.NewPtrDescribeLogDirsRequest()
		req.Topics = nil // all
		resp, err := client.Broker(int(id)).Request(cctx, req)
		if err != nil {
			return executionException(err)
		}
		byBroker[id] = resp.(*kmsg.DescribeLogDirsResponse).Dirs
	}
	strIDs := make([]string, len(ids))
	for i, id := range ids {
		strIDs[i] = strconv.Itoa(int(id))
	}
	fmt.Fprintln(stdout, "Received log directory information from brokers "+strings.Join(strIDs, ","))
	out, err := formatJSON(byBroker, topicSet)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
}

func executionException(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &cli.JavaError{Text: "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.", Err: err}
	}
	return &cli.JavaError{Text: "java.util.concurrent.ExecutionException: " + cli.JavaException(err, ""), Err: err}
}

// JSON shapes of formatAsJson, fields in Kafka's order.
type (
	jsonPartition struct {
		Partition string `json:"partition"`
		Size      int64  `json:"size"`
		OffsetLag int64  `json:"offsetLag"`
		IsFuture  bool   `json:"isFuture"`
	}
	jsonLogDir struct {
		LogDir     string          `json:"logDir"`
		Error      *string         `json:"error"`
		Partitions []jsonPartition `json:"partitions"`
	}
	jsonBroker struct {
		Broker  int32        `json:"broker"`
		LogDirs []jsonLogDir `json:"logDirs"`
	}
	jsonOutput struct {
		Version int          `json:"version"`
		Brokers []jsonBroker `json:"brokers"`
	}
)

// formatJSON is LogDirsCommand.formatAsJson.
func formatJSON(byBroker map[int32][]kmsg.DescribeLogDirsResponseDir, topics map[string]bool) (string, error) {
	ids := make([]int32, 0, len(byBroker))
	for id := range byBroker {
		ids = append(ids, id)
	}
	// A HashMap of Integer keys iterates small ids in ascending order.
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := jsonOutput{Version: 1, Brokers: []jsonBroker{}}
	for _, id := range ids {
		dirs := byBroker[id]
		names := make([]string, len(dirs))
		hashes := make([]int32, len(dirs))
		for i, d := range dirs {
			names[i], hashes[i] = d.Dir, javaStringHash(d.Dir)
		}
		jb := jsonBroker{Broker: id, LogDirs: []jsonLogDir{}}
		for _, i := range javaHashMapOrder(hashes) {
			d := dirs[i]
			jd := jsonLogDir{LogDir: d.Dir, Partitions: []jsonPartition{}}
			if err := kerr.ErrorForCode(d.ErrorCode); err != nil {
				name := "org.apache.kafka.common.errors." + cli.ExceptionClass(err.(*kerr.Error))
				jd.Error = &name
			}
			var parts []jsonPartition
			var phashes []int32
			for _, t := range d.Topics {
				for _, p := range t.Partitions {
					parts = append(parts, jsonPartition{Partition: t.Topic + "-" + strconv.Itoa(int(p.Partition)), Size: p.Size, OffsetLag: p.OffsetLag, IsFuture: p.IsFuture})
					phashes = append(phashes, 31*(31+p.Partition)+javaStringHash(t.Topic))
				}
			}
			for _, k := range javaHashMapOrder(phashes) {
				topic := parts[k].Partition[:strings.LastIndexByte(parts[k].Partition, '-')]
				if len(topics) == 0 || topics[topic] {
					jd.Partitions = append(jd.Partitions, parts[k])
				}
			}
			jb.LogDirs = append(jb.LogDirs, jd)
		}
		out.Brokers = append(out.Brokers, jb)
	}
	// Jackson escapes no HTML characters.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
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

// javaHashMapOrder returns the indexes of keys with the given hashCodes in
// the iteration order of a default java.util.HashMap (16 buckets, doubled
// when the size passes 0.75 of them) filled in the given order: buckets
// by (h ^ h>>>16) & (n-1), each in insertion order.
func javaHashMapOrder(hashes []int32) []int {
	capacity := 16
	for float64(len(hashes)) > 0.75*float64(capacity) {
		capacity <<= 1
	}
	buckets := make([][]int, capacity)
	for i, h := range hashes {
		u := uint32(h)
		b := int((u ^ (u >> 16)) & uint32(capacity-1))
		buckets[b] = append(buckets[b], i)
	}
	var out []int
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
