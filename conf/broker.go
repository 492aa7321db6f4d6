package conf

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// OverrideSource is the Source of entries that come from --override flags.
const OverrideSource = "--override"

// BrokerConfig is a broker's configuration with Kafka 2.4's defaults, types,
// validation and derived values (KafkaConfig). The named fields cover what a
// broker uses; Get and Lookup reach every key KafkaConfig defines.
type BrokerConfig struct {
	// ZooKeeper
	ZooKeeperConnect             string   // as written (trimmed): what Kafka hands to its ZooKeeper client
	ZooKeeperServers             []string // host:port of each server
	ZooKeeperChroot              string   // "" for none
	ZooKeeperSessionTimeout      time.Duration
	ZooKeeperConnectionTimeout   time.Duration // defaults to the session timeout
	ZooKeeperSyncTimeMs          int32
	ZooKeeperSetACL              bool
	ZooKeeperMaxInFlightRequests int32

	// General
	BrokerID                      int32 // -1: take it from meta.properties or generate one
	BrokerIDGenerationEnable      bool
	ReservedBrokerMaxID           int32
	MessageMaxBytes               int32
	NumNetworkThreads             int32
	NumIOThreads                  int32
	NumReplicaAlterLogDirsThreads int32 // defaults to len(LogDirs)
	BackgroundThreads             int32
	QueuedMaxRequests             int32
	QueuedMaxRequestBytes         int64
	RequestTimeoutMs              int32
	AuthorizerClassName           string
	Rack                          *string // broker.rack; nil when unset

	// Socket server
	Listeners                   []Listener
	AdvertisedListeners         []Listener // defaults to Listeners
	ListenerSecurityProtocolMap []ProtocolMapEntry
	InterBrokerListenerName     string // from inter.broker.listener.name or security.inter.broker.protocol
	InterBrokerSecurityProtocol string
	ControlPlaneListenerName    string // "" when unset
	SocketSendBufferBytes       int32
	SocketReceiveBufferBytes    int32
	SocketRequestMaxBytes       int32
	MaxConnectionsPerIP         int32
	MaxConnectionsPerIPOverride map[string]int32
	MaxConnections              int32
	ConnectionsMaxIdleMs        int64
	FailedAuthDelayMs           int32

	// Log
	NumPartitions                           int32
	LogDirs                                 []string // log.dirs, else log.dir
	LogSegmentBytes                         int32
	LogRollMs                               int64 // log.roll.ms, else log.roll.hours
	LogRollJitterMs                         int64 // log.roll.jitter.ms, else log.roll.jitter.hours
	LogRetentionMs                          int64 // log.retention.ms > .minutes > .hours; negative => -1 (forever)
	LogRetentionBytes                       int64
	LogRetentionCheckIntervalMs             int64
	LogCleanupPolicy                        []string
	LogCleanerEnable                        bool
	LogCleanerThreads                       int32
	LogCleanerIOMaxBytesPerSecond           float64
	LogCleanerDedupeBufferSize              int64
	LogCleanerIOBufferSize                  int32
	LogCleanerIOBufferLoadFactor            float64
	LogCleanerBackoffMs                     int64
	LogCleanerMinCleanableRatio             float64
	LogCleanerDeleteRetentionMs             int64
	LogCleanerMinCompactionLagMs            int64
	LogCleanerMaxCompactionLagMs            int64
	LogIndexSizeMaxBytes                    int32
	LogIndexIntervalBytes                   int32
	LogFlushIntervalMessages                int64
	LogFlushIntervalMs                      int64 // log.flush.interval.ms, else log.flush.scheduler.interval.ms
	LogFlushSchedulerIntervalMs             int64
	LogFlushOffsetCheckpointIntervalMs      int64
	LogFlushStartOffsetCheckpointIntervalMs int64
	LogSegmentDeleteDelayMs                 int64
	LogPreallocate                          bool
	LogMessageFormatVersion                 APIVersion
	LogMessageTimestampType                 string // CreateTime or LogAppendTime
	LogMessageTimestampDifferenceMaxMs      int64
	LogMessageDownConversionEnable          bool
	NumRecoveryThreadsPerDataDir            int32
	AutoCreateTopicsEnable                  bool
	MinInsyncReplicas                       int32
	CompressionType                         string // lower-cased: producer, uncompressed, gzip, snappy, lz4, zstd
	DeleteTopicEnable                       bool

	// Replication
	ControllerSocketTimeoutMs                   int32
	DefaultReplicationFactor                    int32
	ReplicaLagTimeMaxMs                         int64
	ReplicaSocketTimeoutMs                      int32
	ReplicaSocketReceiveBufferBytes             int32
	ReplicaFetchMaxBytes                        int32
	ReplicaFetchWaitMaxMs                       int32
	ReplicaFetchMinBytes                        int32
	ReplicaFetchResponseMaxBytes                int32
	ReplicaFetchBackoffMs                       int32
	NumReplicaFetchers                          int32
	ReplicaHighWatermarkCheckpointIntervalMs    int64
	FetchPurgatoryPurgeIntervalRequests         int32
	ProducerPurgatoryPurgeIntervalRequests      int32
	DeleteRecordsPurgatoryPurgeIntervalRequests int32
	AutoLeaderRebalanceEnable                   bool
	LeaderImbalancePerBrokerPercentage          int32
	LeaderImbalanceCheckIntervalSeconds         int64
	UncleanLeaderElectionEnable                 bool
	InterBrokerProtocolVersion                  APIVersion
	ReplicaSelectorClass                        string

	// Controlled shutdown
	ControlledShutdownEnable         bool
	ControlledShutdownMaxRetries     int32
	ControlledShutdownRetryBackoffMs int64

	// Group coordinator
	GroupMinSessionTimeoutMs     int32
	GroupMaxSessionTimeoutMs     int32
	GroupInitialRebalanceDelayMs int32
	GroupMaxSize                 int32

	// Offset management
	OffsetMetadataMaxBytes          int32
	OffsetsLoadBufferSize           int32
	OffsetsTopicReplicationFactor   int16
	OffsetsTopicNumPartitions       int32
	OffsetsTopicSegmentBytes        int32
	OffsetsTopicCompressionCodec    int32 // 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
	OffsetsRetentionMinutes         int32
	OffsetsRetentionCheckIntervalMs int64
	OffsetsCommitTimeoutMs          int32
	OffsetsCommitRequiredAcks       int16

	// Transactions
	TransactionalIDExpirationMs                          int32
	TransactionMaxTimeoutMs                              int32
	TransactionStateLogMinISR                            int32
	TransactionStateLogLoadBufferSize                    int32
	TransactionStateLogReplicationFactor                 int16
	TransactionStateLogNumPartitions                     int32
	TransactionStateLogSegmentBytes                      int32
	TransactionAbortTimedOutTransactionCleanupIntervalMs int32
	TransactionRemoveExpiredTransactionCleanupIntervalMs int32

	// Fetch sessions
	MaxIncrementalFetchSessionCacheSlots int32

	source   string
	defs     map[string]keyDef
	values   map[string]any   // parsed value of every known key; nil = null
	supplied map[string]Entry // the winning entry of every supplied key
}

// ConfigEntry describes one key's effective value, for DescribeConfigs.
type ConfigEntry struct {
	Name      string
	Value     string // ConfigDef.convertToString of the parsed value
	Null      bool   // no value: unset and without default (Value is "")
	Type      Type
	IsDefault bool   // not supplied: Kafka's DEFAULT_CONFIG source
	Sensitive bool   // a password: DescribeConfigs hides the value
	ReadOnly  bool   // not changeable at runtime (IsDynamicBrokerKey); topic keys never are
	Position  string // where it was set ("" for defaults)
	// Default is KafkaConfig's default in convertToString form; nil when
	// the key has none (a null default or a required key). DescribeConfigs
	// lists it as the DEFAULT_CONFIG synonym of a supplied key.
	Default *string
}

// LoadBrokerConfig reads a server.properties file and applies --override
// arguments ("key=value", later ones win), as kafka-server-start.sh does.
// Unknown keys come back as warnings; anything Kafka 2.4 would refuse is an
// error naming file, line, key and value.
func LoadBrokerConfig(path string, overrides ...string) (*BrokerConfig, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("conf: %w", err)
	}
	defer f.Close()
	p, err := ParseProperties(f, path)
	if err != nil {
		return nil, nil, err
	}
	p.Merge(ParseOverrides(overrides))
	return NewBrokerConfig(p)
}

// ParseOverrides reads --override arguments as Kafka's
// CommandLineUtils.parseKeyValueArgs does: each is split at its first '=',
// and an argument without '=' sets the key to the empty string.
func ParseOverrides(args []string) *Properties {
	p := &Properties{Name: OverrideSource}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		p.Entries = append(p.Entries, Entry{Key: k, Value: v, Source: OverrideSource})
	}
	return p
}

// NewBrokerConfig builds a broker configuration from parsed properties (the
// file's entries followed by overrides; the last entry for a key wins).
func NewBrokerConfig(p *Properties) (*BrokerConfig, []Warning, error) {
	if p == nil {
		p = &Properties{}
	}
	c := &BrokerConfig{
		source:   p.Name,
		defs:     map[string]keyDef{},
		values:   map[string]any{},
		supplied: map[string]Entry{},
	}
	keys := brokerKeys()
	for _, k := range keys {
		c.defs[k.name] = k
	}
	warnings := c.collect(p)

	var errs []error
	for _, k := range keys {
		if err := c.parseKey(k); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, warnings, joinSorted(errs)
	}
	if err := c.derive(); err != nil {
		return nil, warnings, err
	}
	return c, warnings, nil
}

// collect records the winning entry of each key and warns about unknown and
// repeated keys.
func (c *BrokerConfig) collect(p *Properties) []Warning {
	var warnings []Warning
	// Repeats are counted per source: an --override replacing a file's
	// value is the point of --override, a key twice in one file is a slip.
	count := map[[2]string]int{}
	for _, e := range p.Entries {
		c.supplied[e.Key] = e
		count[[2]string{e.Source, e.Key}]++
	}
	for _, key := range p.Keys() {
		e := c.supplied[key]
		if _, known := c.defs[key]; !known && !c.isListenerOverride(key) {
			msg := fmt.Sprintf("The configuration '%s' was supplied but isn't a known config.", key)
			if hasBOM(key) {
				// Java reads a UTF-8 byte order mark as part of the first key.
				msg += " The file starts with a byte order mark (BOM), which Kafka reads as part of this key: save the file as UTF-8 without BOM."
			} else if s := closestKey(key, c.defs); s != "" {
				msg += fmt.Sprintf(" Did you mean '%s'?", s)
			}
			warnings = append(warnings, Warning{Position: e.Position(), Key: key, Message: msg})
		}
		if n := count[[2]string{e.Source, key}]; n > 1 {
			warnings = append(warnings, Warning{Position: e.Position(), Key: key,
				Message: fmt.Sprintf("%s is set %d times; the last one (%s) wins", key, n, e.Position())})
		}
	}
	return warnings
}

// hasBOM reports whether a key starts with a byte order mark, decoded as
// UTF-8 or, in a file that is not valid UTF-8, as ISO-8859-1 ("ï»¿").
func hasBOM(key string) bool {
	return strings.HasPrefix(key, "\ufeff") || strings.HasPrefix(key, "\u00ef\u00bb\u00bf")
}

// isListenerOverride recognises listener.name.<listener>.<key> (and
// listener.name.<listener>.<mechanism>.<key>), which Kafka reads as
// per-listener security settings.
func (c *BrokerConfig) isListenerOverride(key string) bool {
	rest, ok := strings.CutPrefix(key, "listener.name.")
	if !ok {
		return false
	}
	_, base, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	if _, known := c.defs[base]; known {
		return true
	}
	_, mechanismKey, ok := strings.Cut(base, ".")
	if !ok {
		return false
	}
	_, known := c.defs[mechanismKey]
	return known || strings.HasPrefix(mechanismKey, "sasl.")
}

// parseKey parses, checks and stores one key's value (supplied or default).
func (c *BrokerConfig) parseKey(k keyDef) error {
	e, ok := c.supplied[k.name]
	if !ok {
		switch {
		case k.required:
			return fmt.Errorf("conf: %s: %w \"%s\" which has no default value", c.source, ErrMissing, k.name)
		case k.null:
			c.values[k.name] = nil
		default:
			v, _ := parseValue(k.typ, k.def)
			c.values[k.name] = v
		}
		return nil
	}
	v, reason := parseValue(k.typ, e.Value)
	if reason == "" && k.check != nil {
		reason = k.check(v)
	}
	before, comment, hasComment := trailingComment(e.Value, k.typ)
	if reason == "" && hasComment && (k.typ == TypeString || k.typ == TypeList || k.typ == TypeClass) {
		reason = "the value seems to end in a comment"
	}
	if reason != "" {
		ve := &ValueError{Position: e.Position(), Key: k.name, Value: e.Value, Reason: reason, line: e.Line}
		if hasComment {
			ve.Hint = commentHint(k.name, before, comment)
		}
		return ve
	}
	c.values[k.name] = v
	return nil
}

// joinSorted joins errors ordered by their position in the file.
func joinSorted(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool { return errorLine(errs[i]) < errorLine(errs[j]) })
	return errors.Join(errs...)
}

// errorLine orders errors by line, with --override errors (line 0) last.
func errorLine(err error) int {
	var ve *ValueError
	if errors.As(err, &ve) && ve.line > 0 {
		return ve.line
	}
	return 1 << 30
}

// Typed accessors for parsed values (valid only after parseKey succeeded).

func (c *BrokerConfig) i32(k string) int32 {
	v, _ := c.values[k].(int32)
	return v
}

func (c *BrokerConfig) i16(k string) int16 {
	v, _ := c.values[k].(int16)
	return v
}

func (c *BrokerConfig) i64(k string) int64 {
	v, _ := c.values[k].(int64)
	return v
}

func (c *BrokerConfig) f64(k string) float64 {
	v, _ := c.values[k].(float64)
	return v
}

func (c *BrokerConfig) flag(k string) bool {
	v, _ := c.values[k].(bool)
	return v
}

func (c *BrokerConfig) str(k string) string {
	v, _ := c.values[k].(string)
	return v
}

func (c *BrokerConfig) list(k string) []string {
	v, _ := c.values[k].([]string)
	return append([]string(nil), v...)
}

func (c *BrokerConfig) isNull(k string) bool { return c.values[k] == nil }

// where names the position of a key for cross-key errors: its line if it was
// supplied, else the file.
func (c *BrokerConfig) where(k string) string {
	if e, ok := c.supplied[k]; ok {
		return e.Position()
	}
	return c.source
}

func (c *BrokerConfig) invalid(k, format string, args ...any) error {
	return fmt.Errorf("conf: %s: %w: %s", c.where(k), ErrInvalidConfig, fmt.Sprintf(format, args...))
}

// Get returns a key's effective value as Kafka shows it, and whether it is
// the default (not supplied). Unknown keys and null values give "".
func (c *BrokerConfig) Get(key string) (value string, isDefault bool) {
	e, ok := c.Lookup(key)
	if !ok {
		return "", false
	}
	return e.Value, e.IsDefault
}

// Lookup describes one key; false for keys KafkaConfig does not define.
func (c *BrokerConfig) Lookup(key string) (ConfigEntry, bool) {
	k, ok := c.defs[key]
	if !ok {
		return ConfigEntry{}, false
	}
	v := c.values[key]
	e := ConfigEntry{
		Name:      key,
		Value:     formatValue(k.typ, v),
		Null:      v == nil,
		Type:      k.typ,
		Sensitive: k.typ == TypePassword,
		ReadOnly:  !IsDynamicBrokerKey(key),
	}
	if s, ok := c.supplied[key]; ok {
		e.Position = s.Position()
	} else {
		e.IsDefault = true
	}
	if !k.required && !k.null {
		dv, _ := parseValue(k.typ, k.def)
		d := formatValue(k.typ, dv)
		e.Default = &d
	}
	return e, true
}

// Entries describes every key, sorted by name.
func (c *BrokerConfig) Entries() []ConfigEntry {
	names := sortedKeys(c.defs)
	out := make([]ConfigEntry, 0, len(names))
	for _, n := range names {
		e, _ := c.Lookup(n)
		out = append(out, e)
	}
	return out
}

// Source is the name of the file the configuration was read from.
func (c *BrokerConfig) Source() string { return c.source }

// closestKey suggests a known key for a probable typo (edit distance <= 2).
func closestKey(key string, defs map[string]keyDef) string {
	best, bestDist := "", 3
	for _, name := range sortedKeys(defs) {
		if d := editDistance(key, name, bestDist); d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, giving up (returning limit) once
// it cannot be below limit.
func editDistance(a, b string, limit int) int {
	if abs(len(a)-len(b)) >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
