package protocol

import "errors"

// Framing and header errors. A broker closes the connection on any of these,
// except that an ApiVersions request at an unsupported version is answered
// (see ParseRequest).
var (
	// ErrFrameTooLarge: a size prefix was negative or above the maximum.
	ErrFrameTooLarge = errors.New("protocol: frame size out of range")
	// ErrMalformed: a request or response did not decode.
	ErrMalformed = errors.New("protocol: malformed message")
	// ErrUnknownKey: the API key is not one kmsg knows.
	ErrUnknownKey = errors.New("protocol: unknown API key")
	// ErrUnsupportedVersion: the API version is outside what kmsg decodes.
	ErrUnsupportedVersion = errors.New("protocol: unsupported API version")
)

// Record batch errors, named after the Kafka error each corresponds to in
// Kafka 2.4's produce path (ProduceRequest.validateRecords,
// Log.analyzeAndValidateRecords, LogValidator). The broker's error table maps
// them to codes.
var (
	// ErrCorruptMessage: CRC mismatch, impossible lengths, truncated
	// batches, undecodable compressed data (CORRUPT_MESSAGE, 2).
	ErrCorruptMessage = errors.New("protocol: corrupt record batch")
	// ErrInvalidRecord: a well-formed batch that breaks a produce rule:
	// base offset not 0, count mismatch, control batch, bad record
	// structure, more than one batch (INVALID_RECORD, 87).
	ErrInvalidRecord = errors.New("protocol: invalid record")
	// ErrUnsupportedCompression: zstd below produce v7
	// (UNSUPPORTED_COMPRESSION_TYPE, 76).
	ErrUnsupportedCompression = errors.New("protocol: unsupported compression type")
	// ErrUnsupportedForMessageFormat: a magic 0 or 1 message set where
	// only magic 2 is accepted (the broker up-converts Produce v0-2 sets
	// before validation) (UNSUPPORTED_FOR_MESSAGE_FORMAT, 43).
	ErrUnsupportedForMessageFormat = errors.New("protocol: message format not supported")
)
