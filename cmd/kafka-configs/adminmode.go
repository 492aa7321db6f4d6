package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// callTimeout is the 30 s ConfigCommand waits on describeConfigs and the
// alter calls (it waits 60 s on alterConfigs; the request itself has 30 s).
const callTimeout = 30 * time.Second

// adminMode is ConfigCommand.processBrokerConfig's AdminClient side.
type adminMode struct {
	c      *command
	client *kgo.Client
}

// processBrokerConfig is ConfigCommand.processBrokerConfig.
func (c *command) processBrokerConfig(ctx context.Context) error {
	servers, err := c.o.s.String(c.o.bootstrapServer)
	if err != nil {
		return err
	}
	clientID := "adminclient-1"
	if c.o.has(c.o.commandConfig) {
		path, err := c.o.s.String(c.o.commandConfig)
		if err != nil {
			return err
		}
		props, err := cli.LoadProperties(path)
		if err != nil {
			return &javaErr{class: "java.nio.file.NoSuchFileException", msg: path, err: err}
		}
		if id, ok := props["client.id"]; ok {
			clientID = id
		}
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(servers, ",")...), kgo.ClientID(clientID))
	if err != nil {
		return &javaErr{class: "org.apache.kafka.common.KafkaException", msg: "Failed create new KafkaAdminClient", err: err}
	}
	defer client.Close()
	name := ""
	if c.o.has(c.o.entityName) {
		if name, err = c.o.s.String(c.o.entityName); err != nil {
			return err
		}
	}
	types := c.o.entityTypes()
	if len(types) != 1 {
		return illegalArgument("Exactly one --entity-type (out of %s) must be specified with --bootstrap-server", strings.Join(bootstrapEntityTypes, ","))
	}
	a := &adminMode{c: c, client: client}
	if c.o.has(c.o.alter) {
		return a.alterBrokerConfig(ctx, types[0], name)
	}
	return a.describeBrokerConfig(ctx, types[0], name)
}

// executionException is a failed KafkaFuture.get(): its message is the
// cause's toString().
func executionException(err error, msg string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &javaErr{class: "java.util.concurrent.ExecutionException",
			msg: "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.", err: err}
	}
	return &javaErr{class: "java.util.concurrent.ExecutionException", msg: cli.JavaException(err, msg), err: err}
}

// request sends req to the broker named by a broker resource (or to any
// broker for the cluster default), as the Java AdminClient routes it.
func (a *adminMode) request(ctx context.Context, name string, req kmsg.Request) (kmsg.Response, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var resp kmsg.Response
	var err error
	if id, perr := strconv.ParseInt(name, 10, 32); perr == nil {
		resp, err = a.client.Broker(int(id)).Request(cctx, req)
	} else {
		resp, err = a.client.Request(cctx, req)
	}
	if err != nil {
		if cctx.Err() != nil {
			return nil, executionException(context.DeadlineExceeded, "")
		}
		return nil, executionException(err, "")
	}
	return resp, nil
}

// describe returns the entries of one resource.
func (a *adminMode) describe(ctx context.Context, typ kmsg.ConfigResourceType, name string, synonyms bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	req.Resources = append(req.Resources, r)
	req.IncludeSynonyms = synonyms
	resp, err := a.request(ctx, name, req)
	if err != nil {
		return nil, err
	}
	dr := resp.(*kmsg.DescribeConfigsResponse)
	if len(dr.Resources) != 1 {
		return nil, executionException(fmt.Errorf("kafka-configs: DescribeConfigs answered %d resources", len(dr.Resources)), "")
	}
	res := dr.Resources[0]
	if err := kerr.ErrorForCode(res.ErrorCode); err != nil {
		msg := ""
		if res.ErrorMessage != nil {
			msg = *res.ErrorMessage
		}
		return nil, executionException(err, msg)
	}
	return res.Configs, nil
}

// brokerConfig is ConfigCommand.brokerConfig: the dynamic entries only.
func (a *adminMode) brokerConfig(ctx context.Context, name string, synonyms bool) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	entries, err := a.describe(ctx, kmsg.ConfigResourceTypeBroker, name, synonyms)
	if err != nil {
		return nil, err
	}
	want := kmsg.ConfigSourceDynamicBrokerConfig
	if name == "" {
		want = kmsg.ConfigSourceDynamicDefaultBrokerConfig
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, e := range javaConfigOrder(entries) {
		if e.Source == want {
			out = append(out, e)
		}
	}
	return out, nil
}

// javaConfigOrder is the order of Config.entries() in the Java AdminClient:
// the values of a java.util.HashMap filled by name in response order.
func javaConfigOrder(entries []kmsg.DescribeConfigsResponseResourceConfig) []kmsg.DescribeConfigsResponseResourceConfig {
	names := make([]string, 0, len(entries))
	byName := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, e := range entries {
		if _, dup := byName[e.Name]; !dup {
			names = append(names, e.Name)
		}
		byName[e.Name] = e // a later entry replaces an earlier one in place
	}
	out := make([]kmsg.DescribeConfigsResponseResourceConfig, 0, len(names))
	for _, n := range javaHashMapOrder(names) {
		out = append(out, byName[n])
	}
	return out
}

func strOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// describeBrokerConfig is ConfigCommand.describeBrokerConfig.
func (a *adminMode) describeBrokerConfig(ctx context.Context, typ, name string) error {
	var entries []kmsg.DescribeConfigsResponseResourceConfig
	var err error
	if typ == typeBrokers {
		entries, err = a.brokerConfig(ctx, name, true)
	} else {
		entries, err = a.describe(ctx, kmsg.ConfigResourceTypeBrokerLogger, name, false)
	}
	if err != nil {
		return err
	}
	if name != "" {
		a.c.println("Configs for broker " + name + " are:")
	} else {
		a.c.println("Default config for brokers in the cluster are:")
	}
	for _, e := range entries {
		var syns []string
		for _, s := range e.ConfigSynonyms {
			syns = append(syns, s.Source.String()+":"+s.Name+"="+strOrNull(s.Value))
		}
		a.c.println(fmt.Sprintf("  %s=%s sensitive=%t synonyms={%s}", e.Name, strOrNull(e.Value), e.IsSensitive, strings.Join(syns, ", ")))
	}
	return nil
}

// alterBrokerConfig is ConfigCommand.alterBrokerConfig.
func (a *adminMode) alterBrokerConfig(ctx context.Context, typ, name string) error {
	_, add, err := a.c.parseConfigsToBeAdded()
	if err != nil {
		return err
	}
	del := a.c.parseConfigsToBeDeleted()
	if typ == typeBrokers {
		old, err := a.brokerConfig(ctx, name, false)
		if err != nil {
			return err
		}
		entries := map[string]*string{}
		for _, e := range old {
			entries[e.Name] = e.Value
		}
		var invalid []string
		for _, k := range del {
			if _, ok := entries[k]; !ok {
				invalid = append(invalid, k)
			}
		}
		if len(invalid) > 0 {
			return &javaErr{class: classInvalidConfig, msg: "Invalid config(s): " + strings.Join(invalid, ",")}
		}
		for k, v := range add {
			entries[k] = kmsg.StringPtr(v)
		}
		for _, k := range del {
			delete(entries, k)
		}
		var sensitive []string
		for k, v := range entries {
			if v == nil {
				sensitive = append(sensitive, k)
			}
		}
		if len(sensitive) > 0 {
			sort.Strings(sensitive)
			return &javaErr{class: classInvalidConfig, msg: "All sensitive broker config entries must be specified for --alter, missing entries: Set(" + strings.Join(sensitive, ", ") + ")"}
		}
		req := kmsg.NewPtrAlterConfigsRequest()
		r := kmsg.NewAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, name
		for k, v := range entries {
			e := kmsg.NewAlterConfigsRequestResourceConfig()
			e.Name, e.Value = k, v
			r.Configs = append(r.Configs, e)
		}
		req.Resources = append(req.Resources, r)
		resp, err := a.request(ctx, name, req)
		if err != nil {
			return err
		}
		for _, res := range resp.(*kmsg.AlterConfigsResponse).Resources {
			if err := kerr.ErrorForCode(res.ErrorCode); err != nil {
				msg := ""
				if res.ErrorMessage != nil {
					msg = *res.ErrorMessage
				}
				return executionException(err, msg)
			}
		}
	} else {
		loggers, err := a.describe(ctx, kmsg.ConfigResourceTypeBrokerLogger, name, false)
		if err != nil {
			return err
		}
		valid := map[string]bool{}
		for _, l := range loggers {
			valid[l.Name] = true
		}
		var invalid []string
		for _, k := range del {
			if !valid[k] {
				invalid = append(invalid, k)
			}
		}
		for k := range add {
			if !valid[k] {
				invalid = append(invalid, k)
			}
		}
		if len(invalid) > 0 {
			return &javaErr{class: classInvalidConfig, msg: "Invalid broker logger(s): " + strings.Join(invalid, ",")}
		}
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBrokerLogger, name
		for k, v := range add {
			e := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			e.Name, e.Op, e.Value = k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(v)
			r.Configs = append(r.Configs, e)
		}
		for _, k := range del {
			e := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			e.Name, e.Op, e.Value = k, kmsg.IncrementalAlterConfigOpDelete, kmsg.StringPtr("")
			r.Configs = append(r.Configs, e)
		}
		req.Resources = append(req.Resources, r)
		resp, err := a.request(ctx, name, req)
		if err != nil {
			return err
		}
		for _, res := range resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kerr.ErrorForCode(res.ErrorCode); err != nil {
				msg := ""
				if res.ErrorMessage != nil {
					msg = *res.ErrorMessage
				}
				return executionException(err, msg)
			}
		}
	}
	if name != "" {
		a.c.println("Completed updating config for broker: " + name + ".")
	} else {
		a.c.println("Completed updating default config for brokers in the cluster,")
	}
	return nil
}
