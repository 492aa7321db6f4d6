package coordinator

import (
	"strconv"
)

// Znode paths of Kafka 2.4 (ZkData.scala). Part of the cluster's shared
// format: never change.
const (
	BrokersPath               = "/brokers"
	BrokerIDsPath             = "/brokers/ids"
	BrokerTopicsPath          = "/brokers/topics"
	BrokerSeqIDPath           = "/brokers/seqid"
	ControllerPath            = "/controller"
	ControllerEpochPath       = "/controller_epoch"
	ConfigPath                = "/config"
	ConfigTopicsPath          = "/config/topics"
	ConfigChangesPath         = "/config/changes"
	AdminPath                 = "/admin"
	DeleteTopicsPath          = "/admin/delete_topics"
	ReassignPartitionsPath    = "/admin/reassign_partitions"
	PreferredReplicaElection  = "/admin/preferred_replica_election"
	ISRChangeNotificationPath = "/isr_change_notification"
	LogDirEventPath           = "/log_dir_event_notification"
	ClusterIDPath             = "/cluster/id"
	ProducerIDBlockPath       = "/latest_producer_id_block"
	ConsumersPath             = "/consumers"

	// ISRChangePrefix is the prefix of the persistent-sequential ISR change
	// notifications below ISRChangeNotificationPath.
	ISRChangePrefix = "isr_change_"
	// ConfigChangePrefix is the prefix of config change notifications.
	ConfigChangePrefix = "config_change_"
	// LogDirEventPrefix is the prefix of log dir failure notifications.
	LogDirEventPrefix = "log_dir_event_"
)

// PersistentPaths is ZkData.PersistentZkPaths: created (null data) at every
// broker startup, in this order.
func PersistentPaths() []string {
	return []string{
		ConsumersPath,
		BrokerIDsPath,
		BrokerTopicsPath,
		ConfigChangesPath,
		DeleteTopicsPath,
		BrokerSeqIDPath,
		ISRChangeNotificationPath,
		ProducerIDBlockPath,
		LogDirEventPath,
		ConfigTopicsPath,
		"/config/clients",
		"/config/users",
		"/config/brokers",
	}
}

// BrokerPath is /brokers/ids/<id>.
func BrokerPath(id int32) string { return BrokerIDsPath + "/" + strconv.Itoa(int(id)) }

// TopicPath is /brokers/topics/<t>.
func TopicPath(topic string) string { return BrokerTopicsPath + "/" + topic }

// TopicPartitionsPath is /brokers/topics/<t>/partitions.
func TopicPartitionsPath(topic string) string { return TopicPath(topic) + "/partitions" }

// PartitionPath is /brokers/topics/<t>/partitions/<p>.
func PartitionPath(topic string, p int32) string {
	return TopicPartitionsPath(topic) + "/" + strconv.Itoa(int(p))
}

// PartitionStatePath is /brokers/topics/<t>/partitions/<p>/state.
func PartitionStatePath(topic string, p int32) string { return PartitionPath(topic, p) + "/state" }

// TopicConfigPath is /config/topics/<t>.
func TopicConfigPath(topic string) string { return ConfigTopicsPath + "/" + topic }

// DeleteTopicPath is /admin/delete_topics/<t>.
func DeleteTopicPath(topic string) string { return DeleteTopicsPath + "/" + topic }
