package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestLoadClusterRepositoryFile(t *testing.T) {
	c, err := LoadCluster(filepath.Join("..", "deploy", "cluster.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultCluster()
	if !filepath.IsAbs(c.RunDir) || filepath.Base(c.RunDir) != "run" {
		t.Errorf("RunDir %q, want an absolute path ending in run", c.RunDir)
	}
	c.RunDir = want.RunDir
	if !reflect.DeepEqual(c, want) {
		t.Errorf("deploy/cluster.toml gives\n%+v\nwant\n%+v", c, want)
	}
}

const clusterTOML = `
run_dir = "run"
[[node]]
name = "kafka1"
address = "127.0.0.11"
broker_id = 1
zookeeper_id = 1
[[node]]
name = "kafka2"
address = "127.0.0.12"
broker_id = 2
zookeeper_id = 2
`

func TestLoadClusterValidation(t *testing.T) {
	cases := []struct {
		name     string
		old, new string // replacement applied to clusterTOML
		wantErr  string
	}{
		{"valid", "", "", ""},
		{"host name", `"127.0.0.12"`, `"kafka2.local"`, ""},
		{"defaults filled in", `run_dir = "run"`, `num_partitions = 3`, ""},
		{"duplicate name", `name = "kafka2"`, `name = "kafka1"`, "name used twice"},
		{"duplicate address", `"127.0.0.12"`, `"127.0.0.11"`, "address 127.0.0.11 used twice"},
		{"duplicate broker id", "broker_id = 2", "broker_id = 1", "broker_id 1 used twice"},
		{"duplicate zookeeper id", "zookeeper_id = 2", "zookeeper_id = 1", "zookeeper_id 1 used twice"},
		{"zookeeper id zero", "zookeeper_id = 2", "zookeeper_id = 0", "zookeeper_id 0 must be 1..255"},
		{"broker id too big", "broker_id = 2", "broker_id = 1001", "broker_id 1001 must be 0..1000"},
		{"private address", `"127.0.0.12"`, `"192.168.1.12"`, "not in 127.0.0.0/8"},
		{"other address", `"127.0.0.12"`, `"10.0.0.2"`, "not in 127.0.0.0/8"},
		{"ipv6 address", `"127.0.0.12"`, `"::1"`, "not in 127.0.0.0/8"},
		{"bad host name", `"127.0.0.12"`, `"kafka_2"`, "neither an IPv4 loopback address nor a valid host name"},
		{"bad dotted quad", `"127.0.0.12"`, `"127.0.0.300"`, "not a valid IPv4 address"},
		{"bad node name", `name = "kafka2"`, `name = "kafka 2"`, "must be letters, digits"},
		{"unknown key", `broker_id = 2`, "broker_id = 2\nadress = \"x\"", "unknown keys: node.adress"},
		{"port clash", `run_dir = "run"`, "[kafka]\nport = 2181", "zookeeper.client_port and kafka.port are both 2181"},
		{"bad port", `run_dir = "run"`, "[zookeeper]\nclient_port = 70000", "zookeeper.client_port is 70000"},
		{"no partitions", `run_dir = "run"`, "num_partitions = 0", "num_partitions is 0"},
		{"bad toml", `run_dir = "run"`, `run_dir = `, "invalid cluster file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := clusterTOML
			if tc.old != "" {
				if !strings.Contains(text, tc.old) {
					t.Fatalf("test input lacks %q", tc.old)
				}
				text = strings.Replace(text, tc.old, tc.new, 1)
			}
			path := filepath.Join(t.TempDir(), "cluster.toml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadCluster(path)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.ZooKeeper.ClientPort != 2181 || c.Kafka.Port != 9092 || c.ZooKeeper.TickTime != 2000 {
					t.Errorf("defaults not filled in: %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrCluster) {
				t.Errorf("got %v, want an ErrCluster containing %q", err, tc.wantErr)
			}
		})
	}
}

// testCluster is the default cluster with a fixed absolute run directory so
// rendered files are stable.
func testCluster() *Cluster {
	c := DefaultCluster()
	c.RunDir = "/srv/samsa/run"
	return c
}

func TestZooCfgGolden(t *testing.T) {
	c := testCluster()
	n, ok := c.Node("kafka2")
	if !ok {
		t.Fatal("no kafka2")
	}
	want := `# ZooKeeper server 2 (kafka2) of the local cluster.
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/srv/samsa/run/kafka2/zookeeper
clientPort=2181
clientPortAddress=127.0.0.12
admin.enableServer=false
4lw.commands.whitelist=*
server.1=127.0.0.11:2888:3888
server.2=127.0.0.12:2888:3888
server.3=127.0.0.13:2888:3888
`
	if got := c.ZooCfg(n); got != want {
		t.Errorf("ZooCfg:\n%s\nwant:\n%s", got, want)
	}
	if got := c.Myid(n); got != "2\n" {
		t.Errorf("Myid = %q", got)
	}
	// zoo.cfg is itself a .properties file for ZooKeeper.
	p, err := ParseProperties(strings.NewReader(c.ZooCfg(n)), "zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if m := p.Map(); m["server.3"] != "127.0.0.13:2888:3888" || m["dataDir"] != "/srv/samsa/run/kafka2/zookeeper" {
		t.Errorf("zoo.cfg parses to %v", m)
	}
}

func TestServerPropertiesRoundTrip(t *testing.T) {
	c := testCluster()
	for _, n := range c.Nodes {
		t.Run(n.Name, func(t *testing.T) {
			text := c.ServerProperties(n)
			p, err := ParseProperties(strings.NewReader(text), "server.properties")
			if err != nil {
				t.Fatal(err)
			}
			bc, warnings, err := NewBrokerConfig(p)
			if err != nil {
				t.Fatalf("rendered server.properties refused: %v\n%s", err, text)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings: %v", warnings)
			}
			checks := []struct {
				name      string
				got, want any
			}{
				{"BrokerID", bc.BrokerID, n.BrokerID},
				{"Listeners", bc.Listeners, []Listener{{Name: "PLAINTEXT", Host: n.Address, Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
				{"LogDirs", bc.LogDirs, []string{"/srv/samsa/run/" + n.Name + "/kafka-logs"}},
				{"ZooKeeperConnect", bc.ZooKeeperConnect, "127.0.0.11:2181,127.0.0.12:2181,127.0.0.13:2181"},
				{"NumPartitions", bc.NumPartitions, int32(1)},
				{"OffsetsTopicReplicationFactor", bc.OffsetsTopicReplicationFactor, int16(1)},
				{"TransactionStateLogMinISR", bc.TransactionStateLogMinISR, int32(1)},
				{"GroupInitialRebalanceDelayMs", bc.GroupInitialRebalanceDelayMs, int32(0)},
				{"LogRetentionMs", bc.LogRetentionMs, int64(168 * 3600000)},
			}
			for _, ch := range checks {
				if !reflect.DeepEqual(ch.got, ch.want) {
					t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
				}
			}
			if !strings.HasPrefix(text, "# Broker "+strconv.Itoa(int(n.BrokerID))+" ("+n.Name+")") {
				t.Errorf("header missing:\n%s", text[:80])
			}
		})
	}
}

// TestDistServerProperties checks the release file against the settings of
// Kafka 2.4.1's shipped config/server.properties, in their order.
func TestDistServerProperties(t *testing.T) {
	text := DistServerProperties()
	p, err := ParseProperties(strings.NewReader(text), "server.properties")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Entries {
		got = append(got, e.Key+"="+e.Value)
	}
	want := []string{
		"broker.id=0", "num.network.threads=3", "num.io.threads=8",
		"socket.send.buffer.bytes=102400", "socket.receive.buffer.bytes=102400", "socket.request.max.bytes=104857600",
		"log.dirs=/tmp/kafka-logs", "num.partitions=1", "num.recovery.threads.per.data.dir=1",
		"offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
		"log.retention.hours=168", "log.segment.bytes=1073741824", "log.retention.check.interval.ms=300000",
		"zookeeper.connect=localhost:2181", "zookeeper.connection.timeout.ms=6000", "group.initial.rebalance.delay.ms=0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	bc, warnings, err := NewBrokerConfig(p)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("NewBrokerConfig: %v %v", err, warnings)
	}
	if len(bc.Listeners) != 1 || bc.Listeners[0].String() != "PLAINTEXT://:9092" {
		t.Errorf("listeners %v", bc.Listeners)
	}
	for _, commented := range []string{"#listeners=PLAINTEXT://:9092", "#advertised.listeners=PLAINTEXT://your.host.name:9092",
		"#listener.security.protocol.map=", "#log.flush.interval.messages=10000", "#log.flush.interval.ms=1000", "#log.retention.bytes=1073741824"} {
		if !strings.Contains(text, "\n"+commented) {
			t.Errorf("missing commented line %q", commented)
		}
	}
	for _, section := range []string{"Server Basics", "Socket Server Settings", "Log Basics", "Internal Topic Settings",
		"Log Flush Policy", "Log Retention Policy", "Zookeeper", "Group Coordinator Settings"} {
		if !strings.Contains(text, "############################# "+section) {
			t.Errorf("missing section %q", section)
		}
	}
}
