package logconfig

import (
	"errors"
	"testing"
)

type javaError struct{ class, msg string }

func (e *javaError) Error() string { return e.class + ": " + e.msg }

func newErr(class, msg string) error { return &javaError{class, msg} }

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  string // "" = valid
	}{
		{map[string]string{"retention.ms": "1000", "cleanup.policy": "compact,delete"}, ""},
		{map[string]string{"retention.mss": "1"}, "org.apache.kafka.common.errors.InvalidConfigurationException: Unknown topic config name: retention.mss"},
		{map[string]string{"segment.bytes": "x"}, "org.apache.kafka.common.config.ConfigException: Invalid value x for configuration segment.bytes: Not a number of type INT"},
		{map[string]string{"preallocate": "yes"}, "org.apache.kafka.common.config.ConfigException: Invalid value yes for configuration preallocate: Expected value to be either true or false"},
		{map[string]string{"compression.type": "brotli"}, "org.apache.kafka.common.config.ConfigException: Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{map[string]string{"leader.replication.throttled.replicas": "0:1,x"}, "org.apache.kafka.common.config.ConfigException: Invalid value 0:1,x for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId],[brokerId]:[partitionId],[brokerId]:..."},
	} {
		err := Validate(tc.props, newErr)
		got := ""
		if err != nil {
			var je *javaError
			if !errors.As(err, &je) {
				t.Fatalf("%v: error %T is not the tool's own type", tc.props, err)
			}
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.props, got, tc.want)
		}
	}
	if n := Names(); len(n) != 26 || !Known("retention.ms") || Known("log.retention.ms") {
		t.Errorf("Names() = %d names", len(n))
	}
}
