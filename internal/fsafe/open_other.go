//go:build !unix

package fsafe

import (
	"os"
	"strings"
)

// openNonBlocking opens read-only. Outside Unix there are no FIFOs in the
// file system; the Stat before and the fstat after refuse anything else.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }

// syncDir: Windows has no directory fsync; a rename there is already durable
// enough for pushdeck's small files.
func syncDir(string) {}

func isNoSpace(err error) bool {
	s := err.Error()
	return strings.Contains(s, "not enough space") || strings.Contains(s, "disk is full")
}
