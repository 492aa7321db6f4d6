package cli

import (
	"bufio"
	"strings"
	"testing"
)

// FuzzParseProperties feeds arbitrary files to the properties parser
// (--producer.config and friends): it must not panic, and every key it
// returns must come back from a re-parse of "key=value" lines when the key
// has no characters that need escaping.
func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{"a=b\n", "# c\nk : v\\\n  w\n", "k\\u00", "\\", "a\\\n", "x=\\u12zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		props, err := ParseProperties(bufio.NewReader(strings.NewReader(in)))
		if err != nil {
			return
		}
		for k := range props {
			if k == "" || strings.ContainsAny(k, "=: \t\f\\#!\n\r") {
				continue
			}
			again, err := ParseProperties(bufio.NewReader(strings.NewReader(k + "=x\n")))
			if err != nil || again[k] != "x" {
				t.Fatalf("key %q does not round-trip: %v %v", k, again, err)
			}
		}
	})
}

// FuzzParse feeds arbitrary command lines to the option parser.
func FuzzParse(f *testing.F) {
	f.Add("--broker-list kafka1:9092 -topic test")
	f.Add("--compression-codec -- x --property=a=b -sync=1 -")
	f.Fuzz(func(t *testing.T, line string) {
		p, _ := producerParser()
		p.AllowAbbreviations = len(line)%2 == 0
		s, err := p.Parse(strings.Fields(line))
		if err != nil {
			if _, ok := err.(*OptionError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = s.NonOptions
	})
}
