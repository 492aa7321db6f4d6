package conf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Type is the type of a configuration key, as Kafka's ConfigDef.Type.
type Type int

// The ConfigDef types. Values of each type are held as: Bool bool,
// String/Class/Password string, Int int32, Short int16, Long int64,
// Double float64, List []string.
const (
	TypeBool Type = iota + 1
	TypeString
	TypeInt
	TypeShort
	TypeLong
	TypeDouble
	TypeList
	TypeClass
	TypePassword
)

func (t Type) String() string {
	switch t {
	case TypeBool:
		return "boolean"
	case TypeString:
		return "string"
	case TypeInt:
		return "int"
	case TypeShort:
		return "short"
	case TypeLong:
		return "long"
	case TypeDouble:
		return "double"
	case TypeList:
		return "list"
	case TypeClass:
		return "class"
	case TypePassword:
		return "password"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// check validates a parsed value and returns Kafka's complaint, or "".
type check func(v any) string

// keyDef is one ConfigDef.define: a key, its type, its default in Kafka's
// string form, and its validator.
type keyDef struct {
	name     string
	typ      Type
	def      string // default (ConfigDef.convertToString form); see null, required
	null     bool   // the default is null: the key is simply unset
	required bool   // no default at all: Kafka refuses to start without it
	check    check
}

// javaTrim is String.trim: it strips every character <= ' ' from both ends,
// control characters included, which is what ConfigDef.parseType does before
// parsing any type.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// parseValue converts a raw string to a value of type t with the rules of
// ConfigDef.parseType. On failure it returns a reason for the error message.
func parseValue(t Type, raw string) (any, string) {
	s := javaTrim(raw)
	switch t {
	case TypeBool:
		switch strings.ToLower(s) {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, "not a boolean (expected true or false)"
	case TypeString, TypePassword:
		return s, ""
	case TypeClass:
		if !isJavaClassName(s) {
			return nil, "not a Java class name"
		}
		return s, ""
	case TypeInt:
		v, reason := parseJavaInt(s, 32)
		if reason != "" {
			return nil, reason
		}
		return int32(v), ""
	case TypeShort:
		v, reason := parseJavaInt(s, 16)
		if reason != "" {
			return nil, reason
		}
		return int16(v), ""
	case TypeLong:
		v, reason := parseJavaInt(s, 64)
		if reason != "" {
			return nil, reason
		}
		return v, ""
	case TypeDouble:
		v, ok := parseJavaDouble(s)
		if !ok {
			return nil, "not a number (double)"
		}
		return v, ""
	case TypeList:
		return parseJavaList(s), ""
	}
	return nil, "unknown type"
}

// isJavaClassName accepts a Java binary class name (dots between
// identifiers, '$' for nested classes). Samsa cannot load Java classes; the
// name is only checked for form.
func isJavaClassName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			ok := unicode.IsLetter(r) || r == '_' || r == '$' || (i > 0 && unicode.IsDigit(r))
			if !ok {
				return false
			}
		}
	}
	return true
}

// parseJavaInt is Integer/Short/Long.parseInt: an optional sign and ASCII
// decimal digits, nothing else (no underscores, no base prefixes).
func parseJavaInt(s string, bits int) (int64, string) {
	name := map[int]string{16: "short", 32: "int", 64: "long"}[bits]
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, "not a number (" + name + ")"
	}
	v, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		var lo, hi int64 = math.MinInt16, math.MaxInt16
		switch bits {
		case 32:
			lo, hi = math.MinInt32, math.MaxInt32
		case 64:
			lo, hi = math.MinInt64, math.MaxInt64
		}
		return 0, fmt.Sprintf("out of range for %s (%d..%d)", name, lo, hi)
	}
	return v, ""
}

// parseJavaDouble is Double.parseDouble: decimal or hexadecimal floating
// point with an optional f/F/d/D suffix, or exactly "NaN" / "Infinity" with
// an optional sign.
func parseJavaDouble(s string) (float64, bool) {
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if strings.ContainsAny(body, "_iInN") && !strings.HasPrefix(strings.ToLower(body), "0x") {
		return 0, false // Go's "inf", "nan" and digit separators are not Java's
	}
	if n := len(s); n > 0 && strings.ContainsRune("fFdD", rune(s[n-1])) && !isHexWithoutExponent(s) {
		s = s[:n-1]
	}
	if strings.Contains(s, "_") {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// isHexWithoutExponent reports whether a trailing f/d is a hex digit rather
// than a type suffix (Java requires a 'p' exponent in hex floats, after which
// a suffix may follow).
func isHexWithoutExponent(s string) bool {
	l := strings.ToLower(strings.TrimLeft(s, "+-"))
	return strings.HasPrefix(l, "0x") && !strings.Contains(l, "p")
}

// parseJavaList is ConfigDef's LIST parsing: an empty string is an empty
// list, otherwise the string is split on commas with surrounding whitespace
// (Java's \s), keeping empty elements.
func parseJavaList(s string) []string {
	if s == "" {
		return []string{}
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(p, " \t\n\x0b\f\r")
	}
	return parts
}

// formatValue is ConfigDef.convertToString: how Kafka shows a parsed value
// (in DescribeConfigs, for instance).
func formatValue(t Type, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return javaDouble(x)
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}

// javaDouble formats like Double.toString: plain decimal with at least one
// fractional digit for 1e-3 <= |x| < 1e7, else computerized scientific
// notation ("1.7976931348623157E308").
func javaDouble(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(x)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(x, 'E', -1, 64) // e.g. 1.7976931348623157E+308, 1E-04
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// Validators, with Kafka's messages.

func atLeast(min float64) check {
	return func(v any) string {
		if toFloat(v) < min {
			return "Value must be at least " + trimFloat(min)
		}
		return ""
	}
}

func between(min, max float64) check {
	return func(v any) string {
		f := toFloat(v)
		if f < min {
			return "Value must be at least " + trimFloat(min)
		}
		if f > max {
			return "Value must be no more than " + trimFloat(max)
		}
		return ""
	}
}

func oneOf(valid ...string) check {
	return func(v any) string {
		s, _ := v.(string)
		for _, ok := range valid {
			if s == ok {
				return ""
			}
		}
		return "String must be one of: " + strings.Join(valid, ", ")
	}
}

func listOf(valid ...string) check {
	one := oneOf(valid...)
	return func(v any) string {
		l, _ := v.([]string)
		for _, s := range l {
			if r := one(s); r != "" {
				return r
			}
		}
		return ""
	}
}

func apiVersionCheck(v any) string {
	s, _ := v.(string)
	if _, ok := LookupAPIVersion(s); !ok {
		return "Version `" + s + "` is not a valid version"
	}
	return ""
}

// throttledReplicasCheck is ThrottledReplicaListValidator: '*' or a list of
// partitionId:brokerId pairs.
func throttledReplicasCheck(v any) string {
	l, _ := v.([]string)
	if len(l) > 0 && strings.TrimSpace(l[0]) == "*" {
		return ""
	}
	for _, s := range l {
		if !isThrottledReplica(strings.TrimSpace(s)) {
			return "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."
		}
	}
	return ""
}

// isThrottledReplica matches ([0-9]+:[0-9]+)? in full.
func isThrottledReplica(s string) bool {
	if s == "" {
		return true
	}
	p, b, ok := strings.Cut(s, ":")
	return ok && isDigits(p) && isDigits(b)
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

func trimFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
