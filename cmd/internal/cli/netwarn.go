package cli

import (
	"math"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ConnectWarner is a franz-go hook that logs each failed connection the way
// the Java clients' NetworkClient does, so a stopped broker looks the same
// to the user:
//
//	WARN [Producer clientId=console-producer] Connection to node -1 (/127.0.0.1:9092) could not be established. Broker may not be available. (org.apache.kafka.clients.NetworkClient)
//	WARN [Producer clientId=console-producer] Bootstrap broker 127.0.0.1:9092 (id: -1 rack: null) disconnected (org.apache.kafka.clients.NetworkClient)
//
// The second line is only logged when BootstrapLine is set: Kafka's
// producer and consumer print it, its admin client does not. Connected, if
// set, is raised on the first successful connection.
// Prefix is the client's log context without brackets, e.g.
// "Producer clientId=console-producer". Log carries the formatter fields;
// nil disables the hook.
type ConnectWarner struct {
	Log           *logrus.Entry
	Prefix        string
	Connected     *atomic.Bool
	BootstrapLine bool
}

var _ kgo.HookBrokerConnect = ConnectWarner{}

// OnBrokerConnect implements kgo.HookBrokerConnect.
func (w ConnectWarner) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err == nil && w.Connected != nil {
		w.Connected.Store(true)
	}
	if err == nil || w.Log == nil {
		return
	}
	log := w.Log.WithField("prefix", w.Prefix).WithField("logger", "org.apache.kafka.clients.NetworkClient")
	id := JavaNodeID(meta.NodeID)
	log.Warnf("Connection to node %d (%s) could not be established. Broker may not be available.",
		id, JavaSocketAddress(meta.Host, meta.Port))
	if id < 0 && w.BootstrapLine {
		log.Warnf("Bootstrap broker %s:%d (id: %d rack: null) disconnected", meta.Host, meta.Port, id)
	}
}

// JavaNodeID maps franz-go's ids for seed brokers (math.MinInt32 + i) to
// the Java client's (-1 - i); real broker ids pass through.
func JavaNodeID(id int32) int32 {
	if id < 0 && id-math.MinInt32 < 1<<16 {
		return -1 - (id - math.MinInt32)
	}
	return id
}

// JavaSocketAddress renders host:port as java.net.InetSocketAddress.toString
// does: "/ip:port" for a literal address, "name/ip:port" for a resolved name.
func JavaSocketAddress(host string, port int32) string {
	p := strconv.Itoa(int(port))
	if net.ParseIP(host) != nil {
		return "/" + host + ":" + p
	}
	if addrs, err := net.LookupHost(host); err == nil && len(addrs) > 0 {
		return host + "/" + addrs[0] + ":" + p
	}
	return host + "/<unresolved>:" + p
}
