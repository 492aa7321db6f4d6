// Package logconfig is Kafka 2.4.1's table of topic-level configs
// (kafka.log.LogConfig) as the command-line tools check them before writing
// to ZooKeeper: names, types, enumerations, and LogConfig.validate's messages.
package logconfig

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// logConfigType is the ConfigDef type of a topic config (kafka.log.LogConfig).
type logConfigType int

const (
	typeInt logConfigType = iota
	typeLong
	typeDouble
	typeBoolean
	typeString
	typeList
)

// String is the ConfigDef.Type name Kafka's messages use.
func (t logConfigType) String() string {
	return [...]string{"INT", "LONG", "DOUBLE", "BOOLEAN", "STRING", "LIST"}[t]
}

// logConfigDef describes one topic config of Kafka 2.4.1: its type and, for
// enumerations, the accepted values in the order Kafka's message lists them.
type logConfigDef struct {
	typ   logConfigType
	oneOf []string
}

// logConfigDefs returns Kafka 2.4.1's topic configs (LogConfig.configDef).
func logConfigDefs() map[string]logConfigDef {
	return map[string]logConfigDef{
		"segment.bytes":                           {typ: typeInt},
		"segment.ms":                              {typ: typeLong},
		"segment.jitter.ms":                       {typ: typeLong},
		"segment.index.bytes":                     {typ: typeInt},
		"flush.messages":                          {typ: typeLong},
		"flush.ms":                                {typ: typeLong},
		"retention.bytes":                         {typ: typeLong},
		"retention.ms":                            {typ: typeLong},
		"max.message.bytes":                       {typ: typeInt},
		"index.interval.bytes":                    {typ: typeInt},
		"delete.retention.ms":                     {typ: typeLong},
		"min.compaction.lag.ms":                   {typ: typeLong},
		"max.compaction.lag.ms":                   {typ: typeLong},
		"file.delete.delay.ms":                    {typ: typeLong},
		"min.cleanable.dirty.ratio":               {typ: typeDouble},
		"cleanup.policy":                          {typ: typeList, oneOf: []string{"compact", "delete"}},
		"unclean.leader.election.enable":          {typ: typeBoolean},
		"min.insync.replicas":                     {typ: typeInt},
		"compression.type":                        {typ: typeString, oneOf: []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
		"preallocate":                             {typ: typeBoolean},
		"message.format.version":                  {typ: typeString},
		"message.timestamp.type":                  {typ: typeString, oneOf: []string{"CreateTime", "LogAppendTime"}},
		"message.timestamp.difference.max.ms":     {typ: typeLong},
		"leader.replication.throttled.replicas":   {typ: typeList},
		"follower.replication.throttled.replicas": {typ: typeList},
		"message.downconversion.enable":           {typ: typeBoolean},
	}
}

// Known reports whether name is a topic config of Kafka 2.4.1.
func Known(name string) bool {
	_, ok := logConfigDefs()[name]
	return ok
}

// Names is LogConfig.configNames: the names, sorted.
func Names() []string {
	defs := logConfigDefs()
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewError builds the tool's own error value for a Java exception class and
// message, so that each tool prints it the way it prints its other errors.
type NewError func(class, msg string) error

// ConfigException is Kafka's ConfigException for a value of a config.
func ConfigException(newErr NewError, name, value, why string) error {
	return newErr("org.apache.kafka.common.config.ConfigException",
		fmt.Sprintf("Invalid value %s for configuration %s: %s", value, name, why))
}

var throttledReplicasRE = regexp.MustCompile(`^([0-9]+:[0-9]+)?(,[0-9]+:[0-9]+)*$`)

// Validate is LogConfig.validate: known names, then values that parse as
// their type and pass the enumeration validators.
func Validate(props map[string]string, newErr NewError) error {
	defs := logConfigDefs()
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := defs[k]; !ok {
			return newErr("org.apache.kafka.common.errors.InvalidConfigurationException", "Unknown topic config name: "+k)
		}
	}
	for _, k := range keys {
		d, v := defs[k], strings.TrimSpace(props[k])
		var err error
		switch d.typ {
		case typeInt:
			_, err = strconv.ParseInt(v, 10, 32)
		case typeLong:
			_, err = strconv.ParseInt(v, 10, 64)
		case typeDouble:
			_, err = strconv.ParseFloat(v, 64)
		case typeBoolean:
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return ConfigException(newErr, k, v, "Expected value to be either true or false")
			}
		}
		if err != nil {
			return ConfigException(newErr, k, v, "Not a number of type "+d.typ.String())
		}
		if len(d.oneOf) > 0 {
			vals := []string{v}
			if d.typ == typeList {
				vals = strings.Split(v, ",")
			}
			for _, x := range vals {
				if !slices.Contains(d.oneOf, strings.TrimSpace(x)) {
					if d.typ == typeList {
						return ConfigException(newErr, k, strings.Join(trimAll(vals), ","), "Invalid value "+strings.TrimSpace(x)+" for configuration "+k+": String must be one of: "+strings.Join(d.oneOf, ", "))
					}
					return ConfigException(newErr, k, v, "String must be one of: "+strings.Join(d.oneOf, ", "))
				}
			}
		}
		if strings.HasSuffix(k, ".throttled.replicas") && v != "*" && !throttledReplicasRE.MatchString(strings.ReplaceAll(v, " ", "")) {
			return ConfigException(newErr, k, v, k+" must be the literal '*' or a list of replicas in the following format: [partitionId],[brokerId]:[partitionId],[brokerId]:...")
		}
	}
	return nil
}

func trimAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.TrimSpace(x)
	}
	return out
}
