package editor

import (
	"sort"
	"strings"
	"unicode"

	rw "github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// layout maps the text to display rows at the textarea's width: which rows
// each logical line occupies once soft-wrapped. It is rebuilt after every
// edit from the wrap cache, so only the edited line is wrapped again.
type layout struct {
	width    int
	lines    []string // the logical lines, substrings of the text
	starts   []int    // byte offset of each line in the text
	rowStart []int    // first display row of each line; the last entry is the total
}

// build lays text out at width, wrapping through cache.
func (l *layout) build(text string, width int, cache *wrapCache) {
	l.width = width
	l.lines, l.starts, l.rowStart = l.lines[:0], l.starts[:0], l.rowStart[:0]
	row, start := 0, 0
	for {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text) - start
		}
		line := text[start : start+end]
		l.lines = append(l.lines, line)
		l.starts = append(l.starts, start)
		l.rowStart = append(l.rowStart, row)
		row += len(cache.segments(line, width))
		start += end + 1
		if start > len(text) {
			break
		}
	}
	l.rowStart = append(l.rowStart, row)
}

// rows is the number of display rows.
func (l *layout) rows() int { return l.rowStart[len(l.rowStart)-1] }

// lineAt is the logical line shown on display row r.
func (l *layout) lineAt(r int) int {
	return max(0, sort.Search(len(l.lines), func(i int) bool { return l.rowStart[i+1] > r }))
}

// offset is the byte offset in the text of rune col of line.
func (l *layout) offset(line, col int) int {
	line = min(max(line, 0), len(l.lines)-1)
	s := l.lines[line]
	for i := range s {
		if col <= 0 {
			return l.starts[line] + i
		}
		col--
	}
	return l.starts[line] + len(s)
}

// wrapRow is one display row of a line.
type wrapRow struct {
	runes []rune // as wrapped: the textarea's LineInfo counts these
	text  string // as drawn: without a trailing space past the edge
	width int    // cells of text
}

// wrapCache keeps the wrapped rows of each line text, so a 4 KB payload is
// not re-wrapped per keystroke: typing changes one line, one miss.
type wrapCache struct {
	width int
	m     map[string][]wrapRow
}

func (c *wrapCache) segments(line string, width int) []wrapRow {
	if c.m == nil || c.width != width || len(c.m) > 4096 {
		c.m = make(map[string][]wrapRow)
		c.width = width
	}
	if s, ok := c.m[line]; ok {
		return s
	}
	segs := wrap([]rune(line), width)
	rows := make([]wrapRow, len(segs))
	for i, seg := range segs {
		text := string(seg)
		w := uniseg.StringWidth(text)
		if w > width && strings.HasSuffix(text, " ") {
			text, w = text[:len(text)-1], w-1
		}
		rows[i] = wrapRow{runes: seg, text: text, width: w}
	}
	c.m[line] = rows
	return rows
}

// wrap is bubbles/v2 textarea's wrap (MIT, Charmbracelet), kept identical so
// that our rows match the textarea's cursor moves and LineInfo.
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
