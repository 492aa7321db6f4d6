package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ConfigError is the Java client's ConfigException for a property value.
func ConfigError(key, value, why string) error {
	return fmt.Errorf("org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration %s: %s", value, key, why)
}

// PropMillis reads a client property in milliseconds, def when unset. typ is
// its ConfigDef type ("INT" or "LONG"), named in Kafka's parse error; every
// duration the tools read is atLeast(0) in Kafka.
func PropMillis(props map[string]string, key string, def int64, typ string) (time.Duration, error) {
	v, ok := props[key]
	if !ok {
		return time.Duration(def) * time.Millisecond, nil
	}
	bits := 64
	if typ == "INT" {
		bits = 32
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
	if err != nil {
		return 0, ConfigError(key, v, "Not a number of type "+typ)
	}
	if n < 0 {
		return 0, ConfigError(key, v, "Value must be at least 0")
	}
	return time.Duration(n) * time.Millisecond, nil
}

// PropInt reads an INT client property, def when unset; every integer the
// tools read is atLeast(0) in Kafka.
func PropInt(props map[string]string, key string, def int64) (int64, error) {
	v, ok := props[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, ConfigError(key, v, "Not a number of type INT")
	}
	if n < 0 {
		return 0, ConfigError(key, v, "Value must be at least 0")
	}
	return n, nil
}

// CompressionCodec is the codec of the Java producer's compression.type
// ("none" or unset, gzip, snappy, lz4, zstd), after Java's trim; ok is false
// for any other name, which each tool refuses in its own Kafka words.
func CompressionCodec(name string) (codec kgo.CompressionCodec, ok bool) {
	switch strings.TrimSpace(name) {
	case "none", "":
		return kgo.NoCompression(), true
	case "gzip":
		return kgo.GzipCompression(), true
	case "snappy":
		return kgo.SnappyCompression(), true
	case "lz4":
		return kgo.Lz4Compression(), true
	case "zstd":
		return kgo.ZstdCompression(), true
	}
	return kgo.CompressionCodec{}, false
}
