package group

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// Config holds the group coordinator settings of a Kafka 2.4 broker.
type Config struct {
	MinSessionTimeout     time.Duration // group.min.session.timeout.ms (6000)
	MaxSessionTimeout     time.Duration // group.max.session.timeout.ms (1800000)
	MaxSize               int           // group.max.size (Int.MaxValue)
	InitialRebalanceDelay time.Duration // group.initial.rebalance.delay.ms (3000)

	OffsetsRetention              time.Duration // offsets.retention.minutes (10080)
	OffsetsRetentionCheckInterval time.Duration // offsets.retention.check.interval.ms (600000)
	MaxMetadataSize               int           // offset.metadata.max.bytes (4096), in UTF-16 chars as Kafka counts
	NumPartitions                 int32         // offsets.topic.num.partitions (50)

	// NewUUID returns the suffix of generated member ids (client.id + "-" + suffix).
	// Nil means a random version 4 UUID, as Java's UUID.randomUUID. Tests inject a counter.
	NewUUID func() string
}

// DefaultConfig returns Kafka 2.4's defaults.
func DefaultConfig() Config {
	return Config{
		MinSessionTimeout:             6 * time.Second,
		MaxSessionTimeout:             30 * time.Minute,
		MaxSize:                       1<<31 - 1,
		InitialRebalanceDelay:         3 * time.Second,
		OffsetsRetention:              10080 * time.Minute,
		OffsetsRetentionCheckInterval: 10 * time.Minute,
		MaxMetadataSize:               4096,
		NumPartitions:                 50,
	}
}

// Validate checks the fields alone and against each other.
func (c Config) Validate() error {
	var errs []error
	if c.MinSessionTimeout < 0 || c.MaxSessionTimeout < c.MinSessionTimeout {
		errs = append(errs, fmt.Errorf("group: session timeouts: min %v must be >= 0 and <= max %v",
			c.MinSessionTimeout, c.MaxSessionTimeout))
	}
	if c.MaxSize < 1 {
		errs = append(errs, fmt.Errorf("group: group.max.size %d must be at least 1", c.MaxSize))
	}
	if c.InitialRebalanceDelay < 0 {
		errs = append(errs, fmt.Errorf("group: group.initial.rebalance.delay.ms %v must be >= 0", c.InitialRebalanceDelay))
	}
	if c.OffsetsRetention < time.Minute {
		errs = append(errs, fmt.Errorf("group: offsets.retention.minutes %v must be at least 1 minute", c.OffsetsRetention))
	}
	if c.OffsetsRetentionCheckInterval <= 0 {
		errs = append(errs, fmt.Errorf("group: offsets.retention.check.interval.ms %v must be positive", c.OffsetsRetentionCheckInterval))
	}
	if c.MaxMetadataSize < 0 {
		errs = append(errs, fmt.Errorf("group: offset.metadata.max.bytes %d must be >= 0", c.MaxMetadataSize))
	}
	if c.NumPartitions < 1 {
		errs = append(errs, fmt.Errorf("group: offsets.topic.num.partitions %d must be at least 1", c.NumPartitions))
	}
	return errors.Join(errs...)
}

// randomUUID formats 16 random bytes as a version 4 UUID.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
