package common

import (
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Column is one column of a Table.
type Column struct {
	Title string
	// Width in cells; 0 shares what the fixed columns leave (at least Min,
	// at most Max if set: what a capped column does not need goes to the
	// other shared ones, so a short reason leaves room for a long label).
	Width int
	Min   int
	Max   int
}

// Tone colours a cell or a row without the table knowing why.
type Tone int

// Tones, mapped to Styles in Table.View.
const (
	ToneNormal Tone = iota
	ToneGood
	ToneWarn
	ToneBad
	ToneMuted
	ToneAccent
)

// TableKeyMap are the keys a Table moves with.
type TableKeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
}

// DefaultTableKeyMap is j/k and the arrows, pgup/pgdn, home/end (g/G).
func DefaultTableKeyMap() TableKeyMap {
	return TableKeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
	}
}

// Table is a virtualized table: it knows only how many rows there are and
// asks for the cells of the rows it shows, so its cost is independent of the
// row count (100,000 send results render as fast as ten).
type Table struct {
	Columns []Column
	KeyMap  TableKeyMap
	// Follow keeps the cursor on the last row as rows are added, until the
	// user moves up; End turns it back on.
	Follow bool

	rows           int
	cursor, offset int
	width, height  int
	widths         []int
}

// NewTable makes a table with the given columns.
func NewTable(cols []Column) Table {
	t := Table{Columns: cols, KeyMap: DefaultTableKeyMap(), height: 2}
	t.layout()
	return t
}

// SetSize sets the table's area; the header takes one line of height.
func (t *Table) SetSize(w, h int) {
	t.width, t.height = w, max(h, 2)
	t.layout()
	t.clamp()
}

// Width is the table's width.
func (t Table) Width() int { return t.width }

// SetRows tells the table how many rows there are now.
func (t *Table) SetRows(n int) {
	t.rows = n
	if t.Follow && n > 0 {
		t.cursor = n - 1
	}
	t.clamp()
}

// ColumnWidth is the width column i is drawn at, so a cell can choose a
// shorter form rather than be cut.
func (t Table) ColumnWidth(i int) int {
	if i < 0 || i >= len(t.widths) {
		return 0
	}
	return t.widths[i]
}

// Rows is the row count.
func (t Table) Rows() int { return t.rows }

// Cursor is the selected row (0 when empty).
func (t Table) Cursor() int { return t.cursor }

// SetCursor selects row i.
func (t *Table) SetCursor(i int) {
	t.cursor = i
	t.clamp()
}

// Visible returns the first and one-past-last row on screen.
func (t Table) Visible() (from, to int) {
	return t.offset, min(t.rows, t.offset+t.bodyHeight())
}

func (t Table) bodyHeight() int { return max(1, t.height-1) }

func (t *Table) clamp() {
	if t.rows == 0 {
		t.cursor, t.offset = 0, 0
		return
	}
	t.cursor = max(0, min(t.cursor, t.rows-1))
	h := t.bodyHeight()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, t.rows-h))
}

// Update moves the cursor for a navigation key and reports whether it used
// the key.
func (t *Table) Update(msg tea.KeyPressMsg) bool {
	h := t.bodyHeight()
	switch {
	case key.Matches(msg, t.KeyMap.Up):
		t.cursor--
		t.Follow = false
	case key.Matches(msg, t.KeyMap.Down):
		t.cursor++
	case key.Matches(msg, t.KeyMap.PageUp):
		t.cursor -= h
		t.offset -= h
		t.Follow = false
	case key.Matches(msg, t.KeyMap.PageDown):
		t.cursor += h
		t.offset += h
	case key.Matches(msg, t.KeyMap.Home):
		t.cursor = 0
		t.Follow = false
	case key.Matches(msg, t.KeyMap.End):
		t.cursor = t.rows - 1
		t.Follow = true
	default:
		return false
	}
	t.offset = max(0, t.offset)
	t.clamp()
	return true
}

// ShortHelp is the table's navigation keys.
func (t Table) ShortHelp() []key.Binding {
	return []key.Binding{t.KeyMap.Up, t.KeyMap.Down, t.KeyMap.PageDown, t.KeyMap.End}
}

// FullHelp is every navigation key.
func (t Table) FullHelp() []key.Binding {
	return []key.Binding{t.KeyMap.Up, t.KeyMap.Down, t.KeyMap.PageUp, t.KeyMap.PageDown, t.KeyMap.Home, t.KeyMap.End}
}

func (t *Table) layout() {
	t.widths = make([]int, len(t.Columns))
	fixed, flex := 0, 0
	for i, c := range t.Columns {
		if c.Width > 0 {
			t.widths[i] = c.Width
			fixed += c.Width
		} else {
			flex++
		}
	}
	fixed += max(0, len(t.Columns)-1) // one space between columns
	if flex == 0 {
		return
	}
	left := max(0, t.width-fixed)
	open := make([]int, 0, flex)
	for i, c := range t.Columns {
		if c.Width == 0 {
			open = append(open, i)
		}
	}
	// Water-fill: fix the columns whose Max is below an even share, or
	// whose Min is above it, then share the rest among the others.
	for capped := true; capped && len(open) > 0; {
		capped = false
		share := left / len(open)
		for k, i := range open {
			c := t.Columns[i]
			if c.Min > share || (c.Max > 0 && c.Max < share) {
				t.widths[i] = max(c.Min, 1)
				if c.Max > 0 && c.Max < share {
					t.widths[i] = max(c.Max, c.Min, 1)
				}
				left -= t.widths[i]
				open = append(open[:k], open[k+1:]...)
				capped = true
				break
			}
		}
	}
	for k, i := range open {
		w := left / (len(open) - k)
		left -= w
		t.widths[i] = max(w, t.Columns[i].Min, 1)
	}
}

// CellFunc returns the text and tone of one cell.
type CellFunc func(row, col int) (string, Tone)

// View renders the header and the visible rows. rowTone, if set, overrides
// the tone of a whole row (a greyed device).
func (t Table) View(st Styles, cell CellFunc, rowTone func(row int) Tone) string {
	var b strings.Builder
	hdr := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		hdr[i] = fit(c.Title, t.widths[i])
	}
	b.WriteString(st.TableHeader.Render(clip(strings.Join(hdr, " "), t.width)))
	from, to := t.Visible()
	line := make([]string, len(t.Columns))
	for r := from; r < to; r++ {
		b.WriteByte('\n')
		rt := ToneNormal
		if rowTone != nil {
			rt = rowTone(r)
		}
		if r == t.cursor {
			for c := range t.Columns {
				s, _ := cell(r, c)
				line[c] = fit(textsafe.Clean(s), t.widths[c])
			}
			b.WriteString(st.Cursor.Render(clip(strings.Join(line, " "), t.width)))
			continue
		}
		for c := range t.Columns {
			s, tone := cell(r, c)
			s = fit(textsafe.Clean(s), t.widths[c]) // cells hold labels, names, reasons: data from outside
			if rt != ToneNormal {
				tone = rt
			}
			line[c] = ToneStyle(st, tone, s)
		}
		b.WriteString(clip(strings.Join(line, " "), t.width))
	}
	return b.String()
}

// ToneStyle renders s in the style of a tone (plain for ToneNormal).
func ToneStyle(st Styles, tone Tone, s string) string {
	switch tone {
	case ToneGood:
		return st.Good.Render(s)
	case ToneWarn:
		return st.Warning.Render(s)
	case ToneBad:
		return st.Problem.Render(s)
	case ToneMuted:
		return st.Subtle.Render(s)
	case ToneAccent:
		return st.Selected.Render(s)
	}
	return s
}

// fit truncates s to w cells with an ellipsis and pads it to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// Fit truncates s to w cells with an ellipsis and pads it to exactly w.
func Fit(s string, w int) string { return fit(s, w) }

// clip cuts a rendered line to w cells (0 means no limit), with a … so a
// cut line never looks whole.
func clip(s string, w int) string {
	if w <= 0 || ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Clip cuts a rendered line to w cells so it never wraps (0 means no limit).
func Clip(s string, w int) string { return clip(s, w) }

// ClipLines clips every line of s to w cells and keeps at most h lines
// (h <= 0: all), so a screen never draws outside its area.
func ClipLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if h > 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return strings.Join(lines, "\n")
}

// PadLines pads s with empty lines to exactly h lines (cutting extra ones).
func PadLines(s string, h int) string {
	n := strings.Count(s, "\n") + 1
	if n >= h {
		return ClipLines(s, 0, h)
	}
	return s + strings.Repeat("\n", h-n)
}
