package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestDeleteRecordsSurvivesLeaderChange deletes records below an offset on
// a replicated partition, then kills the leader: the new leader must not
// serve the deleted records again, because followers follow the leader's
// log start offset (ReplicaFetcherThread's maybeIncrementLogStartOffset).
func TestDeleteRecordsSurvivesLeaderChange(t *testing.T) {
	c := startCluster(t, ensemble, 3, map[string]string{"zookeeper.session.timeout.ms": "6000"})
	dpCreateTopic(c, "dr", 1, 3)
	_, recs := dpRecords("dr", 1, 20)
	dpProduce(t, c.bootstrap(), "dr", recs, kgo.RequiredAcks(kgo.AllISRAcks()))

	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: "dr", Partition: 0, At: 12})
	res, err := adm.DeleteRecords(ctx, offsets)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := res.Lookup("dr", 0); !ok || r.Err != nil || r.LowWatermark != 12 {
		t.Fatalf("DeleteRecords: %+v %v", r, ok)
	}

	// Give the followers a few fetches to learn the new log start.
	time.Sleep(3 * time.Second)
	var state struct{ Leader int }
	raw, _ := c.zk.mustGet("/brokers/topics/dr/partitions/0/state")
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	c.brokers[state.Leader-1].Kill(syscall.SIGKILL)

	eventually(t, time.Minute, "a new leader serving log start 12", func() error {
		starts, err := adm.ListStartOffsets(ctx, "dr")
		if err != nil {
			return err
		}
		o, ok := starts.Lookup("dr", 0)
		if !ok || o.Err != nil {
			return fmt.Errorf("start offset: %+v", o)
		}
		if o.Offset != 12 {
			return fmt.Errorf("log start %d after the leader change, want 12", o.Offset)
		}
		return nil
	})
}
