package editor

import (
	"unicode"

	rw "github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// rowCounter counts how many screen rows the textarea gives each logical
// line, so a mark for logical line N lands on the right display row. It
// mirrors bubbles/v2 textarea's word wrap (which is unexported) and caches by
// line text because a 4 KB payload must not be re-wrapped per keystroke.
type rowCounter struct {
	width int
	cache map[string]int
}

func (c *rowCounter) rows(line []rune, width int) int {
	if c.cache == nil || c.width != width || len(c.cache) > 4096 {
		c.cache = make(map[string]int)
		c.width = width
	}
	s := string(line)
	if n, ok := c.cache[s]; ok {
		return n
	}
	n := len(wrap(line, width))
	c.cache[s] = n
	return n
}

// wrap is bubbles/v2 textarea's wrap (MIT, Charmbracelet), kept identical so
// that row counts match what the textarea draws.
func wrap(runes []rune, width int) [][]rune {
	var (
		lines  = [][]rune{{}}
		word   = []rune{}
		row    int
		spaces int
	)
	for _, r := range runes {
		if unicode.IsSpace(r) {
			spaces++
		} else {
			word = append(word, r)
		}
		if spaces > 0 {
			if uniseg.StringWidth(string(lines[row]))+uniseg.StringWidth(string(word))+spaces > width {
				row++
				lines = append(lines, []rune{})
				lines[row] = append(lines[row], word...)
				lines[row] = append(lines[row], repeatSpaces(spaces)...)
				spaces = 0
				word = nil
			} else {
				lines[row] = append(lines[row], word...)
				lines[row] = append(lines[row], repeatSpaces(spaces)...)
				spaces = 0
				word = nil
			}
		} else {
			lastCharLen := rw.RuneWidth(word[len(word)-1])
			if uniseg.StringWidth(string(word))+lastCharLen > width {
				if len(lines[row]) > 0 {
					row++
					lines = append(lines, []rune{})
				}
				lines[row] = append(lines[row], word...)
				word = nil
			}
		}
	}
	if uniseg.StringWidth(string(lines[row]))+uniseg.StringWidth(string(word))+spaces >= width {
		lines = append(lines, []rune{})
		lines[row+1] = append(lines[row+1], word...)
		spaces++
		lines[row+1] = append(lines[row+1], repeatSpaces(spaces)...)
	} else {
		lines[row] = append(lines[row], word...)
		spaces++
		lines[row] = append(lines[row], repeatSpaces(spaces)...)
	}
	return lines
}

func repeatSpaces(n int) []rune {
	s := make([]rune, n)
	for i := range s {
		s[i] = ' '
	}
	return s
}
