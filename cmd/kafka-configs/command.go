package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

var errVersion = errors.New("kafka-configs: version requested")

// javaErr is an error as ConfigCommand sees it: a Java exception class and
// its getMessage().
type javaErr struct {
	class, msg string
	err        error
}

func (e *javaErr) Error() string  { return e.msg }
func (e *javaErr) Unwrap() error  { return e.err }
func (e *javaErr) String() string { return e.class + ": " + e.msg }

const (
	classIllegalArgument = "java.lang.IllegalArgumentException"
	classInvalidConfig   = "org.apache.kafka.common.errors.InvalidConfigurationException"
)

func illegalArgument(format string, args ...any) error {
	return &javaErr{class: classIllegalArgument, msg: fmt.Sprintf(format, args...)}
}

// require is Scala's require: IllegalArgumentException "requirement failed: ...".
func require(ok bool, msg string) error {
	if ok {
		return nil
	}
	return &javaErr{class: classIllegalArgument, msg: "requirement failed: " + msg}
}

// command carries what the modes share.
type command struct {
	o      *options
	args   []string
	stdout io.Writer
}

func (c *command) println(s string) { io.WriteString(c.stdout, s+"\n") }

// run is ConfigCommand.main; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := newOptions()
	s, err := o.p.Parse(args)
	if err != nil {
		// An OptionException: main prints its message.
		fmt.Fprintln(stderr, err.Error())
		return 1
	}
	o.s = s
	if len(args) == 0 || o.has(o.p.Help) {
		o.p.Usage(stderr, "This tool helps to manipulate and describe entity config for a topic, client, user or broker")
		return 1
	}
	if o.has(o.p.Version) {
		fmt.Fprintln(stdout, cli.Version)
		return 0
	}
	c := &command{o: o, args: args, stdout: stdout}
	err = o.checkArgs()
	if err == nil {
		if o.has(o.zookeeper) {
			err = c.processWithZK(ctx)
		} else {
			err = c.processBrokerConfig(ctx)
		}
	}
	if err == nil {
		return 0
	}
	var usage *cli.UsageError
	var oe *cli.OptionError
	var je *javaErr
	switch {
	case errors.As(err, &usage):
		o.p.Usage(stderr, usage.Msg)
	case errors.As(err, &oe):
		fmt.Fprintln(stderr, oe.Msg)
	case errors.As(err, &je) && (je.class == classIllegalArgument || je.class == classInvalidConfig):
		fmt.Fprintln(stderr, je.msg)
	default:
		fmt.Fprintf(stderr, "Error while executing config command with args '%s'\n", strings.Join(args, " "))
		if errors.As(err, &je) {
			fmt.Fprintln(stderr, je.String())
		} else {
			fmt.Fprintln(stderr, err.Error())
		}
	}
	return 1
}

// parseConfigsToBeAdded is ConfigCommand.parseConfigsToBeAdded: k=v pairs
// split at commas outside square brackets; brackets are then dropped from
// values. It returns the keys in order and the map.
func (c *command) parseConfigsToBeAdded() ([]string, map[string]string, error) {
	props := map[string]string{}
	var keys []string
	if !c.o.has(c.o.addConfig) {
		return nil, props, nil
	}
	v, err := c.o.s.String(c.o.addConfig)
	if err != nil {
		return nil, nil, err
	}
	for _, pair := range splitOutsideBrackets(v, ',') {
		kv := splitOutsideBrackets(pair, '=')
		if len(kv) != 2 {
			return nil, nil, require(false, `Invalid entity config: all configs to be added must be in the format "key=val".`)
		}
		k := strings.TrimSpace(kv[0])
		val := strings.TrimSpace(strings.NewReplacer("[", "", "]", "").Replace(kv[1]))
		if _, dup := props[k]; !dup {
			keys = append(keys, k)
		}
		props[k] = val
	}
	if mv, ok := props["message.format.version"]; ok {
		c.println("WARNING: The configuration message.format.version=" + mv + " is specified. " +
			"This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker.")
	}
	return keys, props, nil
}

// splitOutsideBrackets splits s at sep where sep is not inside [...]: the
// regular expression sep(?=[^\]]*(?:\[|$)) of ConfigCommand, with the
// whitespace around '=' trimmed by the caller.
func splitOutsideBrackets(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != sep {
			continue
		}
		// Inside brackets when the next bracket after i is a ']'.
		j := strings.IndexAny(s[i+1:], "[]")
		if j >= 0 && s[i+1+j] == ']' {
			continue
		}
		out = append(out, s[start:i])
		start = i + 1
	}
	return append(out, s[start:])
}

// parseConfigsToBeDeleted is ConfigCommand.parseConfigsToBeDeleted
// (--delete-config values separated by commas, trimmed).
func (c *command) parseConfigsToBeDeleted() []string {
	var out []string
	for _, v := range c.o.s.Values(c.o.deleteConfig) {
		for _, k := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(k))
		}
	}
	return out
}

func isJavaInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 32)
	return err == nil
}

// javaStringHash is java.lang.String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// javaPropertiesOrder is the iteration order of a java.util.Properties
// filled with keys in the given order on Java 9 and later, where
// Properties keeps its entries in a ConcurrentHashMap of 16 bins (resized
// at 12 entries): bins in index order of (h ^ h>>>16) & (n-1), each bin in
// insertion order. This is the order in which Kafka's tool prints a config.
func javaPropertiesOrder(keys []string) []string {
	n := 16
	for len(keys) >= n-n/4 {
		n *= 2
	}
	bins := make([][]string, n)
	for _, k := range keys {
		h := uint32(javaStringHash(k))
		i := int((h^(h>>16))&0x7fffffff) & (n - 1)
		bins[i] = append(bins[i], k)
	}
	out := make([]string, 0, len(keys))
	for _, b := range bins {
		out = append(out, b...)
	}
	return out
}

// newJavaErr lets shared checks build this tool's Java-style errors.
func newJavaErr(class, msg string) error { return &javaErr{class: class, msg: msg} }

// javaHashMapOrder is the iteration order of a java.util.HashMap into which
// keys were put in the given order: the table starts at 16 buckets and
// doubles whenever the size passes 3/4 of it; buckets are walked in index
// order of (h ^ h>>>16) & (n-1), each in insertion order (a resize keeps
// the relative order within a bucket).
func javaHashMapOrder(keys []string) []string {
	n := 16
	for len(keys) > n*3/4 {
		n *= 2
	}
	buckets := make([][]string, n)
	for _, k := range keys {
		h := uint32(javaStringHash(k))
		i := int((h ^ (h >> 16)) & uint32(n-1))
		buckets[i] = append(buckets[i], k)
	}
	out := make([]string, 0, len(keys))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
