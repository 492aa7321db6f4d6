// Package compress implements the record batch compression codecs Kafka uses:
// gzip, snappy, lz4 and zstd, identified by the codec number stored in bits 0-2
// of a record batch's attributes.
//
// # Formats
//
//   - gzip: RFC 1952 members; concatenated members are read as one stream, as
//     Java's GZIPInputStream does.
//   - snappy: Compress writes the xerial framing of Java's snappy-java
//     SnappyOutputStream (the Java producer's format): the 8-byte magic
//     0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, two big-endian int32 versions (1, 1),
//     then blocks of a big-endian int32 length followed by a raw snappy block
//     of at most 32 KiB of input. Decompress reads both that framing and a bare
//     raw snappy block (librdkafka and some Go clients write the latter).
//   - lz4: the standard LZ4 frame format (Kafka's record format v2 fixed the
//     header checksum of the older Kafka variant), written with 64 KiB
//     independent blocks and no content checksum, like Kafka's
//     KafkaLZ4BlockOutputStream.
//   - zstd: standard zstd frames.
//
// # Bounded decompression
//
// Compressed batches come from the network, so every decoder is bounded:
// DecompressLimit refuses (ErrTooLarge) to produce more than a caller-given
// number of bytes, and checks sizes a format declares up front before
// allocating, so a small "zip bomb" cannot exhaust memory. Decompress uses
// DefaultLimit.
//
// # Reuse
//
// Encoders and decoders are expensive to build, so they are reused through
// sync.Pools private to this package. Pooled objects carry no state between
// calls: each is reset before use and returned only after a call completes,
// so the pools are caches, not shared state.
package compress
