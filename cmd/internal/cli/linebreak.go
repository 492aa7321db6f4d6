package cli

import (
	"regexp"
	"strings"
	"unicode"
)

// Line breaking as java.text.BreakIterator.getLineInstance() does it in the
// JDK, which joptsimple uses to wrap help descriptions. The JDK compiles
// its LineBreakRules (inherited from JDK 1.2) into a state table; the rules
// are, in its notation:
//
//	<word>        = <pre-word>* <word-core> <word-suffix>
//	<word-core>   = <char>* | <kanji> | <number>
//	<number>      = [<pre-word><dash>]* <digit>+ (<mid-num> <digit>+)*
//	<word-suffix> = <dash>+ | <post-word>*
//	segment       = <word> (((<space>* <glue>+ <space>?) | [$']) <word>)*
//	                <space>* <enclosing>* ( '(' ')' <post-word>* )?
//	                <enclosing>* \r? <break>?
//	              | \r <break>
//
// A segment is the longest match at the current position; a position
// where nothing matches gets a one-character segment. Each rune is mapped
// to one token letter naming the exact set of classes it belongs to (a
// period is both <post-word> and <mid-num>, a digit both <digit> and
// <char>, '$' and '\” both <pre-word> and the joiners), and the rules
// become a regular expression over the tokens, matched leftmost-longest.
//
// Tokens:
//
//	b <break>      r \r           g <glue>       s <space>
//	d <dash>       k <kanji>      e <enclosing>  n <digit> (and <char>)
//	m . and , (<mid-num>, <post-word>)           q " (<pre-word>, <post-word>)
//	o ( (<pre-word>, the '(' of the tail)        c ) (<post-word>, the ')' of the tail)
//	h $ and ' (<pre-word>, joiners)              p other <pre-word>
//	a other <post-word>                          x <char>
const lineBreakRule = `^(?:` +
	`W(?:(?:s*g+s?|h)W)*s*e*(?:oc[qmca]*)?e*r?b?` +
	`|rb)`

// lineBreakWord is <word>, substituted for W in lineBreakRule.
const lineBreakWord = `(?:[qohp]*(?:[xn]*|k|[qohpd]*n+(?:mn+)*)(?:d+|[qmca]*))`

// lineBreaker holds the compiled rule; it is built once per HelpText call
// (cheap) to keep the package free of mutable globals.
type lineBreaker struct{ re *regexp.Regexp }

func newLineBreaker() lineBreaker {
	re := regexp.MustCompile(strings.ReplaceAll(lineBreakRule, "W", lineBreakWord))
	re.Longest()
	return lineBreaker{re}
}

// lineToken is the token letter of r (see lineBreakRule).
func lineToken(r rune) byte {
	switch r {
	case '\u0003', '\t', '\n', '\f', '\u2028', '\u2029':
		return 'b'
	case '\r':
		return 'r'
	case '\u00a0', '\u0f0c', '\u2007', '\u2011', '\u202f', '\ufeff':
		return 'g'
	case '.', ',':
		return 'm'
	case '"':
		return 'q'
	case '(':
		return 'o'
	case ')':
		return 'c'
	case '$', '\'':
		return 'h'
	case '!', '%', ':', ';', '?', '\u00a2', '\u00b0', '\u066a', '\u2103', '\u2105', '\u2109',
		'\u3001', '\u3002', '\u3005', '\uff01', '\uff05', '\uff0c', '\uff0e', '\uff1a', '\uff1b', '\uff1f':
		return 'a'
	}
	switch {
	case r >= '\u2030' && r <= '\u2034':
		return 'a'
	case unicode.In(r, unicode.Pe, unicode.Pf):
		return 'a'
	case unicode.In(r, unicode.Sc, unicode.Ps, unicode.Pi):
		return 'p'
	case unicode.In(r, unicode.Zs, unicode.Cc):
		return 's'
	case unicode.Is(unicode.Pd, r) || r == '\u00ad':
		return 'd'
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 'e'
	case unicode.In(r, unicode.Nd, unicode.No):
		return 'n'
	case isLineKanji(r):
		return 'k'
	}
	return 'x'
}

// isLineKanji is <kanji>: CJK ideographs, Hangul syllables and kana,
// except the small kana and marks listed in <post-word>.
func isLineKanji(r rune) bool {
	switch {
	case r >= '\u3041' && r <= '\u3094', r >= '\u30a1' && r <= '\u30fa':
		switch r {
		case '\u3041', '\u3043', '\u3045', '\u3047', '\u3049', '\u3063', '\u3083', '\u3085', '\u3087', '\u308e',
			'\u30a1', '\u30a3', '\u30a5', '\u30a7', '\u30a9', '\u30c3', '\u30e3', '\u30e5', '\u30e7', '\u30ee', '\u30f5', '\u30f6':
			return false
		}
		return true
	case r >= '\u4e00' && r <= '\u9fa5', r >= '\uac00' && r <= '\ud7a3',
		r >= '\uf900' && r <= '\ufa2d', r >= '\ufa30' && r <= '\ufa6a':
		return true
	}
	return false
}

// words cuts a line into BreakIterator's line segments; each keeps its
// trailing whitespace, as the segments do.
func (lb lineBreaker) words(line string) []string {
	rs := []rune(line)
	tokens := make([]byte, len(rs))
	for i, r := range rs {
		tokens[i] = lineToken(r)
	}
	var words []string
	for start := 0; start < len(rs); {
		n := 0
		if loc := lb.re.FindIndex(tokens[start:]); loc != nil {
			n = loc[1]
		}
		if n == 0 {
			n = 1
		}
		words = append(words, string(rs[start:start+n]))
		start += n
	}
	return words
}
