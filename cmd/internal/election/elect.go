package election

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/scalaorder"
)

// Type is org.apache.kafka.common.ElectionType.
type Type int8

const (
	Preferred Type = 0
	Unclean   Type = 1
)

func (t Type) String() string {
	if t == Unclean {
		return "UNCLEAN"
	}
	return "PREFERRED"
}

// Failure is a partition whose election failed, with the exception the
// AdminClient's future completed with.
type Failure struct {
	Partition TopicPartition
	Exception string
}

// Results are the partitions of an election sorted as the tools sort them,
// each list in the iteration order of the Scala mutable collection it is
// gathered in.
type Results struct {
	Succeeded, Noop []TopicPartition
	Failed          []Failure
}

// Client is the AdminClient the tools create from --bootstrap-server and
// the admin config file.
type Client struct {
	cl *kgo.Client
}

// NewClient checks servers (comma-separated) as the AdminClient does and
// connects lazily, with the client.id of props, if any.
func NewClient(servers string, props map[string]string) (*Client, error) {
	clientID := "adminclient-1"
	if id, ok := props["client.id"]; ok {
		clientID = id
	}
	if err := ValidateBootstrap(servers); err != nil {
		return nil, err
	}
	var seeds []string
	for _, s := range strings.Split(servers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			seeds = append(seeds, s)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ClientID(clientID))
	if err != nil {
		return nil, createFailed(err.Error())
	}
	return &Client{cl: cl}, nil
}

// Close closes the connections.
func (c *Client) Close() { c.cl.Close() }

// ErrTimeout is the TimeoutException an unanswered call fails with.
var ErrTimeout = errors.New("election: timed out")

// ErrClusterAuthorization is the ClusterAuthorizationException of a
// top-level CLUSTER_AUTHORIZATION_FAILED.
var ErrClusterAuthorization = errors.New("election: not authorized")

// Elect is AdminClient.electLeaders(type, partitions).partitions.get: nil
// partitions elects every partition. It sends ElectLeaders to the
// controller with the call's timeout and sorts the results.
func (c *Client) Elect(ctx context.Context, typ Type, partitions []TopicPartition, timeout time.Duration) (Results, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := kmsg.NewPtrElectLeadersRequest()
	req.ElectionType = int8(typ)
	req.TimeoutMillis = int32(timeout / time.Millisecond)
	if partitions != nil {
		req.Topics = []kmsg.ElectLeadersRequestTopic{}
		index := map[string]int{}
		for _, tp := range partitions {
			i, ok := index[tp.Topic]
			if !ok {
				i = len(req.Topics)
				index[tp.Topic] = i
				t := kmsg.NewElectLeadersRequestTopic()
				t.Topic = tp.Topic
				req.Topics = append(req.Topics, t)
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, tp.Partition)
		}
	}
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		if ctx.Err() != nil {
			return Results{}, ErrTimeout
		}
		return Results{}, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if errors.Is(err, kerr.ClusterAuthorizationFailed) {
			return Results{}, ErrClusterAuthorization
		}
		return Results{}, err
	}
	var succeeded, noop []TopicPartition
	failed := map[TopicPartition]string{}
	var failedKeys []TopicPartition
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			tp := TopicPartition{Topic: t.Topic, Partition: p.Partition}
			perr := kerr.ErrorForCode(p.ErrorCode)
			switch {
			case perr == nil:
				succeeded = append(succeeded, tp)
			case errors.Is(perr, kerr.ElectionNotNeeded):
				noop = append(noop, tp)
			default:
				msg := ""
				if p.ErrorMessage != nil {
					msg = *p.ErrorMessage
				}
				failed[tp] = cli.JavaException(perr, msg)
				failedKeys = append(failedKeys, tp)
			}
		}
	}
	r := Results{
		Succeeded: scalaorder.Mutable(succeeded, hash),
		Noop:      scalaorder.Mutable(noop, hash),
	}
	for _, tp := range scalaorder.Mutable(failedKeys, hash) {
		r.Failed = append(r.Failed, Failure{Partition: tp, Exception: failed[tp]})
	}
	return r, nil
}
