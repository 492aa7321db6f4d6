package scalaorder

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// testdata/scala213.txt holds orders printed by Scala 2.13.1 itself
// (scala-library 2.13.1, the one Kafka 2.4.1's tools run on): for each case
// a line "topic n", the immutable Set's order of partitions 0..n-1 added in
// order, then the mutable HashSet's; then "strings" and an immutable
// HashSet of topic names.
func TestOrdersMatchScala(t *testing.T) {
	f, err := os.Open("testdata/scala213.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	cases := 0
	for i := 0; i+2 < len(lines); i += 3 {
		head := strings.Fields(lines[i])
		if head[0] == "strings" {
			want := lines[i+1]
			names := []string{"t", "foo", "bar", "baz", "quux", "my-topic", "test"}
			if got := strings.Join(Champ(names, StringHash), ","); got != want {
				t.Errorf("immutable HashSet of strings: got %s, want %s", got, want)
			}
			cases++
			break
		}
		n, _ := strconv.Atoi(head[1])
		var tps []TopicPartition
		for p := 0; p < n; p++ {
			tps = append(tps, TopicPartition{head[0], int32(p)})
		}
		hash := func(tp TopicPartition) int32 { return tp.Hash() }
		for _, tt := range []struct {
			name string
			got  []TopicPartition
			want string
		}{
			{"immutable", Immutable(tps, hash), lines[i+1]},
			{"mutable", Mutable(tps, hash), lines[i+2]},
		} {
			s := make([]string, len(tt.got))
			for j, tp := range tt.got {
				s[j] = tp.String()
			}
			if got := strings.Join(s, ","); got != tt.want {
				t.Errorf("%s %s: got\n%s\nwant\n%s", lines[i], tt.name, got, tt.want)
			}
			cases++
		}
	}
	if cases < 10 {
		t.Fatalf("only %d cases read", cases)
	}
}

func TestSmallCollectionsKeepInsertionOrder(t *testing.T) {
	in := []string{"c", "a", "b", "a"}
	got := Immutable(in, StringHash)
	if strings.Join(got, ",") != "c,a,b" {
		t.Fatalf("got %v", got)
	}
	if s := ImmutableSetString(got); s != "Set(c, a, b)" {
		t.Fatalf("toString %s", s)
	}
	if s := ImmutableSetString([]string{"1", "2", "3", "4", "5"}); s != "HashSet(1, 2, 3, 4, 5)" {
		t.Fatalf("toString %s", s)
	}
}

func TestStringHash(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int32
	}{{"", 0}, {"t", 116}, {"foo", 101574}, {"__consumer_offsets", -970371369}} {
		if got := StringHash(tt.s); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.s, got, tt.want)
		}
	}
}
