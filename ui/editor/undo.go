package editor

import (
	"fmt"
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Undo and redo (ctrl+z, ctrl+y): every change to the text or the headers
// is a step, with a run of typed letters one step (as editors do), at
// least undoLimit steps back. A step is a snapshot: the text is an
// immutable string the editor keeps anyway, so a step costs a pointer and
// the headers, not a copy of the document.

// undoLimit is how many steps are kept at least (up to twice as many
// between trims).
const undoLimit = 200

// snapshot is the editor's state at one step.
type snapshot struct {
	text string
	hdr  payload.Headers
	off  int // the cursor, as a byte offset into text
}

// history is the undo and redo stacks and the state now.
type history struct {
	undo, redo []snapshot
	cur        snapshot
	typing     bool // the last step was typed letters: more join it
	restoring  bool // undo/redo is applying a snapshot: not a new step
}

// state is the editor's state now.
func (m *Model) state() snapshot {
	return snapshot{text: m.text, hdr: m.hdr, off: m.lay.offset(m.ta.Line(), m.ta.Column())}
}

// record takes a change into the history; typed says it was letters typed
// (they join the step before, up to a space or a new line).
func (m *Model) record(typed bool) {
	h := &m.hist
	if h.restoring {
		return
	}
	now := m.state()
	if now.text == h.cur.text && now.hdr == h.cur.hdr {
		h.cur = now
		return
	}
	if !(typed && h.typing) {
		h.undo = append(h.undo, h.cur)
		if len(h.undo) >= 2*undoLimit {
			// Trimmed in one go now and then, not a copy per keystroke.
			h.undo = append(h.undo[:0:0], h.undo[len(h.undo)-undoLimit:]...)
		}
	}
	h.redo = h.redo[:0]
	h.cur = now
	h.typing = typed
}

// undoStep goes back one step (dir -1) or forward again (dir 1).
func (m *Model) undoStep(dir int) tea.Cmd {
	h := &m.hist
	from, to := &h.undo, &h.redo
	verb := "undo"
	if dir > 0 {
		from, to, verb = &h.redo, &h.undo, "redo"
	}
	if len(*from) == 0 {
		m.note = "nothing to " + verb
		return nil
	}
	s := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	*to = append(*to, h.cur)
	changes := headerChanges(m.hdr, s.hdr)
	h.restoring = true
	m.hdr = s.hdr
	m.form.fill(m.hdr, m.defaultTopic())
	m.ta.SetValue(s.text)
	m.revalidate()
	m.place(s.text, min(s.off, len(s.text)))
	m.follow()
	cmd := m.changed()
	h.restoring = false
	h.cur, h.typing = m.state(), false
	m.note = fmt.Sprintf("%s (%d more back, %d forward)", verb, len(h.undo), len(h.redo))
	if len(changes) > 0 {
		m.note += " · headers: " + strings.Join(changes, ", ")
	}
	return cmd
}

// isTyping is true for a key that types a letter or digit (a run of them
// is one undo step).
func isTyping(msg tea.KeyPressMsg) bool {
	r := []rune(msg.Text)
	return len(r) == 1 && !unicode.IsSpace(r[0])
}

// edited is true when the text or headers differ from what was last loaded
// (a template, a saved payload, a past send) or the built-in start: the
// user's own work, which a load must not replace without asking.
func (m *Model) edited() bool {
	return m.text != m.base.text || m.hdr != m.base.hdr
}

// headerChanges says which headers go from a to b: "priority 10 → 5".
func headerChanges(a, b payload.Headers) []string {
	var out []string
	add := func(name, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %s → %s", name, orNone(x), orNone(y)))
		}
	}
	add("push type", string(pushTypeOr(a.PushType)), string(pushTypeOr(b.PushType)))
	add("priority", shortPriority(a.Priority), shortPriority(b.Priority))
	add("expiration", shortExpiration(a.Expiration), shortExpiration(b.Expiration))
	add("collapse-id", a.CollapseID, b.CollapseID)
	add("apns-id", a.ApnsID, b.ApnsID)
	add("topic", a.Topic, b.Topic)
	return out
}

func shortPriority(p int) string {
	if p == 0 {
		return "10"
	}
	return fmt.Sprint(p)
}

func shortExpiration(e payload.Expiration) string {
	switch e.Mode {
	case "now":
		return "0"
	case "at":
		return e.At.UTC().Format("2006-01-02 15:04")
	}
	return "none"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// pendingLoad is a load waiting for the user's yes: it would replace
// edited work.
type pendingLoad struct {
	what, name, body string
	hdr              payload.Headers
}

// ask asks before a load replaces edited work; it loads at once otherwise.
func (m *Model) ask(what, name, body string, h payload.Headers) tea.Cmd {
	if !m.edited() {
		return m.loadSaying(what, name, body, h)
	}
	m.confirm = &pendingLoad{what: what, name: name, body: body, hdr: h}
	m.mode = modeConfirm
	return nil
}

// loadSaying loads and says what changed in the headers.
func (m *Model) loadSaying(what, name, body string, h payload.Headers) tea.Cmd {
	changes := headerChanges(m.hdr, h)
	cmd := m.load(name, body, h)
	msg := fmt.Sprintf("loaded %s", what)
	if len(changes) > 0 {
		msg += " · headers: " + strings.Join(changes, ", ")
	}
	return tea.Batch(cmd, common.StatusCmd(msg+" (ctrl+z undoes)"))
}

// confirmView is the question before a load replaces edited work.
func (m *Model) confirmView(w int) []string {
	st := m.c.Styles
	p := m.confirm
	l := []string{st.Warning.Render("Replace your edited payload with " + p.what + "?")}
	if ch := headerChanges(m.hdr, p.hdr); len(ch) > 0 {
		l = append(l, common.WrapIndent(st.Subtle.Render, "  ", "It also changes the headers: "+strings.Join(ch, ", ")+".", w)...)
	}
	return append(l, st.Title.Render("y replace")+st.Subtle.Render(" · n keep mine · ctrl+z undoes a replace"))
}
