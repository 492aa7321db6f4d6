package main

import (
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/conf"
)

// TestStorageKeys: the broker keys storage acts on reach its configs, with
// Kafka's defaults when unset.
func TestStorageKeys(t *testing.T) {
	tests := []struct {
		name        string
		props       []string
		backoff     time.Duration
		preallocate bool
		expiryMs    int64
	}{
		{"defaults", nil, 15 * time.Second, false, 604800000},
		{"set", []string{"log.cleaner.backoff.ms=250", "log.preallocate=true", "transactional.id.expiration.ms=3600000"}, 250 * time.Millisecond, true, 3600000},
		// Kafka's 0 is no pause; storage's 0 would be its default.
		{"no backoff", []string{"log.cleaner.backoff.ms=0"}, time.Millisecond, false, 604800000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string{"broker.id=1", "log.dirs=/data", "zookeeper.connect=127.0.0.1:2181"}, tt.props...)
			p, err := conf.ParseProperties(strings.NewReader(strings.Join(lines, "\n")), "server.properties")
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := conf.NewBrokerConfig(p)
			if err != nil {
				t.Fatal(err)
			}
			lc := logConfig(c)
			m := managerConfig(c, lc)
			if m.CleanerBackoff != tt.backoff || lc.Preallocate != tt.preallocate || lc.ProducerIDExpirationMs != tt.expiryMs {
				t.Errorf("cleaner backoff %v, preallocate %v, producer expiry %d ms; want %v, %v, %d",
					m.CleanerBackoff, lc.Preallocate, lc.ProducerIDExpirationMs, tt.backoff, tt.preallocate, tt.expiryMs)
			}
		})
	}
}
