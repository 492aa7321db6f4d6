package group

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.txt with the actual outputs")

// TestScripts runs the scripts under testdata. Each case is one command line, a "----"
// line and the expected output, ending at a blank line. Commands:
//
//	config key=value...      before load: initial-delay, session-min, session-max, max-size,
//	                         retention, check-interval (durations), partitions
//	load [offsets=g:t/p=off,...] [stable=g:m1,m2]  replay records (offset commits, one
//	                         Stable group) and start serving
//	appends auto|manual      auto (default) completes every acks=-1 append at once
//	append-done id=N [err=NAME]
//	join w= group= [member=] [client=c] [instance=] [protocols=range,...] [topics=t,...]
//	     [session=10s] [rebalance=30s] [version=6] [type=consumer]
//	sync w= group= member= gen= [instance=] [assign=m:bytes;m:bytes] [version=4]
//	heartbeat w= group= member= gen= [instance=] [version=4]
//	leave w= group= members=m[/instance],... [version=4]
//	commit w= group= [member=] [gen=-1] [instance=] offsets=t/p=off,... [version=8]
//	       [retention=ms] [unknown=t/p,...] [metadata=s | metadata-len=N]
//	fetch w= group= [partitions=t/p,...|all] [version=6]
//	describe w= groups=g,...   list w=   delete-groups w= groups=g,...
//	offset-delete w= group= partitions=t/p,...
//	partitions-deleted topic= partitions=0,1,...
//	tick DURATION            advance the clock, firing due timers in deadline order
//	state group=             dump a group's internal state
//	unload
//
// group= defaults to g and client= to consumer; generated member ids are the client id
// (or group.instance.id), "-" and a counter. Each command prints the effects: appends with
// their decoded records, replies, then timers; with appends auto each append is completed
// right after and its effects printed under "append-done". The harness never stops a
// superseded timer: it fires like any other and is printed only if it does something.
// go test ./broker/group -rewrite regenerates the expectations; read every change.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScript(t, f) })
	}
}

type scriptCase struct {
	line     int
	cmd      string
	expected []string
	raw      []string // comment and blank lines before the case
}

func parseScript(t *testing.T, path string) (cases []scriptCase, tail []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	var raw []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			raw = append(raw, l)
			continue
		}
		c := scriptCase{line: i + 1, cmd: l, raw: raw}
		raw = nil
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: command without ---- line", path, i+1)
		}
		i += 2
		for ; i < len(lines) && lines[i] != ""; i++ {
			c.expected = append(c.expected, lines[i])
		}
		cases = append(cases, c)
	}
	return cases, raw
}

func runScript(t *testing.T, path string) {
	cases, tail := parseScript(t, path)
	h := newHarness()
	var out strings.Builder
	for _, c := range cases {
		got, err := h.run(c.cmd)
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", path, c.line, c.cmd, err)
		}
		if *rewrite {
			for _, r := range c.raw {
				out.WriteString(r + "\n")
			}
			out.WriteString(c.cmd + "\n----\n")
			for _, g := range got {
				out.WriteString(g + "\n")
			}
			out.WriteString("\n")
			continue
		}
		if strings.Join(got, "\n") != strings.Join(c.expected, "\n") {
			t.Errorf("%s:%d: %s\n--- got:\n%s\n--- want:\n%s", path, c.line, c.cmd,
				strings.Join(got, "\n"), strings.Join(c.expected, "\n"))
		}
	}
	if *rewrite {
		for _, r := range tail {
			if r != "" {
				out.WriteString(r + "\n")
			}
		}
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// harness plays the broker: it keeps the armed timers, completes appends and prints effects.
type harness struct {
	cfg        Config
	s          *Shard
	start, now time.Time
	timers     map[TimerKey]time.Time // armed
	// superseded timers are not stopped but fired like the others, as a broker that lets
	// old timers run would; they must do nothing, so they are printed only if they do.
	superseded map[TimerKey]bool
	manual     bool
	pending    map[uint64]bool
	uuid       int
}

func newHarness() *harness {
	h := &harness{start: time.UnixMilli(1_600_000_000_000), timers: map[TimerKey]time.Time{},
		superseded: map[TimerKey]bool{}, pending: map[uint64]bool{}}
	h.now = h.start
	h.cfg = DefaultConfig()
	h.cfg.InitialRebalanceDelay = 0
	h.cfg.NumPartitions = 1
	h.cfg.NewUUID = func() string { h.uuid++; return strconv.Itoa(h.uuid) }
	return h
}

func (h *harness) shard() *Shard {
	if h.s == nil {
		h.s = NewShard(0, h.cfg, nil)
	}
	return h.s
}

type args map[string]string

func (a args) str(k, def string) string {
	if v, ok := a[k]; ok {
		return v
	}
	return def
}

func (a args) int(k string, def int64) int64 {
	v, ok := a[k]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("bad %s=%s", k, v))
	}
	return n
}

func (a args) dur(k string, def time.Duration) time.Duration {
	v, ok := a[k]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("bad %s=%s", k, v))
	}
	return d
}

func (a args) strPtr(k string) *string {
	if v, ok := a[k]; ok {
		return &v
	}
	return nil
}

func (a args) list(k string) []string {
	v, ok := a[k]
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func parseTP(s string) (string, int32) {
	i := strings.LastIndexByte(s, '/')
	p, err := strconv.Atoi(s[i+1:])
	if i < 0 || err != nil {
		panic("bad partition " + s)
	}
	return s[:i], int32(p)
}

func (h *harness) run(line string) (out []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	fields := strings.Fields(line)
	cmd, a := fields[0], args{}
	var pos []string
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			a[k] = v
		} else {
			pos = append(pos, f)
		}
	}
	w := Waiter(a.int("w", 0))
	req := func(m kmsg.Request) Effects {
		r := Request{Waiter: w, ClientID: a.str("client", "consumer"), ClientHost: "/127.0.0.1", Msg: m}
		if unk := a.list("unknown"); unk != nil {
			r.PartitionExists = func(t string, p int32) bool {
				for _, u := range unk {
					if ut, up := parseTP(u); ut == t && up == p {
						return false
					}
				}
				return true
			}
		}
		return h.shard().Handle(h.now, r)
	}
	var fx Effects
	switch cmd {
	case "config":
		if h.s != nil {
			return nil, errors.New("config must come before the shard is used")
		}
		h.cfg.InitialRebalanceDelay = a.dur("initial-delay", h.cfg.InitialRebalanceDelay)
		h.cfg.MinSessionTimeout = a.dur("session-min", h.cfg.MinSessionTimeout)
		h.cfg.MaxSessionTimeout = a.dur("session-max", h.cfg.MaxSessionTimeout)
		h.cfg.MaxSize = int(a.int("max-size", int64(h.cfg.MaxSize)))
		h.cfg.OffsetsRetention = a.dur("retention", h.cfg.OffsetsRetention)
		h.cfg.OffsetsRetentionCheckInterval = a.dur("check-interval", h.cfg.OffsetsRetentionCheckInterval)
		h.cfg.NumPartitions = int32(a.int("partitions", int64(h.cfg.NumPartitions)))
		if err := h.cfg.Validate(); err != nil {
			return nil, err
		}
		return []string{"ok"}, nil
	case "load":
		l := NewLoader()
		for _, o := range a.list("offsets") {
			g, rest, _ := strings.Cut(o, ":")
			tps, off, _ := strings.Cut(rest, "=")
			t, p := parseTP(tps)
			n, _ := strconv.ParseInt(off, 10, 64)
			v := OffsetValue{Offset: n, LeaderEpoch: -1, CommitTimestamp: h.now.UnixMilli(), ExpireTimestamp: -1}
			if err := l.Add(EncodeOffsetKey(g, t, p), EncodeOffsetValue(v)); err != nil {
				return nil, err
			}
		}
		if st := a.str("stable", ""); st != "" {
			// A Stable generation 1 written by a previous coordinator: consumer group of
			// range members subscribed to t with 5 minute sessions, the first one leader.
			g, ms, _ := strings.Cut(st, ":")
			v := GroupValue{ProtocolType: "consumer", Generation: 1, Protocol: strPtr("range"),
				CurrentStateTimestamp: h.now.UnixMilli()}
			for i, m := range strings.Split(ms, ",") {
				if i == 0 {
					v.Leader = strPtr(m)
				}
				v.Members = append(v.Members, MemberValue{MemberID: m, ClientID: "consumer", ClientHost: "/127.0.0.1",
					RebalanceTimeout: 300000, SessionTimeout: 300000, Subscription: subscriptionV0([]string{"t"}),
					Assignment: []byte(m + "-assignment")})
			}
			if err := l.Add(EncodeGroupKey(g), EncodeGroupValue(v)); err != nil {
				return nil, err
			}
		}
		fx = h.shard().Load(h.now, l)
	case "unload":
		fx = h.shard().Unload(h.now)
	case "appends":
		h.manual = len(pos) > 0 && pos[0] == "manual"
		return []string{"ok"}, nil
	case "append-done":
		var e error
		if name := a.str("err", ""); name != "" {
			e = errByName(name)
		}
		id := uint64(a.int("id", 0))
		if !h.pending[id] {
			return nil, fmt.Errorf("append %d is not pending", id)
		}
		delete(h.pending, id)
		fx = h.shard().AppendDone(h.now, id, e)
	case "join":
		m := kmsg.NewPtrJoinGroupRequest()
		m.Version = int16(a.int("version", 6))
		m.Group = a.str("group", "g")
		m.MemberID = a.str("member", "")
		m.InstanceID = a.strPtr("instance")
		m.SessionTimeoutMillis = int32(a.dur("session", 10*time.Second).Milliseconds())
		m.RebalanceTimeoutMillis = int32(a.dur("rebalance", 30*time.Second).Milliseconds())
		m.ProtocolType = a.str("type", "consumer")
		meta := subscriptionV0(a.list("topics"))
		for _, p := range strings.Split(a.str("protocols", "range"), ",") {
			jp := kmsg.NewJoinGroupRequestProtocol()
			jp.Name, jp.Metadata = p, meta
			m.Protocols = append(m.Protocols, jp)
		}
		fx = req(m)
	case "sync":
		m := kmsg.NewPtrSyncGroupRequest()
		m.Version = int16(a.int("version", 4))
		m.Group = a.str("group", "g")
		m.MemberID = a.str("member", "")
		m.Generation = int32(a.int("gen", 0))
		m.InstanceID = a.strPtr("instance")
		if as := a.str("assign", ""); as != "" {
			for _, x := range strings.Split(as, ";") {
				id, b, _ := strings.Cut(x, ":")
				ga := kmsg.NewSyncGroupRequestGroupAssignment()
				ga.MemberID, ga.MemberAssignment = id, []byte(b)
				m.GroupAssignment = append(m.GroupAssignment, ga)
			}
		}
		fx = req(m)
	case "heartbeat":
		m := kmsg.NewPtrHeartbeatRequest()
		m.Version = int16(a.int("version", 4))
		m.Group = a.str("group", "g")
		m.MemberID = a.str("member", "")
		m.Generation = int32(a.int("gen", 0))
		m.InstanceID = a.strPtr("instance")
		fx = req(m)
	case "leave":
		m := kmsg.NewPtrLeaveGroupRequest()
		m.Version = int16(a.int("version", 4))
		m.Group = a.str("group", "g")
		for _, x := range a.list("members") {
			lm := kmsg.NewLeaveGroupRequestMember()
			id, inst, ok := strings.Cut(x, "/")
			lm.MemberID = id
			if ok {
				lm.InstanceID = &inst
			}
			m.Members = append(m.Members, lm)
			m.MemberID = id
		}
		fx = req(m)
	case "commit":
		m := kmsg.NewPtrOffsetCommitRequest()
		m.Version = int16(a.int("version", 8))
		m.Group = a.str("group", "g")
		m.MemberID = a.str("member", "")
		m.Generation = int32(a.int("gen", -1))
		m.InstanceID = a.strPtr("instance")
		m.RetentionTimeMillis = a.int("retention", -1)
		for _, o := range a.list("offsets") {
			tps, off, _ := strings.Cut(o, "=")
			topic, p := parseTP(tps)
			n, _ := strconv.ParseInt(off, 10, 64)
			var mt *kmsg.OffsetCommitRequestTopic
			for i := range m.Topics {
				if m.Topics[i].Topic == topic {
					mt = &m.Topics[i]
				}
			}
			if mt == nil {
				m.Topics = append(m.Topics, kmsg.NewOffsetCommitRequestTopic())
				mt = &m.Topics[len(m.Topics)-1]
				mt.Topic = topic
			}
			pp := kmsg.NewOffsetCommitRequestTopicPartition()
			pp.Partition, pp.Offset = p, n
			if md := a.str("metadata", ""); md != "" {
				pp.Metadata = &md
			}
			if n := a.int("metadata-len", -1); n >= 0 {
				md := strings.Repeat("x", int(n))
				pp.Metadata = &md
			}
			mt.Partitions = append(mt.Partitions, pp)
		}
		fx = req(m)
	case "fetch":
		m := kmsg.NewPtrOffsetFetchRequest()
		m.Version = int16(a.int("version", 6))
		m.Group = a.str("group", "g")
		if a.str("partitions", "all") != "all" {
			m.Topics = []kmsg.OffsetFetchRequestTopic{}
			for _, x := range a.list("partitions") {
				topic, p := parseTP(x)
				if n := len(m.Topics); n == 0 || m.Topics[n-1].Topic != topic {
					ft := kmsg.NewOffsetFetchRequestTopic()
					ft.Topic = topic
					m.Topics = append(m.Topics, ft)
				}
				m.Topics[len(m.Topics)-1].Partitions = append(m.Topics[len(m.Topics)-1].Partitions, p)
			}
		}
		fx = req(m)
	case "describe":
		m := kmsg.NewPtrDescribeGroupsRequest()
		m.Version = int16(a.int("version", 5))
		m.Groups = a.list("groups")
		fx = req(m)
	case "list":
		m := kmsg.NewPtrListGroupsRequest()
		m.Version = int16(a.int("version", 3))
		fx = req(m)
	case "delete-groups":
		m := kmsg.NewPtrDeleteGroupsRequest()
		m.Version = int16(a.int("version", 2))
		m.Groups = a.list("groups")
		fx = req(m)
	case "offset-delete":
		m := kmsg.NewPtrOffsetDeleteRequest()
		m.Group = a.str("group", "g")
		for _, x := range a.list("partitions") {
			topic, p := parseTP(x)
			ot := kmsg.NewOffsetDeleteRequestTopic()
			ot.Topic = topic
			op := kmsg.NewOffsetDeleteRequestTopicPartition()
			op.Partition = p
			ot.Partitions = append(ot.Partitions, op)
			m.Topics = append(m.Topics, ot)
		}
		fx = req(m)
	case "partitions-deleted":
		var ps []int32
		for _, p := range a.list("partitions") {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, err
			}
			ps = append(ps, int32(n))
		}
		fx = h.shard().PartitionsDeleted(h.now, a.str("topic", ""), ps)
	case "tick":
		return h.tick(pos[0]), nil
	case "state":
		return []string{h.state(a.str("group", "g"))}, nil
	default:
		return nil, errors.New("unknown command")
	}
	if out := h.effects(fx); len(out) > 0 {
		return out, nil
	}
	return []string{"ok"}, nil // no effects: an empty block would end the case
}

func errByName(name string) error {
	for code := int16(-1); code < 200; code++ {
		if e := kerr.ErrorForCode(code); e != nil {
			var ke *kerr.Error
			if errors.As(e, &ke) && ke.Message == name {
				return ke
			}
		}
	}
	panic("unknown error " + name)
}

func errName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	var ke *kerr.Error
	if errors.As(kerr.ErrorForCode(code), &ke) {
		return ke.Message
	}
	return strconv.Itoa(int(code))
}

func (h *harness) rel(t time.Time) string { return "+" + t.Sub(h.start).String() }

// effects prints fx and carries them out: records timers, completes appends in auto mode.
func (h *harness) effects(fx Effects) []string {
	var out []string
	var done []uint64
	for _, ap := range fx.Appends {
		out = append(out, fmt.Sprintf("append id=%d acks=%d", ap.ID, ap.Acks))
		for _, r := range ap.Records {
			out = append(out, "  "+describeRecord(h, r))
		}
		if ap.Acks != 0 {
			if h.manual {
				h.pending[ap.ID] = true
			} else {
				done = append(done, ap.ID)
			}
		}
	}
	for _, r := range fx.Replies {
		out = append(out, strings.TrimSpace(fmt.Sprintf("reply w=%d %s", r.To, describeResponse(r.Response))))
	}
	for _, tm := range fx.Timers {
		for k := range h.timers {
			if k.Group == tm.Key.Group && k.Kind == tm.Key.Kind && k.Member == tm.Key.Member {
				h.superseded[k] = true
			}
		}
		h.timers[tm.Key] = tm.At
		who := tm.Key.Group
		if tm.Key.Member != "" {
			who += "/" + tm.Key.Member
		}
		out = append(out, fmt.Sprintf("timer %s %s at=%s", tm.Key.Kind, who, h.rel(tm.At)))
	}
	for _, id := range done {
		out = append(out, fmt.Sprintf("append-done id=%d", id))
		out = append(out, indent(h.effects(h.s.AppendDone(h.now, id, nil)))...)
	}
	return out
}

func indent(ls []string) []string {
	for i := range ls {
		ls[i] = "  " + ls[i]
	}
	return ls
}

func (h *harness) tick(d string) []string {
	dur, err := time.ParseDuration(d)
	if err != nil {
		panic(err)
	}
	target := h.now.Add(dur)
	var out []string
	for {
		var next TimerKey
		var at time.Time
		found := false
		for k, t := range h.timers {
			if t.After(target) {
				continue
			}
			if !found || t.Before(at) || (t.Equal(at) && k.Seq < next.Seq) {
				next, at, found = k, t, true
			}
		}
		if !found {
			break
		}
		delete(h.timers, next)
		stale := h.superseded[next]
		delete(h.superseded, next)
		if at.After(h.now) {
			h.now = at
		}
		who := next.Group
		if next.Member != "" {
			who += "/" + next.Member
		}
		fx := h.effects(h.s.TimerFired(h.now, next))
		if stale && len(fx) == 0 {
			continue
		}
		if stale {
			who += " (superseded)"
		}
		out = append(out, fmt.Sprintf("fire %s %s at=%s", next.Kind, who, h.rel(h.now)))
		out = append(out, indent(fx)...)
	}
	h.now = target
	if len(out) == 0 {
		out = []string{"ok"}
	}
	return out
}

func describeRecord(h *harness, r Record) string {
	k, err := DecodeKey(r.Key)
	if err != nil {
		return "bad key: " + err.Error()
	}
	if k.IsOffset() {
		if r.Value == nil {
			return fmt.Sprintf("offset %s %s/%d tombstone", k.Group, k.Topic, k.Partition)
		}
		v, err := DecodeOffsetValue(r.Value)
		if err != nil {
			return "bad offset value: " + err.Error()
		}
		md := fmt.Sprintf("%q", v.Metadata)
		if len(v.Metadata) > 32 {
			md = fmt.Sprintf("(%d bytes)", len(v.Metadata))
		}
		s := fmt.Sprintf("offset %s %s/%d v%d offset=%d epoch=%d metadata=%s commit=%s", k.Group, k.Topic, k.Partition,
			v.Version, v.Offset, v.LeaderEpoch, md, h.rel(time.UnixMilli(v.CommitTimestamp)))
		if v.ExpireTimestamp != -1 {
			s += " expire=" + h.rel(time.UnixMilli(v.ExpireTimestamp))
		}
		return s
	}
	if r.Value == nil {
		return fmt.Sprintf("group %s tombstone", k.Group)
	}
	v, err := DecodeGroupValue(r.Value)
	if err != nil {
		return "bad group value: " + err.Error()
	}
	var ms []string
	for _, m := range v.Members {
		ms = append(ms, fmt.Sprintf("%s%s(%q)", m.MemberID, inst(m.InstanceID), m.Assignment))
	}
	return fmt.Sprintf("group %s v%d type=%s gen=%d protocol=%s leader=%s state-time=%s members=[%s]", k.Group, v.Version,
		v.ProtocolType, v.Generation, optStr(v.Protocol), optStr(v.Leader), h.rel(time.UnixMilli(v.CurrentStateTimestamp)),
		strings.Join(ms, " "))
}

func strPtr(s string) *string { return &s }

func inst(s *string) string {
	if s == nil {
		return ""
	}
	return "/" + *s
}

func optStr(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func describeResponse(r kmsg.Response) string {
	switch m := r.(type) {
	case *kmsg.JoinGroupResponse:
		var ms []string
		for _, x := range m.Members {
			topics, _ := subscribedTopics(x.ProtocolMetadata)
			ms = append(ms, fmt.Sprintf("%s%s%v", x.MemberID, inst(x.InstanceID), topics))
		}
		return fmt.Sprintf("JoinGroup err=%s gen=%d member=%s leader=%s protocol=%s members=[%s]", errName(m.ErrorCode),
			m.Generation, m.MemberID, m.LeaderID, optStr(m.Protocol), strings.Join(ms, " "))
	case *kmsg.SyncGroupResponse:
		return fmt.Sprintf("SyncGroup err=%s assignment=%q", errName(m.ErrorCode), m.MemberAssignment)
	case *kmsg.HeartbeatResponse:
		return "Heartbeat err=" + errName(m.ErrorCode)
	case *kmsg.LeaveGroupResponse:
		var ms []string
		for _, x := range m.Members {
			ms = append(ms, fmt.Sprintf("%s%s:%s", x.MemberID, inst(x.InstanceID), errName(x.ErrorCode)))
		}
		return fmt.Sprintf("LeaveGroup err=%s members=[%s]", errName(m.ErrorCode), strings.Join(ms, " "))
	case *kmsg.OffsetCommitResponse:
		var ps []string
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				ps = append(ps, fmt.Sprintf("%s/%d=%s", t.Topic, p.Partition, errName(p.ErrorCode)))
			}
		}
		return "OffsetCommit " + strings.Join(ps, " ")
	case *kmsg.OffsetFetchResponse:
		var ps []string
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				ps = append(ps, fmt.Sprintf("%s/%d=%d(epoch=%d,metadata=%q,err=%s)", t.Topic, p.Partition, p.Offset,
					p.LeaderEpoch, optStr(p.Metadata), errName(p.ErrorCode)))
			}
		}
		return fmt.Sprintf("OffsetFetch err=%s %s", errName(m.ErrorCode), strings.Join(ps, " "))
	case *kmsg.DescribeGroupsResponse:
		var gs []string
		for _, g := range m.Groups {
			var ms []string
			for _, x := range g.Members {
				topics, _ := subscribedTopics(x.ProtocolMetadata)
				ms = append(ms, fmt.Sprintf("%s%s(client=%s host=%s topics=%v assignment=%q)", x.MemberID, inst(x.InstanceID),
					x.ClientID, x.ClientHost, topics, x.MemberAssignment))
			}
			gs = append(gs, fmt.Sprintf("%s: err=%s state=%s type=%s protocol=%s ops=%d members=[%s]", g.Group,
				errName(g.ErrorCode), g.State, g.ProtocolType, g.Protocol, g.AuthorizedOperations, strings.Join(ms, " ")))
		}
		return "DescribeGroups " + strings.Join(gs, "; ")
	case *kmsg.ListGroupsResponse:
		var gs []string
		for _, g := range m.Groups {
			gs = append(gs, g.Group+"("+g.ProtocolType+")")
		}
		return fmt.Sprintf("ListGroups err=%s groups=[%s]", errName(m.ErrorCode), strings.Join(gs, " "))
	case *kmsg.DeleteGroupsResponse:
		var gs []string
		for _, g := range m.Groups {
			gs = append(gs, g.Group+"="+errName(g.ErrorCode))
		}
		return "DeleteGroups " + strings.Join(gs, " ")
	case *kmsg.OffsetDeleteResponse:
		var ps []string
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				ps = append(ps, fmt.Sprintf("%s/%d=%s", t.Topic, p.Partition, errName(p.ErrorCode)))
			}
		}
		return fmt.Sprintf("OffsetDelete err=%s %s", errName(m.ErrorCode), strings.Join(ps, " "))
	}
	return fmt.Sprintf("%T", r)
}

func (h *harness) state(id string) string {
	g, ok := h.shard().groups[id]
	if !ok {
		return id + ": absent"
	}
	var ms []string
	for _, m := range g.members {
		flags := ""
		if m.isAwaitingJoin() {
			flags += " joining"
		}
		if m.isAwaitingSync() {
			flags += " syncing"
		}
		if m.isNew {
			flags += " new"
		}
		ms = append(ms, fmt.Sprintf("%s%s(assignment=%q%s)", m.id, inst(m.instanceID), m.assignment, flags))
	}
	var pend []string
	for p := range g.pending {
		pend = append(pend, p)
	}
	sort.Strings(pend)
	var offs []string
	for _, tp := range sortedPartitions(g.offsets) {
		offs = append(offs, fmt.Sprintf("%s/%d=%d", tp.topic, tp.partition, g.offsets[tp].Offset))
	}
	var subs []string
	for t := range g.subscribed {
		subs = append(subs, t)
	}
	sort.Strings(subs)
	return fmt.Sprintf("%s: %s gen=%d type=%s protocol=%s leader=%s members=[%s] pending=[%s] offsets=[%s] subscribed=%v(%v)",
		id, g.state, g.generation, g.protocolType, g.protocol, g.leader, strings.Join(ms, " "), strings.Join(pend, " "),
		strings.Join(offs, " "), subs, g.subscribedKnown)
}

// subscriptionV0 encodes a consumer protocol subscription (version 0) of topics.
func subscriptionV0(topics []string) []byte {
	b := appendInt16(nil, 0)
	b = appendInt32(b, int32(len(topics)))
	for _, t := range topics {
		b = appendString(b, t)
	}
	return appendInt32(b, -1) // null user data
}
