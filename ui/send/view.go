package send

import (
	"fmt"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
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
		return common.PadLines(common.ClipLines(m.summaryView(w), w, h), h)
	}
	var b strings.Builder
	b.WriteString(common.Clip(m.runLine(), w))
	b.WriteByte('\n')
	b.WriteString(common.Clip(m.progressLine(), w))
	b.WriteByte('\n')
	b.WriteString(common.Clip(m.countsLine(), w))
	b.WriteByte('\n')
	b.WriteString(m.table.View(m.c.Styles, m.cell, nil))
	body := common.PadLines(b.String(), h-1)
	last := m.noteLine()
	if m.saving {
		last = m.saveIn.View()
	}
	return body + "\n" + common.Clip(last, w)
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

func (m *Model) summaryView(w int) string {
	st := m.c.Styles
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	kv := func(k, v string) { add(common.Clip("  "+st.Subtle.Render(fmt.Sprintf("%-12s", k))+v, w)) }
	add(st.Title.Render("What will go out"))
	p := m.c.Active
	if p == nil {
		kv("profile", st.Warning.Render("none active"))
	} else {
		kv("profile", p.Name+st.Subtle.Render(" ("+string(p.Auth)+")"))
		env := envBadge(st, p.Environment)
		if p.Environment == certs.Production {
			env += " " + st.Problem.Render("real users' devices")
		}
		kv("environment", env)
		if p.Host != "" {
			kv("host", p.Host)
		}
	}
	if m.haveOut {
		hd := m.out.Headers
		topic, dflt := effectiveTopic(profileTopic(m), hd)
		switch {
		case topic == "":
			topic = "the certificate's topic"
		case dflt:
			topic += st.Subtle.Render(" (profile topic + push type)")
		}
		kv("topic", topic)
		kv("push type", string(hd.PushType)+st.Subtle.Render(" · priority ")+priority(hd.Priority)+st.Subtle.Render(" · expiration ")+expiration(hd.Expiration))
		if hd.CollapseID != "" || hd.ApnsID != "" {
			kv("ids", "collapse-id "+orDash(hd.CollapseID)+" · apns-id "+orDash(hd.ApnsID))
		}
		r := m.out.Report
		verdict := st.Good.Render("✓ valid")
		switch {
		case len(r.Errors) > 0:
			verdict = st.Problem.Render(fmt.Sprintf("✗ %d lint error(s)", len(r.Errors)))
		case len(r.Warnings) > 0:
			verdict += st.Warning.Render(fmt.Sprintf(" · %d warning(s)", len(r.Warnings)))
		}
		name := ""
		if m.out.Name != "" {
			name = st.Subtle.Render(" · " + m.out.Name)
		}
		kv("payload", fmt.Sprintf("%d / %d bytes · ", r.Bytes, r.Limit)+verdict+name)
	} else {
		kv("payload", st.Warning.Render("none yet (Payload screen, 3)"))
	}
	kv("devices", m.devicesText(w-16))
	add("")
	if m.phase == phaseConfirm {
		n := len(m.run.devices)
		add(st.EnvBadge.Production.Render("PRODUCTION") + " " + st.Problem.Render(fmt.Sprintf("This sends to %d real device(s) in production.", n)))
		add(st.Title.Render("Press y to send, esc to go back."))
	} else if why := m.blocker(); why != "" {
		add(common.Clip(st.Problem.Render("✗ cannot send: "), w))
		add(wrapText(why, w-2, "  ")...)
	} else {
		add(st.Title.Render(fmt.Sprintf("enter sends to %d device(s)", len(m.sel))))
	}
	if m.note != "" && m.phase == phaseReady && m.note != "✗ cannot send: "+m.blocker() {
		add("", m.noteLine())
	}
	return strings.Join(l, "\n")
}

func profileTopic(m *Model) string {
	if m.c.Active != nil {
		return m.c.Active.Topic
	}
	return ""
}

func (m *Model) devicesText(w int) string {
	if len(m.sel) == 0 {
		return m.c.Styles.Warning.Render("none selected (Devices screen, 4)")
	}
	s := fmt.Sprintf("%d: ", len(m.sel))
	for i, d := range m.sel {
		name := d.Label
		if name == "" {
			name = common.ShortToken(d.Token)
		}
		if i > 0 {
			s += ", "
		}
		if len(s)+len(name) > w-6 && i < len(m.sel)-1 {
			return s + fmt.Sprintf("… +%d", len(m.sel)-i)
		}
		s += name
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
	return env + " " + st.Title.Render(fmt.Sprintf("run %d", m.run.id)) +
		st.Subtle.Render(fmt.Sprintf(" · %s · %s → %s · %d devices · %s", state, m.run.out.Headers.PushType, topic, m.total, m.run.batch))
}

func (m *Model) progressLine() string {
	done := len(m.results)
	pct := 0.0
	if m.total > 0 {
		pct = float64(done) / float64(m.total)
	}
	return m.bar.ViewAs(pct) + fmt.Sprintf("  %d / %d", done, m.total)
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
	case r.Class == "cancelled":
		return "⊘", common.ToneWarn
	case r.Status == 0:
		return "✗ —", common.ToneBad
	}
	return fmt.Sprintf("✗ %d", r.Status), common.ToneBad
}

func (m *Model) cell(row, col int) (string, common.Tone) {
	r := &m.results[row]
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

// wrapText breaks s into lines of at most w cells, each with a prefix.
func wrapText(s string, w int, prefix string) []string {
	w = max(20, w)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > w {
			lines = append(lines, prefix+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, prefix+line)
	}
	return lines
}
