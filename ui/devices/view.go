package devices

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
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
	case modeForm:
		return common.PadLines(common.ClipLines(m.form.view(w), w, h), h)
	case modeGroups:
		return common.PadLines(m.groupsView(w, h), h)
	}
	var b strings.Builder
	b.WriteString(common.Clip(m.titleLine(), w))
	b.WriteByte('\n')
	switch {
	case m.loadErr != nil:
		b.WriteString(st.Problem.Render("✗ could not read the device book: " + m.loadErr.Error()))
	case !m.loaded && m.c.Store != nil:
		b.WriteString(st.Subtle.Render("reading the device book…"))
	case len(m.all) == 0:
		b.WriteString(st.Subtle.Render("No devices yet. Press a to add one (paste the token the app logged), or i to import a file."))
	case m.inViewCount() == 0 && m.live:
		b.WriteString(st.Subtle.Render("No Live Activity tokens in the book: add them with pushdeck devices add --kind liveactivity-start (or -update). L shows device tokens."))
	case m.inViewCount() == 0:
		b.WriteString(st.Subtle.Render("No device tokens in the book, only Live Activity tokens: L shows them, a adds a device."))
	case len(m.shown) == 0:
		b.WriteString(st.Subtle.Render("No device matches the filter; esc clears it."))
	default:
		b.WriteString(m.table.View(st, m.cell, m.rowTone))
	}
	body := common.PadLines(b.String(), h-2)
	return body + "\n" + common.Clip(m.bottomLine(), w) + "\n" + common.Clip(m.noteLine(), w)
}

func (m *Model) titleLine() string {
	st := m.c.Styles
	env := m.env()
	var envText string
	switch env {
	case certs.Production:
		envText = st.EnvBadge.Production.Render("PRODUCTION")
	case certs.Development:
		envText = st.EnvBadge.Development.Render("development")
	default:
		envText = st.Warning.Render("no active profile")
	}
	n := 0
	for _, d := range m.all {
		if d.Environment == env && m.inView(d) {
			n++
		}
	}
	title := "Devices"
	if m.live {
		title = "Live Activity tokens"
	}
	head := st.Title.Render(title) + " " + envText
	sel := st.Selected.Render(fmt.Sprintf("%d selected", len(m.selected)))
	line := head + st.Subtle.Render(fmt.Sprintf("  %d here · %d in the book · ", n, m.inViewCount())) + sel
	if ansi.StringWidth(line) > m.width {
		// The selection count matters more than the book's.
		line = head + st.Subtle.Render(fmt.Sprintf("  %d here · ", n)) + sel
	}
	return line
}

// inViewCount is how many entries of the book the view lists unfiltered,
// in both environments.
func (m *Model) inViewCount() int {
	n := 0
	for _, d := range m.all {
		if m.inView(d) {
			n++
		}
	}
	return n
}

// kindText is the Kind column: "start DeliveryAttributes", "update …".
func kindText(d profiles.Device) string {
	k := "update"
	if d.Kind == profiles.KindLiveActivityStart {
		k = "start"
	}
	if d.ActivityType != "" {
		k += " " + textsafe.Clean(d.ActivityType)
	}
	return k
}

// kindLong says the kind of the Live Activity token d in words, with its
// activity type whole: the column may cut it.
func kindLong(d profiles.Device) string {
	s := "update token of a running Live Activity"
	if d.Kind == profiles.KindLiveActivityStart {
		s = "push-to-start token"
	}
	if d.ActivityType != "" {
		s += " · " + textsafe.Clean(d.ActivityType)
	}
	return s
}

// bottomLine is the filter, the import path, the delete question, or why
// the device under the cursor cannot be selected.
func (m *Model) bottomLine() string {
	st := m.c.Styles
	switch m.mode {
	case modeFilter:
		return m.filter.View()
	case modeImport:
		return m.importIn.View()
	case modeConfirm:
		d := m.confirm
		return st.Warning.Render(fmt.Sprintf("Delete %s (%s)? y deletes · n keeps", label(d), common.ShortToken(d.Token)))
	}
	if m.filter.Value() != "" {
		return st.Subtle.Render("filter: ") + m.filter.Value() + st.Subtle.Render(fmt.Sprintf("  (%d shown, esc clears)", len(m.shown)))
	}
	if d, ok := m.current(); ok {
		if ok, why := m.selectable(d); !ok {
			return st.Subtle.Render(why)
		}
		if m.live {
			return st.Subtle.Render(kindLong(d))
		}
	}
	return ""
}

func (m *Model) noteLine() string {
	if m.note == "" {
		return ""
	}
	if m.noteBad {
		return m.c.Styles.Warning.Render(m.note)
	}
	return m.c.Styles.Good.Render(m.note)
}

func (m *Model) rowTone(row int) common.Tone {
	d := m.all[m.shown[row]]
	if ok, _ := m.selectable(d); !ok {
		return common.ToneMuted
	}
	return common.ToneNormal
}

func (m *Model) cell(row, col int) (string, common.Tone) {
	d := m.all[m.shown[row]]
	switch col {
	case 0:
		if m.selected[selKey(d)] {
			return "●", common.ToneAccent
		}
		if ok, _ := m.selectable(d); !ok {
			return "·", common.ToneMuted
		}
		return "○", common.ToneMuted
	case 1:
		return label(d), common.ToneNormal
	case 2:
		return common.ShortToken(d.Token), common.ToneMuted
	case 3:
		if d.Environment == certs.Production {
			return "prod", common.ToneWarn
		}
		return "dev", common.ToneNormal
	case 4:
		if m.live {
			return kindText(d), common.ToneNormal
		}
		return strings.Join(d.Groups, ", "), common.ToneNormal
	case 5:
		s, tone := m.lastResult(d, false)
		if ansi.StringWidth(s) > m.table.ColumnWidth(col) {
			s, tone = m.lastResult(d, true)
		}
		return s, tone
	}
	return "", common.ToneNormal
}

// lastResult is "✓ 2m ago", "✗ BadDeviceToken 5m ago" or "☠ Unregistered
// since 12 Nov"; short drops the words a narrow column cannot afford
// ("✗ BadDeviceToken 5m", "☠ Unregistered 12 Nov"), never the reason.
func (m *Model) lastResult(d profiles.Device, short bool) (string, common.Tone) {
	now := m.now()
	if !d.UnregisteredAt.IsZero() {
		since := "☠ Unregistered since "
		if short {
			since = "☠ Unregistered "
		}
		return since + common.ShortDate(now, d.UnregisteredAt), common.ToneBad
	}
	if d.Last == nil {
		return "— never sent", common.ToneMuted
	}
	ago := common.Ago(now, d.Last.At)
	if short {
		ago = strings.TrimSuffix(ago, " ago")
	}
	if d.Last.Status == 200 {
		return "✓ " + ago, common.ToneGood
	}
	reason := d.Last.Reason
	if reason == "" {
		reason = fmt.Sprintf("status %d", d.Last.Status)
		if d.Last.Status == 0 {
			reason = "no response"
		}
	}
	return "✗ " + reason + " " + ago, common.ToneBad
}
