package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// brokerConfig parses text as server.properties and builds the config.
func brokerConfig(t *testing.T, text string) (*BrokerConfig, []Warning, error) {
	t.Helper()
	p, err := ParseProperties(strings.NewReader(text), "server.properties")
	if err != nil {
		t.Fatalf("ParseProperties: %v", err)
	}
	return NewBrokerConfig(p)
}

func mustBrokerConfig(t *testing.T, text string) *BrokerConfig {
	t.Helper()
	c, _, err := brokerConfig(t, text)
	if err != nil {
		t.Fatalf("NewBrokerConfig: %v", err)
	}
	return c
}

const minimal = "zookeeper.connect=localhost:2181\n"

func TestBrokerKeysComplete(t *testing.T) {
	names := BrokerKeyNames()
	// KafkaConfig 2.4.1 defines 192 keys.
	if len(names) != 192 {
		t.Errorf("%d keys, want 192", len(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("key %s defined twice", n)
		}
		seen[n] = true
	}
	// Every default must parse and pass its own validator.
	for _, k := range brokerKeys() {
		if k.null || k.required {
			continue
		}
		v, reason := parseValue(k.typ, k.def)
		if reason == "" && k.check != nil {
			reason = k.check(v)
		}
		if reason != "" {
			t.Errorf("default of %s (%q): %s", k.name, k.def, reason)
		}
	}
}

func TestBrokerDefaults(t *testing.T) {
	c := mustBrokerConfig(t, minimal)
	checks := []struct {
		name      string
		got, want any
	}{
		{"BrokerID", c.BrokerID, int32(-1)},
		{"ZooKeeperServers", c.ZooKeeperServers, []string{"localhost:2181"}},
		{"ZooKeeperChroot", c.ZooKeeperChroot, ""},
		{"ZooKeeperSessionTimeout", c.ZooKeeperSessionTimeout, 6 * time.Second},
		{"ZooKeeperConnectionTimeout", c.ZooKeeperConnectionTimeout, 6 * time.Second},
		{"Listeners", c.Listeners, []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
		{"AdvertisedListeners", c.AdvertisedListeners, []Listener{{Name: "PLAINTEXT", Port: 9092, SecurityProtocol: "PLAINTEXT"}}},
		{"InterBrokerListenerName", c.InterBrokerListenerName, "PLAINTEXT"},
		{"LogDirs", c.LogDirs, []string{"/tmp/kafka-logs"}},
		{"NumPartitions", c.NumPartitions, int32(1)},
		{"DefaultReplicationFactor", c.DefaultReplicationFactor, int32(1)},
		{"LogRetentionMs", c.LogRetentionMs, int64(168 * 3600 * 1000)},
		{"LogRollMs", c.LogRollMs, int64(168 * 3600 * 1000)},
		{"LogRollJitterMs", c.LogRollJitterMs, int64(0)},
		{"LogFlushIntervalMs", c.LogFlushIntervalMs, int64(9223372036854775807)},
		{"LogSegmentBytes", c.LogSegmentBytes, int32(1073741824)},
		{"LogMessageFormatVersion", c.LogMessageFormatVersion.Version, "2.4-IV1"},
		{"InterBrokerProtocolVersion", c.InterBrokerProtocolVersion.Version, "2.4-IV1"},
		{"MessageMaxBytes", c.MessageMaxBytes, int32(1000012)},
		{"ReplicaLagTimeMaxMs", c.ReplicaLagTimeMaxMs, int64(10000)},
		{"OffsetsTopicReplicationFactor", c.OffsetsTopicReplicationFactor, int16(3)},
		{"TransactionStateLogMinISR", c.TransactionStateLogMinISR, int32(2)},
		{"GroupInitialRebalanceDelayMs", c.GroupInitialRebalanceDelayMs, int32(3000)},
		{"NumReplicaAlterLogDirsThreads", c.NumReplicaAlterLogDirsThreads, int32(1)},
		{"AutoCreateTopicsEnable", c.AutoCreateTopicsEnable, true},
		{"DeleteTopicEnable", c.DeleteTopicEnable, true},
		{"UncleanLeaderElectionEnable", c.UncleanLeaderElectionEnable, false},
		{"CompressionType", c.CompressionType, "producer"},
		{"Rack", c.Rack, (*string)(nil)},
		{"LogCleanupPolicy", c.LogCleanupPolicy, []string{"delete"}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	gets := []struct {
		key, value string
		isDefault  bool
	}{
		{"zookeeper.connect", "localhost:2181", false},
		{"log.retention.hours", "168", true},
		{"log.dirs", "", true},
		{"log.dir", "/tmp/kafka-logs", true},
		{"listener.security.protocol.map", DefaultListenerSecurityProtocolMap, true},
		{"log.cleaner.io.max.bytes.per.second", "1.7976931348623157E308", true},
		{"log.cleaner.min.cleanable.ratio", "0.5", true},
		{"log.flush.interval.messages", "9223372036854775807", true},
		{"ssl.enabled.protocols", "TLSv1.2,TLSv1.1,TLSv1", true},
		{"no.such.key", "", false},
	}
	for _, g := range gets {
		v, d := c.Get(g.key)
		if v != g.value || d != g.isDefault {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", g.key, v, d, g.value, g.isDefault)
		}
	}
	if e, _ := c.Lookup("ssl.keystore.password"); !e.Sensitive || !e.Null || e.Type != TypePassword {
		t.Errorf("Lookup(ssl.keystore.password) = %+v", e)
	}
	if e, _ := c.Lookup("zookeeper.connect"); e.Position != "server.properties:1" || e.IsDefault {
		t.Errorf("Lookup(zookeeper.connect) = %+v", e)
	}
	if n := len(c.Entries()); n != 192 {
		t.Errorf("Entries: %d, want 192", n)
	}
}

// TestTutorialAnnotations covers the tutorial's habit of annotating values
// after them on the same line.
func TestTutorialAnnotations(t *testing.T) {
	text := minimal + strings.Repeat("#\n", 19) + // broker.id lands on line 21
		"broker.id=1 ##21行 修改\n" +
		"listeners=PLAINTEXT://1.2.3.4:9092     # each node its own address\n" +
		"log.dirs=/data/kafka-logs  # the big disk\n" +
		"auto.create.topics.enable=false #no auto-create\n" +
		"num.partitions=3#three\n" +
		"ssl.key.password=pa ss #word\n" // a password may contain anything
	_, _, err := brokerConfig(t, text)
	if err == nil {
		t.Fatal("annotated values were accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`conf: server.properties:21: invalid value "1 ##21行 修改" for broker.id: not a number (int).`,
		`'#' starts a comment only at the beginning of a line`,
		`move it to its own line ("##21行 修改") above "broker.id=1"`,
		`server.properties:22: invalid value "PLAINTEXT://1.2.3.4:9092     # each node its own address" for listeners: the value seems to end in a comment`,
		`above "listeners=PLAINTEXT://1.2.3.4:9092"`,
		`server.properties:23: invalid value "/data/kafka-logs  # the big disk" for log.dirs`,
		`server.properties:24: invalid value "false #no auto-create" for auto.create.topics.enable: not a boolean`,
		`server.properties:25: invalid value "3#three" for num.partitions: not a number (int)`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "ssl.key.password") {
		t.Errorf("password value was refused:\n%s", msg)
	}
	// Errors are listed in file order.
	if strings.Index(msg, ":21:") > strings.Index(msg, ":25:") {
		t.Errorf("errors out of order:\n%s", msg)
	}
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Key != "broker.id" || !errors.Is(err, ErrInvalidValue) {
		t.Errorf("errors.As gave %+v", ve)
	}
}

func TestBrokerInvalidValues(t *testing.T) {
	cases := []struct {
		line string
		want string
	}{
		{"broker.id=abc", `invalid value "abc" for broker.id: not a number (int)`},
		{"num.partitions=0", `invalid value "0" for num.partitions: Value must be at least 1`},
		{"log.segment.bytes=10", `invalid value "10" for log.segment.bytes: Value must be at least 14`},
		{"log.cleanup.policy=compact,remove", `for log.cleanup.policy: String must be one of: compact, delete`},
		{"log.message.timestamp.type=createtime", `String must be one of: CreateTime, LogAppendTime`},
		{"inter.broker.protocol.version=3.0", "Version `3.0` is not a valid version"},
		{"delete.topic.enable=yes", `not a boolean (expected true or false)`},
		{"offsets.topic.replication.factor=70000", `out of range for short`},
		{"ssl.client.auth=maybe", `String must be one of: required, requested, none`},
		{"log.cleaner.min.cleanable.ratio=half", `not a number (double)`},
		{"principal.builder.class=not a class", `not a Java class name`},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			_, _, err := brokerConfig(t, minimal+tc.line+"\n")
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "server.properties:2: "+tc.want) &&
				!strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "server.properties:2:") {
				t.Errorf("error does not name line 2: %v", err)
			}
		})
	}
}

func TestBrokerMissingZooKeeper(t *testing.T) {
	_, _, err := brokerConfig(t, "broker.id=1\n")
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), `"zookeeper.connect" which has no default value`) {
		t.Errorf("got %v", err)
	}
}

func TestBrokerDerived(t *testing.T) {
	const hour, minute = int64(3600000), int64(60000)
	cases := []struct {
		name  string
		text  string
		field func(*BrokerConfig) any
		want  any
	}{
		{"retention hours", "log.retention.hours=1", func(c *BrokerConfig) any { return c.LogRetentionMs }, hour},
		{"retention minutes beat hours", "log.retention.hours=1\nlog.retention.minutes=5", func(c *BrokerConfig) any { return c.LogRetentionMs }, 5 * minute},
		{"retention ms beats minutes", "log.retention.minutes=5\nlog.retention.ms=1234", func(c *BrokerConfig) any { return c.LogRetentionMs }, int64(1234)},
		{"negative retention is forever", "log.retention.ms=-5", func(c *BrokerConfig) any { return c.LogRetentionMs }, int64(-1)},
		{"negative hours is forever", "log.retention.hours=-1", func(c *BrokerConfig) any { return c.LogRetentionMs }, int64(-1)},
		{"roll hours", "log.roll.hours=2", func(c *BrokerConfig) any { return c.LogRollMs }, 2 * hour},
		{"roll ms beats hours", "log.roll.hours=2\nlog.roll.ms=100", func(c *BrokerConfig) any { return c.LogRollMs }, int64(100)},
		{"jitter hours", "log.roll.jitter.hours=1", func(c *BrokerConfig) any { return c.LogRollJitterMs }, hour},
		{"jitter ms", "log.roll.jitter.ms=7", func(c *BrokerConfig) any { return c.LogRollJitterMs }, int64(7)},
		{"flush interval falls back to scheduler", "log.flush.scheduler.interval.ms=3000", func(c *BrokerConfig) any { return c.LogFlushIntervalMs }, int64(3000)},
		{"flush interval set", "log.flush.interval.ms=10", func(c *BrokerConfig) any { return c.LogFlushIntervalMs }, int64(10)},
		{"zk connection timeout follows session", "zookeeper.session.timeout.ms=9000", func(c *BrokerConfig) any { return c.ZooKeeperConnectionTimeout }, 9 * time.Second},
		{"zk connection timeout set", "zookeeper.connection.timeout.ms=6000\nzookeeper.session.timeout.ms=18000", func(c *BrokerConfig) any { return c.ZooKeeperConnectionTimeout }, 6 * time.Second},
		{"log.dir fallback", "log.dir=/a", func(c *BrokerConfig) any { return c.LogDirs }, []string{"/a"}},
		{"log.dirs beats log.dir", "log.dir=/a\nlog.dirs=/b , /c,", func(c *BrokerConfig) any { return c.LogDirs }, []string{"/b", "/c"}},
		{"alter log dirs threads follow dirs", "log.dirs=/b,/c", func(c *BrokerConfig) any { return c.NumReplicaAlterLogDirsThreads }, int32(2)},
		{"message format follows the default protocol", "inter.broker.protocol.version=2.3", func(c *BrokerConfig) any { return c.LogMessageFormatVersion.Version }, "2.4-IV1"},
		{"protocol short form", "inter.broker.protocol.version=2.3", func(c *BrokerConfig) any { return c.InterBrokerProtocolVersion.Version }, "2.3-IV1"},
		{"legacy host and port", "host.name=127.0.0.5\nport=9093", func(c *BrokerConfig) any { return c.Listeners[0].String() }, "PLAINTEXT://127.0.0.5:9093"},
		{"advertised defaults to listeners", "listeners=PLAINTEXT://127.0.0.11:9092", func(c *BrokerConfig) any { return c.AdvertisedListeners[0].String() }, "PLAINTEXT://127.0.0.11:9092"},
		{"advertised from advertised.host.name", "listeners=PLAINTEXT://:9092\nadvertised.host.name=kafka1", func(c *BrokerConfig) any { return c.AdvertisedListeners[0].String() }, "PLAINTEXT://kafka1:9092"},
		{"advertised.listeners", "listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://kafka1:9092", func(c *BrokerConfig) any { return c.AdvertisedListeners[0].Addr() }, "kafka1:9092"},
		{"inter broker listener name", "listeners=INTERNAL://:9092,EXTERNAL://:9093\nlistener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SSL\ninter.broker.listener.name=internal", func(c *BrokerConfig) any { return c.InterBrokerListenerName + "/" + c.InterBrokerSecurityProtocol }, "INTERNAL/PLAINTEXT"},
		{"inter broker endpoint", "listeners=INTERNAL://127.0.0.1:9092,EXTERNAL://:9093\nadvertised.listeners=INTERNAL://kafka1:9092,EXTERNAL://x:9093\nlistener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SSL\ninter.broker.listener.name=INTERNAL", func(c *BrokerConfig) any { return c.InterBrokerListener().Addr() }, "kafka1:9092"},
		{"listener by name", "listeners=PLAINTEXT://127.0.0.1:9092", func(c *BrokerConfig) any {
			l, ok := c.Listener("plaintext")
			return l.Addr() + " " + strconv.FormatBool(ok)
		}, "127.0.0.1:9092 true"},
		{"inter broker protocol", "listeners=SSL://:9093\nsecurity.inter.broker.protocol=ssl", func(c *BrokerConfig) any { return c.InterBrokerListenerName }, "SSL"},
		{"chroot", "zookeeper.connect=a:1,b:2/kafka/x", func(c *BrokerConfig) any { return c.ZooKeeperChroot }, "/kafka/x"},
		{"rack", "broker.rack=r1", func(c *BrokerConfig) any { return *c.Rack }, "r1"},
		{"compression lower-cased", "compression.type=GZIP", func(c *BrokerConfig) any { return c.CompressionType }, "gzip"},
		{"connection overrides", "max.connections.per.ip=0\nmax.connections.per.ip.overrides=127.0.0.1:5, h:7", func(c *BrokerConfig) any { return c.MaxConnectionsPerIPOverride }, map[string]int32{"127.0.0.1": 5, "h": 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustBrokerConfig(t, minimal+tc.text+"\n")
			if got := tc.field(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestBrokerCrossKeyRules(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"both inter-broker settings", "listeners=PLAINTEXT://:9092\ninter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT",
			"server.properties:3: invalid configuration: Only one of inter.broker.listener.name and security.inter.broker.protocol should be set."},
		{"inter-broker name not mapped", "inter.broker.listener.name=REPLICATION",
			"Listener with name REPLICATION defined in inter.broker.listener.name not found in listener.security.protocol.map."},
		{"inter-broker name not advertised", "listeners=SSL://:9093",
			"inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are SSL"},
		{"advertised not a subset", "listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://h:9092,SSL://h:9093",
			"advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found PLAINTEXT,SSL. The valid options based on the current configuration are PLAINTEXT"},
		{"advertised 0.0.0.0", "listeners=PLAINTEXT://0.0.0.0:9092",
			"advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address."},
		{"duplicate listener port", "listeners=PLAINTEXT://:9092,SSL://:9092",
			"Each listener must have a different port, listeners: PLAINTEXT://:9092,SSL://:9092"},
		{"duplicate listener name", "listeners=PLAINTEXT://a:9092,plaintext://b:9093",
			"Each listener must have a different name, listeners: PLAINTEXT://a:9092,plaintext://b:9093"},
		{"unparsable listener", "listeners=PLAINTEXT:/:9092",
			"Error creating broker listeners from 'PLAINTEXT:/:9092': Unable to parse PLAINTEXT:/:9092 to a broker endpoint"},
		{"unknown listener protocol", "listeners=CLIENT://:9092",
			"No security protocol defined for listener CLIENT"},
		{"listener port out of range", "listeners=PLAINTEXT://:90920", "port 90920 of listener PLAINTEXT is out of range"},
		{"bad protocol map", "listener.security.protocol.map=A:TLS", "Invalid security protocol `TLS` defined in listener.security.protocol.map"},
		{"broker.id above reserved", "broker.id=1001", "broker.id must be equal or greater than -1 and not greater than reserved.broker.max.id"},
		{"broker.id -1 without generation", "broker.id.generation.enable=false", "broker.id must be equal or greater than 0"},
		{"retention zero", "log.retention.ms=0", "log.retention.ms must be unlimited (-1) or, equal or greater than 1"},
		{"roll zero", "log.roll.ms=0", "log.roll.ms must be equal or greater than 1"},
		{"empty log.dirs", "log.dirs=,", "At least one log directory must be defined via log.dirs or log.dir."},
		{"dedupe buffer", "log.cleaner.dedupe.buffer.size=1048576", "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread."},
		{"fetch wait above lag", "replica.fetch.wait.max.ms=20000\nreplica.socket.timeout.ms=30000",
			"replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR"},
		{"required acks", "offsets.commit.required.acks=5", "offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor"},
		{"compression", "compression.type=brotli", "compression.type : brotli is not valid. Valid options are uncompressed,zstd,lz4,snappy,gzip,producer"},
		{"format newer than protocol", "inter.broker.protocol.version=0.10.2",
			"log.message.format.version 2.4-IV1 can only be used when inter.broker.protocol.version is set to version 0.11.0 or higher"},
		{"unknown offsets codec", "offsets.topic.compression.codec=9", "9 is an unknown compression codec"},
		{"max connections per ip zero", "max.connections.per.ip=0", "max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set."},
		{"queued bytes", "queued.max.request.bytes=10", "queued.max.request.bytes must be larger or equal to socket.request.max.bytes"},
		{"bad zookeeper.connect", "zookeeper.connect=a:b", `invalid value "a:b" for zookeeper.connect: port of a:b: not a number (int)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := brokerConfig(t, minimal+tc.text+"\n")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got  %v\nwant %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, ErrInvalidValue) {
				t.Errorf("error %v is neither ErrInvalidConfig nor ErrInvalidValue", err)
			}
		})
	}
}

func TestBrokerWarnings(t *testing.T) {
	_, warnings, err := brokerConfig(t, minimal+
		"num.partition=3\n"+
		"listener.name.internal.ssl.keystore.location=/k\n"+
		"listener.name.client.scram-sha-256.sasl.jaas.config=x\n"+
		"totally.unknown=1\n"+
		"broker.id=1\n"+
		"broker.id=2\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.String())
	}
	want := []string{
		"server.properties:2: The configuration 'num.partition' was supplied but isn't a known config. Did you mean 'num.partitions'?",
		"server.properties:5: The configuration 'totally.unknown' was supplied but isn't a known config.",
		"server.properties:7: broker.id is set 2 times; the last one (server.properties:7) wins",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadBrokerConfigOverrides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(path, []byte(minimal+"broker.id=1\nnum.partitions=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, warnings, err := LoadBrokerConfig(path, "broker.id=7", "log.dirs=/x,/y")
	if err != nil || len(warnings) != 0 {
		t.Fatalf("LoadBrokerConfig: %v %v", err, warnings)
	}
	if c.BrokerID != 7 || c.NumPartitions != 2 || !reflect.DeepEqual(c.LogDirs, []string{"/x", "/y"}) {
		t.Errorf("got broker.id=%d num.partitions=%d log.dirs=%v", c.BrokerID, c.NumPartitions, c.LogDirs)
	}
	if e, _ := c.Lookup("broker.id"); e.Position != OverrideSource {
		t.Errorf("broker.id position %q", e.Position)
	}
	_, _, err = LoadBrokerConfig(path, "num.partitions=many")
	if err == nil || !strings.Contains(err.Error(), `conf: --override: invalid value "many" for num.partitions`) {
		t.Errorf("override error: %v", err)
	}
	if _, _, err := LoadBrokerConfig(filepath.Join(t.TempDir(), "missing.properties")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestBrokerSynonyms(t *testing.T) {
	if got := BrokerSynonyms("log.retention.hours"); !reflect.DeepEqual(got, []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}) {
		t.Errorf("got %v", got)
	}
	if got := BrokerSynonyms("num.partitions"); !reflect.DeepEqual(got, []string{"num.partitions"}) {
		t.Errorf("got %v", got)
	}
	if typ, ok := BrokerKeyType("offsets.topic.replication.factor"); !ok || typ != TypeShort {
		t.Errorf("BrokerKeyType = %v, %v", typ, ok)
	}
}

func TestDynamicBrokerKeys(t *testing.T) {
	dynamic := 0
	for _, n := range BrokerKeyNames() {
		if IsDynamicBrokerKey(n) {
			dynamic++
		}
	}
	// 34 listener keys (the 7 reconfigurable SSL keys among them), 2 more socket
	// server keys, 7 cleaner keys, 22 more topic-default keys (23 less
	// message.max.bytes, already a cleaner key), 5 thread pools, metric.reporters.
	if dynamic != 71 {
		t.Errorf("%d dynamic keys, want 71", dynamic)
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{{"log.retention.ms", true}, {"log.retention.hours", false}, {"log.message.format.version", false},
		{"broker.id", false}, {"listeners", true}, {"num.io.threads", true}, {"unclean.leader.election.enable", true}} {
		if got := IsDynamicBrokerKey(tc.key); got != tc.want {
			t.Errorf("IsDynamicBrokerKey(%s) = %v", tc.key, got)
		}
	}
	c := mustBrokerConfig(t, minimal)
	if e, _ := c.Lookup("broker.id"); !e.ReadOnly {
		t.Error("broker.id not read-only")
	}
}

func TestBrokerByteOrderMark(t *testing.T) {
	_, warnings, err := brokerConfig(t, "\ufeffbroker.id=1\n"+minimal)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "byte order mark") {
		t.Errorf("warnings: %v", warnings)
	}
}
