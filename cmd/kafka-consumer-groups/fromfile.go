package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/samsa-broker/samsa/cmd/internal/cli"
)

// filePlan is a reset plan read from --from-file: each group's partitions
// in file order with their requested offsets.
type filePlan map[string][]newOffset

// loadResetPlan is resetPlanFromFile: the file is read once, when the first
// group needs it, and parsed by parseResetPlan.
func (c *command) loadResetPlan() (filePlan, error) {
	if c.filePlan != nil {
		return c.filePlan, nil
	}
	path, _ := c.o.s.String(c.o.fromFile)
	b, err := os.ReadFile(path)
	if err != nil {
		// Kafka's Utils.readFileAsString throws NoSuchFileException,
		// whose message is the bare path.
		if os.IsNotExist(err) {
			return nil, &cli.JavaError{Text: "java.nio.file.NoSuchFileException: " + path, Err: err}
		}
		return nil, &cli.JavaError{Text: "java.io.IOException: " + err.Error(), Err: err}
	}
	var single string
	if gs := c.o.s.Values(c.o.group); len(gs) == 1 {
		single = gs[0]
	}
	p, err := parseResetPlan(string(b), single)
	if err != nil {
		return nil, &cli.JavaError{Text: fmt.Sprintf("java.lang.IllegalArgumentException: %s: %v", path, err), Err: err}
	}
	c.filePlan = p
	return p, nil
}

// parseResetPlan is ConsumerGroupService.parseResetPlan. Lines are
// "topic,partition,offset" when exactly one --group is given (singleGroup)
// and the first line has that shape; otherwise every line is
// "group,topic,partition,offset", the format --export writes for several
// groups. Like Java's String.split("\n"), trailing empty lines are ignored;
// any other malformed line fails the whole plan, naming the line.
func parseResetPlan(csv, singleGroup string) (filePlan, error) {
	lines := strings.Split(csv, "\n")
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	withGroup := true
	if singleGroup != "" && len(lines) > 0 {
		if _, _, err := parseCSVRecord(lines[0], false); err == nil {
			withGroup = false
		}
	}
	plan := filePlan{}
	for i, line := range lines {
		group, n, err := parseCSVRecord(line, withGroup)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", i+1, line, err)
		}
		if !withGroup {
			group = singleGroup
		}
		// A partition listed twice keeps its place and takes the later
		// offset, as updating an immutable Map does.
		replaced := false
		for j := range plan[group] {
			if plan[group][j].tp == n.tp {
				plan[group][j].offset = n.offset
				replaced = true
			}
		}
		if !replaced {
			plan[group] = append(plan[group], n)
		}
	}
	return plan, nil
}

// parseCSVRecord parses one line as [group,]topic,partition,offset.
func parseCSVRecord(line string, withGroup bool) (string, newOffset, error) {
	fields := strings.Split(strings.TrimSuffix(line, "\r"), ",")
	want := 3
	if withGroup {
		want = 4
	}
	if len(fields) != want {
		shape := "topic,partition,offset"
		if withGroup {
			shape = "group,topic,partition,offset"
		}
		return "", newOffset{}, fmt.Errorf("expected %d values (%s), found %d", want, shape, len(fields))
	}
	group := ""
	if withGroup {
		group, fields = fields[0], fields[1:]
	}
	part, err := strconv.ParseInt(fields[1], 10, 32)
	if err != nil {
		return "", newOffset{}, fmt.Errorf("partition %q is not an integer", fields[1])
	}
	off, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return "", newOffset{}, fmt.Errorf("offset %q is not an integer", fields[2])
	}
	if fields[0] == "" {
		return "", newOffset{}, fmt.Errorf("the topic is empty")
	}
	return group, newOffset{tp: tp{fields[0], int32(part)}, offset: off}, nil
}
