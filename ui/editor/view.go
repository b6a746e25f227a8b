package editor

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/ui/common"
)

// View renders the screen in exactly its area.
func (m *Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.c.Styles
	switch m.mode {
	case modeGallery:
		return common.PadLines(m.gallery.view(st, w, h, "↑↓ choose · enter use · esc close"), h)
	case modeLibrary:
		return common.PadLines(m.library.view(st, w, h, "↑↓ choose · enter load · esc close"), h)
	}
	if m.mode == modeConfirm {
		// The question first, whatever the height: its answers must be seen.
		q := m.confirmView(w)
		rest := max(h-len(q)-1, 0)
		return common.PadLines(common.ClipLines(strings.Join(q, "\n"), w, 0)+"\n"+st.Subtle.Render(strings.Repeat("─", w))+"\n"+m.textView(w, rest), h)
	}
	var b strings.Builder
	if m.mode == modeHeaders {
		b.WriteString(m.form.view(st, m.hdr, m.defaultTopic(), w))
	} else {
		b.WriteString(common.Clip(m.headersLine(), w))
	}
	b.WriteByte('\n')
	b.WriteString(m.textView(w, m.ta.Height()))
	b.WriteByte('\n')
	switch m.mode {
	case modeSaveAs:
		b.WriteString(common.Clip(m.saveAs.View(), w))
	default:
		b.WriteString(common.Clip(m.statusLine(), w))
	}
	b.WriteByte('\n')
	b.WriteString(m.findingsView(w, m.findingsHeight()))
	return common.PadLines(b.String(), h)
}

func (m *Model) headersLine() string {
	st := m.c.Styles
	name := "draft"
	if m.name != "" {
		name = m.name
	}
	topic := m.hdr.Topic
	if topic == "" {
		topic = m.defaultTopic()
		if topic == "" {
			topic = "(certificate's topic)"
		} else {
			topic += " (default)"
		}
	}
	line := func(short bool) string {
		prio, tp := priorityText(m.hdr.Priority), topic
		if short {
			// At 80 columns: the words go before the topic does.
			prio, tp = strings.Fields(prio)[0], strings.TrimSuffix(topic, " (default)")
		}
		parts := []string{
			st.Title.Render(string(pushTypeOr(m.hdr.PushType))),
			"priority " + prio,
			"expiration " + strings.SplitN(expirationText(m.hdr.Expiration), " (", 2)[0],
			"topic " + tp,
		}
		if m.hdr.CollapseID != "" {
			parts = append(parts, "collapse-id "+m.hdr.CollapseID)
		}
		if m.hdr.ApnsID != "" {
			parts = append(parts, "apns-id "+m.hdr.ApnsID)
		}
		return st.Selected.Render("["+name+"]") + " " + strings.Join(parts, st.Subtle.Render(" · "))
	}
	if s := line(false); lipgloss.Width(s) <= m.width {
		return s
	}
	return line(true)
}

// statusLine is the verdict on the text: valid with its size, or the first
// error with where it is.
func (m *Model) statusLine() string {
	st := m.c.Styles
	r := m.report
	size := fmt.Sprintf("%d / %d bytes", r.Bytes, r.Limit)
	pos := ""
	if m.mode == modeText {
		// Where the cursor is, as line:column (a column counts characters).
		pos = fmt.Sprintf("%d:%d · ", m.ta.Line()+1, m.ta.Column()+1)
	}
	var s string
	switch {
	case len(r.Errors) > 0:
		f := r.Errors[0]
		loc := ""
		if m.errLine > 0 {
			loc = fmt.Sprintf("line %d:%d ", m.errLine, m.errCol)
		}
		more := ""
		if n := len(r.Errors); n > 1 {
			more = fmt.Sprintf(" · %d errors", n)
		}
		// The size stays whole; a long message is shortened here because
		// the findings list below shows it in full.
		msg := "✗ " + loc + f.Message
		if room := m.width - lipgloss.Width(pos+more+" · "+size); lipgloss.Width(msg) > room {
			msg = ansi.Truncate(msg, max(room, 10), "…")
		}
		s = st.Problem.Render(msg+more) + st.Subtle.Render(" · "+size)
	case len(r.Warnings) > 0:
		s = st.Good.Render("✓ valid") + st.Subtle.Render(" · "+size+" · ") + st.Warning.Render(plural(len(r.Warnings), "warning"))
	default:
		s = st.Good.Render("✓ valid") + st.Subtle.Render(" · "+size)
	}
	if pos != "" {
		s = st.Subtle.Render(pos) + s
	}
	if m.note != "" {
		return s + "  " + st.Warning.Render(m.note)
	}
	hint := ""
	switch m.mode {
	case modeBrowse:
		hint = "   enter to edit"
	case modeText:
		hint = "   esc when done"
	}
	if lipgloss.Width(s)+len(hint) <= m.width {
		s += st.Subtle.Render(hint)
	}
	return s
}

// findingsView lists the lint findings with their fixes in a fixed area.
func (m *Model) findingsView(w, h int) string {
	st := m.c.Styles
	if len(m.findings) == 0 {
		return common.PadLines(st.Subtle.Render("no lint findings"), h)
	}
	first := 0
	if m.sel >= h {
		first = m.sel - h + 1
	}
	// The selected finding (else the first) also shows its fix on a line
	// of its own, so it can be read in full at 80 columns.
	focus := max(m.sel, 0)
	var lines []string
	for i := first; i < len(m.findings) && len(lines) < h; i++ {
		if len(lines) == h-1 && len(m.findings)-i > 1 {
			lines = append(lines, st.Subtle.Render(fmt.Sprintf("… %d more: n / N step through them", len(m.findings)-i)))
			break
		}
		lines = append(lines, common.Clip(m.findingLine(i, i != focus), w))
		if f := m.findings[i]; i == focus && f.Fix != "" && len(lines) < h-1 {
			// The fix is wrapped over the free rows (keeping one for the
			// next finding), not cut: its end is often the instruction.
			free := h - len(lines)
			if len(m.findings)-i > 1 {
				free--
			}
			fix := strings.Split(ansi.Wrap("fix: "+f.Fix, max(20, w-5), ""), "\n")
			if len(fix) > free {
				fix = fix[:max(1, free)]
			}
			for j, l := range fix {
				if j == 0 {
					l = st.Good.Render("fix: ") + strings.TrimPrefix(l, "fix: ")
				}
				lines = append(lines, common.Clip("     "+l, w))
			}
		}
	}
	return common.PadLines(strings.Join(lines, "\n"), h)
}

func (m *Model) findingLine(i int, withFix bool) string {
	st := m.c.Styles
	f := m.findings[i]
	isErr := i < len(m.report.Errors)
	icon := st.Warning.Render("!")
	if isErr {
		icon = st.Problem.Render("✗")
	}
	loc := ""
	if line, col, ok := m.where(f); ok {
		loc = fmt.Sprintf("%d:%d ", line+1, col+1)
	}
	path := ""
	if f.Path != "" {
		path = f.Path + ": "
	}
	text := loc + path + f.Message
	if f.Fix != "" && withFix {
		text += " → " + f.Fix
	}
	if i == m.sel {
		return st.Selected.Render("›") + icon + " " + st.Selected.Render(text)
	}
	return " " + icon + " " + text
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
