package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

type fakeIDSource struct {
	metaCluster string
	metaBroker  int32
	found       bool
	metaErr     error
	zkCluster   string // "" = no /cluster/id
	genErr      error
	generated   int // calls to GenerateBrokerID
}

func (f *fakeIDSource) Meta() (string, int32, bool, error) {
	if !f.found {
		return "", -1, false, f.metaErr
	}
	return f.metaCluster, f.metaBroker, true, f.metaErr
}

func (f *fakeIDSource) ClusterID(context.Context) (string, error) {
	if f.zkCluster == "" {
		return "", coordinator.ErrNoNode
	}
	return f.zkCluster, nil
}

func (f *fakeIDSource) GenerateBrokerID(_ context.Context, reserved int32) (int32, error) {
	if f.genErr != nil {
		return 0, f.genErr
	}
	f.generated++
	return reserved + int32(f.generated), nil
}

func TestResolveBrokerID(t *testing.T) {
	gen := brokerIDRule{Configured: -1, GenerateIDs: true, ReservedMaxID: 1000}
	fixed := func(id int32) brokerIDRule {
		return brokerIDRule{Configured: id, GenerateIDs: true, ReservedMaxID: 1000}
	}
	tests := []struct {
		name      string
		src       fakeIDSource
		rule      brokerIDRule
		want      int32
		generated int
		wantErr   string
	}{
		{name: "configured, no meta", rule: fixed(3), want: 3},
		{name: "configured matches meta", src: fakeIDSource{found: true, metaBroker: 3, metaCluster: "c", zkCluster: "c"}, rule: fixed(3), want: 3},
		{name: "unset, meta wins", src: fakeIDSource{found: true, metaBroker: 1001, metaCluster: "c", zkCluster: "c"}, rule: gen, want: 1001},
		{name: "unset, no meta: generated", rule: gen, want: 1001, generated: 1},
		{name: "unset, other reserved max", rule: brokerIDRule{Configured: -1, GenerateIDs: true, ReservedMaxID: 5}, want: 6, generated: 1},
		{name: "unset, generation off", rule: brokerIDRule{Configured: -1, ReservedMaxID: 1000}, wantErr: "broker.id.generation.enable is false"},
		{name: "mismatch", src: fakeIDSource{found: true, metaBroker: 1, metaCluster: "c", zkCluster: "c"}, rule: fixed(2),
			wantErr: "kafka.common.InconsistentBrokerIdException: Configured broker.id 2 doesn't match stored broker.id 1 in meta.properties. " +
				"If you moved your data, make sure your configured broker.id matches. " +
				"If you intend to create a new broker, you should remove all data in your data directories (log.dirs)."},
		{name: "mismatch, meta without cluster id", src: fakeIDSource{found: true, metaBroker: 1, zkCluster: "c"}, rule: fixed(2),
			wantErr: "InconsistentBrokerIdException"},
		// Kafka reports the wrong cluster first: the broker's own check does.
		{name: "mismatch in another cluster", src: fakeIDSource{found: true, metaBroker: 1, metaCluster: "old", zkCluster: "c"}, rule: fixed(2), want: 2},
		{name: "mismatch, no cluster yet", src: fakeIDSource{found: true, metaBroker: 1, metaCluster: "old"}, rule: fixed(2), want: 2},
		{name: "dirs disagree", src: fakeIDSource{metaErr: fmt.Errorf("%w: 1 in /a, 2 elsewhere", storage.ErrInconsistentBrokerID)}, rule: gen,
			wantErr: "InconsistentBrokerMetadataException: BrokerMetadata is not consistent across log.dirs"},
		{name: "generation fails", src: fakeIDSource{genErr: errors.New("zk down")}, rule: gen,
			wantErr: "kafka.common.GenerateBrokerIdException: Failed to generate broker.id: zk down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			got, err := resolveBrokerID(context.Background(), &src, tt.rule)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || src.generated != tt.generated {
				t.Errorf("id %d after %d generations, want %d after %d", got, src.generated, tt.want, tt.generated)
			}
		})
	}
}
