package editor

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/textarea"
	"charm.land/lipgloss/v2"
	"github.com/rivo/uniseg"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// The editor draws the textarea itself, only the rows on screen.
// textarea.View re-renders every line of the document through Lip Gloss
// (and sets it into a viewport) on each call: 5-10 ms a frame at 4 KB. The
// textarea stays the editing model (text, cursor, selection, wrap); this
// file turns its Value, Line and LineInfo into the visible rows, with our
// own gutter: the finding mark (✗ error, ! warning) and the line number.

// gutterDigits is how many digits the line numbers take: three, or more
// for a very long document.
func gutterDigits(lines int) int { return max(3, len(strconv.Itoa(lines))) }

// gutterWidth is the mark, a space, the number and a space.
func gutterWidth(digits int) int { return digits + 3 }

// textStyles are the styles of the editing area: the cursor and the
// selection as the textarea would draw them, and the gutter's marks and
// numbers, rendered once (Lip Gloss costs microseconds a call; a frame
// draws dozens of rows).
type textStyles struct {
	cursor, selection, placeholder lipgloss.Style
	numStyle, curNumStyle          lipgloss.Style
	errMark, warnMark              string
	numbers                        map[numberKey]string
	syntax                         [nClasses]sgr
	colour                         bool // syntax colours are on
}

type numberKey struct {
	n, digits int
	cursor    bool
}

func newTextStyles(s textarea.Styles, st common.Styles) textStyles {
	// The cursor is the terminal's own reverse video: visible on a light
	// background as on a dark one (a coloured cursor was near invisible on
	// white).
	cur := lipgloss.NewStyle().Reverse(true)
	return textStyles{
		syntax: syntaxStyles(st), colour: st.Accent != nil,
		cursor: cur, selection: s.Focused.Selection, placeholder: st.Subtle,
		numStyle: st.Subtle, curNumStyle: st.Selected,
		errMark: st.Problem.Render("✗"), warnMark: st.Warning.Render("!"),
		numbers: map[numberKey]string{},
	}
}

// number is the gutter's line number n (-1: blank, a wrapped row), right
// aligned in digits, highlighted on the cursor's line.
func (ts *textStyles) number(n, digits int, cursor bool) string {
	k := numberKey{n, digits, cursor}
	if s, ok := ts.numbers[k]; ok {
		return s
	}
	if len(ts.numbers) > 20000 {
		clear(ts.numbers)
	}
	num := ""
	if n > 0 {
		num = strconv.Itoa(n)
	}
	style := ts.numStyle
	if cursor {
		style = ts.curNumStyle
	}
	s := style.Render(" " + strings.Repeat(" ", max(0, digits-len(num))) + num + " ")
	ts.numbers[k] = s
	return s
}

// follow scrolls so the cursor's row is on screen, and never past the end.
func (m *Model) follow() {
	h := m.ta.Height()
	cur := m.cursorRow()
	if cur < m.top {
		m.top = cur
	} else if cur >= m.top+h {
		m.top = cur - h + 1
	}
	m.top = max(0, min(m.top, m.lay.rows()-h))
}

// cursorRow is the display row of the cursor.
func (m *Model) cursorRow() int {
	line := min(m.ta.Line(), len(m.lay.lines)-1)
	return m.lay.rowStart[line] + m.ta.LineInfo().RowOffset
}

// textView draws h rows of the editor from the top row.
func (m *Model) textView(w, h int) string {
	tw := m.ta.Width()
	digits := gutterDigits(len(m.lay.lines))
	focused := m.ta.Focused()
	curLine := m.ta.Line()
	var li textarea.LineInfo
	if focused {
		li = m.ta.LineInfo()
	}
	selFrom, selTo, hasSel := m.ta.Selection()

	var b strings.Builder
	b.Grow(h * (w + 16) * 3) // room for the syntax colours
	line := m.lay.lineAt(m.top)
	wl := m.top - m.lay.rowStart[line]
	clsLine, cls := -1, []jsonClass(nil)
	for r := range h {
		if r > 0 {
			b.WriteByte('\n')
		}
		if line >= len(m.lay.lines) {
			continue
		}
		segs := m.wraps.segments(m.lay.lines[line], tw)
		if clsLine != line {
			clsLine, cls = line, m.classes(m.lay.lines[line])
		}
		base := 0
		for _, s := range segs[:wl] {
			base += len(s.runes)
		}
		// Gutter: the mark and the number on a line's first row only.
		mark, num := " ", -1
		if wl == 0 {
			switch m.marks[line] {
			case payload.Error:
				mark = m.tstyles.errMark
			case payload.Warning:
				mark = m.tstyles.warnMark
			}
			num = line + 1
		}
		b.WriteString(mark)
		b.WriteString(m.tstyles.number(num, digits, line == curLine && focused))

		if m.text == "" && m.ta.Placeholder != "" && line == 0 {
			b.WriteString(m.placeholderRow(tw, focused))
		} else {
			// Text: the selection, else the cursor, as the textarea draws them.
			var cursor = -1
			if focused && line == curLine && wl == li.RowOffset {
				cursor = li.ColumnOffset
			}
			from, to := -1, -1
			if hasSel && line >= selFrom.Row && line <= selTo.Row {
				lo, hi := 0, len([]rune(m.lay.lines[line]))
				if line == selFrom.Row {
					lo = selFrom.Col
				}
				if line == selTo.Row {
					hi = selTo.Col
				}
				from, to = max(lo, base)-base, min(hi, base+len(segs[wl].runes))-base
				if from < to {
					cursor = -1
				}
			}
			end := min(base+len(segs[wl].runes), len(cls))
			b.WriteString(m.segmentRow(segs[wl], cls[min(base, end):end], tw, cursor, from, to))
		}
		wl++
		if wl >= len(segs) {
			line, wl = line+1, 0
		}
	}
	return b.String()
}

// segmentRow draws one wrapped row, padded to tw cells: the cursor at rune
// index cursor (-1: none) and the runes [from, to) selected.
func (m *Model) segmentRow(row wrapRow, cls []jsonClass, tw, cursor, from, to int) string {
	ts := m.tstyles
	width := row.width
	if cursor < 0 && from >= to && !ts.colour {
		if width >= tw {
			return row.text
		}
		return row.text + strings.Repeat(" ", tw-width)
	}
	seg := row.runes
	if n := utf8.RuneCountInString(row.text); n < len(seg) {
		seg = seg[:n] // the wrap's trailing space past the edge is not drawn
	}
	if len(cls) < len(seg) {
		cls = append(append(make([]jsonClass, 0, len(seg)), cls...), make([]jsonClass, len(seg)-len(cls))...)
	}
	cls = cls[:len(seg)]
	var b strings.Builder
	b.Grow(len(row.text) + 24*8 + tw - width)
	switch {
	case from >= 0 && from < to:
		to = min(to, len(seg))
		from = min(from, to)
		ts.coloured(&b, seg[:from], cls[:from])
		b.WriteString(ts.selection.Render(string(seg[from:to])))
		ts.coloured(&b, seg[to:], cls[to:])
	case cursor < 0:
		ts.coloured(&b, seg, cls)
	case cursor < len(seg):
		ts.coloured(&b, seg[:cursor], cls[:cursor])
		b.WriteString(ts.cursor.Render(string(seg[cursor])))
		ts.coloured(&b, seg[cursor+1:], cls[cursor+1:])
	case width < tw:
		ts.coloured(&b, seg, cls)
		b.WriteString(ts.cursor.Render(" "))
		width++
	case len(seg) > 0:
		// A hard-broken word fills the row: the cursor sits on its last cell.
		ts.coloured(&b, seg[:len(seg)-1], cls[:len(seg)-1])
		b.WriteString(ts.cursor.Render(string(seg[len(seg)-1])))
	}
	if width < tw {
		b.WriteString(strings.Repeat(" ", tw-width))
	}
	return b.String()
}

// placeholderRow is the placeholder on the empty editor's first row.
func (m *Model) placeholderRow(tw int, focused bool) string {
	p := []rune(m.ta.Placeholder)
	for len(p) > 0 && uniseg.StringWidth(string(p)) > tw {
		p = p[:len(p)-1]
	}
	if len(p) == 0 {
		return ""
	}
	first := m.tstyles.placeholder.Render(string(p[:1]))
	if focused {
		first = m.tstyles.cursor.Render(string(p[:1]))
	}
	return first + m.tstyles.placeholder.Render(string(p[1:]))
}

// classes is the syntax classes of a line, cached by its text: a frame
// draws the same lines as the one before, and typing changes one.
func (m *Model) classes(line string) []jsonClass {
	if c, ok := m.clsCache[line]; ok {
		return c
	}
	if m.clsCache == nil || len(m.clsCache) > 4096 {
		m.clsCache = make(map[string][]jsonClass, 256)
	}
	c := classify([]rune(line))
	m.clsCache[line] = c
	return c
}
