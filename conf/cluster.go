package conf

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// ErrCluster marks an invalid cluster topology file.
var ErrCluster = errors.New("invalid cluster file")

// Cluster is the topology of a local cluster (deploy/cluster.toml): nodes
// that each run one ZooKeeper server and one broker, on loopback addresses.
type Cluster struct {
	// RunDir holds each node's data: <RunDir>/<node>/zookeeper and
	// <RunDir>/<node>/kafka-logs. LoadCluster makes it absolute (relative
	// paths are taken from the working directory at load time).
	RunDir        string            `toml:"run_dir"`
	NumPartitions int32             `toml:"num_partitions"`
	ZooKeeper     ZooKeeperSettings `toml:"zookeeper"`
	Kafka         KafkaSettings     `toml:"kafka"`
	Nodes         []Node            `toml:"node"`
}

// ZooKeeperSettings are the ensemble-wide zoo.cfg settings.
type ZooKeeperSettings struct {
	ClientPort   int `toml:"client_port"`
	QuorumPort   int `toml:"quorum_port"`
	ElectionPort int `toml:"election_port"`
	TickTime     int `toml:"tick_time"`
	InitLimit    int `toml:"init_limit"`
	SyncLimit    int `toml:"sync_limit"`
}

// KafkaSettings are the settings shared by every broker.
type KafkaSettings struct {
	Port int `toml:"port"`
}

// Node is one machine of the tutorial: a ZooKeeper server and a broker on the
// same address.
type Node struct {
	Name        string `toml:"name"`
	Address     string `toml:"address"`
	BrokerID    int32  `toml:"broker_id"`
	ZooKeeperID int    `toml:"zookeeper_id"`
}

// DefaultCluster is the tutorial's three nodes on 127.0.0.11-13.
func DefaultCluster() *Cluster {
	c := &Cluster{
		RunDir:        "run",
		NumPartitions: 1,
		ZooKeeper:     defaultZooKeeperSettings(),
		Kafka:         KafkaSettings{Port: DefaultPort},
	}
	for i := 1; i <= 3; i++ {
		c.Nodes = append(c.Nodes, Node{
			Name:        fmt.Sprintf("kafka%d", i),
			Address:     fmt.Sprintf("127.0.0.1%d", i),
			BrokerID:    int32(i),
			ZooKeeperID: i,
		})
	}
	return c
}

func defaultZooKeeperSettings() ZooKeeperSettings {
	return ZooKeeperSettings{ClientPort: 2181, QuorumPort: 2888, ElectionPort: 3888, TickTime: 2000, InitLimit: 10, SyncLimit: 5}
}

// LoadCluster reads and validates a cluster topology file. Settings left
// out take the defaults of DefaultCluster (except the node list); keys the
// file should not have are refused, so typos do not pass silently.
func LoadCluster(path string) (*Cluster, error) {
	c := &Cluster{RunDir: "run", NumPartitions: 1, ZooKeeper: defaultZooKeeperSettings(), Kafka: KafkaSettings{Port: DefaultPort}}
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w: %w", path, ErrCluster, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		keys := make([]string, len(extra))
		for i, k := range extra {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("conf: %s: %w: unknown keys: %s", path, ErrCluster, strings.Join(keys, ", "))
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	if !filepath.IsAbs(c.RunDir) {
		abs, err := filepath.Abs(c.RunDir)
		if err != nil {
			return nil, fmt.Errorf("conf: %s: run_dir: %w", path, err)
		}
		c.RunDir = abs
	}
	return c, nil
}

// Validate checks the topology: at least one node, unique names, addresses
// and ids, addresses that are 127.0.0.0/8 literals or host names, and sane
// ports and ZooKeeper timings.
func (c *Cluster) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrCluster, fmt.Sprintf(format, args...))
	}
	if len(c.Nodes) == 0 {
		return bad("no [[node]] entries")
	}
	if strings.TrimSpace(c.RunDir) == "" {
		return bad("run_dir is empty")
	}
	if c.NumPartitions < 1 {
		return bad("num_partitions is %d, must be at least 1", c.NumPartitions)
	}
	z := c.ZooKeeper
	for _, p := range []struct {
		name string
		v    int
	}{{"zookeeper.client_port", z.ClientPort}, {"zookeeper.quorum_port", z.QuorumPort},
		{"zookeeper.election_port", z.ElectionPort}, {"kafka.port", c.Kafka.Port}} {
		if p.v < 1 || p.v > 65535 {
			return bad("%s is %d, must be 1..65535", p.name, p.v)
		}
	}
	ports := map[int]string{}
	for _, p := range []struct {
		name string
		v    int
	}{{"zookeeper.client_port", z.ClientPort}, {"zookeeper.quorum_port", z.QuorumPort},
		{"zookeeper.election_port", z.ElectionPort}, {"kafka.port", c.Kafka.Port}} {
		if other, dup := ports[p.v]; dup {
			return bad("%s and %s are both %d: every node binds all of them on its address", other, p.name, p.v)
		}
		ports[p.v] = p.name
	}
	if z.TickTime < 1 || z.InitLimit < 1 || z.SyncLimit < 1 {
		return bad("zookeeper tick_time, init_limit and sync_limit must be positive")
	}
	names, addrs := map[string]bool{}, map[string]bool{}
	brokers, zks := map[int32]bool{}, map[int]bool{}
	for i, n := range c.Nodes {
		where := fmt.Sprintf("node %d (%s)", i+1, n.Name)
		switch {
		case !isNodeName(n.Name):
			return bad("node %d: name %q must be letters, digits, '-' or '_' (it names a directory)", i+1, n.Name)
		case names[n.Name]:
			return bad("%s: name used twice", where)
		}
		names[n.Name] = true
		if err := checkNodeAddress(n.Address); err != nil {
			return bad("%s: %v", where, err)
		}
		if addrs[n.Address] {
			return bad("%s: address %s used twice", where, n.Address)
		}
		addrs[n.Address] = true
		if n.BrokerID < 0 || n.BrokerID > 1000 {
			return bad("%s: broker_id %d must be 0..1000 (reserved.broker.max.id)", where, n.BrokerID)
		}
		if brokers[n.BrokerID] {
			return bad("%s: broker_id %d used twice", where, n.BrokerID)
		}
		brokers[n.BrokerID] = true
		if n.ZooKeeperID < 1 || n.ZooKeeperID > 255 {
			return bad("%s: zookeeper_id %d must be 1..255", where, n.ZooKeeperID)
		}
		if zks[n.ZooKeeperID] {
			return bad("%s: zookeeper_id %d used twice", where, n.ZooKeeperID)
		}
		zks[n.ZooKeeperID] = true
	}
	return nil
}

func isNodeName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkNodeAddress accepts an IPv4 address in 127.0.0.0/8 or a host name
// (RFC 1123 labels). Other IP literals are refused: the local cluster lives
// on loopback addresses.
func checkNodeAddress(a string) error {
	if a == "" {
		return errors.New("address is empty")
	}
	if ip := net.ParseIP(a); ip != nil {
		if ip4 := ip.To4(); ip4 == nil || ip4[0] != 127 {
			return fmt.Errorf("address %s is not in 127.0.0.0/8: use a loopback address such as 127.0.0.11, or a host name", a)
		}
		return nil
	}
	if len(a) > 253 {
		return fmt.Errorf("host name %q is too long", a)
	}
	for _, label := range strings.Split(a, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q is neither an IPv4 loopback address nor a valid host name", a)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("%q is neither an IPv4 loopback address nor a valid host name", a)
			}
		}
	}
	if strings.Trim(strings.ReplaceAll(a, ".", ""), "0123456789") == "" {
		return fmt.Errorf("%q is not a valid IPv4 address", a)
	}
	return nil
}

// Node returns the node with the given name.
func (c *Cluster) Node(name string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// runDir is RunDir made absolute (LoadCluster already did; a Cluster built
// in code may still hold a relative path).
func (c *Cluster) runDir() string {
	if filepath.IsAbs(c.RunDir) {
		return c.RunDir
	}
	if abs, err := filepath.Abs(c.RunDir); err == nil {
		return abs
	}
	return c.RunDir
}

// NodeDir is the node's directory under the run directory.
func (c *Cluster) NodeDir(n Node) string { return filepath.Join(c.runDir(), n.Name) }

// ZooKeeperDataDir is the node's ZooKeeper dataDir (myid lives there).
func (c *Cluster) ZooKeeperDataDir(n Node) string { return filepath.Join(c.NodeDir(n), "zookeeper") }

// LogDir is the node's broker log.dirs.
func (c *Cluster) LogDir(n Node) string { return filepath.Join(c.NodeDir(n), "kafka-logs") }

// ZooKeeperConnect is every node's client address, comma-separated: the
// brokers' zookeeper.connect.
func (c *Cluster) ZooKeeperConnect() string {
	var hosts []string
	for _, n := range c.Nodes {
		hosts = append(hosts, fmt.Sprintf("%s:%d", n.Address, c.ZooKeeper.ClientPort))
	}
	return strings.Join(hosts, ",")
}

// BootstrapServers is every broker's address, comma-separated, for clients.
func (c *Cluster) BootstrapServers() string {
	var hosts []string
	for _, n := range c.Nodes {
		hosts = append(hosts, fmt.Sprintf("%s:%d", n.Address, c.Kafka.Port))
	}
	return strings.Join(hosts, ",")
}
