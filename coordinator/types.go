package coordinator

import "github.com/samsa-broker/samsa/coordinator/controller"

// BrokerMeta is what replica assignment needs to know of a broker.
type BrokerMeta struct {
	ID   int32
	Rack *string
}

// PartitionState is the content of a partition's state znode plus the
// znode's data version (ZkVersion), which conditional updates compare.
type PartitionState = controller.PartitionState

// TopicPartition names one partition.
type TopicPartition = controller.TopicPartition

// Endpoint is one advertised listener; String renders it as registered:
// LISTENER://host:port.
type Endpoint = controller.Endpoint

// BrokerInfo is a registered broker (/brokers/ids/<id>).
type BrokerInfo struct {
	ID        int32
	Host      string // of the first PLAINTEXT endpoint; "" if none
	Port      int32  // of the first PLAINTEXT endpoint; -1 if none
	Endpoints []Endpoint
	Rack      *string
	Epoch     int64 // the znode's czxid: the broker epoch
	Timestamp string
	JmxPort   int32
}

// SecurityProtocolID maps a security protocol name to Kafka's id (as sent in
// UpdateMetadata): PLAINTEXT 0, SSL 1, SASL_PLAINTEXT 2, SASL_SSL 3.
func SecurityProtocolID(name string) int16 {
	switch name {
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return 0
}
