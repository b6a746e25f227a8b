package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// WrapWords breaks s at spaces into lines of at most w cells (20 at least),
// each starting with prefix. A word longer than w keeps a line of its own
// rather than being cut. Runs of white space (newlines too) count as one
// space. The wrapping itself is ansi.Wordwrap's.
func WrapWords(s string, w int, prefix string) []string {
	s = textsafe.Clean(s) // wrapped text is data from outside (reasons, findings)
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil
	}
	lines := strings.Split(ansi.Wordwrap(s, max(20, w), ""), "\n")
	for i, l := range lines {
		lines[i] = prefix + strings.TrimRight(l, " ")
	}
	return lines
}

// WrapIndent word-wraps text after prefix into w cells, indents the
// following lines under the text, and renders each line with render.
func WrapIndent(render func(...string) string, prefix, text string, w int) []string {
	pw := ansi.StringWidth(prefix)
	width := max(w-pw, 10)
	text = textsafe.Clean(text)
	out := strings.Split(ansi.Wrap(text, width, " "), "\n")
	for i, l := range out {
		p := prefix
		if i > 0 {
			p = strings.Repeat(" ", pw)
		}
		out[i] = render(p + l)
	}
	return out
}
