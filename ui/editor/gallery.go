package editor

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// choice is one entry of the template gallery or the payload library.
type choice struct {
	Name, Description, Body string
	Headers                 payload.Headers
}

func templateChoices(ts []payload.Template) []choice {
	out := make([]choice, len(ts))
	for i, t := range ts {
		out[i] = choice{Name: t.Name, Description: t.Description, Body: t.Body, Headers: t.Headers}
	}
	return out
}

func libraryChoices(ps []profiles.SavedPayload) []choice {
	out := make([]choice, len(ps))
	for i, p := range ps {
		h, _ := headersOf(p)
		desc := "saved " + p.SavedAt.Format("2 Jan 2006 15:04")
		out[i] = choice{Name: p.Name, Description: desc, Body: p.Body, Headers: h}
	}
	return out
}

// picker is a list with a preview: the template gallery and the library.
type picker struct {
	title  string
	empty  string
	items  []choice
	cursor int
}

func (p *picker) move(d int) {
	if len(p.items) == 0 {
		return
	}
	p.cursor = max(0, min(len(p.items)-1, p.cursor+d))
}

func (p picker) selected() (choice, bool) {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return choice{}, false
	}
	return p.items[p.cursor], true
}

// view lays the list beside the preview when there is room, above it
// otherwise.
func (p picker) view(st common.Styles, w, h int, hint string) string {
	title := st.Title.Render(p.title) + st.Subtle.Render("  "+hint)
	if len(p.items) == 0 {
		return common.ClipLines(title+"\n\n"+st.Subtle.Render(p.empty), w, h)
	}
	listW := 0
	for _, it := range p.items {
		listW = max(listW, len(it.Name)+2)
	}
	listW = min(listW, 30)
	side := w >= 90
	listH := h - 1
	if !side {
		listH = min(len(p.items), max(3, (h-1)/3))
	}
	var list []string
	from := max(0, min(p.cursor-listH/2, len(p.items)-listH))
	for i := from; i < min(len(p.items), from+listH); i++ {
		name := common.Fit(p.items[i].Name, listW-2)
		if i == p.cursor {
			list = append(list, st.Selected.Render("› ")+st.Cursor.Render(name))
		} else {
			list = append(list, "  "+name)
		}
	}
	it, _ := p.selected()
	pw := w
	if side {
		pw = w - listW - 3
	}
	// The description is wrapped, not cut: its end often says what the
	// app needs (an entitlement, a capability).
	var pv []string
	for i, l := range strings.Split(ansi.Wrap(it.Name+"  "+it.Description, max(20, pw), ""), "\n") {
		if i == 0 && strings.HasPrefix(l, it.Name) {
			pv = append(pv, st.Title.Render(it.Name)+st.Subtle.Render(l[len(it.Name):]))
			continue
		}
		pv = append(pv, st.Subtle.Render(l))
	}
	pv = append(pv, st.Subtle.Render(headerSummary(it.Headers)))
	pv = append(pv, "")
	body := it.Body
	if f, err := formatJSON(body); err == nil {
		body = f
	}
	pv = append(pv, strings.Split(body, "\n")...)
	if side {
		for i := range pv {
			pv[i] = common.Fit(pv[i], pw)
		}
		rows := make([]string, 0, h)
		rows = append(rows, title)
		for i := range h - 1 {
			l, r := strings.Repeat(" ", listW), ""
			if i < len(list) {
				l = common.Fit(list[i], listW)
			}
			if i < len(pv) {
				r = pv[i]
			}
			rows = append(rows, l+st.Subtle.Render(" │ ")+r)
		}
		return common.ClipLines(strings.Join(rows, "\n"), w, h)
	}
	out := []string{title}
	out = append(out, list...)
	out = append(out, st.Subtle.Render(strings.Repeat("─", max(0, w))))
	out = append(out, pv...)
	return common.ClipLines(strings.Join(out, "\n"), w, h)
}

// headerSummary is the headers on one line.
func headerSummary(h payload.Headers) string {
	parts := []string{string(pushTypeOr(h.PushType)), "priority " + priorityText(h.Priority)}
	if h.Expiration.Mode != "" {
		parts = append(parts, "expiration "+expirationText(h.Expiration))
	}
	if h.CollapseID != "" {
		parts = append(parts, "collapse-id "+h.CollapseID)
	}
	if h.Topic != "" {
		parts = append(parts, "topic "+h.Topic)
	}
	return strings.Join(parts, " · ")
}
