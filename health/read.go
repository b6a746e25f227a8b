package health

import "github.com/pushdeck/pushdeck/internal/textsafe"

// maxFolderEntries bounds a folder listing (inspect DIR).
const maxFolderEntries = 10000

// clean makes a string from a file, a certificate or a profile safe to
// print on a terminal.
func clean(s string) string { return textsafe.Clean(s) }
