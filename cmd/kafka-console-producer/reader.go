package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// lineReader is ConsoleProducer.LineMessageReader: one record per line,
// optionally split into key and value at the first key.separator.
type lineReader struct {
	in          *bufio.Reader
	prompt      io.Writer
	topic       string
	parseKey    bool
	keySep      string
	ignoreError bool
	lineNumber  int
}

// message is one record read from the input; a nil key means no key.
type message struct {
	key, value []byte
}

func newLineReader(in io.Reader, prompt io.Writer, topic string, props map[string]string) *lineReader {
	r := &lineReader{in: bufio.NewReaderSize(in, 64*1024), prompt: prompt, topic: topic, keySep: "\t"}
	if v, ok := props["parse.key"]; ok {
		r.parseKey = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	if v, ok := props["key.separator"]; ok {
		r.keySep = v
	}
	if v, ok := props["ignore.error"]; ok {
		r.ignoreError = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	return r
}

// next prints the prompt and reads one line. It returns io.EOF at the end of
// the input, and a KafkaException-text error for a keyless line when keys
// are expected.
func (r *lineReader) next() (message, error) {
	r.lineNumber++
	io.WriteString(r.prompt, ">")
	line, err := r.readLine()
	if err != nil {
		return message{}, err
	}
	if !r.parseKey {
		return message{value: []byte(line)}, nil
	}
	i := strings.Index(line, r.keySep)
	if i < 0 {
		if r.ignoreError {
			return message{value: []byte(line)}, nil
		}
		return message{}, fmt.Errorf("org.apache.kafka.common.KafkaException: No key found on line %d: %s", r.lineNumber, line)
	}
	return message{key: []byte(line[:i]), value: []byte(line[i+len(r.keySep):])}, nil
}

// readLine is BufferedReader.readLine: the terminator ("\n" or "\r\n") is
// dropped, and a last line without one is still returned.
func (r *lineReader) readLine() (string, error) {
	line, err := r.in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("kafka-console-producer: reading input: %w", err)
	}
	if err != nil && line == "" {
		return "", io.EOF
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	return line, nil
}
