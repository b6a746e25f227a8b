package health

import (
	"strings"

	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// maxFolderEntries bounds a folder listing (inspect DIR).
const maxFolderEntries = 10000

// readPasswordFile reads the first line of a password file: a regular file
// of at most fsafe.LimitPassword bytes, a UTF-8 byte-order mark and the line
// end dropped.
//
// TODO(health): use session's password rule once the CLI move lands.
func readPasswordFile(path string) (string, error) {
	b, err := fsafe.ReadFile(path, fsafe.LimitPassword, "password")
	if err != nil {
		return "", err
	}
	s := fsafe.StripBOMString(string(b))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// clean makes a string from a file, a certificate or a profile safe to
// print on a terminal.
func clean(s string) string { return textsafe.Clean(s) }
