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
// Brokers: /config/brokers/<id> (this broker) and /config/brokers/<default>
// are re-read (dynamic_config.go) and the log defaults they give applied to
// every hosted partition, under its topic's overrides; the same happens
// once at startup. Partitions created later get them within a second
// (reconcile), since the replica manager creates logs with the static
// defaults.
// Differs: users and clients entities are read and logged only (no quotas).

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

const (
	// configChangeExpiration is Kafka's changeExpirationMs (15 minutes).
	configChangeExpiration = 15 * time.Minute
	// configChangeRecheck re-lists /config/changes even without a watch
	// event, in case a watch was lost with an expired session.
	configChangeRecheck = 30 * time.Second
	configChangeRetry   = time.Second
	// dynamicReconcile is how often partitions created since the last pass
	// get the dynamic log defaults, while there are any.
	dynamicReconcile = time.Second
)

// configChangeZK is the part of *coordinator.ZK the listener needs; Deps.Admin
// provides it in production, test fakes may not.
type configChangeZK interface {
	ChildrenW(ctx context.Context, p string, w coordinator.Watcher) ([]string, error)
	Get(ctx context.Context, p string) ([]byte, coordinator.Stat, error)
	Delete(ctx context.Context, p string, version int32) error
}

// configChangeListener holds the state of the notification loop; only its
// goroutine touches it.
type configChangeListener struct {
	s    *Server
	zk   configChangeZK
	last int64 // sequence number of the last processed notification, -1 = none
	wake chan struct{}

	// dyn are the dynamic broker configs last loaded; loaded is false
	// until the first load succeeded.
	dyn    dynamicConfigs
	loaded bool
	// applied are the partitions that got the current topic settings, so
	// that reconcile finds the ones created since.
	applied map[storage.TopicPartition]*partition
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
	reconcile := time.NewTicker(dynamicReconcile)
	defer reconcile.Stop()
	for {
		wait := configChangeRecheck
		if !l.loaded {
			// DynamicBrokerConfig.initialize: the stored dynamic configs
			// apply from startup, notified or not.
			if err := l.reloadBrokerConfigs(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				l.s.log.Warnf("Error loading dynamic broker configs: %v", err)
				wait = configChangeRetry
			}
		}
		if err := l.processAll(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			l.s.log.Warnf("Error processing config change notifications: %v", err)
			wait = configChangeRetry
		}
		if !l.waitForChange(ctx, wait, reconcile.C) {
			return
		}
	}
}

// waitForChange waits for a watch event or the timeout, reconciling new
// partitions on every tick meanwhile; false when ctx is done.
func (l *configChangeListener) waitForChange(ctx context.Context, wait time.Duration, tick <-chan time.Time) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-l.wake:
			return true
		case <-t.C:
			return true
		case <-tick:
			l.reconcile(ctx)
		}
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
				l.applyConfigChange(ctx, entity)
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
// "brokers/1", "brokers/<default>", "clients/x", "users/u"), as
// ConfigHandler's TopicConfigHandler and BrokerConfigHandler.
func (l *configChangeListener) applyConfigChange(ctx context.Context, entity string) {
	s := l.s
	typ, name, ok := strings.Cut(entity, "/")
	if !ok {
		s.log.Errorf("Config change notification names no entity: %q", entity)
		return
	}
	switch typ {
	case "topics":
		l.applyTopicConfigChange(ctx, name)
	case configTypeBrokers:
		if name != defaultConfigEntity && name != strconv.Itoa(int(s.cfg.BrokerID)) {
			return // another broker's configs
		}
		if err := l.reloadBrokerConfigs(ctx); err != nil {
			s.log.Errorf("Dynamic broker configs of %s could not be applied: %v", name, err)
		}
	default:
		s.log.Infof("Config change for %s %s noted; %s configs are not applied dynamically", typ, name, typ)
	}
}

// topicDefaults are the broker defaults of topic configs the listener last
// loaded (the static ones until then).
func (l *configChangeListener) topicDefaults() topicSettings {
	return l.s.topicDefaults(l.dyn)
}

// applyTopicConfigChange re-reads a topic's overrides and hands them to
// every hosted partition of the topic.
func (l *configChangeListener) applyTopicConfigChange(ctx context.Context, topic string) {
	s := l.s
	settings := s.topicSettingsOver(ctx, l.topicDefaults(), topic)
	n := 0
	for _, p := range s.parts.all() {
		if p.tp.Topic != topic {
			continue
		}
		l.applySettings(p, settings)
		n++
	}
	if n > 0 {
		s.log.Infof("Applied the config of topic %s to %d hosted partition(s)", topic, n)
	}
}

// uncleanElectionDefault is the controller side of the broker-level
// unclean.leader.election.enable (*coordinator.Node), which the dynamic
// broker configs update as DynamicLogConfig updates Kafka's KafkaConfig.
type uncleanElectionDefault interface {
	SetUncleanLeaderElectionDefault(enabled bool)
}

// reloadBrokerConfigs is DynamicBrokerConfig.updateBrokerConfig and
// updateDefaultConfig followed by DynamicLogConfig.reconfigure: both
// dynamic broker znodes are read again and the log defaults they give go to
// every hosted partition, under each topic's own overrides.
func (l *configChangeListener) reloadBrokerConfigs(ctx context.Context) error {
	s := l.s
	d, err := s.loadDynamicConfigs(ctx, s.staticConfig())
	if err != nil {
		return err
	}
	l.dyn, l.loaded = d, true
	defaults := l.topicDefaults()
	s.dynTopicDefaults.Store(&defaults)
	if n, ok := s.deps.Node.(uncleanElectionDefault); ok {
		n.SetUncleanLeaderElectionDefault(defaults.UncleanLeaderElectionEnable)
	}
	if !d.empty() {
		s.log.Infof("Dynamic broker configs in effect: broker %s, cluster default %s", formatProps(d.broker), formatProps(d.cluster))
	}
	l.applyAll(ctx, nil)
	return nil
}

// applyAll gives every hosted partition (or, with only, those of only) its
// topic's settings over the current defaults.
func (l *configChangeListener) applyAll(ctx context.Context, only func(*partition) bool) {
	base := l.topicDefaults()
	byTopic := map[string][]*partition{}
	for _, p := range l.s.parts.all() {
		if only == nil || only(p) {
			byTopic[p.tp.Topic] = append(byTopic[p.tp.Topic], p)
		}
	}
	for topic, parts := range byTopic {
		settings := l.s.topicSettingsOver(ctx, base, topic)
		for _, p := range parts {
			l.applySettings(p, settings)
		}
	}
}

// applySettings applies settings to a live partition and remembers it.
func (l *configChangeListener) applySettings(p *partition, settings topicSettings) {
	p.log.SetConfig(settings.Log)
	p.setMinISR(settings.MinInsyncReplicas)
	if l.applied == nil {
		l.applied = map[storage.TopicPartition]*partition{}
	}
	l.applied[p.tp] = p
}

// reconcile gives partitions created since the last pass the dynamic
// defaults: the replica manager creates logs with the static defaults.
func (l *configChangeListener) reconcile(ctx context.Context) {
	if l.dyn.empty() {
		return
	}
	live := map[storage.TopicPartition]bool{}
	l.applyAll(ctx, func(p *partition) bool {
		live[p.tp] = true
		return l.applied[p.tp] != p
	})
	for tp := range l.applied {
		if !live[tp] {
			delete(l.applied, tp)
		}
	}
}

// setMinISR changes min.insync.replicas of a live partition.
func (p *partition) setMinISR(n int32) {
	p.mu.Lock()
	p.mu.minISR = n
	p.mu.Unlock()
}
