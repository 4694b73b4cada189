// Package lz4frame decompresses LZ4 frames (the LZ4 frame format: magic,
// frame descriptor, blocks with optional block checksums, optional content
// checksum; concatenated and skippable frames) from input held in memory,
// one block at a time, into a buffer reused across blocks and inputs. The
// block decompression itself is github.com/pierrec/lz4/v4's; the frame
// parsing, checksums (XXH32) and buffer handling are here, so that
// decompressing a result batch or file costs no allocation once the buffer
// has grown, and a corrupt or truncated frame is an error, never a panic.
package lz4frame
