package cli

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// producerParser mirrors a few of ConsoleProducer's options.
func producerParser() (*Parser, map[string]*Option) {
	p := NewParser()
	o := map[string]*Option{
		"topic":             p.Accepts("topic", "REQUIRED: The topic id to produce messages to.").WithRequiredArg().DescribedAs("topic"),
		"broker-list":       p.Accepts("broker-list", "REQUIRED: The broker list string in the form HOST1:PORT1,HOST2:PORT2.").WithRequiredArg().DescribedAs("broker-list"),
		"sync":              p.Accepts("sync", "If set message send requests to the brokers are synchronously, one at a time as they arrive."),
		"compression-codec": p.Accepts("compression-codec", "The compression codec").WithOptionalArg().DescribedAs("compression-codec"),
		"property":          p.Accepts("property", "props").WithRequiredArg().DescribedAs("prop"),
		"batch-size":        p.Accepts("batch-size", "Number of messages").WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("200"),
	}
	return p, o
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		abbrev  bool
		has     []string
		values  map[string][]string
		nonOpts []string
		err     string
	}{
		{name: "tutorial producer line", args: []string{"--broker-list", "kafka1:9092", "-topic", "test"},
			has: []string{"broker-list", "topic"}, values: map[string][]string{"broker-list": {"kafka1:9092"}, "topic": {"test"}}},
		{name: "equals forms", args: []string{"--topic=a", "-broker-list=b:1"},
			values: map[string][]string{"topic": {"a"}, "broker-list": {"b:1"}}},
		{name: "repeated", args: []string{"--property", "parse.key=true", "--property", "key.separator=:"},
			values: map[string][]string{"property": {"parse.key=true", "key.separator=:"}}},
		{name: "flag", args: []string{"--sync"}, has: []string{"sync"}},
		{name: "required arg takes dash token", args: []string{"--topic", "--sync"},
			values: map[string][]string{"topic": {"--sync"}}},
		{name: "optional arg bare", args: []string{"--compression-codec", "--sync"},
			has: []string{"compression-codec", "sync"}, values: map[string][]string{"compression-codec": nil}},
		{name: "optional arg value", args: []string{"--compression-codec", "lz4"},
			values: map[string][]string{"compression-codec": {"lz4"}}},
		{name: "default", args: []string{}, values: map[string][]string{"batch-size": {"200"}}},
		{name: "non options and terminator", args: []string{"x", "--", "--topic"}, nonOpts: []string{"x", "--topic"}},
		{name: "unknown long", args: []string{"--bogus", "1"}, err: "bogus is not a recognized option"},
		{name: "unknown single dash is a cluster", args: []string{"-tpoic", "test"}, err: "t is not a recognized option"},
		{name: "missing argument", args: []string{"--topic"}, err: "Option topic requires an argument"},
		{name: "no abbreviation by default", args: []string{"--top", "x"}, err: "top is not a recognized option"},
		{name: "abbreviation allowed", abbrev: true, args: []string{"--top", "x"}, values: map[string][]string{"topic": {"x"}}},
		{name: "ambiguous abbreviation", abbrev: true, args: []string{"--b", "x"}, err: "b is not a recognized option"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, o := producerParser()
			p.AllowAbbreviations = tc.abbrev
			s, err := p.Parse(tc.args)
			if tc.err != "" {
				var oe *OptionError
				if !errors.As(err, &oe) || oe.Msg != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tc.has {
				if !s.Has(o[h]) {
					t.Errorf("Has(%s) = false", h)
				}
			}
			for k, want := range tc.values {
				if got := s.Values(o[k]); !reflect.DeepEqual(got, want) {
					t.Errorf("Values(%s) = %q, want %q", k, got, want)
				}
			}
			if !reflect.DeepEqual(s.NonOptions, tc.nonOpts) {
				t.Errorf("NonOptions = %q, want %q", s.NonOptions, tc.nonOpts)
			}
		})
	}
}

func TestValueErrors(t *testing.T) {
	p, o := producerParser()
	s, err := p.Parse([]string{"--topic", "a", "--topic", "b", "--batch-size", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.String(o["topic"]); err == nil || err.Error() != "Found multiple arguments for option topic, but you asked for only one" {
		t.Errorf("String(topic) err = %v", err)
	}
	if _, _, err := s.Int(o["batch-size"]); err == nil || err.Error() != "Cannot parse argument 'x' of option batch-size" {
		t.Errorf("Int(batch-size) err = %v", err)
	}
}

func TestChecks(t *testing.T) {
	p, o := producerParser()
	s, err := p.Parse([]string{"--sync", "--property", "a=b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckRequired(s, o["topic"]); err == nil || err.Error() != `Missing required argument "[topic]"` {
		t.Errorf("CheckRequired = %v", err)
	}
	if err := CheckInvalid(s, o["sync"], o["topic"], o["property"]); err == nil || err.Error() != `Option "[sync]" can't be used with option "[property]"` {
		t.Errorf("CheckInvalid = %v", err)
	}
	if err := CheckInvalid(s, o["topic"], o["sync"]); err != nil {
		t.Errorf("CheckInvalid of absent option = %v", err)
	}
}

func TestHelpText(t *testing.T) {
	p := NewParser()
	p.Accepts("topic", "REQUIRED: The topic id to produce messages to.").WithRequiredArg().DescribedAs("topic")
	p.Accepts("batch-size", "Number of messages to send in a single batch if they are not being sent synchronously.").
		WithRequiredArg().DescribedAs("size").OfType("Integer").DefaultsTo("200")
	p.Accepts("compression-codec", "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'").
		WithOptionalArg().DescribedAs("compression-codec")
	p.Accepts("message-send-max-retries", "Retries.").WithRequiredArg().OfType("Integer").DefaultsTo("3")
	// Checked against Kafka 2.4.1's own ConsoleProducer help, which wraps
	// the same text at the same places (the full tables of the three tools
	// are byte-identical to Kafka's).
	// joptsimple sizes the columns twice: wrapping uses min(39, widest
	// option), rendering the widest row after wrapping (36 here).
	lines := []string{
		"Option                                Description                           ",
		"------                                -----------                           ",
		"--batch-size <Integer: size>          Number of messages to send in a single",
		"                                        batch if they are not being sent    ",
		"                                        synchronously. (default: 200)       ",
		"--compression-codec [String:          The compression codec: either 'none', ",
		"  compression-codec]                    'gzip', 'snappy', 'lz4', or 'zstd'. ",
		"                                        If specified without value, then it ",
		"                                        defaults to 'gzip'                  ",
		"--help                                Print usage information.              ",
		"--message-send-max-retries <Integer>  Retries. (default: 3)                 ",
		"--topic <String: topic>               REQUIRED: The topic id to produce     ",
		"                                        messages to.                        ",
		"--version                             Display Kafka version.                ",
	}
	want := strings.Join(lines, "\n") + "\n"
	if got := p.HelpText(); got != want {
		t.Errorf("help text mismatch:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLineBreakWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a b  c", []string{"a ", "b  ", "c"}},
		{"pre-existing --zookeeper", []string{"pre-", "existing ", "--", "zookeeper"}},
		{"e.g. 2.4", []string{"e.", "g. ", "2.4"}},
		{"\tcleanup.policy", []string{"\t", "cleanup.", "policy"}},
		{"HOST1:PORT1,HOST2:PORT2.", []string{"HOST1:", "PORT1,", "HOST2:", "PORT2."}},
		{"(default: localhost:9092)", []string{"(default: ", "localhost:", "9092)"}},
		{"server(s) a$b it's ab((cd", []string{"server", "(s) ", "a$b ", "it's ", "ab", "((cd"}},
	}
	for _, tc := range tests {
		if got := lineBreakWords(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("lineBreakWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJavaException(t *testing.T) {
	tests := []struct {
		err  error
		msg  string
		want string
	}{
		{kerr.InvalidReplicationFactor, "Replication factor: 3 larger than available brokers: 1.",
			"org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1."},
		{kerr.TopicAlreadyExists, "Topic 'test' already exists.", "org.apache.kafka.common.errors.TopicExistsException: Topic 'test' already exists."},
		{kerr.MessageTooLarge, "", "org.apache.kafka.common.errors.RecordTooLargeException: The request included a message larger than the max message size the server will accept."},
		{errors.New("plain"), "", "plain"},
	}
	for _, tc := range tests {
		if got := JavaException(tc.err, tc.msg); got != tc.want {
			t.Errorf("JavaException(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestJavaAddresses(t *testing.T) {
	if got := JavaNodeID(math.MinInt32); got != -1 {
		t.Errorf("first seed = %d, want -1", got)
	}
	if got := JavaNodeID(math.MinInt32 + 2); got != -3 {
		t.Errorf("third seed = %d, want -3", got)
	}
	if got := JavaNodeID(3); got != 3 {
		t.Errorf("broker 3 = %d", got)
	}
	if got := JavaSocketAddress("127.0.0.11", 9092); got != "/127.0.0.11:9092" {
		t.Errorf("literal address = %q", got)
	}
}
