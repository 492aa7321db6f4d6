package integration

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestBrokerIDGeneration starts a broker with broker.id=-1, as Kafka's
// broker.id.generation.enable allows, and checks what Kafka 2.4.1's broker
// does in the same steps: the id is /brokers/seqid's new version plus
// reserved.broker.max.id, meta.properties keeps it, a restart reuses it
// without a new sequence number, and a configured id that disagrees with
// meta.properties is refused with InconsistentBrokerIdException.
func TestBrokerIDGeneration(t *testing.T) {
	forEachBroker(t, func(t *testing.T, start startFunc) {
		chroot := harness.Chroot(t)
		connect := ensemble.Connect() + chroot
		zk := dialZK(t, ensemble.Servers(), chroot)
		generated := map[string]string{"broker.id": "-1", "offsets.topic.replication.factor": "1"}

		b := start(t, harness.BrokerOpts{ID: 1, ZK: connect, Props: generated})
		waitIDs(t, zk, "1001")
		checkSeqID(t, zk, 1)
		_, clusterStat := zk.mustGet("/cluster/id")
		clusterID, _ := zk.jsonMap("/cluster/id")["id"].(string)
		want := map[string]string{"version": "0", "broker.id": "1001", "cluster.id": clusterID}
		if got := readMeta(t, b.LogDir()); !maps.Equal(got, want) {
			t.Errorf("meta.properties = %v, want %v", got, want)
		}

		// A restart takes the id from meta.properties: no new sequence number.
		if err := b.Stop(); err != nil {
			t.Logf("broker exited with %v after SIGTERM", err)
		}
		// The old registration must be gone (its session closed or expired)
		// or the new one would clash with it.
		waitIDs(t, zk)
		b.Restart()
		waitIDs(t, zk, "1001")
		checkSeqID(t, zk, 1)
		if _, st := zk.mustGet("/cluster/id"); st.Czxid != clusterStat.Czxid {
			t.Errorf("/cluster/id was recreated")
		}

		// A second new broker takes the next number.
		second := start(t, harness.BrokerOpts{ID: 2, ZK: connect, Props: generated})
		waitIDs(t, zk, "1001", "1002")
		checkSeqID(t, zk, 2)
		if got := readMeta(t, second.LogDir())["broker.id"]; got != "1002" {
			t.Errorf("second broker's meta.properties broker.id = %q, want 1002", got)
		}

		// A configured id that disagrees with meta.properties is refused.
		if err := b.Stop(); err != nil {
			t.Logf("broker exited with %v after SIGTERM", err)
		}
		wrong := start(t, harness.BrokerOpts{ID: 3, ZK: connect, LogDir: b.LogDir(), NoWait: true,
			Props: map[string]string{"broker.id": "7"}})
		select {
		case <-wrong.Done():
		case <-time.After(time.Minute):
			t.Fatal("broker with broker.id=7 started on the log dir of broker 1001")
		}
		msg := "InconsistentBrokerIdException: Configured broker.id 7 doesn't match stored broker.id 1001 in meta.properties. " +
			"If you moved your data, make sure your configured broker.id matches."
		if out := wrong.LogTail(60); !strings.Contains(out, msg) {
			t.Errorf("refusal does not say %q:\n%s", msg, out)
		}
		if got := readMeta(t, b.LogDir())["broker.id"]; got != "1001" {
			t.Errorf("meta.properties broker.id after the refusal = %q, want 1001", got)
		}
	})
}

func waitIDs(t *testing.T, zk *zkClient, want ...string) {
	t.Helper()
	eventually(t, time.Minute, "broker registrations", func() error {
		if !zk.exists("/brokers/ids") {
			return fmt.Errorf("no /brokers/ids yet")
		}
		ids := zk.children("/brokers/ids")
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			return fmt.Errorf("registered %v, want %v", ids, want)
		}
		return nil
	})
}

// checkSeqID: Kafka writes empty data (not null) with version -1 once per
// generated id, so the version counts the ids handed out.
func checkSeqID(t *testing.T, zk *zkClient, version int32) {
	t.Helper()
	data, st := zk.mustGet("/brokers/seqid")
	if data == nil || len(data) != 0 || st.Version != version {
		t.Errorf("/brokers/seqid = %q (nil %v) version %d, want empty data version %d", data, data == nil, st.Version, version)
	}
}

// readMeta reads meta.properties' keys, leaving out the comment lines.
// Kafka writes the file just after registering, so it waits for it.
func readMeta(t *testing.T, dir string) map[string]string {
	t.Helper()
	var data []byte
	eventually(t, time.Minute, "meta.properties written", func() error {
		var err error
		data, err = os.ReadFile(filepath.Join(dir, "meta.properties"))
		return err
	})
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}
