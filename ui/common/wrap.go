package common

import (
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// WrapWords breaks s at spaces into lines of at most w cells (20 at least),
// each starting with prefix. A word longer than w keeps a line of its own
// rather than being cut.
func WrapWords(s string, w int, prefix string) []string {
	w = max(20, w)
	s = textsafe.Clean(s) // wrapped text is data from outside (reasons, findings)
	var lines []string
	line, lineW := "", 0
	for _, word := range strings.Fields(s) {
		ww := ansi.StringWidth(word)
		if line != "" && lineW+1+ww > w {
			lines = append(lines, prefix+line)
			line, lineW = "", 0
		}
		if line != "" {
			line += " "
			lineW++
		}
		line += word
		lineW += ww
	}
	if line != "" {
		lines = append(lines, prefix+line)
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
