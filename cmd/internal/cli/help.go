package cli

import (
	"io"
	"strings"
	"unicode"
)

// Help table geometry of joptsimple's BuiltinHelpFormatter() default
// constructor: 80 columns overall, two spaces between the columns, and
// continuation lines indented by two.
const (
	helpWidth     = 80
	helpSeparator = 2
	helpIndent    = 2
)

// Usage is CommandLineUtils.printUsageAndDie without the exit: the message,
// a newline, then the help table. Callers exit with status 1.
func (p *Parser) Usage(w io.Writer, message string) {
	io.WriteString(w, message+"\n")
	p.PrintHelp(w)
}

// PrintHelp writes joptsimple's help table (parser.printHelpOn).
func (p *Parser) PrintHelp(w io.Writer) {
	io.WriteString(w, p.HelpText())
}

// HelpText renders the help table exactly as joptsimple 5.0.4 does,
// including the trailing padding of every line.
func (p *Parser) HelpText() string {
	type row struct{ left, right string }
	rows := []row{{"Option", "Description"}, {"------", "-----------"}}
	for _, o := range p.sorted() {
		if o.hidden {
			continue
		}
		rows = append(rows, row{optionDisplay(o), descriptionDisplay(o)})
	}
	optW, descW := 0, 0
	widths := func(rs []row) (int, int) {
		wo, wd := 0, 0
		for _, r := range rs {
			wo = max(wo, len(r.left))
			wd = max(wd, len(r.right))
		}
		ow := min((helpWidth-helpSeparator)/2, wo)
		return ow, min(helpWidth-ow-helpSeparator, wd)
	}
	optW, descW = widths(rows)
	var fitted []row
	for _, r := range rows {
		l, d := piecesOf(r.left, optW), piecesOf(r.right, descW)
		for i := 0; i < max(len(l), len(d)); i++ {
			fitted = append(fitted, row{itemOrEmpty(l, i), itemOrEmpty(d, i)})
		}
	}
	optW, descW = widths(fitted)
	var b strings.Builder
	for _, r := range fitted {
		pad(&b, r.left, optW)
		b.WriteString(strings.Repeat(" ", helpSeparator))
		pad(&b, r.right, descW)
		b.WriteString("\n")
	}
	return b.String()
}

func pad(b *strings.Builder, s string, width int) {
	b.WriteString(s)
	if n := width - len(s); n > 0 {
		b.WriteString(strings.Repeat(" ", n))
	}
}

func itemOrEmpty(items []string, i int) string {
	if i < len(items) {
		return items[i]
	}
	return ""
}

func optionDisplay(o *Option) string {
	s := "--" + o.name
	if len(o.name) == 1 {
		s = "-" + o.name
	}
	if o.acceptsArg() || o.argDesc != "" {
		open, close := "<", ">"
		if o.arg != RequiredArg {
			open, close = "[", "]"
		}
		s += " " + open + o.typeName
		if o.argDesc != "" {
			s += ": " + o.argDesc
		}
		s += close
	}
	return s
}

func descriptionDisplay(o *Option) string {
	if len(o.defaults) == 0 {
		return o.description
	}
	d := o.defaults[0]
	if len(o.defaults) > 1 {
		d = "[" + strings.Join(o.defaults, ", ") + "]"
	}
	return strings.TrimSpace(o.description + " (default: " + d + ")")
}

// piecesOf splits text at embedded newlines, then wraps each line to width
// like joptsimple's Columns.piecesOf: words are appended while they fit; a
// word that does not fit closes the piece (right-trimmed) and starts an
// indented one, even when the closed piece is empty.
func piecesOf(raw string, width int) []string {
	var pieces []string
	for _, line := range javaSplitLines(javaTrim(raw)) {
		var next strings.Builder
		for _, word := range lineBreakWords(line) {
			if next.Len()+len(word) > width {
				pieces = append(pieces, strings.TrimRightFunc(next.String(), unicode.IsSpace))
				next.Reset()
				next.WriteString(strings.Repeat(" ", helpIndent))
			}
			next.WriteString(word)
		}
		if next.Len() > 0 {
			pieces = append(pieces, next.String())
		}
	}
	return pieces
}

// javaTrim is String.trim: it strips every char <= ' ' from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// javaSplitLines is String.split("\n"): trailing empty strings are dropped.
func javaSplitLines(s string) []string {
	parts := strings.Split(s, "\n")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// lineBreakWords cuts a line where java.text.BreakIterator.getLineInstance
// allows a break (see linebreak.go). Help text is printed once per run, so
// compiling the rule per line costs nothing that matters.
func lineBreakWords(line string) []string {
	return newLineBreaker().words(line)
}
