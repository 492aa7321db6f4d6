package broker

// DeleteTopics, versions 0-4 (Kafka 2.4.1: 0-4; v4 is flexible).
//
// As Kafka: only the controller accepts it (NOT_CONTROLLER); with
// delete.topic.enable=false every topic answers TOPIC_DELETION_DISABLED
// (INVALID_REQUEST before v3); a topic the metadata cache does not know is
// UNKNOWN_TOPIC_OR_PARTITION. Deletion is requested through
// /admin/delete_topics/<t>; the request then waits (up to timeout_ms, like
// DelayedDeleteTopics) until the topic is gone from the metadata cache,
// else REQUEST_TIMED_OUT.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
)

func (s *Server) handleDeleteTopics(ctx context.Context, c *conn, req *kmsg.DeleteTopicsRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	var waits []int
	seen := map[string]bool{}
	for _, name := range req.TopicNames {
		if seen[name] {
			continue
		}
		seen[name] = true
		rt := kmsg.NewDeleteTopicsResponseTopic()
		rt.Topic = kmsg.StringPtr(name)
		var err error
		switch {
		case !s.deps.Node.IsController():
			err = kerr.NotController
		case !s.cfg.Topics.DeleteTopicEnable && req.Version < 3:
			err = kerr.InvalidRequest
		case !s.cfg.Topics.DeleteTopicEnable:
			err = kerr.TopicDeletionDisabled
		case !s.meta.hasTopic(name):
			err = kerr.UnknownTopicOrPartition
		default:
			err = s.deps.Admin.MarkTopicForDeletion(ctx, name)
			if errors.Is(err, coordinator.ErrMarkedForDeletion) {
				// Already being deleted: Kafka swallows this and waits too.
				err = nil
			}
		}
		rt.ErrorCode = errorCode(err)
		if err == nil {
			waits = append(waits, len(resp.Topics))
		} else {
			s.apiLog.Infof("Error deleting topic %s: %v", name, err)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if len(waits) == 0 || req.TimeoutMillis <= 0 {
		return resp, nil
	}
	gone := func() bool {
		for _, i := range waits {
			if s.meta.hasTopic(*resp.Topics[i].Topic) {
				return false
			}
		}
		return true
	}
	if !waitUntil(ctx, c.deadline(req.TimeoutMillis), []*waitList{&s.meta.changed}, gone) {
		for _, i := range waits {
			if s.meta.hasTopic(*resp.Topics[i].Topic) {
				resp.Topics[i].ErrorCode = kerr.RequestTimedOut.Code
			}
		}
	}
	return resp, nil
}
