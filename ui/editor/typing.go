package editor

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Typing goes to the textarea, the editing model, but not through its
// Update for the common keys: textarea.Update renders the whole document
// (view + viewport.SetContent) on every message, about 3 ms at 4 KB, before
// we even draw. The common keys call its public methods instead (insert,
// cursor moves), and deletions rebuild the text around the cursor (place),
// which is linear in the text but renders nothing. Rarer keys (word moves
// and deletes, ctrl+k/ctrl+u, selection, case changes) still go through
// Update: correct, and a few milliseconds.

// keyText handles keys while typing: ctrl and alt keys are commands,
// everything else edits.
func (m *Model) keyText(msg tea.KeyPressMsg) tea.Cmd {
	s := msg.String()
	if key.Matches(msg, m.keys.Done) {
		m.mode = modeBrowse
		m.ta.Blur()
		return nil
	}
	if strings.HasPrefix(s, "ctrl+") || strings.HasPrefix(s, "alt+") {
		if cmd, ok := m.command(msg); ok {
			return cmd
		}
	}
	m.note = "" // a notice is about the last command, not what is typed next
	return m.edit(msg)
}

// edit applies one key to the text or the cursor.
func (m *Model) edit(msg tea.KeyPressMsg) tea.Cmd {
	km := &m.ta.KeyMap
	switch {
	case key.Matches(msg, km.InsertNewline):
		return m.insert("\n")
	case key.Matches(msg, km.DeleteCharacterBackward):
		return m.deleteRune(-1)
	case key.Matches(msg, km.DeleteCharacterForward):
		return m.deleteRune(1)
	case key.Matches(msg, km.CharacterBackward):
		m.ta.ClearSelection()
		if m.ta.Column() > 0 {
			m.ta.SetCursorColumn(m.ta.Column() - 1)
		} else if m.ta.Line() > 0 {
			m.ta.CursorUp()
			m.ta.CursorEnd()
		}
	case key.Matches(msg, km.CharacterForward):
		m.ta.ClearSelection()
		if m.ta.Column() < utf8.RuneCountInString(m.lay.lines[m.ta.Line()]) {
			m.ta.SetCursorColumn(m.ta.Column() + 1)
		} else if m.ta.Line() < m.ta.LineCount()-1 {
			m.ta.CursorDown()
			m.ta.CursorStart()
		}
	case key.Matches(msg, km.LinePrevious):
		m.ta.ClearSelection()
		m.ta.CursorUp()
	case key.Matches(msg, km.LineNext):
		m.ta.ClearSelection()
		m.ta.CursorDown()
	case key.Matches(msg, km.LineStart):
		m.ta.ClearSelection()
		m.ta.CursorStart()
	case key.Matches(msg, km.LineEnd):
		m.ta.ClearSelection()
		m.ta.CursorEnd()
	case key.Matches(msg, km.InputBegin):
		m.ta.ClearSelection()
		m.ta.MoveToBegin()
	case key.Matches(msg, km.InputEnd):
		m.ta.ClearSelection()
		m.ta.MoveToEnd()
	case key.Matches(msg, km.PageUp):
		m.page(-1)
	case key.Matches(msg, km.PageDown):
		m.page(1)
	case m.textareaKey(msg):
		return m.viaUpdate(msg)
	case msg.Text != "":
		m.typed = isTyping(msg)
		return m.insert(msg.Text)
	default:
		return nil
	}
	m.follow()
	return nil
}

// textareaKey is true for the textarea's other keys, the ones edit leaves
// to its Update.
func (m *Model) textareaKey(msg tea.KeyPressMsg) bool {
	km := &m.ta.KeyMap
	for _, b := range []*key.Binding{
		&km.DeleteAfterCursor, &km.DeleteBeforeCursor, &km.DeleteWordBackward, &km.DeleteWordForward,
		&km.WordForward, &km.WordBackward, &km.Paste,
		&km.UppercaseWordForward, &km.LowercaseWordForward, &km.CapitalizeWordForward, &km.TransposeCharacterBackward,
		&km.SelectCharacterForward, &km.SelectCharacterBackward, &km.SelectWordForward, &km.SelectWordBackward,
		&km.SelectLineUp, &km.SelectLineDown, &km.SelectAll, &km.CopySelection,
	} {
		if key.Matches(msg, *b) {
			return true
		}
	}
	return false
}

// viaUpdate passes a message to the textarea's Update and re-lints if the
// text changed.
func (m *Model) viaUpdate(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	if m.ta.Value() == m.text {
		m.follow()
		return cmd
	}
	return tea.Batch(cmd, m.changed())
}

// insert types s at the cursor (over the selection), within maxBody.
func (m *Model) insert(s string) tea.Cmd {
	if room := maxBody - len(m.text); len(s) > room {
		cut := max(0, room)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		m.note = "the editor holds 64 KB at most: the rest was not inserted"
		if s == "" {
			return nil
		}
	}
	m.ta.DeleteSelection()
	m.ta.InsertString(s)
	return m.changed()
}

// deleteRune deletes the selection, else the rune before (dir < 0) or
// after the cursor; at a line's edge that rune is the newline, which joins
// the lines.
func (m *Model) deleteRune(dir int) tea.Cmd {
	if m.ta.HasSelection() {
		m.ta.DeleteSelection()
		return m.changed()
	}
	off := m.lay.offset(m.ta.Line(), m.ta.Column())
	if dir < 0 {
		if off == 0 {
			return nil
		}
		_, n := utf8.DecodeLastRuneInString(m.text[:off])
		m.place(m.text[:off-n]+m.text[off:], off-n)
	} else {
		if off >= len(m.text) {
			return nil
		}
		_, n := utf8.DecodeRuneInString(m.text[off:])
		m.place(m.text[:off]+m.text[off+n:], off)
	}
	return m.changed()
}

// place sets the textarea's text with the cursor at byte offset off. It
// empties the textarea (SelectAll + DeleteSelection, not Reset, which
// allocates room for 10,000 lines) and inserts the text after the cursor,
// then the text before it at the start: the cursor ends up between them.
func (m *Model) place(text string, off int) {
	m.ta.SelectAll()
	m.ta.DeleteSelection()
	m.ta.InsertString(text[off:])
	m.ta.MoveToBegin()
	m.ta.InsertString(text[:off])
}

// moveTo puts the cursor at a 0-based line and rune column and scrolls to it.
func (m *Model) moveTo(line, col int) {
	m.place(m.text, m.lay.offset(line, col))
	m.follow()
}

// page moves the view and the cursor one screen up or down.
func (m *Model) page(dir int) {
	m.ta.ClearSelection()
	h := m.ta.Height()
	li := m.ta.LineInfo()
	target := min(max(0, m.cursorRow()+dir*h), m.lay.rows()-1)
	line := m.lay.lineAt(target)
	segs := m.wraps.segments(m.lay.lines[line], m.ta.Width())
	col := 0
	for _, s := range segs[:target-m.lay.rowStart[line]] {
		col += len(s.runes)
	}
	seg := segs[target-m.lay.rowStart[line]]
	col += min(li.ColumnOffset, max(0, len(seg.runes)-1))
	m.top = max(0, m.top+dir*h)
	m.moveTo(line, col)
}
