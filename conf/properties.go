package conf

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxPropertiesSize bounds what ParseProperties reads: a broker configuration
// is a few kilobytes, so anything near this size is not one.
const MaxPropertiesSize = 16 << 20

// ErrSyntax marks a .properties file that java.util.Properties.load itself
// would refuse (only a malformed \uXXXX escape can do that).
var ErrSyntax = errors.New("malformed .properties file")

// Entry is one key/value pair of a .properties file, as
// java.util.Properties.load reads it: escapes resolved, leading whitespace of
// the value skipped, trailing whitespace kept.
type Entry struct {
	Key, Value string
	// Source names where the entry came from: the file name given to
	// ParseProperties, or OverrideSource for a --override flag.
	Source string
	// Line is the 1-based line on which the entry's logical line starts;
	// 0 for entries that did not come from a file.
	Line int
}

// Position is the entry's location for error messages: "server.properties:21",
// or just the source when there is no line.
func (e Entry) Position() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d", e.Source, e.Line)
	}
	return e.Source
}

// Properties is an ordered list of entries. Unlike java.util.Properties it
// keeps every entry, duplicates included, so that messages can point at the
// line that wins (the last one, as in Java).
type Properties struct {
	Name    string
	Entries []Entry
}

// Get returns the last entry for key, which is the one Java keeps.
func (p *Properties) Get(key string) (Entry, bool) {
	for i := len(p.Entries) - 1; i >= 0; i-- {
		if p.Entries[i].Key == key {
			return p.Entries[i], true
		}
	}
	return Entry{}, false
}

// Set appends an entry that overrides any earlier one for the same key.
func (p *Properties) Set(e Entry) {
	p.Entries = append(p.Entries, e)
}

// Merge appends all of o's entries, so that they win over p's, as Kafka's
// `props ++= overrides` does.
func (p *Properties) Merge(o *Properties) {
	if o == nil {
		return
	}
	p.Entries = append(p.Entries, o.Entries...)
}

// Map returns the effective key/value pairs (last entry wins).
func (p *Properties) Map() map[string]string {
	m := make(map[string]string, len(p.Entries))
	for _, e := range p.Entries {
		m[e.Key] = e.Value
	}
	return m
}

// Keys returns the distinct keys in order of first appearance.
func (p *Properties) Keys() []string {
	seen := make(map[string]bool, len(p.Entries))
	var keys []string
	for _, e := range p.Entries {
		if !seen[e.Key] {
			seen[e.Key] = true
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// ParseProperties reads a .properties file with the rules of
// java.util.Properties.load:
//
//   - a natural line ends at \n, \r or \r\n;
//   - whitespace (space, tab, form feed) at the start of a line is skipped, and a
//     line that is then empty is skipped;
//   - '#' or '!' starts a comment only as the first non-whitespace character of
//     a line (not of a continuation line); a comment is never continued;
//   - a line ending in an odd number of backslashes continues on the next line,
//     whose leading whitespace is skipped;
//   - the key ends at the first unescaped '=', ':' or whitespace; whitespace
//     around the separator and one '=' or ':' after whitespace are skipped;
//     everything else up to the end of the logical line is the value,
//     trailing whitespace and '#' included;
//   - \t \n \r \f and \uXXXX are escapes, and a backslash before any other
//     character stands for that character, in keys and values alike.
//
// One deliberate difference: Java's load(InputStream) decodes bytes as
// ISO-8859-1. Input that is valid UTF-8 is decoded as UTF-8 here, so that
// non-ASCII text (paths, comments pasted into values) appears in messages as
// the user wrote it; other input is decoded as ISO-8859-1, as Java does.
func ParseProperties(r io.Reader, name string) (*Properties, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPropertiesSize+1))
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w", name, err)
	}
	if len(data) > MaxPropertiesSize {
		return nil, fmt.Errorf("conf: %s: larger than %d bytes: not a configuration file", name, MaxPropertiesSize)
	}
	return parseProperties(decodeText(data), name)
}

// decodeText turns file bytes into runes: UTF-8 when valid, else ISO-8859-1
// (every byte is one character, as Java reads properties streams).
func decodeText(data []byte) []rune {
	if utf8.Valid(data) {
		return []rune(string(data))
	}
	out := make([]rune, len(data))
	for i, b := range data {
		out[i] = rune(b)
	}
	return out
}

func isPropSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\f' }

// parseProperties splits text into logical lines and each logical line into
// key and value. The state machine follows Properties.LineReader.readLine,
// including its corner cases at end of input (see the comments below).
func parseProperties(text []rune, name string) (*Properties, error) {
	p := &Properties{Name: name}
	n := len(text)
	i, line := 0, 1
	// eol consumes the line terminator at i (\r\n counts as one).
	eol := func() {
		if text[i] == '\r' && i+1 < n && text[i+1] == '\n' {
			i++
		}
		i++
		line++
	}
	for {
		// Skip leading whitespace and blank lines.
		for i < n && (isPropSpace(text[i]) || text[i] == '\n' || text[i] == '\r') {
			if text[i] == '\n' || text[i] == '\r' {
				eol()
			} else {
				i++
			}
		}
		if i >= n {
			return p, nil
		}
		start := line
		if text[i] == '#' || text[i] == '!' {
			for i < n && text[i] != '\n' && text[i] != '\r' {
				i++
			}
			if i < n {
				eol()
			}
			continue
		}
		var buf []rune
		backslash := false // an odd run of backslashes ends buf
		emit := false
		for {
			if i >= n {
				// Java returns nothing for an empty logical line at end of
				// input, but it drops a trailing backslash only after that
				// check: a lone "\" at the end still yields the entry ("", "").
				if len(buf) > 0 {
					if backslash {
						buf = buf[:len(buf)-1]
					}
					emit = true
				}
				break
			}
			c := text[i]
			if c != '\n' && c != '\r' {
				buf = append(buf, c)
				if c == '\\' {
					backslash = !backslash
				} else {
					backslash = false
				}
				i++
				continue
			}
			if len(buf) == 0 {
				// Unreachable: blank lines are skipped above and an emptied
				// continuation restarts the outer loop. Kept for safety.
				eol()
				break
			}
			if !backslash {
				eol()
				emit = true
				break
			}
			// Continuation: the backslash is not part of the line.
			buf = buf[:len(buf)-1]
			backslash = false
			if i+1 >= n {
				// Java looks for the end of input right after the
				// terminator's first character and returns what it has,
				// even when that is now empty: "\\\n" at the very end
				// yields ("", ""), "\\\r\n" does not.
				i++
				line++
				emit = true
				break
			}
			eol()
			if len(buf) == 0 {
				// Nothing kept so far: Java (9 and later) treats what
				// follows as the start of a logical line, so blank lines
				// are skipped and '#' or '!' starts a comment.
				break
			}
			// Skip the next line's leading whitespace, but not its
			// terminator: an empty continuation line ends the logical line.
			for i < n && isPropSpace(text[i]) {
				i++
			}
		}
		if !emit {
			continue
		}
		key, value, err := splitLogicalLine(buf)
		if err != nil {
			return nil, fmt.Errorf("conf: %s:%d: %w: %v", name, start, ErrSyntax, err)
		}
		p.Entries = append(p.Entries, Entry{Key: key, Value: value, Source: name, Line: start})
	}
}

// splitLogicalLine is Properties.load0's key/value split followed by
// loadConvert on both halves.
func splitLogicalLine(buf []rune) (key, value string, err error) {
	limit := len(buf)
	keyLen, valueStart := 0, limit
	hasSep, backslash := false, false
	for keyLen < limit {
		c := buf[keyLen]
		if (c == '=' || c == ':') && !backslash {
			valueStart = keyLen + 1
			hasSep = true
			break
		} else if isPropSpace(c) && !backslash {
			valueStart = keyLen + 1
			break
		}
		if c == '\\' {
			backslash = !backslash
		} else {
			backslash = false
		}
		keyLen++
	}
	for valueStart < limit {
		c := buf[valueStart]
		if !isPropSpace(c) {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	if key, err = unescape(buf[:keyLen]); err != nil {
		return "", "", err
	}
	if value, err = unescape(buf[valueStart:limit]); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescape is Properties.loadConvert. \uXXXX yields a UTF-16 code unit;
// surrogate pairs are joined, and a lone surrogate (which a Go string cannot
// hold) becomes U+FFFD.
func unescape(in []rune) (string, error) {
	if !containsRune(in, '\\') {
		return string(in), nil
	}
	var units []uint16 // pending UTF-16 code units from \u escapes
	var b strings.Builder
	flush := func() {
		if len(units) > 0 {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' {
			flush()
			b.WriteRune(c)
			continue
		}
		i++
		if i >= len(in) {
			// Cannot happen for text split by splitLogicalLine (a logical
			// line never ends in an odd backslash); kept total for safety.
			flush()
			break
		}
		c = in[i]
		if c == 'u' {
			if i+4 >= len(in) {
				return "", errors.New(`malformed \uxxxx encoding`)
			}
			var v uint16
			for k := 1; k <= 4; k++ {
				d := hexValue(in[i+k])
				if d < 0 {
					return "", errors.New(`malformed \uxxxx encoding`)
				}
				v = v<<4 | uint16(d)
			}
			i += 4
			units = append(units, v)
			continue
		}
		flush()
		switch c {
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case 'n':
			c = '\n'
		case 'f':
			c = '\f'
		}
		b.WriteRune(c)
	}
	flush()
	return b.String(), nil
}

func containsRune(s []rune, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

func hexValue(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// Format writes the effective entries (last wins, in order of first
// appearance) as key=value lines, escaped so that parsing the result gives
// the same key/value pairs back.
func (p *Properties) Format() string {
	m := p.Map()
	var b strings.Builder
	for _, k := range p.Keys() {
		b.WriteString(EscapeKey(k))
		b.WriteByte('=')
		b.WriteString(EscapeValue(m[k]))
		b.WriteByte('\n')
	}
	return b.String()
}

// EscapeKey escapes what a key cannot hold literally: backslashes, line
// breaks and other control characters, whitespace, '=' and ':', and a
// leading '#' or '!' (which would start a comment).
func EscapeKey(s string) string { return escapeProp(s, true) }

// EscapeValue escapes what a value cannot hold literally: backslashes, line
// breaks and other control characters, and leading whitespace (which the
// parser skips). Unlike Properties.store it leaves '=', ':', '#' and '!'
// alone, which are literal inside a value, so that host:port lists and paths
// stay readable.
func EscapeValue(s string) string { return escapeProp(s, false) }

func escapeProp(s string, key bool) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case key && (c == '=' || c == ':'):
			b.WriteByte('\\')
			b.WriteRune(c)
		case key && i == 0 && (c == '#' || c == '!'):
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// sortedKeys returns the keys of m in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
