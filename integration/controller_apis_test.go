package integration

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
)

// TestControllerAdminAPIs drives ElectLeaders, AlterPartitionReassignments
// and ListPartitionReassignments through franz-go's admin client against a
// three-broker cluster and checks the answers and what the controller
// wrote to ZooKeeper.
func TestControllerAdminAPIs(t *testing.T) {
	c := startCluster(t, ensemble, 3, nil)
	ctrl, err := c.controller()
	if err != nil {
		t.Fatal(err)
	}
	var others []int // the brokers that are not the controller
	for id := 1; id <= 3; id++ {
		if id != ctrl {
			others = append(others, id)
		}
	}
	x, y := others[0], others[1]
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(c.bootstrap(), ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// Leadership: reorder the replicas of el-0 (a reassignment without a
	// move, done at once) and elect the new preferred replica.
	c.createAssigned("el", "1:2:3,2:3:1")
	c.waitISRComplete("el", 2)
	var reorder kadm.AlterPartitionAssignmentsReq
	reorder.Assign("el", 0, []int32{2, 1, 3})
	checkAlter(t, ctx, adm, reorder, map[int32]string{0: ""})
	eventually(t, 30*time.Second, "el-0 reordered", func() error {
		if got := c.assignmentOf("el")["0"]; !reflect.DeepEqual(got, []int{2, 1, 3}) {
			return fmt.Errorf("el-0 replicas %v", got)
		}
		return nil
	})
	if l := c.leaderOfPartition("el", 0); l != 1 {
		t.Fatalf("el-0 leader %d after reordering, want 1 (still a replica, alive)", l)
	}
	res, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"el": {0: {}, 1: {}, 7: {}}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]string{
		0: "",
		1: kerr.ElectionNotNeeded.Message + ": Leader election not needed for topic partition",
		7: kerr.UnknownTopicOrPartition.Message + ": The partition does not exist.",
	}
	if got := electOutcomes(res["el"]); !reflect.DeepEqual(got, want) {
		t.Fatalf("preferred election:\n got %v\nwant %v", got, want)
	}
	// The answer waited for the metadata: the state znode says so already.
	if l := c.leaderOfPartition("el", 0); l != 2 {
		t.Fatalf("el-0 leader %d after the preferred election, want 2", l)
	}
	// Every partition has a live leader: no unclean election is needed,
	// and an election over all partitions leaves those out.
	res, err = adm.ElectLeaders(ctx, kadm.ElectLiveReplica, nil)
	if err != nil || len(res) != 0 {
		t.Fatalf("unclean election over all partitions: %v %v", res, err)
	}

	// Reassignment in progress: broker x is frozen, so it cannot catch up
	// while the test lists and cancels (well within its session timeout).
	c.createAssigned("mv", strconv.Itoa(y))
	c.brokers[x-1].Kill(syscall.SIGSTOP)
	var move kadm.AlterPartitionAssignmentsReq
	move.Assign("mv", 0, []int32{int32(y), int32(x)})
	checkAlter(t, ctx, adm, move, map[int32]string{0: ""})
	wantList := []string{fmt.Sprintf("mv-0 replicas [%d %d] adding [%d] removing []", y, x, x)}
	if got := listAll(t, ctx, cl); !reflect.DeepEqual(got, wantList) {
		t.Fatalf("listing:\n got %q\nwant %q", got, wantList)
	}
	// Named: only partitions being reassigned are listed.
	named, err := adm.ListPartitionReassignments(ctx, kadm.TopicsSet{"mv": {0: {}, 3: {}}, "el": {0: {}}, "nope": {0: {}}})
	if err != nil || len(named) != 1 || len(named["mv"]) != 1 {
		t.Fatalf("named listing: %+v %v", named, err)
	}
	inProgress := fmt.Sprintf(`{"version":2,"partitions":{"0":[%d,%d]},"adding_replicas":{"0":[%d]},"removing_replicas":{}}`, y, x, x)
	if b, _ := c.zk.mustGet("/brokers/topics/mv"); string(b) != inProgress {
		t.Fatalf("topic znode during the move %s, want %s", b, inProgress)
	}
	if c.zk.exists("/admin/reassign_partitions") {
		t.Fatal("an API reassignment wrote /admin/reassign_partitions")
	}
	// New partitions wait for the reassignment (AdminManager.createPartitions).
	created, err := adm.CreatePartitions(ctx, 1, "mv")
	if want := "A partition reassignment is in progress for the topic 'mv'."; err != nil || !errors.Is(created["mv"].Err, kerr.ReassignmentInProgress) || created["mv"].ErrMessage != want {
		t.Fatalf("CreatePartitions during the move: %+v %v, want REASSIGNMENT_IN_PROGRESS %q", created["mv"], err, want)
	}
	var cancelMove kadm.AlterPartitionAssignmentsReq
	cancelMove.CancelAssign("mv", 0)
	checkAlter(t, ctx, adm, cancelMove, map[int32]string{0: ""})
	c.brokers[x-1].Kill(syscall.SIGCONT)
	back := fmt.Sprintf(`{"version":2,"partitions":{"0":[%d]},"adding_replicas":{},"removing_replicas":{}}`, y)
	if b, _ := c.zk.mustGet("/brokers/topics/mv"); string(b) != back {
		t.Fatalf("topic znode after cancelling %s, want %s", b, back)
	}
	if got := listAll(t, ctx, cl); len(got) != 0 {
		t.Fatalf("listing after cancelling: %q", got)
	}
	checkAlter(t, ctx, adm, cancelMove, map[int32]string{0: kerr.NoReassignmentInProgress.Message + ": No partition reassignment is in progress."})

	// Refused requests.
	var bad kadm.AlterPartitionAssignmentsReq
	bad.Assign("mv", 0, []int32{int32(y), int32(y)})
	checkAlter(t, ctx, adm, bad, map[int32]string{0: kerr.InvalidReplicaAssignment.Message + ": Replica assignment is invalid."})
	bad = nil
	bad.Assign("mv", 5, []int32{1})
	checkAlter(t, ctx, adm, bad, map[int32]string{5: kerr.UnknownTopicOrPartition.Message + ": The partition does not exist."})

	// A full move away from the leader: y leaves, x and the controller
	// join; the leadership moves into the new replicas. x may have lost
	// its session while frozen: retried until it is back.
	move = nil
	move.Assign("mv", 0, []int32{int32(x), int32(ctrl)})
	eventually(t, 30*time.Second, "move of mv-0 accepted", func() error {
		rs, err := adm.AlterPartitionAssignments(ctx, move)
		if err != nil {
			return err
		}
		return rs["mv"][0].Err
	})
	done := fmt.Sprintf(`{"version":2,"partitions":{"0":[%d,%d]},"adding_replicas":{},"removing_replicas":{}}`, x, ctrl)
	eventually(t, 60*time.Second, "move of mv-0 completed", func() error {
		if b, _ := c.zk.mustGet("/brokers/topics/mv"); string(b) != done {
			return fmt.Errorf("topic znode %s", b)
		}
		return nil
	})
	st := c.zk.jsonMap("/brokers/topics/mv/partitions/0/state")
	if leader := int(st["leader"].(float64)); leader != x {
		t.Errorf("mv-0 leader %d after the move, want %d", leader, x)
	}
	if isr := fmt.Sprint(st["isr"]); isr != fmt.Sprint([]any{float64(x), float64(ctrl)}) && isr != fmt.Sprint([]any{float64(ctrl), float64(x)}) {
		t.Errorf("mv-0 ISR %s after the move, want %d and %d", isr, x, ctrl)
	}
	if got := listAll(t, ctx, cl); len(got) != 0 {
		t.Fatalf("listing after the move: %q", got)
	}

	// Any other broker is not the controller.
	checkNotController(t, ctx, c.brokers[x-1].Addr(), int32(x))
}

// checkAlter runs AlterPartitionAssignments and compares each partition's
// outcome ("" for success, else the error and its message).
func checkAlter(t *testing.T, ctx context.Context, adm *kadm.Client, req kadm.AlterPartitionAssignmentsReq, want map[int32]string) {
	t.Helper()
	rs, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32]string{}
	for _, ps := range rs {
		for p, r := range ps {
			got[p] = apiOutcome(r.Err, r.ErrMessage)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reassignment %v:\n got %v\nwant %v", req, got, want)
	}
}

func electOutcomes(ps map[int32]kadm.ElectLeadersResult) map[int32]string {
	out := map[int32]string{}
	for p, r := range ps {
		out[p] = apiOutcome(r.Err, r.ErrMessage)
	}
	return out
}

func apiOutcome(err error, msg string) string {
	var ke *kerr.Error
	if err == nil {
		return ""
	}
	if errors.As(err, &ke) {
		return ke.Message + ": " + msg
	}
	return err.Error() + ": " + msg
}

// listAll lists every reassignment in progress (a null topic list, which
// kadm does not send) as "topic-p replicas [..] adding [..] removing [..]".
func listAll(t *testing.T, ctx context.Context, cl *kgo.Client) []string {
	t.Helper()
	resp, err := kmsg.NewPtrListPartitionReassignmentsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 0 {
		t.Fatalf("ListPartitionReassignments: error %d", resp.ErrorCode)
	}
	var out []string
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			out = append(out, fmt.Sprintf("%s-%d replicas %v adding %v removing %v", rt.Topic, rp.Partition, rp.Replicas, rp.AddingReplicas, rp.RemovingReplicas))
		}
	}
	return out
}

// checkNotController sends the three requests straight to a broker that
// is not the controller: NOT_CONTROLLER per partition for ElectLeaders, at
// the top level (with Kafka's message) for the reassignment APIs.
func checkNotController(t *testing.T, ctx context.Context, addr string, id int32) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	b := cl.Broker(int(id))
	elect := kmsg.NewPtrElectLeadersRequest()
	et := kmsg.NewElectLeadersRequestTopic()
	et.Topic, et.Partitions = "el", []int32{0}
	elect.Topics = append(elect.Topics, et)
	resp, err := b.Request(ctx, elect)
	if err != nil {
		t.Fatal(err)
	}
	er := resp.(*kmsg.ElectLeadersResponse)
	if er.ErrorCode != 0 || len(er.Topics) != 1 || er.Topics[0].Partitions[0].ErrorCode != kerr.NotController.Code || er.Topics[0].Partitions[0].ErrorMessage != nil {
		t.Errorf("ElectLeaders on broker %d: %+v", id, er)
	}
	alter := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	at := kmsg.NewAlterPartitionAssignmentsRequestTopic()
	at.Topic = "mv"
	at.Partitions = append(at.Partitions, kmsg.NewAlterPartitionAssignmentsRequestTopicPartition())
	alter.Topics = append(alter.Topics, at)
	resp, err = b.Request(ctx, alter)
	if err != nil {
		t.Fatal(err)
	}
	if ar := resp.(*kmsg.AlterPartitionAssignmentsResponse); ar.ErrorCode != kerr.NotController.Code || ar.ErrorMessage == nil || *ar.ErrorMessage != "This is not the correct controller for this cluster." {
		t.Errorf("AlterPartitionReassignments on broker %d: %+v", id, ar)
	}
	resp, err = b.Request(ctx, kmsg.NewPtrListPartitionReassignmentsRequest())
	if err != nil {
		t.Fatal(err)
	}
	if lr := resp.(*kmsg.ListPartitionReassignmentsResponse); lr.ErrorCode != kerr.NotController.Code {
		t.Errorf("ListPartitionReassignments on broker %d: %+v", id, lr)
	}
}

// waitISRComplete waits until every partition of topic has all three
// brokers in its ISR.
func (c *cluster) waitISRComplete(topic string, partitions int) {
	c.t.Helper()
	eventually(c.t, 60*time.Second, "full ISR of "+topic, func() error {
		for p := 0; p < partitions; p++ {
			m := c.zk.jsonMap(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p))
			if isr, _ := m["isr"].([]any); len(isr) != 3 {
				return fmt.Errorf("partition %d ISR %v", p, m["isr"])
			}
		}
		return nil
	})
}

// TestControllerAPIsAsKafka sends the same refused or no-op requests to a
// one-broker Samsa cluster and to Apache Kafka 2.4.1's broker and expects
// the same error codes and messages.
func TestControllerAPIsAsKafka(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	samsaZK := ensemble.Connect() + harness.Chroot(t)
	samsa := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: samsaZK})
	harness.WaitCluster(t, samsaZK, 1)
	got := controllerAPIAnswers(ctx, t, samsa.Addr())
	kafkaZK := ensemble.Connect() + harness.Chroot(t)
	kafka := harness.StartKafkaBroker(t, harness.BrokerOpts{ID: 1, ZK: kafkaZK})
	harness.WaitCluster(t, kafkaZK, 1)
	want := controllerAPIAnswers(ctx, t, kafka.Addr())
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Samsa answered\n%s\nKafka 2.4.1 answered\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// controllerAPIAnswers creates topic t (two partitions on broker 1) and
// returns the answers to a fixed list of requests, one line per partition.
func controllerAPIAnswers(ctx context.Context, t *testing.T, addr string) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 2, 1, nil, "t")
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatal(err)
	}
	msg := func(s *string) string {
		if s == nil {
			return "null"
		}
		return strconv.Quote(*s)
	}
	var out []string
	elect := func(name string, version int16, typ int8, topics map[string][]int32) {
		req := kmsg.NewPtrElectLeadersRequest()
		req.SetVersion(version)
		req.ElectionType = typ
		if topics != nil {
			req.Topics = []kmsg.ElectLeadersRequestTopic{}
			for topic, ps := range topics {
				rt := kmsg.NewElectLeadersRequestTopic()
				rt.Topic, rt.Partitions = topic, ps
				req.Topics = append(req.Topics, rt)
			}
		}
		var r *kmsg.ElectLeadersResponse
		eventually(t, 30*time.Second, name, func() error {
			kr, err := cl.Broker(1).Request(ctx, req)
			if err != nil {
				return err
			}
			r = kr.(*kmsg.ElectLeadersResponse)
			return nil
		})
		var lines []string
		for _, rt := range r.Topics {
			for _, rp := range rt.Partitions {
				lines = append(lines, fmt.Sprintf("%s: %s-%d %d %s", name, rt.Topic, rp.Partition, rp.ErrorCode, msg(rp.ErrorMessage)))
			}
		}
		sort.Strings(lines)
		out = append(out, fmt.Sprintf("%s: top %d, %d partitions", name, r.ErrorCode, len(lines)))
		out = append(out, lines...)
	}
	elect("preferred", 2, 0, map[string][]int32{"t": {0, 9}, "nope": {0}})
	elect("preferred v0", 0, 0, map[string][]int32{"t": {0}})
	elect("unclean", 1, 1, map[string][]int32{"t": {0}})
	elect("all", 2, 0, nil)
	elect("invalid type", 1, 5, map[string][]int32{"t": {0}})

	alter := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	for _, a := range []struct {
		topic    string
		p        int32
		replicas []int32
	}{{"t", 0, []int32{1, 1}}, {"t", 1, []int32{1}}, {"t", 9, []int32{1}}, {"t", 2, []int32{7}}, {"u", 0, nil}, {"u", 1, []int32{}}, {"u", 2, []int32{-1}}} {
		rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
		rt.Topic = a.topic
		rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
		rp.Partition, rp.Replicas = a.p, a.replicas
		rt.Partitions = append(rt.Partitions, rp)
		alter.Topics = append(alter.Topics, rt)
	}
	kr, err := cl.Broker(1).Request(ctx, alter)
	if err != nil {
		t.Fatal(err)
	}
	ar := kr.(*kmsg.AlterPartitionAssignmentsResponse)
	var lines []string
	for _, rt := range ar.Topics {
		for _, rp := range rt.Partitions {
			lines = append(lines, fmt.Sprintf("alter: %s-%d %d %s", rt.Topic, rp.Partition, rp.ErrorCode, msg(rp.ErrorMessage)))
		}
	}
	sort.Strings(lines)
	out = append(out, fmt.Sprintf("alter: top %d %s", ar.ErrorCode, msg(ar.ErrorMessage)))
	out = append(out, lines...)

	for _, named := range []bool{false, true} {
		list := kmsg.NewPtrListPartitionReassignmentsRequest()
		if named {
			rt := kmsg.NewListPartitionReassignmentsRequestTopic()
			rt.Topic, rt.Partitions = "t", []int32{0, 5}
			list.Topics = append(list.Topics, rt)
		}
		kr, err := cl.Broker(1).Request(ctx, list)
		if err != nil {
			t.Fatal(err)
		}
		lr := kr.(*kmsg.ListPartitionReassignmentsResponse)
		out = append(out, fmt.Sprintf("list (named %v): top %d %s, %d topics", named, lr.ErrorCode, msg(lr.ErrorMessage), len(lr.Topics)))
	}
	return out
}
