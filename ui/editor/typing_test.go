package editor

import (
	"math/rand/v2"
	"strings"
	"testing"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// reference is a plain textarea set up like the editor's, driven through
// its own Update: what the fast key path must agree with.
func reference(text string, width int) textarea.Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.MaxHeight = 0
	ta.SetWidth(width)
	ta.SetHeight(10)
	ta.Focus()
	ta.SetValue(text)
	ta.MoveToBegin()
	return ta
}

// TestFastKeysMatchTextareaUpdate types a long random sequence of the keys
// the editor handles without textarea.Update, over text with soft-wrapped
// lines and wide runes, and checks text and cursor after every key against
// the textarea's own Update.
func TestFastKeysMatchTextareaUpdate(t *testing.T) {
	keys := []string{"a", "b", "space", "é", "界", "{", "enter", "backspace", "backspace",
		"left", "right", "up", "down", "home", "end", "ctrl+a", "ctrl+e", "ctrl+b", "ctrl+f", "ctrl+h", "ctrl+home", "ctrl+end"}
	start := "{\n  \"aps\": {\"alert\": \"" + strings.Repeat("long words wrap here ", 6) + "\"},\n  \"x\": \"界界界\"\n}"
	for _, w := range []int{80, 30} {
		m := newModel(t, w, 24, nil)
		setText(t, m, start)
		send(m, kp("enter")) // start editing
		ref := reference(start, m.ta.Width())
		rng := rand.New(rand.NewPCG(1, uint64(w)))
		for i := range 600 {
			k := keys[rng.IntN(len(keys))]
			m.Update(kp(k)) // the Cmds (draft save, notice) do not matter here
			ref, _ = ref.Update(kp(k))
			if k == "enter" || k == "backspace" || k == "ctrl+h" {
				// The editor forgets the column it remembers for up and
				// down after any edit; the textarea keeps it after a split
				// or a join, which lands the cursor oddly.
				ref.SetCursorColumn(ref.Column())
			}
			if m.Text() != ref.Value() || m.ta.Line() != ref.Line() || m.ta.Column() != ref.Column() {
				t.Fatalf("width %d, key %d %q: editor at %d:%d %q\ntextarea at %d:%d %q",
					w, i, k, m.ta.Line(), m.ta.Column(), m.Text(), ref.Line(), ref.Column(), ref.Value())
			}
			if m.report.Bytes != len(m.Text()) {
				t.Fatalf("key %d %q: lint saw %d bytes, text has %d", i, k, m.report.Bytes, len(m.Text()))
			}
		}
	}
}

func TestDeleteJoinsLinesAtTheEnd(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "ab\ncd\nef")
	send(m, kp("enter"), kp("end"))
	send(m, kp("delete"))
	if m.Text() != "abcd\nef" || m.ta.Line() != 0 || m.ta.Column() != 2 {
		t.Fatalf("delete at a line's end: %q cursor %d:%d", m.Text(), m.ta.Line(), m.ta.Column())
	}
	send(m, kp("delete"))
	if m.Text() != "abd\nef" {
		t.Fatalf("delete: %q", m.Text())
	}
	send(m, kp("ctrl+end"), kp("delete"))
	if m.Text() != "abd\nef" {
		t.Fatalf("delete at the very end changed the text: %q", m.Text())
	}
}

func TestSelectionKeysGoThroughTheTextarea(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, `{"aps":{"alert":"hello world"}}`)
	send(m, kp("enter"), kp("shift+right"), kp("shift+right"))
	if !m.ta.HasSelection() {
		t.Fatal("shift+right should select")
	}
	// The selection is drawn; typing replaces it.
	send(m, kp("x"))
	if m.Text() != `xaps":{"alert":"hello world"}}` {
		t.Fatalf("typing over a selection: %q", m.Text())
	}
	// Word moves and word deletes still work (through textarea.Update).
	send(m, kp("ctrl+end"), kp("alt+backspace"))
	if m.Text() != `xaps":{"alert":"hello ` {
		t.Fatalf("alt+backspace: %q", m.Text())
	}
}

func TestPasteIsBoundedAndTold(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, strings.Repeat("\"abcdef\n", (maxBody-16)/8)) // 16 bytes short of the limit
	before := m.Text()
	send(m, kp("enter"), kp("ctrl+end"), tea.PasteMsg{Content: strings.Repeat("é", 20)}) // 2 bytes each
	if n := len(m.Text()); n > maxBody || n < maxBody-1 || m.Text()[:len(before)] != before {
		t.Fatalf("pasted to %d bytes, want about %d, text kept", n, maxBody)
	}
	if !strings.Contains(m.note, "64 KB") {
		t.Errorf("the cut should be told: note %q", m.note)
	}
}

// TestViewShowsTheCursorAndScrolls moves through a payload longer than the
// editor and checks the drawn rows follow the cursor, which is drawn on the
// right character.
func TestViewShowsTheCursorAndScrolls(t *testing.T) {
	m := newModel(t, 80, 24, nil)
	setText(t, m, payload4KB())
	send(m, kp("enter"))
	h := m.ta.Height()
	for range h + 5 {
		send(m, kp("down"))
	}
	line := m.ta.Line() + 1
	rows := strings.Split(view(m), "\n")[1 : 1+h]
	var found bool
	for _, r := range rows {
		if strings.HasPrefix(r, "  "+strings.Repeat(" ", 3-len(itoa(line)))+itoa(line)+" ") {
			found = true
		}
	}
	if !found {
		t.Fatalf("line %d (the cursor's) is not on screen:\n%s", line, strings.Join(rows, "\n"))
	}
	if strings.Contains(strings.Join(rows, "\n"), "    1 {") {
		t.Error("the view did not scroll")
	}
	// The cursor is drawn reversed on the character under it.
	send(m, kp("home"))
	for range 4 {
		send(m, kp("right"))
	}
	under := []rune(m.lay.lines[m.ta.Line()])[4]
	raw := m.View()
	if !strings.Contains(raw, m.tstyles.cursor.Render(string(under))) {
		t.Errorf("cursor on %q not drawn in:\n%q", under, raw)
	}
	// pgup goes back a screen; ctrl+home to the top.
	send(m, kp("pgup"))
	if m.cursorRow() < m.top || m.cursorRow() >= m.top+h {
		t.Errorf("after pgup the cursor row %d is off screen (top %d)", m.cursorRow(), m.top)
	}
	send(m, kp("ctrl+home"))
	if m.top != 0 || !strings.Contains(view(m), "    1 {") {
		t.Errorf("ctrl+home should show line 1 (top %d)", m.top)
	}
}

func TestPlaceholderOnEmptyText(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "")
	rows := strings.Split(view(m), "\n")
	if !strings.HasPrefix(rows[1], "✗   1 {\"aps\"") {
		t.Errorf("placeholder row: %q", rows[1])
	}
	for _, k := range common.Type("{") {
		send(m, kp("enter"), k)
	}
	if m.Text() != "{" {
		t.Fatalf("text %q", m.Text())
	}
}

// TestLongMessagesAreWrappedNotCut checks, at 80 columns, that a long fix
// is read to its end and the status line keeps the size.
func TestLongMessagesAreWrappedNotCut(t *testing.T) {
	m := newModel(t, 80, 24, nil)
	setText(t, m, "{\"aps\": {\"alert\": \"hi\"}}\n  \"extra\": 1}")
	if len(m.findings) == 0 || m.findings[0].Fix == "" {
		t.Fatalf("want a finding with a fix, got %+v", m.findings)
	}
	fix := m.findings[0].Fix
	flat := strings.Join(strings.Fields(view(m)), " ")
	if !strings.Contains(flat, strings.Join(strings.Fields(fix), " ")) {
		t.Errorf("the fix %q is not shown whole:\n%s", fix, view(m))
	}
	if !strings.Contains(view(m), "/ 4096 bytes") {
		t.Errorf("the status line lost the size:\n%s", view(m))
	}
}
