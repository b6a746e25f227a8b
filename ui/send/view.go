package send

import (
	"fmt"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// View renders the screen in exactly its area. Its cost does not depend on
// how many results there are: counters are kept as results arrive and the
// table draws only its visible rows.
func (m *Model) View() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if m.detail >= 0 && m.detail < len(m.results) {
		return common.PadLines(m.detailView(w, h), h)
	}
	switch m.phase {
	case phaseReady, phaseConfirm:
		if m.pasting {
			return common.PadLines(common.ClipLines(m.pasteView(w), w, h), h)
		}
		if m.pw != nil {
			return common.PadLines(common.ClipLines(m.pw.View(m.c.Styles, w), w, h), h)
		}
		return common.PadLines(common.ClipLines(m.summaryView(w, h), w, h), h)
	}
	var b strings.Builder
	b.WriteString(common.Clip(m.runLine(), w))
	b.WriteByte('\n')
	b.WriteString(common.Clip(m.progressLine(), w))
	b.WriteByte('\n')
	b.WriteString(common.Clip(m.countsLine(), w))
	b.WriteByte('\n')
	if m.showBreakdown() {
		b.WriteString(common.Clip(m.breakdownLine(w), w))
		b.WriteByte('\n')
	}
	b.WriteString(m.table.View(m.c.Styles, m.cell, nil))
	body := common.PadLines(b.String(), h-1)
	last := m.noteLine()
	if m.saving {
		last = m.saveIn.View()
	}
	return body + "\n" + common.Clip(last, w)
}

// showBreakdown is true when there are failures to break down and room
// for the line (the table keeps at least 3 rows).
func (m *Model) showBreakdown() bool {
	return len(m.reasons) > 0 && m.height >= 9
}

// pasteView is the field for pasted tokens, with what it accepts.
func (m *Model) pasteView(w int) string {
	st := m.c.Styles
	l := []string{st.Title.Render("Send to pasted tokens"), ""}
	l = append(l, common.WrapWords("Paste one or more device tokens: 64 hex digits each, or <…> as iOS prints them, separated by spaces, commas or new lines. They are sent to like selected devices; after the send, b saves them to the device book.", w, "")...)
	l = append(l, "", m.pasteIn.View())
	if m.pasteErr != "" {
		l = append(l, "")
		l = append(l, common.WrapIndent(st.Problem.Render, "✗ ", m.pasteErr, w)...)
	}
	return strings.Join(l, "\n")
}

func (m *Model) noteLine() string {
	switch {
	case m.note == "":
		return ""
	case m.noteBad:
		return m.c.Styles.Warning.Render(m.note)
	}
	return m.c.Styles.Good.Render(m.note)
}

// effectiveTopic is the topic APNs will see.
func effectiveTopic(profileTopic string, h payload.Headers) (string, bool) {
	if h.Topic != "" {
		return h.Topic, false
	}
	if profileTopic == "" {
		return "", true
	}
	return profileTopic + payload.TopicSuffix(h.PushType), true
}

// summaryView is what the send will be, then why it cannot go or how to
// send it, in h lines: when they do not fit (60x16), the lines that matter
// least go first (see spare), so the reason a send cannot go is always
// shown whole.
func (m *Model) summaryView(w, h int) string {
	st := m.c.Styles
	var l []string
	// spare ranks a line that may be left out when the screen is short:
	// higher goes first; 0 stays.
	var spare []int
	rank := 0
	add := func(s ...string) {
		for range s {
			spare = append(spare, rank)
		}
		l = append(l, s...)
	}
	kv := func(k, v string) { add(common.Clip("  "+st.Subtle.Render(fmt.Sprintf("%-12s", k))+v, w)) }
	kvSpare := func(r int, k, v string) { rank = r; kv(k, v); rank = 0 }
	// Asking for production, the summary is what y sends: the run's
	// profile, payload and devices (a resend's are the failed ones, with
	// the run's payload even if the editor changed since).
	p, out, haveOut, devs := m.c.Active, m.out, m.haveOut, m.sel
	title := "What will go out"
	if m.phase == phaseConfirm {
		p, out, haveOut, devs = &m.run.profile, m.run.out, true, m.run.devices
		if m.confirmFrom == phaseDone {
			title = "What will go out again (the failed devices of run " + fmt.Sprint(m.run.id) + ")"
		}
	}
	rank = 2
	add(st.Title.Render(title))
	rank = 0
	if p == nil {
		kv("profile", st.Warning.Render("none active"))
	} else {
		kv("profile", p.Name+st.Subtle.Render(" ("+string(p.Auth)+")"))
		env := envValue(st, p.Environment)
		if p.Environment == certs.Production {
			env += "  " + st.Problem.Render("real users' devices")
		}
		kv("environment", env)
		if p.Host != "" {
			kvSpare(6, "host", p.Host)
		}
	}
	if haveOut {
		hd := out.Headers
		topic, dflt := effectiveTopic(profileTopic(p), hd)
		switch {
		case topic == "":
			topic = "the certificate's topic"
		case dflt:
			topic += st.Subtle.Render(" (profile topic + push type)")
		}
		kvSpare(3, "topic", topic)
		kvSpare(4, "push type", string(hd.PushType)+st.Subtle.Render(" · priority ")+priority(hd.Priority)+st.Subtle.Render(" · expiration ")+expiration(hd.Expiration))
		if hd.CollapseID != "" || hd.ApnsID != "" {
			kvSpare(5, "ids", "collapse-id "+orDash(hd.CollapseID)+" · apns-id "+orDash(hd.ApnsID))
		}
		r := out.Report
		verdict := st.Good.Render("✓ valid")
		switch {
		case len(r.Errors) > 0:
			verdict = st.Problem.Render("✗ " + common.Count(len(r.Errors), "lint error"))
		case len(r.Warnings) > 0:
			verdict += st.Warning.Render(" · " + common.Count(len(r.Warnings), "warning"))
		}
		name := ""
		if out.Name != "" {
			name = st.Subtle.Render(" · " + out.Name)
		}
		kv("payload", fmt.Sprintf("%d / %d bytes · ", r.Bytes, r.Limit)+verdict+name)
	} else {
		kv("payload", st.Warning.Render("none yet (Payload screen, 3)"))
	}
	if m.phase == phaseConfirm {
		kv("devices", m.devicesText(devs, w-14))
	} else {
		if len(devs) > 0 || len(m.pasted) == 0 {
			kv("devices", m.devicesText(devs, w-14))
		}
		if len(m.pasted) > 0 {
			kv("pasted", count(len(m.pasted), "token")+st.Subtle.Render(" (not in the device book · t edits · x forgets)"))
		}
	}
	rank = 7
	add("")
	rank = 0
	if m.phase == phaseConfirm {
		n := len(m.run.devices)
		add(st.EnvBadge.Production.Render("PRODUCTION") + " " + st.Problem.Render(fmt.Sprintf("This sends to %s in production.", count(n, "real device"))))
		add(st.Title.Render("Press y to send, esc to go back."))
	} else if why := m.blocker(); why != "" {
		add(common.Clip(st.Problem.Render("✗ cannot send: "), w))
		add(common.WrapWords(why, w-2, "  ")...)
	} else {
		add(st.Title.Render("enter sends to " + count(len(m.sel)+len(m.pastedNotSelected()), "device")))
	}
	if m.note != "" && m.phase == phaseReady && m.note != "✗ cannot send: "+m.blocker() {
		rank = 7
		add("")
		rank = 0
		add(m.noteLine())
	}
	return strings.Join(fitLines(l, spare, h), "\n")
}

// fitLines drops lines of l, highest spare rank first (the last such line
// first), until at most h are left or only rank-0 lines remain.
func fitLines(l []string, spare []int, h int) []string {
	for len(l) > h {
		at, top := -1, 0
		for i, r := range spare {
			if r >= top && r > 0 {
				at, top = i, r
			}
		}
		if at < 0 {
			break
		}
		l = append(l[:at], l[at+1:]...)
		spare = append(spare[:at], spare[at+1:]...)
	}
	return l
}

func profileTopic(p *profiles.Profile) string {
	if p != nil {
		return p.Topic
	}
	return ""
}

// devicesText lists the selected devices in w cells: as many names as fit,
// then how many more.
func (m *Model) devicesText(devs []profiles.Device, w int) string {
	if len(devs) == 0 {
		return m.c.Styles.Warning.Render("none selected (Devices screen, 4)")
	}
	s := fmt.Sprintf("%d: ", len(devs))
	for i, d := range devs {
		name := textsafe.Clean(d.Label) // labels come from imported files
		if name == "" {
			name = common.ShortToken(d.Token)
		}
		sep := ""
		if i > 0 {
			sep = ", "
		}
		more := 0
		if rest := len(devs) - i - 1; rest > 0 {
			more = ansi.StringWidth(fmt.Sprintf(", … +%d more", rest))
		}
		if ansi.StringWidth(s+sep+name)+more > w {
			return s + sep + fmt.Sprintf("… +%d more", len(devs)-i)
		}
		s += sep + name
	}
	return s
}

func (m *Model) runLine() string {
	st := m.c.Styles
	env := envBadge(st, m.run.profile.Environment)
	topic, _ := effectiveTopic(m.run.profile.Topic, m.run.out.Headers)
	state := "sending"
	if m.phase == phaseDone {
		state = "sent"
	}
	s := env + " " + st.Title.Render(fmt.Sprintf("run %d", m.run.id)) +
		st.Subtle.Render(fmt.Sprintf(" · %s · %s → %s · %s", state, m.run.out.Headers.PushType, topic, common.Count(m.total, "device")))
	// The batch id (History's) only if it fits whole: a cut id finds nothing.
	if batch := " · " + m.run.batch; ansi.StringWidth(s)+ansi.StringWidth(batch) <= m.width {
		s += st.Subtle.Render(batch)
	}
	return s
}

func (m *Model) progressLine() string {
	done := len(m.results)
	pct := 0.0
	if m.total > 0 {
		pct = float64(done) / float64(m.total)
	}
	return m.bar.ViewAs(pct) + fmt.Sprintf("  %d / %d", done, m.total) + windowText(m.results)
}

func (m *Model) countsLine() string {
	st := m.c.Styles
	end := m.now()
	if m.phase == phaseDone {
		end = m.finished
	}
	el := end.Sub(m.run.started)
	rate := 0.0
	if el > 0 {
		rate = float64(len(m.results)) / el.Seconds()
	}
	s := st.Good.Render(fmt.Sprintf("✓ %d accepted", m.okN)) + "  " +
		st.Problem.Render(fmt.Sprintf("✗ %d failed", m.failN))
	if m.cancelN > 0 {
		s += "  " + st.Warning.Render(fmt.Sprintf("⊘ %d cancelled", m.cancelN))
	}
	s += "  " + st.Subtle.Render(fmt.Sprintf("↻ %d retries · %.0f/s · %s", m.retried, rate, el.Round(100*time.Millisecond)))
	return s
}

// statusCell is a result's status with its tone.
func statusCell(r push.Result) (string, common.Tone) {
	switch {
	case r.OK():
		return "✓ 200", common.ToneGood
	case r.Class == push.ClassCancelled:
		return "⊘", common.ToneWarn
	case r.Status == 0:
		return "✗ —", common.ToneBad
	}
	return fmt.Sprintf("✗ %d", r.Status), common.ToneBad
}

func (m *Model) cell(row, col int) (string, common.Tone) {
	r := &m.results[m.rowIndex(row)]
	name := m.table.Columns[col].Title
	switch name {
	case "Device":
		return labelOf(*r), common.ToneNormal
	case "Status":
		return statusCell(*r)
	case "Reason":
		_, tone := statusCell(*r)
		if r.OK() {
			return "", tone
		}
		return reasonOf(*r), tone
	case "apns-id":
		return r.ApnsID, common.ToneMuted
	case "apns-unique-id":
		return r.ApnsUniqueID, common.ToneMuted
	case "Latency":
		return common.Latency(r.Latency), common.ToneNormal
	case "Try":
		return fmt.Sprint(r.Attempts), common.ToneNormal
	}
	return "", common.ToneNormal
}

func priority(p int) string {
	if p == 0 {
		return "default (10)"
	}
	return fmt.Sprint(p)
}

func expiration(e payload.Expiration) string {
	switch e.Mode {
	case "now":
		return "0 (now or never)"
	case "at":
		return e.At.UTC().Format(time.RFC3339)
	}
	return "none"
}
