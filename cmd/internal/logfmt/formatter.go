package logfmt

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// Field names the formatter treats specially.
const (
	PrefixField = "prefix" // rendered as "[<prefix>] " before the message
	LoggerField = "logger" // rendered as " (<logger>)" after the message
)

// Formatter implements logrus.Formatter with Kafka's log4j layout.
type Formatter struct {
	// Location is the zone timestamps are printed in; nil means time.Local,
	// as log4j's %d uses the JVM's default zone.
	Location *time.Location
}

var _ logrus.Formatter = (*Formatter)(nil)

// TimeLayout is log4j's ISO8601 date format, with its comma before the millis.
const TimeLayout = "2006-01-02 15:04:05,000"

// Format renders one entry.
func (f *Formatter) Format(e *logrus.Entry) ([]byte, error) {
	b := e.Buffer
	if b == nil {
		b = &bytes.Buffer{}
	}
	loc := f.Location
	if loc == nil {
		loc = time.Local
	}
	b.WriteByte('[')
	b.WriteString(e.Time.In(loc).Format(TimeLayout))
	b.WriteString("] ")
	b.WriteString(Level(e.Level))
	b.WriteByte(' ')
	if p, ok := e.Data[PrefixField]; ok {
		// Callers may give the prefix with or without log4j's brackets
		// ("KafkaServer id=1" or "[KafkaServer id=1]"); an empty one is omitted.
		if s := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(p), "["), "]"); s != "" {
			fmt.Fprintf(b, "[%s] ", s)
		}
	}
	b.WriteString(e.Message)

	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		if k != PrefixField && k != LoggerField && k != logrus.ErrorKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(value(e.Data[k]))
	}
	if l, ok := e.Data[LoggerField]; ok {
		fmt.Fprintf(b, " (%v)", l)
	}
	b.WriteByte('\n')
	if err, ok := e.Data[logrus.ErrorKey]; ok && err != nil {
		fmt.Fprintf(b, "%v\n", err)
	}
	return b.Bytes(), nil
}

// Level maps logrus levels to log4j's names.
func Level(l logrus.Level) string {
	switch l {
	case logrus.PanicLevel, logrus.FatalLevel:
		return "FATAL"
	case logrus.ErrorLevel:
		return "ERROR"
	case logrus.WarnLevel:
		return "WARN"
	case logrus.InfoLevel:
		return "INFO"
	case logrus.DebugLevel:
		return "DEBUG"
	default:
		return "TRACE"
	}
}

// value quotes a field value only when it would otherwise be ambiguous.
func value(v any) string {
	s := fmt.Sprint(v)
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return strconv.Quote(s)
	}
	return s
}

// NewLogger returns a logger writing Kafka-layout lines to w at level and
// above, like a log4j root logger with one appender (the tools use WARN on
// stderr, as Kafka's config/tools-log4j.properties does).
func NewLogger(w io.Writer, level logrus.Level) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(level)
	l.SetFormatter(&Formatter{})
	return l
}
