package storage

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// meta.properties (part of the on-disk format; never change).
const (
	metaPropertiesFile = "meta.properties"
	cleanShutdownFile  = ".kafka_cleanshutdown"
	lockFile           = ".lock"
	metaVersion        = 0
	javaDateLayout     = "Mon Jan 02 15:04:05 MST 2006" // java.util.Date.toString
)

type brokerMeta struct {
	ClusterID string // "" when absent
	BrokerID  int32
}

// formatMeta writes what java.util.Properties.store(out, "") writes.
func formatMeta(m brokerMeta, now time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("#\n#")
	b.WriteString(now.UTC().Format(javaDateLayout))
	b.WriteByte('\n')
	if m.ClusterID != "" {
		fmt.Fprintf(&b, "cluster.id=%s\n", escapeProperty(m.ClusterID, false))
	}
	fmt.Fprintf(&b, "version=%d\nbroker.id=%d\n", metaVersion, m.BrokerID)
	return b.Bytes()
}

// escapeProperty follows Properties.saveConvert for ASCII text.
func escapeProperty(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ' ' && (key || i == 0):
			b.WriteString(`\ `)
		case r == '\\' || r == '=' || r == ':' || r == '#' || r == '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16Units(r) {
				fmt.Fprintf(&b, `\u%04X`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Units(r rune) []uint16 {
	if r < 0x10000 {
		return []uint16{uint16(r)}
	}
	r -= 0x10000
	return []uint16{uint16(0xd800 + (r>>10)&0x3ff), uint16(0xdc00 + r&0x3ff)}
}

// latin1 decodes data as ISO 8859-1, as Properties.load(InputStream) reads
// meta.properties: every byte is one character (non-ASCII text is written
// with \u escapes, so a file Kafka or Samsa wrote is plain ASCII).
func latin1(data []byte) string {
	rs := make([]rune, len(data))
	for i, b := range data {
		rs[i] = rune(b)
	}
	return string(rs)
}

// parseProperties reads Java .properties text (logical lines, escapes, = : or space
// separators, # and ! comments).
func parseProperties(data []byte) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(latin1(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for endsWithContinuation(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		if endsWithContinuation(line) {
			line = line[:len(line)-1]
		}
		k := 0
		for k < len(line) {
			c := line[k]
			if c == '\\' {
				k += 2
				continue
			}
			if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
				break
			}
			k++
		}
		k = min(k, len(line))
		key := line[:k]
		rest := strings.TrimLeft(line[k:], " \t\f")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
		uk, err := unescapeProperty(key)
		if err != nil {
			return nil, err
		}
		uv, err := unescapeProperty(rest)
		if err != nil {
			return nil, err
		}
		out[uk] = uv
	}
	return out, nil
}

func endsWithContinuation(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	var units []uint16
	flush := func() {
		for len(units) > 0 {
			u := units[0]
			if u >= 0xd800 && u < 0xdc00 && len(units) > 1 && units[1] >= 0xdc00 && units[1] < 0xe000 {
				b.WriteRune(rune(u-0xd800)<<10 | rune(units[1]-0xdc00) + 0x10000)
				units = units[2:]
				continue
			}
			b.WriteRune(rune(u))
			units = units[1:]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			flush()
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("storage: malformed \\uxxxx escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("storage: malformed \\uxxxx escape in %q", s)
			}
			units = append(units, uint16(v))
			i += 4
			continue
		case 't':
			flush()
			b.WriteByte('\t')
		case 'n':
			flush()
			b.WriteByte('\n')
		case 'r':
			flush()
			b.WriteByte('\r')
		case 'f':
			flush()
			b.WriteByte('\f')
		default:
			flush()
			b.WriteByte(s[i])
		}
	}
	flush()
	return b.String(), nil
}

// parseMeta follows BrokerMetadataCheckpoint.read: version 0 only, broker.id in [0, 2^31).
func parseMeta(data []byte) (brokerMeta, error) {
	p, err := parseProperties(data)
	if err != nil {
		return brokerMeta{}, err
	}
	v, err := strconv.ParseInt(p["version"], 10, 32)
	if err != nil || v < 0 {
		return brokerMeta{}, fmt.Errorf("storage: meta.properties: bad version %q", p["version"])
	}
	if v != metaVersion {
		return brokerMeta{}, fmt.Errorf("storage: meta.properties: unrecognized version %d", v)
	}
	id, err := strconv.ParseInt(p["broker.id"], 10, 32)
	if err != nil || id < 0 {
		return brokerMeta{}, fmt.Errorf("storage: meta.properties: bad broker.id %q", p["broker.id"])
	}
	return brokerMeta{ClusterID: p["cluster.id"], BrokerID: int32(id)}, nil
}
