package cli

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// JavaException renders err as the Java exception a Kafka client would have
// thrown, "class: message", so tools print what users of Kafka's tools see.
// Kafka protocol errors become org.apache.kafka.common.errors.*Exception
// (message: the broker's error message if msg is non-empty, else Kafka's
// default description); others keep their text.
func JavaException(err error, msg string) string {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		if msg == "" {
			msg = javaDefaultMessage(ke)
		}
		return "org.apache.kafka.common.errors." + ExceptionClass(ke) + ": " + msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "org.apache.kafka.common.errors.TimeoutException: " + err.Error()
	}
	return err.Error()
}

// javaDefaultMessage is the exception message Kafka's Errors enum gives an
// error: franz-go's description, which drops the final period that all but
// a few of Kafka's messages end with.
func javaDefaultMessage(ke *kerr.Error) string {
	d := ke.Description
	switch ke.Code {
	case kerr.FencedLeaderEpoch.Code, kerr.UnknownLeaderEpoch.Code, kerr.StaleBrokerEpoch.Code,
		kerr.MemberIDRequired.Code, kerr.PreferredLeaderNotAvailable.Code,
		kerr.EligibleLeadersNotAvailable.Code, kerr.ElectionNotNeeded.Code:
		return d
	}
	if !strings.HasSuffix(d, ".") {
		d += "."
	}
	return d
}

// exceptionOverride names the Java exception of the Kafka errors whose class
// is not the error name in CamelCase plus "Exception"
// (org.apache.kafka.common.protocol.Errors); "" for the others.
func exceptionOverride(code int16) string {
	switch code {
	case kerr.UnknownServerError.Code:
		return "UnknownServerException"
	case kerr.CorruptMessage.Code:
		return "CorruptRecordException"
	case kerr.MessageTooLarge.Code:
		return "RecordTooLargeException"
	case kerr.RequestTimedOut.Code:
		return "TimeoutException"
	case kerr.RecordListTooLarge.Code:
		return "RecordBatchTooLargeException"
	case kerr.TopicAlreadyExists.Code:
		return "TopicExistsException"
	case kerr.NonEmptyGroup.Code:
		return "GroupNotEmptyException"
	case kerr.InvalidTopicException.Code:
		return "InvalidTopicException"
	case kerr.InvalidConfig.Code:
		return "InvalidConfigurationException"
	case kerr.KafkaStorageError.Code:
		return "KafkaStorageException"
	case kerr.NetworkException.Code:
		return "NetworkException"
	case kerr.TopicAuthorizationFailed.Code:
		return "TopicAuthorizationException"
	case kerr.GroupAuthorizationFailed.Code:
		return "GroupAuthorizationException"
	case kerr.ClusterAuthorizationFailed.Code:
		return "ClusterAuthorizationException"
	case kerr.UnsupportedForMessageFormat.Code:
		return "UnsupportedForMessageFormatException"
	}
	return ""
}

// ExceptionClass is the simple name of the Java exception for a Kafka error.
func ExceptionClass(ke *kerr.Error) string {
	if c := exceptionOverride(ke.Code); c != "" {
		return c
	}
	var b strings.Builder
	for _, w := range strings.Split(ke.Message, "_") {
		if w == "" {
			continue
		}
		b.WriteString(w[:1])
		b.WriteString(strings.ToLower(w[1:]))
	}
	b.WriteString("Exception")
	return b.String()
}

// PrintUncaught prints an exception escaping a Java main, as the JVM does:
// `Exception in thread "main" <class>: <message>`, then a "Caused by: "
// line per cause. Stack frames are left out.
func PrintUncaught(w io.Writer, javaString string, causes ...string) {
	io.WriteString(w, "Exception in thread \"main\" "+javaString+"\n")
	for _, c := range causes {
		io.WriteString(w, "Caused by: "+c+"\n")
	}
}

// PrintUncaughtError is PrintUncaught for an error: an *OptionError or
// *JavaError keeps its Java text, anything else prints its message.
func PrintUncaughtError(w io.Writer, err error) {
	var oe *OptionError
	if errors.As(err, &oe) {
		PrintUncaught(w, oe.JavaString(), oe.Causes...)
		return
	}
	PrintUncaught(w, err.Error())
}

// JavaError is an error whose text is the toString() of the Java exception
// Kafka's tool would have thrown in the same situation.
type JavaError struct {
	Text string
	Err  error
}

func (e *JavaError) Error() string { return e.Text }
func (e *JavaError) Unwrap() error { return e.Err }
