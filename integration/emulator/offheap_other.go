//go:build !unix

package emulator

// mapMemory returns nil: without mmap, sealed chunks stay on the Go heap.
func mapMemory(int) []byte { return nil }

// unmapMemory is never called without mapMemory.
func unmapMemory([]byte) {}
