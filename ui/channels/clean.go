package channels

import (
	"strings"

	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// clean keeps a label to printable text on one line (textsafe: no escape
// sequence or control character reaches the terminal), at most 64
// characters.
func clean(s string) string {
	r := []rune(strings.TrimSpace(textsafe.Clean(s)))
	if len(r) > 64 {
		r = r[:64]
	}
	return string(r)
}
