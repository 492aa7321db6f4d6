package conf

import (
	"math"
	"reflect"
	"testing"
)

func TestParseValue(t *testing.T) {
	cases := []struct {
		name   string
		typ    Type
		raw    string
		want   any
		reason string // "" when the value must parse
	}{
		{"int", TypeInt, "42", int32(42), ""},
		{"int trimmed", TypeInt, "  42\t", int32(42), ""},
		{"int plus sign", TypeInt, "+7", int32(7), ""},
		{"int negative", TypeInt, "-1", int32(-1), ""},
		{"int leading zeros", TypeInt, "007", int32(7), ""},
		{"int max", TypeInt, "2147483647", int32(math.MaxInt32), ""},
		{"int overflow", TypeInt, "2147483648", nil, "out of range for int (-2147483648..2147483647)"},
		{"int with comment", TypeInt, "1 ##21行 修改", nil, "not a number (int)"},
		{"int underscore", TypeInt, "1_000", nil, "not a number (int)"},
		{"int hex", TypeInt, "0x10", nil, "not a number (int)"},
		{"int empty", TypeInt, "", nil, "not a number (int)"},
		{"int two signs", TypeInt, "+-1", nil, "not a number (int)"},
		{"int decimal", TypeInt, "1.0", nil, "not a number (int)"},
		{"short", TypeShort, "3", int16(3), ""},
		{"short overflow", TypeShort, "40000", nil, "out of range for short (-32768..32767)"},
		{"long", TypeLong, "9223372036854775807", int64(math.MaxInt64), ""},
		{"long bad", TypeLong, "1h", nil, "not a number (long)"},
		{"bool true", TypeBool, "true", true, ""},
		{"bool mixed case", TypeBool, " TRUE ", true, ""},
		{"bool false", TypeBool, "False", false, ""},
		{"bool yes", TypeBool, "yes", nil, "not a boolean (expected true or false)"},
		{"double", TypeDouble, "0.5", 0.5, ""},
		{"double exponent", TypeDouble, "1e3", 1000.0, ""},
		{"double suffix", TypeDouble, "2.5d", 2.5, ""},
		{"double leading dot", TypeDouble, ".5", 0.5, ""},
		{"double Infinity", TypeDouble, "-Infinity", math.Inf(-1), ""},
		{"double go inf refused", TypeDouble, "inf", nil, "not a number (double)"},
		{"double hex", TypeDouble, "0x1p3", 8.0, ""},
		{"double words", TypeDouble, "half", nil, "not a number (double)"},
		{"string trimmed", TypeString, "  x y  ", "x y", ""},
		{"password trimmed", TypePassword, " s3cret ", "s3cret", ""},
		{"list", TypeList, "a, b ,c", []string{"a", "b", "c"}, ""},
		{"list empty", TypeList, "  ", []string{}, ""},
		{"list keeps empty items", TypeList, "a,,b,", []string{"a", "", "b", ""}, ""},
		{"class", TypeClass, "org.example.My$Inner", "org.example.My$Inner", ""},
		{"class bad", TypeClass, "org..x", nil, "not a Java class name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := parseValue(tc.typ, tc.raw)
			if reason != tc.reason {
				t.Fatalf("reason %q, want %q", reason, tc.reason)
			}
			if tc.reason == "" && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestJavaDouble(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0.5, "0.5"}, {0.9, "0.9"}, {0.05, "0.05"}, {1, "1.0"}, {100, "100.0"}, {0, "0.0"},
		{math.MaxFloat64, "1.7976931348623157E308"}, {1e7, "1.0E7"}, {1e-4, "1.0E-4"},
		{1234567.5, "1234567.5"}, {-2.5e10, "-2.5E10"},
	} {
		if got := javaDouble(tc.in); got != tc.want {
			t.Errorf("javaDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLookupAPIVersion(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"2.4-IV1", "2.4-IV1", true},
		{"2.4", "2.4-IV1", true},
		{"2.4.1", "2.4-IV1", true},
		{"2.4-IV0", "2.4-IV0", true},
		{"2.1", "2.1-IV2", true},
		{"1.0", "1.0-IV0", true},
		{"0.10.0", "0.10.0-IV1", true},
		{"0.10.0.1", "0.10.0-IV1", true},
		{"0.8.2", "0.8.2", true},
		{"0.9.0.1", "0.9.0", true},
		{"2.5", "", false},
		{"2.4-IV2", "", false},
		{"", "", false},
	} {
		v, ok := LookupAPIVersion(tc.in)
		if ok != tc.ok || v.Version != tc.want {
			t.Errorf("LookupAPIVersion(%q) = %q, %v; want %q, %v", tc.in, v.Version, ok, tc.want, tc.ok)
		}
	}
	if v, _ := LookupAPIVersion("0.10.2"); v.RecordVersion != 1 {
		t.Errorf("0.10.2 record version %d, want 1", v.RecordVersion)
	}
}

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    check
		v    any
		want string
	}{
		{"atLeast ok", atLeast(1), int32(1), ""},
		{"atLeast low", atLeast(1), int32(0), "Value must be at least 1"},
		{"between high", between(0, 1), 1.5, "Value must be no more than 1"},
		{"oneOf", oneOf("CreateTime", "LogAppendTime"), "createtime", "String must be one of: CreateTime, LogAppendTime"},
		{"listOf", listOf("compact", "delete"), []string{"compact", "Delete"}, "String must be one of: compact, delete"},
		{"apiVersion", apiVersionCheck, "3.0", "Version `3.0` is not a valid version"},
		{"throttled star", throttledReplicasCheck, []string{"*"}, ""},
		{"throttled pairs", throttledReplicasCheck, []string{"0:1", "1:2"}, ""},
		{"throttled bad", throttledReplicasCheck, []string{"0-1"}, "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."},
	} {
		if got := tc.c(tc.v); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
