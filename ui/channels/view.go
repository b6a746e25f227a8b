package channels

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

// View renders the screen in exactly its area.
func (m *Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.c.Styles
	var b strings.Builder
	b.WriteString(common.Clip(m.titleLine(), w))
	b.WriteByte('\n')
	switch {
	case m.c.Active == nil:
		b.WriteString(st.Subtle.Render("No active profile: pick one on the Profiles screen; channels belong to its app and environment."))
	case m.loadErr != nil:
		for _, l := range common.WrapWords("✗ "+m.loadErr.Error(), w, "  ") {
			b.WriteString(st.Problem.Render(l) + "\n")
		}
	case m.loading && !m.loaded:
		b.WriteString(st.Subtle.Render("asking APNs for the app's channels…"))
	case !m.loaded:
		b.WriteString(st.Subtle.Render("Press r to list the app's broadcast channels."))
	case len(m.rows) == 0:
		b.WriteString(st.Subtle.Render("No channels yet. Press n to create one (iOS 18 broadcast: one push updates every subscribed Live Activity)."))
	default:
		b.WriteString(m.table.View(st, m.cell, nil))
	}
	top := common.PadLines(common.ClipLines(b.String(), w, max(1, h-4)), max(1, h-4))
	return top + "\n" + strings.Join(m.panel(w), "\n")
}

// panel is the four lines under the list: a form, a confirmation, or the
// last broadcast and the payload that the next one sends.
func (m *Model) panel(w int) []string {
	st := m.c.Styles
	lines := make([]string, 0, 4)
	switch m.mode {
	case modeCreate:
		pol := fmt.Sprintf("storage policy: %s  (tab switches)", m.policy)
		why := "keeps the last message up to 8 hours for offline devices: for infrequent updates"
		if m.policy == push.NoStorage {
			why = "keeps nothing for offline devices, higher budget: for frequent updates; expiration must be 0"
		}
		lines = append(lines, st.Title.Render("New channel"), m.label.View(), pol, st.Subtle.Render(why))
	case modeConfirmDelete:
		lines = append(lines, st.Warning.Render(fmt.Sprintf("Delete channel %s (%s) for good?", m.pending.Label, m.pending.ID)),
			"Its ID can never be created again; APNs may still deliver messages it stored.",
			st.Subtle.Render("y or enter deletes · any other key keeps it"), "")
	case modeConfirmSend:
		lines = append(lines, common.EnvBadge(st, m.env())+" "+st.Warning.Render(fmt.Sprintf("Broadcast to every subscriber of %s in PRODUCTION?", m.pending.Label)),
			st.Subtle.Render("y or enter sends · any other key cancels"), "", "")
	default:
		lines = append(lines, m.lastResult()...)
		lines = append(lines, m.payloadLine())
	}
	for len(lines) < 4 {
		lines = append(lines, "")
	}
	for i := range lines {
		lines[i] = common.Clip(lines[i], w)
	}
	return lines[:4]
}

func (m *Model) titleLine() string {
	st := m.c.Styles
	p := m.c.Active
	if p == nil {
		return st.Title.Render("Channels")
	}
	app := p.Topic
	if app == "" {
		app = "the credential's app"
	}
	s := st.Title.Render("Channels of "+textsafe.Clean(app)) + "  " + common.EnvBadge(st, p.Environment)
	if m.loaded {
		s += st.Subtle.Render(fmt.Sprintf("  %d channels", len(m.rows)))
	}
	if m.busy != "" {
		s += "  " + st.Warning.Render(m.busy)
	} else if m.loading && m.loaded {
		s += "  " + st.Subtle.Render("refreshing…")
	}
	return s
}

func (m *Model) cell(r, c int) (string, common.Tone) {
	row := m.rows[r]
	switch c {
	case 0:
		if row.Label == "" {
			return "—", common.ToneMuted
		}
		return row.Label, common.ToneNormal
	case 1:
		if !row.Known {
			return "?", common.ToneMuted
		}
		return row.Policy.String(), common.ToneNormal
	}
	if push.CheckChannelID(row.ID) != nil {
		return textsafe.Clean(fmt.Sprintf("%q", row.ID)), common.ToneBad
	}
	return row.ID, common.ToneNormal
}

// lastResult is the latest broadcast in up to three lines: what happened,
// and for a failure Apple's meaning and the fix.
func (m *Model) lastResult() []string {
	st := m.c.Styles
	if len(m.results) == 0 {
		return []string{st.Subtle.Render("No broadcast yet: select a channel and press s to send the Payload screen's Live Activity update.")}
	}
	o := m.results[len(m.results)-1]
	r := o.Result
	// The reason and the error come from the server: cleaned before drawn.
	head := textsafe.Clean(fmt.Sprintf("→ %s: %s", o.Label, push.DescribeBroadcast(r, o.Env)))
	if r.OK() {
		out := []string{st.Good.Render("✓ " + head)}
		if r.ApnsUniqueID != "" {
			out = append(out, st.Subtle.Render("  apns-unique-id "+r.ApnsUniqueID+" · request "+r.ApnsID))
		} else if r.ApnsID != "" {
			out = append(out, st.Subtle.Render("  request "+r.ApnsID))
		}
		return out
	}
	out := []string{st.Problem.Render("✗ " + head)}
	if r.Reason != "" {
		out = append(out, "  fix: "+push.ExplainChannel(r.Reason).Fix)
	}
	return out
}

func (m *Model) payloadLine() string {
	st := m.c.Styles
	if m.out.Body == "" {
		return st.Subtle.Render("payload: none yet (Payload screen)")
	}
	state := st.Good.Render("valid")
	if !m.out.Report.Valid {
		state = st.Problem.Render("has errors")
	}
	name := m.out.Name
	if name == "" {
		name = "draft"
	}
	return st.Subtle.Render(fmt.Sprintf("payload: %s · %s · %d bytes · ", name, m.out.Headers.PushType, len(m.out.Body))) + state
}

// ShortHelp lists the keys that work now.
func (m *Model) ShortHelp() []key.Binding {
	switch m.mode {
	case modeCreate:
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "create")), m.keys.Policy, m.keys.Cancel}
	case modeConfirmDelete, modeConfirmSend:
		return []key.Binding{m.keys.Confirm, m.keys.Cancel}
	}
	return []key.Binding{m.keys.Send, m.keys.New, m.keys.Delete, m.keys.Refresh}
}

// FullHelp lists every key of the screen.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), m.table.FullHelp()}
}
