//go:build unix

package emulator

import "syscall"

// mapMemory returns n bytes of zeroed anonymous memory outside the Go heap,
// or nil when the system refuses.
func mapMemory(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil
	}
	return b
}

// unmapMemory returns memory of mapMemory to the system.
func unmapMemory(b []byte) { _ = syscall.Munmap(b) }
