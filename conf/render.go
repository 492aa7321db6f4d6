package conf

import (
	"fmt"
	"strings"
)

// ZooCfg renders the node's zoo.cfg: the tutorial's timings, the node's
// dataDir and client address, and one server.N line per node.
// (admin.enableServer=false keeps ZooKeeper's HTTP admin server off port 8080;
// 4lw.commands.whitelist=* allows "ruok", "stat" and friends.)
func (c *Cluster) ZooCfg(n Node) string {
	z := c.ZooKeeper
	var b strings.Builder
	fmt.Fprintf(&b, "# ZooKeeper server %d (%s) of the local cluster.\n", n.ZooKeeperID, n.Name)
	fmt.Fprintf(&b, "tickTime=%d\n", z.TickTime)
	fmt.Fprintf(&b, "initLimit=%d\n", z.InitLimit)
	fmt.Fprintf(&b, "syncLimit=%d\n", z.SyncLimit)
	fmt.Fprintf(&b, "dataDir=%s\n", EscapeValue(c.ZooKeeperDataDir(n))) // ZooKeeper reads zoo.cfg with java.util.Properties
	fmt.Fprintf(&b, "clientPort=%d\n", z.ClientPort)
	fmt.Fprintf(&b, "clientPortAddress=%s\n", n.Address)
	b.WriteString("admin.enableServer=false\n")
	b.WriteString("4lw.commands.whitelist=*\n")
	for _, m := range c.Nodes {
		fmt.Fprintf(&b, "server.%d=%s:%d:%d\n", m.ZooKeeperID, m.Address, z.QuorumPort, z.ElectionPort)
	}
	return b.String()
}

// Myid renders the myid file of the node's ZooKeeper dataDir.
func (c *Cluster) Myid(n Node) string {
	return fmt.Sprintf("%d\n", n.ZooKeeperID)
}

// ServerProperties renders the node's config/server.properties: the layout
// of the shipped file, with this node's id, listener, log directory and the
// ensemble's zookeeper.connect.
func (c *Cluster) ServerProperties(n Node) string {
	return renderServerProperties(serverPropertiesParams{
		header:   fmt.Sprintf("# Broker %d (%s) of the local cluster, generated from cluster.toml.\n#\n", n.BrokerID, n.Name),
		brokerID: n.BrokerID,
		listeners: fmt.Sprintf("listeners=%s", Listener{Name: "PLAINTEXT", Host: n.Address,
			Port: int32(c.Kafka.Port), SecurityProtocol: "PLAINTEXT"}),
		logDirs:          c.LogDir(n),
		numPartitions:    c.NumPartitions,
		zookeeperConnect: c.ZooKeeperConnect(),
	})
}

// DistServerProperties renders config/server.properties for the release
// archive, with Kafka 2.4.1's shipped settings.
func DistServerProperties() string {
	return renderServerProperties(serverPropertiesParams{
		brokerID:         0,
		listeners:        "#listeners=PLAINTEXT://:9092",
		logDirs:          DefaultLogDir,
		numPartitions:    1,
		zookeeperConnect: "localhost:2181",
	})
}

type serverPropertiesParams struct {
	header           string // extra first lines, each starting with '#'
	brokerID         int32
	listeners        string // the whole listeners line, commented out or not
	logDirs          string
	numPartitions    int32
	zookeeperConnect string
}

// renderServerProperties follows the sections and settings of Kafka 2.4.1's
// config/server.properties, with the comments in our own words. Values are
// escaped so that paths with special characters survive the .properties
// rules.
func renderServerProperties(p serverPropertiesParams) string {
	var b strings.Builder
	b.WriteString(p.header)
	b.WriteString(`# Broker configuration. Every key of Kafka 2.4's broker configuration is
# accepted, with Kafka's defaults; see kafka.server.KafkaConfig for the list.
#
# A '#' starts a comment only at the beginning of a line: after a key, it is
# part of the value. Keep comments on lines of their own.

############################# Server Basics #############################

# This broker's id: an integer unique within the cluster.
`)
	fmt.Fprintf(&b, "broker.id=%d\n", p.brokerID)
	b.WriteString(`
############################# Socket Server Settings #############################

# The address the broker listens on, as listener_name://host:port. An empty
# host means every interface.
#   FORMAT:
#     listeners = listener_name://host_name:port
#   EXAMPLE:
#     listeners = PLAINTEXT://your.host.name:9092
`)
	b.WriteString(p.listeners + "\n")
	b.WriteString(`
# The address clients and other brokers are told to connect to. Without it
# the broker advertises "listeners" (and the host's canonical name when the
# listener has no host).
#advertised.listeners=PLAINTEXT://your.host.name:9092

# The security protocol of each listener name. By default every protocol is a
# listener name of its own.
#listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL

# Threads that receive requests from the network and send responses back.
num.network.threads=3

# Threads that process requests, disk I/O included.
num.io.threads=8

# The socket send buffer (SO_SNDBUF).
socket.send.buffer.bytes=102400

# The socket receive buffer (SO_RCVBUF).
socket.receive.buffer.bytes=102400

# The largest request the broker accepts, a guard against running out of memory.
socket.request.max.bytes=104857600


############################# Log Basics #############################

# Comma-separated directories where the broker keeps its partitions.
`)
	fmt.Fprintf(&b, "log.dirs=%s\n", EscapeValue(p.logDirs))
	b.WriteString(`
# Partitions of a topic created without a partition count. More partitions
# allow more consumers in parallel, at the cost of more files on every broker.
`)
	fmt.Fprintf(&b, "num.partitions=%d\n", p.numPartitions)
	b.WriteString(`
# Threads per log directory that recover logs at startup and flush them at
# shutdown. More help when a log directory sits on a RAID array.
num.recovery.threads.per.data.dir=1

############################# Internal Topic Settings  #############################
# Replication factor of the internal topics "__consumer_offsets" and
# "__transaction_state". 1 suits a development setup; use 3 or more wherever
# availability matters.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

############################# Log Flush Policy #############################

# Messages reach the file system at once, but fsync() is left to the
# operating system. The settings below force a flush after a number of
# messages or after some time. Trade-offs:
#    1. Durability: data not yet flushed can be lost unless replication covers it.
#    2. Latency: long intervals make each flush large, which can cause latency spikes.
#    3. Throughput: flushing is expensive, so short intervals cost throughput.
# Both can be set here for every topic and overridden per topic.

# Messages accepted before a flush is forced.
#log.flush.interval.messages=10000

# The longest a message may wait in a log before a flush is forced.
#log.flush.interval.ms=1000

############################# Log Retention Policy #############################

# When log segments are deleted: after an age, or once the log is larger than
# a size, whichever comes first. Deletion always starts at the oldest segment.

# Age after which a log segment may be deleted.
log.retention.hours=168

# Size-based retention: segments are deleted while the rest of the log stays
# larger than log.retention.bytes. Independent of log.retention.hours.
#log.retention.bytes=1073741824

# Size at which a log segment is closed and a new one started.
log.segment.bytes=1073741824

# How often segments are checked against the retention policies.
log.retention.check.interval.ms=300000

############################# Zookeeper #############################

# The ZooKeeper ensemble: comma-separated host:port pairs, one per server,
# e.g. "127.0.0.1:3000,127.0.0.1:3001,127.0.0.1:3002". An optional chroot
# path at the end (for example ".../kafka") keeps all of the cluster's znodes
# under that path.
`)
	fmt.Fprintf(&b, "zookeeper.connect=%s\n", EscapeValue(p.zookeeperConnect))
	b.WriteString(`
# How long to wait for the ZooKeeper connection, in milliseconds.
zookeeper.connection.timeout.ms=6000


############################# Group Coordinator Settings #############################

# How long the group coordinator waits before the first rebalance of a new
# consumer group, in milliseconds; each member that joins meanwhile extends
# the wait by the same amount, up to max.poll.interval.ms. The default is 3
# seconds. 0 here makes development and testing quicker; in production the
# default avoids needless rebalances while applications start up.
group.initial.rebalance.delay.ms=0
`)
	return b.String()
}
