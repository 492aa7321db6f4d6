package logfmt

import (
	"errors"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

func TestFormat(t *testing.T) {
	ts := time.Date(2026, 11, 25, 8, 0, 0, 123_000_000, time.UTC)
	tests := []struct {
		name   string
		level  logrus.Level
		msg    string
		fields logrus.Fields
		want   string
	}{
		{
			name:   "prefix and logger",
			level:  logrus.InfoLevel,
			msg:    "started",
			fields: logrus.Fields{"prefix": "KafkaServer id=1", "logger": "kafka.server.KafkaServer"},
			want:   "[2026-11-25 08:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n",
		},
		{
			name:  "bare",
			level: logrus.WarnLevel,
			msg:   "hello",
			want:  "[2026-11-25 08:00:00,123] WARN hello\n",
		},
		{
			name:   "extra fields sorted and quoted",
			level:  logrus.ErrorLevel,
			msg:    "failed",
			fields: logrus.Fields{"logger": "x.Y", "topic": "test", "a": "two words"},
			want:   "[2026-11-25 08:00:00,123] ERROR failed a=\"two words\" topic=test (x.Y)\n",
		},
		{
			name:   "error on next line",
			level:  logrus.ErrorLevel,
			msg:    "Error processing message, terminating consumer process: ",
			fields: logrus.Fields{"logger": "kafka.tools.ConsoleConsumer$", logrus.ErrorKey: errors.New("org.apache.kafka.common.errors.TimeoutException")},
			want: "[2026-11-25 08:00:00,123] ERROR Error processing message, terminating consumer process:  (kafka.tools.ConsoleConsumer$)\n" +
				"org.apache.kafka.common.errors.TimeoutException\n",
		},
		{
			name:  "debug and trace",
			level: logrus.TraceLevel,
			msg:   "x",
			want:  "[2026-11-25 08:00:00,123] TRACE x\n",
		},
	}
	f := &Formatter{Location: time.UTC}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &logrus.Entry{Time: ts, Level: tc.level, Message: tc.msg, Data: tc.fields}
			if e.Data == nil {
				e.Data = logrus.Fields{}
			}
			got, err := f.Format(e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPrefixBrackets(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"KafkaServer id=1", "[1970-01-01 00:00:00,000] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n"},
		{"[KafkaServer id=1]", "[1970-01-01 00:00:00,000] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n"},
		{"", "[1970-01-01 00:00:00,000] INFO started (kafka.server.KafkaServer)\n"},
	} {
		e := logrus.NewEntry(logrus.New()).WithFields(logrus.Fields{PrefixField: tc.prefix, LoggerField: "kafka.server.KafkaServer"})
		e.Time = time.Unix(0, 0)
		e.Level = logrus.InfoLevel
		e.Message = "started"
		out, err := (&Formatter{Location: time.UTC}).Format(e)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tc.want {
			t.Errorf("prefix %q: got %q, want %q", tc.prefix, out, tc.want)
		}
	}
}
