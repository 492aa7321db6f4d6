package broker

// Config change notifications: Kafka's DynamicConfigManager over a
// ZkNodeChangeNotificationListener. kafka-configs and AlterConfigs write
// /config/<type>/<name> and then a persistent-sequential
// /config/changes/config_change_<seq> naming the entity; every broker keeps
// a child watch on /config/changes, processes each notification newer than
// the last one it processed, and applies the entity's config.
//
// Topics: the topic's overrides are re-read and merged over the broker
// defaults, and every hosted partition of the topic gets the new log config
// (retention, segments, cleanup policy, max.message.bytes, timestamp type)
// and min.insync.replicas at once, without a restart.
// Like Kafka, notifications older than 15 minutes are deleted after they
// have been processed, and at startup every notification still present is
// processed once (applying a config twice is harmless).
// Differs: brokers, users and clients entities are read and logged only
// (no dynamic broker configs or quotas yet).

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
)

const (
	// configChangeExpiration is Kafka's changeExpirationMs (15 minutes).
	configChangeExpiration = 15 * time.Minute
	// configChangeRecheck re-lists /config/changes even without a watch
	// event, in case a watch was lost with an expired session.
	configChangeRecheck = 30 * time.Second
	configChangeRetry   = time.Second
)

// configChangeZK is the part of *coordinator.ZK the listener needs; Deps.Admin
// provides it in production, test fakes may not.
type configChangeZK interface {
	ChildrenW(ctx context.Context, p string, w coordinator.Watcher) ([]string, error)
	Get(ctx context.Context, p string) ([]byte, coordinator.Stat, error)
	Delete(ctx context.Context, p string, version int32) error
}

// configChangeListener holds the state of the notification loop.
type configChangeListener struct {
	s    *Server
	zk   configChangeZK
	last int64 // sequence number of the last processed notification, -1 = none
	wake chan struct{}
}

// configChangeLoop runs until the server closes. Started by Start.
func (s *Server) configChangeLoop() {
	z, ok := s.deps.Admin.(configChangeZK)
	if !ok {
		s.log.Debug("Config change notifications are not watched: the admin client cannot watch ZooKeeper")
		return
	}
	l := &configChangeListener{s: s, zk: z, last: -1, wake: make(chan struct{}, 1)}
	l.run(s.ctx)
}

func (l *configChangeListener) run(ctx context.Context) {
	for {
		wait := configChangeRecheck
		if err := l.processAll(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			l.s.log.Warnf("Error processing config change notifications: %v", err)
			wait = configChangeRetry
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-l.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// processAll lists the notifications (leaving a watch) and processes the
// new ones in sequence order.
func (l *configChangeListener) processAll(ctx context.Context) error {
	children, err := l.zk.ChildrenW(ctx, coordinator.ConfigChangesPath, func(coordinator.WatchEvent) {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	})
	if errors.Is(err, coordinator.ErrNoNode) {
		return nil
	}
	if err != nil {
		return err
	}
	now := l.s.now()
	for _, name := range children { // sorted; the sequence is zero-padded
		seq, ok := changeSequence(name)
		if !ok {
			continue
		}
		p := coordinator.ConfigChangesPath + "/" + name
		if seq > l.last {
			data, _, err := l.zk.Get(ctx, p)
			if errors.Is(err, coordinator.ErrNoNode) {
				l.last = seq
				continue
			}
			if err != nil {
				return err
			}
			entity, err := coordinator.DecodeConfigChange(data)
			if err != nil {
				// Kafka logs and skips a notification it cannot parse.
				l.s.log.Errorf("Error processing notification %s: %v", name, err)
			} else {
				l.s.log.Infof("Processing notification(s) to /config/changes: %s for %s", name, entity)
				l.s.applyConfigChange(ctx, entity)
			}
			l.last = seq
		}
		l.purge(ctx, p, now)
	}
	return nil
}

// purge deletes a processed notification older than the expiration, as
// ZkNodeChangeNotificationListener.purgeObsoleteNotifications does.
func (l *configChangeListener) purge(ctx context.Context, p string, now time.Time) {
	_, st, err := l.zk.Get(ctx, p)
	if err != nil {
		return
	}
	if now.Sub(time.UnixMilli(st.Ctime)) > configChangeExpiration {
		if err := l.zk.Delete(ctx, p, -1); err != nil && !errors.Is(err, coordinator.ErrNoNode) {
			l.s.log.Debugf("Could not delete obsolete notification %s: %v", p, err)
		}
	}
}

// changeSequence parses the sequence number of config_change_0000000042.
func changeSequence(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, coordinator.ConfigChangePrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

// applyConfigChange applies the config of one entity ("topics/t",
// "brokers/1", "brokers/<default>", "clients/x", "users/u").
func (s *Server) applyConfigChange(ctx context.Context, entity string) {
	typ, name, ok := strings.Cut(entity, "/")
	if !ok {
		s.log.Errorf("Config change notification names no entity: %q", entity)
		return
	}
	switch typ {
	case "topics":
		s.applyTopicConfigChange(ctx, name)
	default:
		s.log.Infof("Config change for %s %s noted; %s configs are not applied dynamically", typ, name, typ)
	}
}

// applyTopicConfigChange re-reads a topic's overrides and hands them to
// every hosted partition of the topic.
func (s *Server) applyTopicConfigChange(ctx context.Context, topic string) {
	settings := s.topicSettings(ctx, topic)
	n := 0
	for _, p := range s.parts.all() {
		if p.tp.Topic != topic {
			continue
		}
		p.log.SetConfig(settings.Log)
		p.setMinISR(settings.MinInsyncReplicas)
		n++
	}
	if n > 0 {
		s.log.Infof("Applied the config of topic %s to %d hosted partition(s)", topic, n)
	}
}

// setMinISR changes min.insync.replicas of a live partition.
func (p *partition) setMinISR(n int32) {
	p.mu.Lock()
	p.mu.minISR = n
	p.mu.Unlock()
}
