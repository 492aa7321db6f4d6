package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// kv is an expected entry: key, value and the line its logical line starts on.
type kv struct {
	key, value string
	line       int
}

// propertiesCases are inputs with what java.util.Properties.load (Java 17)
// gives for them; the key/value pairs were checked against a JVM.
func propertiesCases() []struct {
	name string
	in   string
	want []kv
} {
	return []struct {
		name string
		in   string
		want []kv
	}{
		{"empty", "", nil},
		{"simple", "a=b\nc=d\n", []kv{{"a", "b", 1}, {"c", "d", 2}}},
		{"colon separator", "a:b", []kv{{"a", "b", 1}}},
		{"space separator", "a b", []kv{{"a", "b", 1}}},
		{"tab and form feed separators", "a\tb\nc\fd", []kv{{"a", "b", 1}, {"c", "d", 2}}},
		{"whitespace around separator", "a  =  b", []kv{{"a", "b", 1}}},
		{"whitespace then colon", "a   :b", []kv{{"a", "b", 1}}},
		{"only the first separator counts", "a==b", []kv{{"a", "=b", 1}}},
		{"second separator after whitespace is value", "a = = b", []kv{{"a", "= b", 1}}},
		{"value keeps trailing whitespace", "a=b  \t", []kv{{"a", "b  \t", 1}}},
		{"leading whitespace skipped", "   \t\fa=b", []kv{{"a", "b", 1}}},
		{"key without value", "a", []kv{{"a", "", 1}}},
		{"key with separator only", "a=", []kv{{"a", "", 1}}},
		{"empty key", "=b", []kv{{"", "b", 1}}},
		{"hash comment", "# c\na=b", []kv{{"a", "b", 2}}},
		{"bang comment", "! c\na=b", []kv{{"a", "b", 2}}},
		{"indented comment", "   # c\na=b", []kv{{"a", "b", 2}}},
		{"hash after value is value", "broker.id=1 ##21行 修改", []kv{{"broker.id", "1 ##21行 修改", 1}}},
		{"hash after listener is value", "listeners=PLAINTEXT://1.2.3.4:9092     # each node its own address",
			[]kv{{"listeners", "PLAINTEXT://1.2.3.4:9092     # each node its own address", 1}}},
		{"hash inside key", "a#b=c", []kv{{"a#b", "c", 1}}},
		{"comment is not continued", "# c \\\na=b", []kv{{"a", "b", 2}}},
		{"blank lines counted", "\n\n  \na=b\n\n\nc=d", []kv{{"a", "b", 4}, {"c", "d", 7}}},
		{"CRLF", "a=b\r\nc=d\r\n", []kv{{"a", "b", 1}, {"c", "d", 2}}},
		{"CR only", "a=b\rc=d", []kv{{"a", "b", 1}, {"c", "d", 2}}},
		{"continuation", "a=b\\\n   c\nd=e", []kv{{"a", "bc", 1}, {"d", "e", 3}}},
		{"continuation CRLF", "a=b\\\r\n  c\r\nd=e", []kv{{"a", "bc", 1}, {"d", "e", 3}}},
		{"continuation keeps hash", "a=b\\\n#c", []kv{{"a", "b#c", 1}}},
		{"continuation of key", "ke\\\n  y=v", []kv{{"key", "v", 1}}},
		{"continuation to blank line ends it", "a=b\\\n\nc=d", []kv{{"a", "b", 1}, {"c", "d", 3}}},
		{"double continuation", "a=1,\\\n  2,\\\n  3\nb=c", []kv{{"a", "1,2,3", 1}, {"b", "c", 4}}},
		{"even backslashes do not continue", "a=b\\\\\nc=d", []kv{{"a", "b\\", 1}, {"c", "d", 2}}},
		{"trailing backslash at end of input", "a=b\\", []kv{{"a", "b", 1}}},
		{"lone backslash at end of input", "\\", []kv{{"", "", 1}}},
		{"backslash newline at end of input", "a=b\n\\\n", []kv{{"a", "b", 1}, {"", "", 2}}},
		{"backslash CRLF at end of input", "a=b\n\\\r\n", []kv{{"a", "b", 1}}},
		{"empty continuation then comment", "\\\n# c\na=b", []kv{{"a", "b", 3}}},
		{"escapes", `a=\t\n\r\f\\\x\ `, []kv{{"a", "\t\n\r\f\\x ", 1}}},
		{"escaped separators in key", `a\=b\:c\ d=e`, []kv{{"a=b:c d", "e", 1}}},
		{"escaped hash starts no comment", `\#a=b`, []kv{{"#a", "b", 1}}},
		{"unicode escape", `a=\u0041\u00e9\u4E2D`, []kv{{"a", "Aé中", 1}}},
		{"surrogate pair escape", `a=\uD83D\uDE00`, []kv{{"a", "😀", 1}}},
		{"leading escaped space kept", `a=\  b`, []kv{{"a", "  b", 1}}},
		{"utf8 text", "键=值", []kv{{"键", "值", 1}}},
		{"later duplicate wins in Map", "a=1\na=2", []kv{{"a", "1", 1}, {"a", "2", 2}}},
	}
}

func TestParseProperties(t *testing.T) {
	for _, tc := range propertiesCases() {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseProperties(strings.NewReader(tc.in), "test.properties")
			if err != nil {
				t.Fatalf("ParseProperties: %v", err)
			}
			var got []kv
			for _, e := range p.Entries {
				got = append(got, kv{e.Key, e.Value, e.Line})
				if e.Source != "test.properties" {
					t.Errorf("entry %q: source %q", e.Key, e.Source)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParsePropertiesMalformedUnicode(t *testing.T) {
	for _, in := range []string{"a=\\u12", "a=\\u12G4", "x=1\n\n\\uZZZZ=b"} {
		_, err := ParseProperties(strings.NewReader(in), "bad.properties")
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: got %v, want ErrSyntax", in, err)
		}
	}
	_, err := ParseProperties(strings.NewReader("x=1\n\n\\uZZZZ=b"), "bad.properties")
	if err == nil || !strings.Contains(err.Error(), "bad.properties:3:") {
		t.Errorf("error should name line 3: %v", err)
	}
}

func TestParsePropertiesLatin1(t *testing.T) {
	// Not valid UTF-8: read byte for byte as ISO-8859-1, as Java does.
	p, err := ParseProperties(strings.NewReader("a=caf\xe9"), "l1")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Map()["a"]; got != "café" {
		t.Errorf("got %q, want café", got)
	}
}

func TestPropertiesGetMapKeys(t *testing.T) {
	p, err := ParseProperties(strings.NewReader("b=1\na=2\nb=3\n"), "f")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := p.Get("b"); !ok || e.Value != "3" || e.Line != 3 || e.Position() != "f:3" {
		t.Errorf("Get(b) = %+v, %v", e, ok)
	}
	if _, ok := p.Get("zz"); ok {
		t.Error("Get(zz) found something")
	}
	if got := p.Keys(); !reflect.DeepEqual(got, []string{"b", "a"}) {
		t.Errorf("Keys = %v", got)
	}
	p.Merge(ParseOverrides([]string{"a=9"}))
	if e, _ := p.Get("a"); e.Value != "9" || e.Position() != OverrideSource {
		t.Errorf("after Merge, Get(a) = %+v", e)
	}
}

func TestFormatRoundTrip(t *testing.T) {
	p := &Properties{Name: "x"}
	for _, e := range []Entry{
		{Key: "plain", Value: "value"},
		{Key: "with space", Value: "  leading and trailing  "},
		{Key: "#hash", Value: "#not a comment"},
		{Key: "!bang", Value: "a=b:c"},
		{Key: "a=b:c", Value: "x\\y"},
		{Key: "ctl", Value: "line1\nline2\r\t\f\x01end"},
		{Key: "", Value: ""},
		{Key: "uni", Value: "中文 ✓"},
	} {
		p.Set(e)
	}
	text := p.Format()
	back, err := ParseProperties(strings.NewReader(text), "x")
	if err != nil {
		t.Fatalf("parse of %q: %v", text, err)
	}
	if !reflect.DeepEqual(back.Map(), p.Map()) {
		t.Errorf("round trip of\n%s\ngot  %q\nwant %q", text, back.Map(), p.Map())
	}
	if got := EscapeValue("127.0.0.11:2181,127.0.0.12:2181"); got != "127.0.0.11:2181,127.0.0.12:2181" {
		t.Errorf("EscapeValue escaped a host list: %q", got)
	}
}

func TestParseOverrides(t *testing.T) {
	p := ParseOverrides([]string{"broker.id=2", "a=b=c", "novalue", "empty="})
	want := map[string]string{"broker.id": "2", "a": "b=c", "novalue": "", "empty": ""}
	if got := p.Map(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
