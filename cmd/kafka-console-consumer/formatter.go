package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// formatter is kafka.tools.DefaultMessageFormatter.
type formatter struct {
	printTimestamp, printKey, printValue, printPartition, printOffset bool
	keySeparator, lineSeparator                                       []byte
	keyDeserializer, valueDeserializer                                deserializer
}

// deserializer turns raw bytes into the text printed, like a Java
// Deserializer followed by toString().
type deserializer func(data []byte) ([]byte, error)

func newFormatter(props map[string]string) (*formatter, error) {
	f := &formatter{printValue: true, keySeparator: []byte("\t"), lineSeparator: []byte("\n")}
	flag := func(key string, dst *bool) {
		if v, ok := props[key]; ok {
			*dst = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	flag("print.timestamp", &f.printTimestamp)
	flag("print.key", &f.printKey)
	flag("print.value", &f.printValue)
	flag("print.partition", &f.printPartition)
	flag("print.offset", &f.printOffset)
	if v, ok := props["key.separator"]; ok {
		f.keySeparator = []byte(v)
	}
	if v, ok := props["line.separator"]; ok {
		f.lineSeparator = []byte(v)
	}
	var err error
	if v, ok := props["key.deserializer"]; ok {
		if f.keyDeserializer, err = deserializerFor(v); err != nil {
			return nil, err
		}
	}
	if v, ok := props["value.deserializer"]; ok {
		if f.valueDeserializer, err = deserializerFor(v); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// deserializerFor knows Kafka's built-in deserializers.
func deserializerFor(class string) (deserializer, error) {
	const pkg = "org.apache.kafka.common.serialization."
	fixed := func(name string, size int, decode func([]byte) string) deserializer {
		return func(b []byte) ([]byte, error) {
			if len(b) != size {
				return nil, fmt.Errorf("org.apache.kafka.common.errors.SerializationException: Size of data received by %s is not %d", name, size)
			}
			return []byte(decode(b)), nil
		}
	}
	switch strings.TrimPrefix(strings.TrimSpace(class), pkg) {
	case "StringDeserializer", "ByteArrayDeserializer", "BytesDeserializer":
		return func(b []byte) ([]byte, error) { return b, nil }, nil
	case "LongDeserializer":
		return fixed("LongDeserializer", 8, func(b []byte) string { return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10) }), nil
	case "IntegerDeserializer":
		return fixed("IntegerDeserializer", 4, func(b []byte) string { return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10) }), nil
	case "ShortDeserializer":
		return fixed("ShortDeserializer", 2, func(b []byte) string { return strconv.FormatInt(int64(int16(binary.BigEndian.Uint16(b))), 10) }), nil
	}
	return nil, fmt.Errorf("java.lang.ClassNotFoundException: %s", class)
}

// writeTo is DefaultMessageFormatter.writeTo. A null key or value prints
// as "null". Nothing is written when a deserializer fails.
func (f *formatter) writeTo(w io.Writer, r *kgo.Record) error {
	key, value := r.Key, r.Value
	if key == nil {
		key = []byte("null")
	}
	if value == nil {
		value = []byte("null")
	}
	var err error
	if f.printKey && f.keyDeserializer != nil {
		if key, err = f.keyDeserializer(key); err != nil {
			return err
		}
	}
	if f.printValue && f.valueDeserializer != nil {
		if value, err = f.valueDeserializer(value); err != nil {
			return err
		}
	}
	var b []byte
	sep := func(column bool) {
		if column {
			b = append(b, f.keySeparator...)
		} else {
			b = append(b, f.lineSeparator...)
		}
	}
	if f.printTimestamp {
		switch r.Attrs.TimestampType() {
		case 0:
			b = append(b, "CreateTime:"+strconv.FormatInt(r.Timestamp.UnixMilli(), 10)...)
		case 1:
			b = append(b, "LogAppendTime:"+strconv.FormatInt(r.Timestamp.UnixMilli(), 10)...)
		default:
			b = append(b, "NO_TIMESTAMP"...)
		}
		sep(f.printPartition || f.printOffset || f.printKey || f.printValue)
	}
	if f.printPartition {
		b = append(b, "Partition:"+strconv.Itoa(int(r.Partition))...)
		sep(f.printOffset || f.printKey || f.printValue)
	}
	if f.printOffset {
		b = append(b, "Offset:"+strconv.FormatInt(r.Offset, 10)...)
		sep(f.printKey || f.printValue)
	}
	if f.printKey {
		b = append(b, key...)
		sep(f.printValue)
	}
	if f.printValue {
		b = append(b, value...)
		b = append(b, f.lineSeparator...)
	}
	if _, err := w.Write(b); err != nil {
		return writeError{err}
	}
	return nil
}
