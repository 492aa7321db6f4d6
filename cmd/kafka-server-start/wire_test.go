package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/broker"
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

// TestDescribeSynonyms: a key set in server.properties is described as
// STATIC_BROKER_CONFIG with KafkaConfig's default as its DEFAULT_CONFIG
// synonym; a key left alone is DEFAULT_CONFIG only; a key whose default is
// null has no default synonym.
func TestDescribeSynonyms(t *testing.T) {
	p, err := conf.ParseProperties(strings.NewReader("broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.retention.hours=24\nlog.retention.ms=5000\n"), "server.properties")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := conf.NewBrokerConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range describe(c) {
		var syns []string
		for _, s := range e.Synonyms {
			v := "null"
			if s.Value != nil {
				v = *s.Value
			}
			syns = append(syns, fmt.Sprintf("%v:%s=%s", s.Source, s.Name, v))
		}
		got[e.Name] = strings.Join(syns, ", ")
	}
	for name, want := range map[string]string{
		"log.retention.hours": fmt.Sprintf("%v:log.retention.hours=24, %v:log.retention.hours=168", broker.SourceStaticBrokerConfig, broker.SourceDefaultConfig),
		"log.retention.ms":    fmt.Sprintf("%v:log.retention.ms=5000", broker.SourceStaticBrokerConfig),
		"num.io.threads":      fmt.Sprintf("%v:num.io.threads=8", broker.SourceDefaultConfig),
	} {
		if got[name] != want {
			t.Errorf("%s: synonyms %q, want %q", name, got[name], want)
		}
	}
}
