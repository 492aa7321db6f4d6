package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/samsa-broker/samsa/broker"
	"github.com/samsa-broker/samsa/conf"
	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// The concrete types cmd wires in satisfy the broker's narrow interfaces.
var (
	_ broker.Node      = (*coordinator.Node)(nil)
	_ broker.Admin     = (*coordinator.ZK)(nil)
	_ broker.Transport = (*protocol.Pool)(nil)
)

// serve runs one broker until ctx is cancelled (SIGTERM/SIGINT) or the broker
// fails, in KafkaServer's order: ZooKeeper, logs, socket server, registration.
func serve(ctx context.Context, cfg *conf.BrokerConfig, props map[string]string, logger *logrus.Logger) error {
	root := logrus.NewEntry(logger)
	zkLog := root.WithFields(logrus.Fields{"prefix": "ZooKeeperClient Kafka server", "logger": "kafka.zookeeper.ZooKeeperClient"})
	zkLog.Infof("Initializing a new session to %s.", cfg.ZooKeeperConnect)
	dialCtx, cancel := context.WithTimeout(ctx, cfg.ZooKeeperConnectionTimeout)
	zkLog.Info("Waiting until connected.")
	zk, err := coordinator.Dial(dialCtx, cfg.ZooKeeperConnect, cfg.ZooKeeperSessionTimeout, zkLog)
	timedOut := errors.Is(dialCtx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		zkLog.Info("Closing.")
		zkLog.Info("Closed.")
		if timedOut && ctx.Err() == nil {
			// Kafka's words, so that what operators search for still matches.
			return beforeBrokerID{fmt.Errorf("kafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING "+
				"(no server of zookeeper.connect=%s answered within zookeeper.connection.timeout.ms=%d): %w",
				cfg.ZooKeeperConnect, cfg.ZooKeeperConnectionTimeout.Milliseconds(), err)}
		}
		return beforeBrokerID{fmt.Errorf("connecting to ZooKeeper at %s (zookeeper.connect) within %v (zookeeper.connection.timeout.ms): %w",
			cfg.ZooKeeperConnect, cfg.ZooKeeperConnectionTimeout, err)}
	}
	defer zk.Close()
	zkLog.Info("Connected.")

	bcfg := brokerConfig(cfg)
	if err := connectionLimits(ctx, &bcfg, cfg, props, defaultLookup); err != nil {
		return err
	}
	logs, err := storage.OpenManager(managerConfig(cfg, bcfg.Log), root.WithFields(logrus.Fields{"prefix": "", "logger": "kafka.log.LogManager"}))
	if err != nil {
		return fmt.Errorf("opening log.dirs %s: %w", strings.Join(cfg.LogDirs, ","), err)
	}
	id, err := resolveBrokerID(ctx, managerZK{logs, zk}, brokerIDRule{
		Configured: cfg.BrokerID, GenerateIDs: cfg.BrokerIDGenerationEnable, ReservedMaxID: cfg.ReservedBrokerMaxID})
	if err != nil {
		logs.Close()
		return err
	}
	// As KafkaServer sets config.brokerId: everything after this, the log
	// prefix included, sees the resolved id.
	cfg.BrokerID, bcfg.BrokerID = id, id

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go watchLogDirs(watchCtx, logs, logDirCheckInterval, func(msg string) {
		// Kafka logs this with fatal(), which its log4j binding prints as
		// ERROR, then Exit.halt(1): no controlled shutdown, no flush; what was
		// acknowledged is on the followers or already written.
		root.WithFields(logrus.Fields{"prefix": "", "logger": "kafka.log.LogManager"}).Error(msg)
		os.Exit(1)
	})

	pool := protocol.NewPool(fmt.Sprint(cfg.BrokerID), time.Duration(cfg.ControllerSocketTimeoutMs)*time.Millisecond,
		root.WithField("logger", "kafka.controller.ControllerChannelManager"))
	defer pool.Close()
	node := coordinator.NewNode(zk, nodeConfig(cfg), pool, root.WithFields(logrus.Fields{
		"prefix": fmt.Sprintf("Controller id=%d", cfg.BrokerID), "logger": "kafka.controller.KafkaController"}))

	srv, err := broker.New(bcfg, broker.Deps{Node: node, Admin: zk, Logs: broker.StorageLogs(logs), Transport: pool}, root)
	if err != nil {
		logs.Close()
		return err
	}
	if err := srv.Start(ctx); err != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		srv.Close(closeCtx)
		return err
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-srv.Err():
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Close(closeCtx); err != nil && serveErr == nil {
		serveErr = err
	}
	return serveErr
}

// beforeBrokerID marks a start-up failure that comes before KafkaServer
// knows its broker id, whose log lines therefore have no [KafkaServer id=N]
// prefix in Kafka.
type beforeBrokerID struct{ error }

func (e beforeBrokerID) Unwrap() error { return e.error }

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// brokerConfig translates server.properties into the broker's own Config.
func brokerConfig(c *conf.BrokerConfig) broker.Config {
	b := broker.DefaultConfig()
	b.BrokerID = c.BrokerID
	if c.Rack != nil {
		b.Rack = *c.Rack
	}
	b.Listeners = listeners(c.Listeners)
	b.AdvertisedListeners = listeners(c.AdvertisedListeners)
	b.InterBrokerListener = c.InterBrokerListenerName
	b.LogDirs = c.LogDirs
	b.Topics = broker.TopicDefaults{
		NumPartitions:               c.NumPartitions,
		DefaultReplicationFactor:    int16(c.DefaultReplicationFactor),
		AutoCreateTopicsEnable:      c.AutoCreateTopicsEnable,
		DeleteTopicEnable:           c.DeleteTopicEnable,
		MinInsyncReplicas:           c.MinInsyncReplicas,
		UncleanLeaderElectionEnable: c.UncleanLeaderElectionEnable,
		CompressionType:             c.CompressionType,
	}
	b.Socket.RequestMaxBytes = c.SocketRequestMaxBytes
	b.Socket.ConnectionsMaxIdle = ms(c.ConnectionsMaxIdleMs)
	b.Replication = broker.ReplicationConfig{
		LagTimeMax:                      ms(c.ReplicaLagTimeMaxMs),
		FetchMaxBytes:                   c.ReplicaFetchMaxBytes,
		FetchResponseMaxBytes:           c.ReplicaFetchResponseMaxBytes,
		FetchWaitMax:                    ms(int64(c.ReplicaFetchWaitMaxMs)),
		FetchMinBytes:                   c.ReplicaFetchMinBytes,
		FetchBackoff:                    ms(int64(c.ReplicaFetchBackoffMs)),
		NumFetchers:                     int(c.NumReplicaFetchers),
		HighWatermarkCheckpointInterval: ms(c.ReplicaHighWatermarkCheckpointIntervalMs),
	}
	b.OffsetsTopic = broker.OffsetsTopicConfig{
		ReplicationFactor: c.OffsetsTopicReplicationFactor,
		NumPartitions:     c.OffsetsTopicNumPartitions,
		SegmentBytes:      int64(c.OffsetsTopicSegmentBytes),
	}
	b.Group = broker.GroupConfig{
		InitialRebalanceDelay: ms(int64(c.GroupInitialRebalanceDelayMs)),
		MinSessionTimeout:     ms(int64(c.GroupMinSessionTimeoutMs)),
		MaxSessionTimeout:     ms(int64(c.GroupMaxSessionTimeoutMs)),

		MaxSize:                       int(c.GroupMaxSize),
		OffsetsRetention:              time.Duration(c.OffsetsRetentionMinutes) * time.Minute,
		OffsetsRetentionCheckInterval: ms(c.OffsetsRetentionCheckIntervalMs),
		OffsetMetadataMaxBytes:        int(c.OffsetMetadataMaxBytes),
	}
	b.Log = logConfig(c)
	b.RequestTimeout = ms(int64(c.RequestTimeoutMs))
	b.MaxIncrementalFetchSessionCacheSlots = int(c.MaxIncrementalFetchSessionCacheSlots)
	b.ControlledShutdown = broker.ControlledShutdownConfig{
		Enable:       c.ControlledShutdownEnable,
		MaxRetries:   int(c.ControlledShutdownMaxRetries),
		RetryBackoff: ms(c.ControlledShutdownRetryBackoffMs),
	}
	b.Describe = func() []broker.ConfigEntry { return describe(c) }
	return b
}

func listeners(ls []conf.Listener) []broker.Listener {
	out := make([]broker.Listener, 0, len(ls))
	for _, l := range ls {
		out = append(out, broker.Listener{Name: l.Name, Host: l.Host, Port: l.Port, SecurityProtocol: l.SecurityProtocol})
	}
	return out
}

// logConfig is the broker default of every topic-level log setting.
func logConfig(c *conf.BrokerConfig) storage.LogConfig {
	l := storage.DefaultLogConfig()
	l.SegmentBytes = int64(c.LogSegmentBytes)
	l.SegmentMs = c.LogRollMs
	l.SegmentJitterMs = c.LogRollJitterMs
	l.SegmentIndexBytes = c.LogIndexSizeMaxBytes
	l.IndexIntervalBytes = c.LogIndexIntervalBytes
	l.RetentionMs = c.LogRetentionMs
	l.RetentionBytes = c.LogRetentionBytes
	l.FileDeleteDelayMs = c.LogSegmentDeleteDelayMs
	l.FlushMessages = c.LogFlushIntervalMessages
	l.FlushMs = c.LogFlushIntervalMs
	l.MaxMessageBytes = c.MessageMaxBytes
	l.MessageTimestampType = c.LogMessageTimestampType
	l.MessageTimestampDifferenceMaxMs = c.LogMessageTimestampDifferenceMaxMs
	l.CleanupPolicy = strings.Join(c.LogCleanupPolicy, ",")
	l.DeleteRetentionMs = c.LogCleanerDeleteRetentionMs
	l.MinCompactionLagMs = c.LogCleanerMinCompactionLagMs
	l.MaxCompactionLagMs = c.LogCleanerMaxCompactionLagMs
	l.MinCleanableDirtyRatio = c.LogCleanerMinCleanableRatio
	l.Preallocate = c.LogPreallocate
	l.ProducerIDExpirationMs = int64(c.TransactionalIDExpirationMs)
	return l
}

func managerConfig(c *conf.BrokerConfig, def storage.LogConfig) storage.ManagerConfig {
	return storage.ManagerConfig{
		Dirs:                               c.LogDirs,
		Default:                            def,
		RetentionCheckInterval:             ms(c.LogRetentionCheckIntervalMs),
		FlushCheckInterval:                 ms(c.LogFlushSchedulerIntervalMs),
		FlushOffsetCheckpointInterval:      ms(c.LogFlushOffsetCheckpointIntervalMs),
		FlushStartOffsetCheckpointInterval: ms(c.LogFlushStartOffsetCheckpointIntervalMs),
		RecoveryThreadsPerDir:              int(c.NumRecoveryThreadsPerDataDir),
		CleanerEnable:                      c.LogCleanerEnable,
		CleanerThreads:                     int(c.LogCleanerThreads),
		CleanerIOMaxBytesPerSecond:         c.LogCleanerIOMaxBytesPerSecond,
		// storage takes 0 as its default; Kafka's 0 is no pause at all.
		CleanerBackoff: max(ms(c.LogCleanerBackoffMs), time.Millisecond),
	}
}

func nodeConfig(c *conf.BrokerConfig) coordinator.NodeConfig {
	eps := make([]coordinator.Endpoint, 0, len(c.AdvertisedListeners))
	for _, l := range c.AdvertisedListeners {
		eps = append(eps, coordinator.Endpoint{Listener: l.Name, Host: l.Host, Port: l.Port, SecurityProtocol: l.SecurityProtocol})
	}
	return coordinator.NodeConfig{
		BrokerID:                           c.BrokerID,
		Endpoints:                          eps,
		Rack:                               c.Rack,
		JmxPort:                            -1,
		InterBrokerListener:                c.InterBrokerListenerName,
		DeleteTopicEnable:                  c.DeleteTopicEnable,
		AutoLeaderRebalanceEnable:          c.AutoLeaderRebalanceEnable,
		UncleanLeaderElectionEnable:        c.UncleanLeaderElectionEnable,
		ControlledShutdownEnable:           c.ControlledShutdownEnable,
		LeaderImbalanceCheckInterval:       time.Duration(c.LeaderImbalanceCheckIntervalSeconds) * time.Second,
		LeaderImbalancePerBrokerPercentage: int(c.LeaderImbalancePerBrokerPercentage),
		ControllerSocketTimeout:            ms(int64(c.ControllerSocketTimeoutMs)),
	}
}

// describe reports every broker key for DescribeConfigs of the broker
// resource: supplied keys as static broker config with their default as
// the DEFAULT_CONFIG synonym (as Kafka lists them), the rest as defaults.
func describe(c *conf.BrokerConfig) []broker.ConfigEntry {
	entries := c.Entries()
	out := make([]broker.ConfigEntry, 0, len(entries))
	for _, e := range entries {
		src := broker.SourceStaticBrokerConfig
		if e.IsDefault {
			src = broker.SourceDefaultConfig
		}
		var v *string
		if !e.Null && !e.Sensitive {
			s := e.Value
			v = &s
		}
		synonyms := []broker.ConfigSynonym{{Name: e.Name, Value: v, Source: src}}
		if !e.IsDefault && e.Default != nil {
			var d *string
			if !e.Sensitive {
				d = e.Default
			}
			synonyms = append(synonyms, broker.ConfigSynonym{Name: e.Name, Value: d, Source: broker.SourceDefaultConfig})
		}
		out = append(out, broker.ConfigEntry{
			Name: e.Name, Value: v, Source: src, ReadOnly: true, IsSensitive: e.Sensitive,
			Synonyms: synonyms,
		})
	}
	return out
}
