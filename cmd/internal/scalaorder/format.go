package scalaorder

import (
	"strconv"
	"strings"
)

// ImmutableSetString is an immutable Set's toString for elements already in
// its iteration order: "Set(a, b)" up to four elements, "HashSet(...)" above.
func ImmutableSetString(elems []string) string {
	if len(elems) <= 4 {
		return "Set(" + strings.Join(elems, ", ") + ")"
	}
	return "HashSet(" + strings.Join(elems, ", ") + ")"
}

// MapString is an immutable Map's toString for "k -> v" entries already in
// its iteration order: "Map(...)" up to four entries, "HashMap(...)" above.
func MapString(entries []string) string {
	if len(entries) <= 4 {
		return "Map(" + strings.Join(entries, ", ") + ")"
	}
	return "HashMap(" + strings.Join(entries, ", ") + ")"
}

// SeqString renders a Scala collection of ints as name(1, 2, 3), e.g.
// List(1, 2) or Buffer(1, 2).
func SeqString(name string, xs []int32) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(int(x))
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}
