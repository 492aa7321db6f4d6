package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

// brokerIDSource is what resolving broker.id needs: meta.properties across
// log.dirs (storage.Manager.Meta), ZooKeeper's cluster id, and the
// /brokers/seqid generator. An interface so tests need no ZooKeeper.
type brokerIDSource interface {
	Meta() (clusterID string, brokerID int32, found bool, err error)
	ClusterID(ctx context.Context) (string, error)
	GenerateBrokerID(ctx context.Context, reservedMaxID int32) (int32, error)
}

// brokerIDRule is the part of server.properties that decides the id.
type brokerIDRule struct {
	Configured    int32 // broker.id; -1 when unset
	GenerateIDs   bool  // broker.id.generation.enable
	ReservedMaxID int32 // reserved.broker.max.id
}

// resolveBrokerID is KafkaServer.getOrGenerateBrokerId: a configured id must
// match meta.properties; without one, meta.properties' id is used, and
// without that a new id is generated from /brokers/seqid. The id is then
// written to meta.properties by the broker after registration's checks.
//
// Kafka checks the cluster id of meta.properties first; when it disagrees
// with ZooKeeper (or ZooKeeper has none yet) the broker's own check reports
// that, so this leaves the configured id alone.
func resolveBrokerID(ctx context.Context, src brokerIDSource, rule brokerIDRule) (int32, error) {
	metaCluster, metaBroker, found, err := src.Meta()
	if errors.Is(err, storage.ErrInconsistentBrokerID) || errors.Is(err, storage.ErrInconsistentClusterID) {
		return 0, fmt.Errorf("kafka.common.InconsistentBrokerMetadataException: BrokerMetadata is not consistent across log.dirs. "+
			"This could happen if multiple brokers shared a log directory (log.dirs) or partial data was manually copied from another broker. Found: %w", err)
	}
	if err != nil {
		return 0, fmt.Errorf("reading meta.properties: %w", err)
	}
	if !found {
		metaBroker = -1
	}
	if rule.Configured >= 0 && metaBroker >= 0 && metaBroker != rule.Configured {
		if metaCluster != "" {
			zkCluster, err := src.ClusterID(ctx)
			if err != nil && !errors.Is(err, coordinator.ErrNoNode) {
				return 0, fmt.Errorf("reading /cluster/id: %w", err)
			}
			if zkCluster != metaCluster {
				return rule.Configured, nil
			}
		}
		return 0, fmt.Errorf("kafka.common.InconsistentBrokerIdException: Configured broker.id %d doesn't match stored broker.id %d in meta.properties. "+
			"If you moved your data, make sure your configured broker.id matches. "+
			"If you intend to create a new broker, you should remove all data in your data directories (log.dirs).",
			rule.Configured, metaBroker)
	}
	switch {
	case metaBroker < 0 && rule.Configured < 0 && rule.GenerateIDs:
		id, err := src.GenerateBrokerID(ctx, rule.ReservedMaxID)
		if err != nil {
			return 0, fmt.Errorf("kafka.common.GenerateBrokerIdException: Failed to generate broker.id: %w", err)
		}
		return id, nil
	case metaBroker >= 0:
		return metaBroker, nil
	case rule.Configured < 0:
		// conf refuses broker.id=-1 with generation disabled; keep the guard
		// so a negative id never reaches registration.
		return 0, fmt.Errorf("broker.id is %d and broker.id.generation.enable is false: set broker.id to a non-negative integer", rule.Configured)
	default:
		return rule.Configured, nil
	}
}

// managerZK joins the log manager and the ZooKeeper client into one
// brokerIDSource.
type managerZK struct {
	*storage.Manager
	*coordinator.ZK
}
