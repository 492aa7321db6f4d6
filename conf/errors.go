package conf

import (
	"errors"
	"fmt"
	"strings"
)

// Error classes. Every error from this package wraps one of them, so callers
// can tell "the file says something Kafka would refuse" from I/O failures.
var (
	// ErrInvalidValue: a value cannot be parsed as its key's type or fails the
	// key's validator.
	ErrInvalidValue = errors.New("invalid value")
	// ErrMissing: a required key (zookeeper.connect) is not set.
	ErrMissing = errors.New("missing required configuration")
	// ErrInvalidConfig: values that are each valid but do not fit together
	// (KafkaConfig.validateValues and the listener rules).
	ErrInvalidConfig = errors.New("invalid configuration")
)

// ValueError is a value Kafka would refuse, with where it was written.
type ValueError struct {
	Position string // "server.properties:21", or "--override"
	Key      string
	Value    string // as written, before trimming
	Reason   string // e.g. "not a number (int)", or Kafka's validator message
	Hint     string // what the user probably meant, if we can tell

	line int // for ordering: the entry's line, 0 for --override
}

func (e *ValueError) Error() string {
	s := fmt.Sprintf("conf: %s: invalid value %q for %s: %s", e.Position, e.Value, e.Key, e.Reason)
	if e.Hint != "" {
		s += ". " + e.Hint
	}
	return s
}

func (e *ValueError) Unwrap() error { return ErrInvalidValue }

// Warning is something Kafka accepts but that is probably a mistake, such as
// an unknown key.
type Warning struct {
	Position string
	Key      string
	Message  string
}

func (w Warning) String() string {
	if w.Position == "" {
		return w.Message
	}
	return w.Position + ": " + w.Message
}

// commentChars are the characters a user may have meant as a comment start
// ('#' and its full-width form, which Chinese input methods produce).
const commentChars = "#＃"

// trailingComment finds a comment the user probably meant to end the line
// with. For text-valued keys only whitespace followed by '#' counts, since a
// '#' inside a path or URL is plausible; for numbers and booleans any '#'
// does. It returns the value before the comment and the comment itself.
func trailingComment(raw string, t Type) (before, comment string, ok bool) {
	switch t {
	case TypePassword:
		return "", "", false // a password may contain anything
	case TypeString, TypeList, TypeClass:
		if v := javaTrim(raw); v != "" && strings.ContainsRune(commentChars, []rune(v)[0]) {
			return "", v, true
		}
		for i, r := range raw {
			if strings.ContainsRune(commentChars, r) && isCommentGap(raw[:i]) {
				return javaTrim(raw[:i]), strings.TrimSpace(raw[i:]), true
			}
		}
		return "", "", false
	default:
		i := strings.IndexAny(raw, commentChars)
		if i < 0 {
			return "", "", false
		}
		return javaTrim(raw[:i]), strings.TrimSpace(raw[i:]), true
	}
}

// isCommentGap reports whether s ends in whitespace, i.e. a '#' after it
// looks like the start of a trailing comment.
func isCommentGap(s string) bool {
	return strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\t") || strings.HasSuffix(s, "　")
}

// commentHint explains the .properties comment rule and shows the fix.
func commentHint(key, before, comment string) string {
	return fmt.Sprintf("In a .properties file '#' starts a comment only at the beginning of a line, "+
		"so here the comment is part of the value; move it to its own line (%q) above %q", comment, key+"="+before)
}
