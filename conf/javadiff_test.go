//go:build javadiff

package conf

// Differential test against a JVM: random inputs are parsed here and by
// java.util.Properties.load, and the key/value pairs must agree. It needs
// javac and java on PATH:
//
//	go test -tags javadiff -run TestJavaDiff ./conf

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

const javaDump = `import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Dump {
    static String esc(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x21 && c < 0x7f && c != '\\') b.append(c);
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }
    public static void main(String[] args) throws Exception {
        for (String f : args) {
            StringBuilder out = new StringBuilder("\u0001" + f + "\n");
            Properties p = new Properties();
            try (Reader r = new InputStreamReader(new FileInputStream(f), StandardCharsets.UTF_8)) {
                p.load(r);
                TreeMap<String, String> m = new TreeMap<>();
                for (String k : p.stringPropertyNames()) m.put(k, p.getProperty(k));
                for (Map.Entry<String, String> e : m.entrySet()) out.append(esc(e.getKey())).append(" ").append(esc(e.getValue())).append("\n");
            } catch (IllegalArgumentException e) {
                out.append("ERROR\n");
            }
            System.out.print(out);
        }
    }
}
`

// javaEscape matches Dump.esc: printable ASCII as is, all else as UTF-16 \u escapes.
func javaEscape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		if u >= 0x21 && u < 0x7f && u != '\\' {
			b.WriteByte(byte(u))
		} else {
			fmt.Fprintf(&b, "\\u%04x", u)
		}
	}
	return b.String()
}

func TestJavaDiff(t *testing.T) {
	if _, err := exec.LookPath("javac"); err != nil {
		t.Skip("javac not found")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dump.java"), []byte(javaDump), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("javac", "-d", dir, filepath.Join(dir, "Dump.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	alphabet := []string{"a", "b", "=", ":", " ", "\t", "\f", "\\", "\\", "#", "!", "\n", "\r", "\r\n",
		"u", "0", "4", "1", "é", "x", "\\u00", "e", "F", "\\u004", "\\\n", "\\\r\n", "  "}
	rnd := rand.New(rand.NewSource(1))
	var inputs []string
	for _, tc := range propertiesCases() {
		inputs = append(inputs, tc.in)
	}
	for len(inputs) < 3000 {
		var b strings.Builder
		for n := rnd.Intn(30); n > 0; n-- {
			b.WriteString(alphabet[rnd.Intn(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	var files []string
	want := map[string]string{}
	for i, in := range inputs {
		f := filepath.Join(dir, fmt.Sprintf("in%d.properties", i))
		if err := os.WriteFile(f, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		var b strings.Builder
		b.WriteString("\x01" + f + "\n")
		p, err := ParseProperties(strings.NewReader(in), f)
		if err != nil {
			b.WriteString("ERROR\n")
		} else {
			m := p.Map()
			for _, k := range sortedKeys(m) {
				b.WriteString(javaEscape(k) + " " + javaEscape(m[k]) + "\n")
			}
		}
		want[f] = b.String()
	}
	out, err := exec.Command("java", append([]string{"-cp", dir, "Dump"}, files...)...).Output()
	if err != nil {
		t.Fatalf("java: %v", err)
	}
	got := map[string]string{}
	for _, block := range strings.Split(string(out), "\x01")[1:] {
		name, _, _ := strings.Cut(block, "\n")
		got[name] = "\x01" + block
	}
	failures := 0
	for i, f := range files {
		if got[f] != want[f] {
			t.Errorf("input %q\njava: %q\nours: %q", inputs[i], got[f], want[f])
			if failures++; failures > 10 {
				t.FailNow()
			}
		}
	}
}
