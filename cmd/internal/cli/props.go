package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// ParseKeyValue is CommandLineUtils.parseKeyValueArgs with
// acceptMissingValue: "k=v" pairs split at the first '='; "k" or "k="
// maps k to "". Later pairs override earlier ones.
func ParseKeyValue(args []string) map[string]string {
	props := map[string]string{}
	for _, a := range args {
		if a == "" {
			continue
		}
		k, v, _ := strings.Cut(a, "=")
		props[k] = v
	}
	return props
}

// LoadProperties reads a Java properties file (Utils.loadProps). A missing
// file yields the text of the NoSuchFileException Kafka 2.4 throws, so tools
// can print it as Kafka does.
func LoadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &JavaError{Text: "java.nio.file.NoSuchFileException: " + path, Err: err}
	}
	defer f.Close()
	return ParseProperties(bufio.NewReader(f))
}

// ParseProperties parses java.util.Properties text: '#' and '!' comments,
// key and value separated by '=', ':' or whitespace, backslash line
// continuations and the usual escapes (\t \n \r \f \uXXXX).
func ParseProperties(r *bufio.Reader) (map[string]string, error) {
	props := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var logical strings.Builder
	continuing := false
	for sc.Scan() {
		line := sc.Text()
		if continuing {
			line = strings.TrimLeft(line, " \t\f")
		} else {
			trimmed := strings.TrimLeft(line, " \t\f")
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!' {
				continue
			}
			line = trimmed
		}
		if endsWithOddBackslashes(line) {
			logical.WriteString(line[:len(line)-1])
			continuing = true
			continue
		}
		logical.WriteString(line)
		continuing = false
		k, v := splitProperty(logical.String())
		props[unescape(k)] = unescape(v)
		logical.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cli: reading properties: %w", err)
	}
	if logical.Len() > 0 {
		k, v := splitProperty(logical.String())
		props[unescape(k)] = unescape(v)
	}
	return props, nil
}

func endsWithOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty finds the first unescaped '=', ':' or whitespace; the
// value starts after it and any whitespace plus at most one '=' or ':'.
func splitProperty(s string) (key, value string) {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
	}
	if i >= len(s) {
		return s, ""
	}
	key, rest := s[:i], s[i:]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f' || rest[0] == s[i]) {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return key, rest
}

func unescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				var r rune
				if _, err := fmt.Sscanf(s[i+1:i+5], "%04x", &r); err == nil {
					b.WriteRune(r)
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
