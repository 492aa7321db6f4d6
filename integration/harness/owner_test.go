package harness

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestRunAsUID starts a one-node ensemble and a broker each under a uid of
// its own, as fault tests do, and checks that both serve, that the
// processes really run as those uids, and that a restarted broker keeps its
// uid.
func TestRunAsUID(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ZooKeeper and a broker")
	}
	if os.Geteuid() != 0 {
		t.Skip("running processes under other uids needs root")
	}
	const zkUID, brokerUID = 64901, 64911
	e := StartEnsembleOpts(t, EnsembleOpts{Nodes: 1, UIDs: []uint32{zkUID}})
	zk := e.Connect() + Chroot(t)
	b := StartBroker(t, BrokerOpts{ID: 1, ZK: zk, UID: brokerUID, Props: map[string]string{"offsets.topic.replication.factor": "1"}})
	WaitCluster(t, zk, 1)

	steps := []struct {
		name string
		pid  func() int
		want uint32
	}{
		{"ZooKeeper node", func() int { return e.nodes[0].running().cmd.Process.Pid }, zkUID},
		{"broker", func() int { return b.current().cmd.Process.Pid }, brokerUID},
		{"restarted broker", func() int { b.Restart(); WaitCluster(t, zk, 1); return b.current().cmd.Process.Pid }, brokerUID},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := processUID(t, s.pid()); got != s.want {
				t.Errorf("uid = %d, want %d", got, s.want)
			}
		})
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(b.LogDir(), "meta.properties"), &st); err != nil {
		t.Fatalf("the broker wrote no meta.properties: %v", err)
	}
	if st.Uid != brokerUID {
		t.Errorf("meta.properties belongs to uid %d, want %d", st.Uid, brokerUID)
	}
}

// processUID reads the real uid of pid from /proc.
func processUID(t *testing.T, pid int) uint32 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			n, err := strconv.ParseUint(f[0], 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(n)
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return 0
}
