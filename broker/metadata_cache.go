package broker

import (
	"sort"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

// leaderDuringDelete is the leader UpdateMetadata sends for a partition of a
// topic being deleted: remove it from the cache (Kafka's LeaderDuringDelete).
const leaderDuringDelete = -2

// metadataCache is what this broker knows of the cluster. Like Kafka's
// MetadataCache it is filled ONLY by UpdateMetadata from the controller;
// the broker never reads topic znodes for it.
type metadataCache struct {
	mu struct {
		sync.RWMutex
		controllerID int32 // -1 = none known
		brokers      map[int32]cachedBroker
		topics       map[string]map[int32]cachedPartition
	}
	changed waitList // signalled after every update
}

type cachedBroker struct {
	id        int32
	rack      *string
	endpoints map[string]cachedEndpoint // by listener name
}

type cachedEndpoint struct {
	host string
	port int32
}

type cachedPartition struct {
	leader, leaderEpoch, controllerEpoch, zkVersion int32
	replicas, isr, offline                          []int32
}

func newMetadataCache() *metadataCache {
	m := &metadataCache{}
	m.mu.controllerID = -1
	m.mu.brokers = map[int32]cachedBroker{}
	m.mu.topics = map[string]map[int32]cachedPartition{}
	return m
}

// securityProtocolName maps UpdateMetadata's security protocol ids to the
// names that are also the default listener names (v1-2 carry no listener).
func securityProtocolName(id int16) string {
	switch id {
	case 0:
		return "PLAINTEXT"
	case 1:
		return "SSL"
	case 2:
		return "SASL_PLAINTEXT"
	case 3:
		return "SASL_SSL"
	}
	return ""
}

// update applies one UpdateMetadata request and returns the partitions it
// deleted (leader -2).
func (m *metadataCache) update(req *kmsg.UpdateMetadataRequest) []storage.TopicPartition {
	brokers := make(map[int32]cachedBroker, len(req.LiveBrokers))
	for _, b := range req.LiveBrokers {
		cb := cachedBroker{id: b.ID, rack: b.Rack, endpoints: map[string]cachedEndpoint{}}
		if req.Version == 0 {
			cb.endpoints["PLAINTEXT"] = cachedEndpoint{host: b.Host, port: b.Port}
		}
		for _, e := range b.Endpoints {
			name := e.ListenerName
			if req.Version < 3 {
				name = securityProtocolName(e.SecurityProtocol)
			}
			cb.endpoints[name] = cachedEndpoint{host: e.Host, port: e.Port}
		}
		brokers[b.ID] = cb
	}
	states := req.PartitionStates // v0-4
	for _, ts := range req.TopicStates {
		for _, p := range ts.PartitionStates {
			p.Topic = ts.Topic
			states = append(states, p)
		}
	}

	var deleted []storage.TopicPartition
	m.mu.Lock()
	m.mu.controllerID = req.ControllerID
	if req.ControllerID < 0 {
		m.mu.controllerID = -1
	}
	m.mu.brokers = brokers
	for _, p := range states {
		if p.Leader == leaderDuringDelete {
			if parts, ok := m.mu.topics[p.Topic]; ok {
				delete(parts, p.Partition)
				if len(parts) == 0 {
					delete(m.mu.topics, p.Topic)
				}
			}
			deleted = append(deleted, storage.TopicPartition{Topic: p.Topic, Partition: p.Partition})
			continue
		}
		parts := m.mu.topics[p.Topic]
		if parts == nil {
			parts = map[int32]cachedPartition{}
			m.mu.topics[p.Topic] = parts
		}
		parts[p.Partition] = cachedPartition{
			leader: p.Leader, leaderEpoch: p.LeaderEpoch, controllerEpoch: p.ControllerEpoch, zkVersion: p.ZKVersion,
			replicas: p.Replicas, isr: p.ISR, offline: p.OfflineReplicas,
		}
	}
	m.mu.Unlock()
	m.changed.notify()
	return deleted
}

func (m *metadataCache) controllerID() int32 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.mu.controllerID
}

// liveBrokers returns the live brokers sorted by id.
func (m *metadataCache) liveBrokers() []cachedBroker {
	m.mu.RLock()
	out := make([]cachedBroker, 0, len(m.mu.brokers))
	for _, b := range m.mu.brokers {
		out = append(out, b)
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (m *metadataCache) broker(id int32) (cachedBroker, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.mu.brokers[id]
	return b, ok
}

// topic returns a copy of the topic's partitions.
func (m *metadataCache) topic(name string) (map[int32]cachedPartition, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	parts, ok := m.mu.topics[name]
	if !ok {
		return nil, false
	}
	out := make(map[int32]cachedPartition, len(parts))
	for k, v := range parts {
		out[k] = v
	}
	return out, true
}

func (m *metadataCache) hasTopic(name string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.mu.topics[name]
	return ok
}

// partition returns one partition's state.
func (m *metadataCache) partition(tp storage.TopicPartition) (cachedPartition, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.mu.topics[tp.Topic][tp.Partition]
	return p, ok
}

// topicNames returns every known topic, sorted.
func (m *metadataCache) topicNames() []string {
	m.mu.RLock()
	out := make([]string, 0, len(m.mu.topics))
	for t := range m.mu.topics {
		out = append(out, t)
	}
	m.mu.RUnlock()
	sort.Strings(out)
	return out
}

// hasLeaders reports whether partitions [0, count) of topic all have a
// live leader (CreateTopics and CreatePartitions wait for it).
func (m *metadataCache) hasLeaders(topic string, count int32) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	parts, ok := m.mu.topics[topic]
	if !ok {
		return false
	}
	for p := int32(0); p < count; p++ {
		cp, ok := parts[p]
		if !ok || cp.leader < 0 {
			return false
		}
		if _, live := m.mu.brokers[cp.leader]; !live {
			return false
		}
	}
	return true
}
