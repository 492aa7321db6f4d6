package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
	"github.com/samsa-broker/samsa/cmd/internal/logconfig"
	"github.com/samsa-broker/samsa/cmd/internal/logfmt"
	"github.com/sirupsen/logrus"
)

var errVersion = errors.New("kafka-topics: version requested")

// javaErr is an error as TopicCommand sees it: a Java exception class and
// its getMessage(). err, if set, is the Go error it stands for.
type javaErr struct {
	class, msg string
	err        error
	causes     []string // "Caused by: " lines of the stack trace
}

func (e *javaErr) Error() string  { return e.msg }
func (e *javaErr) Unwrap() error  { return e.err }
func (e *javaErr) String() string { return e.class + ": " + e.msg }

func illegalArgument(format string, args ...any) error {
	return &javaErr{class: "java.lang.IllegalArgumentException", msg: fmt.Sprintf(format, args...)}
}

// asJava gives any error a Java face: javaErr and OptionError keep theirs,
// other errors are shown by their text.
func asJava(err error) *javaErr {
	var je *javaErr
	if errors.As(err, &je) {
		return je
	}
	var oe *cli.OptionError
	if errors.As(err, &oe) {
		return &javaErr{class: oe.Class, msg: oe.Msg, err: err, causes: oe.Causes}
	}
	return &javaErr{class: "kafka.admin.AdminOperationException", msg: err.Error(), err: err}
}

// topicService is TopicCommand.TopicService.
type topicService interface {
	createTopic(ctx context.Context, t *commandTopic) error
	listTopics(ctx context.Context) error
	alterTopic(ctx context.Context) error
	describeTopic(ctx context.Context) error
	deleteTopic(ctx context.Context) error
	close()
}

// command carries what the services share: options and output streams.
type command struct {
	o      *options
	stdout io.Writer
	log    *logrus.Entry
}

func (c *command) println(s string) { io.WriteString(c.stdout, s+"\n") }

// run is TopicCommand.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		// TopicCommandOptions parses in its constructor; a joptsimple
		// exception escapes main.
		var oe *cli.OptionError
		if errors.As(err, &oe) {
			cli.PrintUncaughtError(stderr, oe)
		}
		return 1
	}
	o.s = s
	if err := o.checkArgs(args); err != nil {
		var usage *cli.UsageError
		switch {
		case errors.Is(err, errVersion):
			fmt.Fprintln(stdout, cli.Version)
			return 0
		case errors.As(err, &usage):
			o.p.Usage(stderr, usage.Msg)
		default:
			cli.PrintUncaught(stderr, asJava(err).String())
		}
		return 1
	}

	logger := logfmt.NewLogger(stderr, logrus.WarnLevel)
	c := &command{o: o, stdout: stdout, log: logger.WithField(logfmt.LoggerField, "kafka.admin.TopicCommand$")}
	var svc topicService
	if o.has(o.zookeeper) {
		svc, err = newZKService(ctx, c)
	} else {
		svc, err = newAdminService(c)
	}
	if err != nil {
		cli.PrintUncaught(stderr, asJava(err).String())
		return 1
	}
	defer svc.close()

	switch {
	case o.has(o.create):
		err = c.create(ctx, svc)
	case o.has(o.alter):
		err = svc.alterTopic(ctx)
	case o.has(o.list):
		err = svc.listTopics(ctx)
	case o.has(o.describe):
		err = svc.describeTopic(ctx)
	case o.has(o.delete):
		err = svc.deleteTopic(ctx)
	}
	if err != nil {
		je := asJava(err)
		c.println("Error while executing topic command : " + je.msg)
		// error(Utils.stackTrace(e)): the trace text ends with a newline,
		// so log4j's " (class)" lands on a line of its own.
		trace := je.String() + "\n"
		for _, cause := range je.causes {
			trace += "Caused by: " + cause + "\n"
		}
		c.log.Error(trace)
		return 1
	}
	return 0
}

// create is TopicService.createTopic(opts).
func (c *command) create(ctx context.Context, svc topicService) error {
	t, err := c.commandTopic()
	if err != nil {
		return err
	}
	if strings.ContainsAny(t.name, "._") {
		c.println("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could " +
			"collide. To avoid issues it is best to use either, but not both.")
	}
	return svc.createTopic(ctx, t)
}

// commandTopic is TopicCommand.CommandTopicPartition.
type commandTopic struct {
	name              string
	partitions        *int32
	replicationFactor *int32
	assignment        map[int32][]int32 // nil when --replica-assignment is absent or empty
	configs           map[string]string
	configsToDelete   []string
}

func (c *command) commandTopic() (*commandTopic, error) {
	o := c.o
	t := &commandTopic{}
	var err error
	if t.name, err = o.s.String(o.topic); err != nil {
		return nil, err
	}
	if n, ok, err := o.s.Int(o.partitions); err != nil {
		return nil, err
	} else if ok {
		t.partitions = &n
	}
	if n, ok, err := o.s.Int(o.replicationFactor); err != nil {
		return nil, err
	} else if ok {
		t.replicationFactor = &n
	}
	if ra, ok, err := o.s.Value(o.replicaAssignment); err != nil {
		return nil, err
	} else if ok && ra != "" {
		if t.assignment, err = parseReplicaAssignment(ra); err != nil {
			return nil, err
		}
	}
	if t.configs, err = parseConfigsToAdd(o.s.Values(o.config)); err != nil {
		return nil, err
	}
	for _, n := range o.s.Values(o.deleteConfig) {
		n = strings.TrimSpace(n)
		if !logconfig.Known(n) {
			return nil, &javaErr{class: "org.apache.kafka.common.errors.InvalidConfigurationException", msg: "Unknown topic config name: " + n}
		}
		t.configsToDelete = append(t.configsToDelete, n)
	}
	return t, nil
}

var configSplitRE = regexp.MustCompile(`\s*=\s*`)

// parseConfigsToAdd is TopicCommand.parseTopicConfigsToBeAdded.
func parseConfigsToAdd(configs []string) (map[string]string, error) {
	props := map[string]string{}
	for _, kv := range configs {
		parts := javaSplit(configSplitRE, kv)
		if len(parts) != 2 {
			return nil, illegalArgument("requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".")
		}
		props[strings.TrimSpace(parts[0])] = strings.TrimSpace(parts[1])
	}
	if err := logconfig.Validate(props, newJavaErr); err != nil {
		return nil, err
	}
	return props, nil
}

// javaSplit is String.split(regex): trailing empty strings are removed.
func javaSplit(re *regexp.Regexp, s string) []string {
	parts := re.Split(s, -1)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// parseReplicaAssignment is TopicCommand.parseReplicaAssignment:
// "0:1,1:2" gives partition 0 replicas [0 1], partition 1 replicas [1 2].
func parseReplicaAssignment(s string) (map[int32][]int32, error) {
	out := map[int32][]int32{}
	for i, part := range strings.Split(s, ",") {
		var brokers []int32
		for _, b := range strings.Split(part, ":") {
			n, err := strconv.ParseInt(strings.TrimSpace(b), 10, 32)
			if err != nil {
				return nil, &javaErr{class: "java.lang.NumberFormatException", msg: fmt.Sprintf("For input string: \"%s\"", strings.TrimSpace(b))}
			}
			brokers = append(brokers, int32(n))
		}
		if dups := duplicates(brokers); len(dups) > 0 {
			return nil, &javaErr{class: "kafka.common.AdminCommandFailedException",
				msg: "Partition replica lists may not contain duplicate entries: " + joinInts(dups, ",")}
		}
		out[int32(i)] = brokers
		if len(brokers) != len(out[0]) {
			return nil, &javaErr{class: "kafka.admin.AdminOperationException",
				msg: fmt.Sprintf("Partition %d has different replication factor: [%s]", i, joinInts(brokers, ", "))}
		}
	}
	return out, nil
}

func duplicates(xs []int32) []int32 {
	seen := map[int32]int{}
	var dups []int32
	for _, x := range xs {
		seen[x]++
		if seen[x] == 2 {
			dups = append(dups, x)
		}
	}
	return dups
}

func joinInts(xs []int32, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, sep)
}

// internalTopics are Kafka's (org.apache.kafka.common.internals.Topic).
func isInternal(topic string) bool {
	return topic == "__consumer_offsets" || topic == "__transaction_state"
}

// whitelist is kafka.utils.Whitelist: --topic is a regular expression that
// must match a whole topic name; commas mean alternation and quotes and
// spaces are dropped (property files may bring them).
type whitelist struct{ re *regexp.Regexp }

var (
	leadingQuotes  = regexp.MustCompile(`^["']+`)
	trailingQuotes = regexp.MustCompile(`["']+$`)
)

func newWhitelist(raw string) (*whitelist, error) {
	r := strings.TrimFunc(raw, func(c rune) bool { return c <= ' ' })
	r = strings.ReplaceAll(r, ",", "|")
	r = strings.ReplaceAll(r, " ", "")
	r = leadingQuotes.ReplaceAllString(r, "")
	r = trailingQuotes.ReplaceAllString(r, "")
	re, err := regexp.Compile(`^(?:` + r + `)$`)
	if err != nil {
		return nil, &javaErr{class: "java.lang.RuntimeException", msg: r + " is an invalid regex.", err: err}
	}
	return &whitelist{re: re}, nil
}

func (w *whitelist) allowed(topic string, excludeInternal bool) bool {
	return w.re.MatchString(topic) && !(isInternal(topic) && excludeInternal)
}

// filterTopics is TopicCommand.doGetTopics over an already sorted list.
func (c *command) filterTopics(all []string) ([]string, error) {
	sort.Strings(all)
	exclude := c.o.has(c.o.excludeInternal)
	var out []string
	if c.o.has(c.o.topic) {
		raw, err := c.o.s.String(c.o.topic)
		if err != nil {
			return nil, err
		}
		w, err := newWhitelist(raw)
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			if w.allowed(t, exclude) {
				out = append(out, t)
			}
		}
		return out, nil
	}
	for _, t := range all {
		if !(isInternal(t) && exclude) {
			out = append(out, t)
		}
	}
	return out, nil
}

// ensureTopicExists is TopicCommand.ensureTopicExists.
func (c *command) ensureTopicExists(found []string, requireExists bool) error {
	if c.o.has(c.o.topic) && requireExists && len(found) == 0 {
		name, _ := c.o.s.String(c.o.topic)
		return illegalArgument("Topic '%s' does not exist as expected", name)
	}
	return nil
}

// newJavaErr lets shared checks build this tool's Java-style errors.
func newJavaErr(class, msg string) error { return &javaErr{class: class, msg: msg} }
