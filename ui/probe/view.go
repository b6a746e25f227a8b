package probe

import (
	"errors"
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"strings"

	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

const labelWidth = 16

// View draws the screen: what is probed, the steps as they finish (the
// running one with a spinner), then the verdict, which always stays in
// view.
func (m *Model) View() string {
	st := m.c.Styles
	w := m.width
	head := m.headLines(w)
	if m.pw != nil {
		return common.ClipLines(strings.Join(append(head, m.pw.View(st, w)), "\n"), w, m.height)
	}
	if m.run == 0 && !m.running {
		return strings.Join(append(head, m.idleLines(w)...), "\n")
	}
	foot := m.verdictLines(w)
	room := max(m.height-len(head)-len(foot), 1)
	// As much detail per step as fits, then scroll.
	var body []string
	for _, n := range []int{-1, 3, 2, 1, 0} {
		if body = m.stepLines(w, n); len(body) <= room {
			break
		}
	}
	if len(body) > room {
		off := min(m.offset+m.failedAt(body, room), len(body)-room)
		more := off+room < len(body)
		body = body[off : off+room]
		if more {
			body[len(body)-1] = st.Subtle.Render("      … more: j scrolls")
		}
	}
	lines := append(head, body...)
	for len(lines) < m.height-len(foot) {
		lines = append(lines, "")
	}
	return common.ClipLines(strings.Join(append(lines, foot...), "\n"), w, m.height)
}

// failedAt is where the body starts when it does not fit: so the failed
// step is on screen (the verdict below talks about it), else the top.
func (m *Model) failedAt(body []string, room int) int {
	if m.running || m.verdict == nil || m.verdict.OK {
		return 0
	}
	for i, l := range body {
		if strings.HasPrefix(strings.TrimLeft(ansi.Strip(l), " "), "✗") {
			off := i - room + 1
			if i+1 < len(body) {
				off++ // the last line shown becomes "… more"
			}
			return max(0, off)
		}
	}
	return 0
}

// reportLines is how many lines the report takes at its tersest.
func (m *Model) reportLines() int {
	w := m.width
	return len(m.headLines(w)) + len(m.stepLines(w, 1)) + len(m.verdictLines(w))
}

func (m *Model) headLines(w int) []string {
	st := m.c.Styles
	p := m.c.Active
	if m.run > 0 && m.profile != "" {
		return []string{
			st.Title.Render("Probe of "+m.profile) + "  " + common.EnvBadge(st, m.env) + "  " + st.Subtle.Render(m.target),
			"",
		}
	}
	if p == nil {
		return []string{st.Title.Render("Probe"), ""}
	}
	port := m.port
	if common.HostHasPort(*p) {
		port = 0
	}
	return []string{
		st.Title.Render("Probe of "+p.Name) + "  " + common.EnvBadge(st, p.Environment) + "  " + st.Subtle.Render(common.Target(*p, port)),
		"",
	}
}

func (m *Model) idleLines(w int) []string {
	st := m.c.Styles
	if m.c.Active == nil {
		return common.WrapIndent(st.Subtle.Render, "", "No active profile: pick one on the Profiles screen (1) and press enter, then come back here.", w)
	}
	text := "Press enter (or r) to check each link from this machine to APNs, in order: DNS lookup, TCP connect, TLS handshake, HTTP/2 settings, then the credential itself with a test push to an all-zero device token that no device has, and last the broadcast channel-management host (it lists the app's channels, changing nothing)."
	lines := common.WrapIndent(func(s ...string) string { return strings.Join(s, "") }, "", text, w)
	if !common.HostHasPort(*m.c.Active) {
		port := "p switches between port 443 and Apple's alternative port 2197 (for networks that block 443)."
		lines = append(lines, "")
		lines = append(lines, common.WrapIndent(st.Subtle.Render, "", port, w)...)
	}
	if errors.Is(m.c.CredErr, common.ErrNeedsPassword) && m.c.Cred == nil {
		lines = append(lines, "")
		lines = append(lines, common.WrapIndent(st.Warning.Render, "", "The credential is locked: enter asks for its password here.", w)...)
	}
	return lines
}

// stepLines renders each step; maxDetail bounds the detail lines per step
// (-1: all).
func (m *Model) stepLines(w, maxDetail int) []string {
	st := m.c.Styles
	var lines []string
	done := map[string]push.ProbeStep{}
	for _, s := range m.steps {
		done[s.Name] = s
	}
	stopped := !m.running
	pending := true
	for _, name := range stepNames {
		label := common.Fit(stepLabels[name], labelWidth)
		s, ok := done[name]
		switch {
		case ok:
			mark, tone := "✓", common.ToneGood
			if !s.OK {
				mark, tone = "✗", common.ToneBad
			}
			lines = append(lines, "  "+common.ToneStyle(st, tone, mark)+" "+label+" "+st.Subtle.Render(fmt.Sprintf("%8s", common.Latency(s.Duration))))
			detail := s.Detail
			if !s.OK && s.Err != nil && !mentions(detail, s.Err.Error()) {
				detail = append(append([]string(nil), detail...), s.Err.Error())
			}
			if maxDetail >= 0 && len(detail) > maxDetail {
				detail = briefDetail(s, detail, maxDetail)
			}
			for _, d := range detail {
				tone := st.Subtle.Render
				if !s.OK {
					tone = st.Problem.Render
				}
				lines = append(lines, common.WrapIndent(tone, "      ", d, w)...)
			}
		case name == channelsStep && m.chanSkip != "":
			lines = append(lines, "  "+st.Subtle.Render("– "+label+" "+m.chanSkip))
		case !stopped && pending:
			pending = false
			lines = append(lines, "  "+m.spin.View()+" "+label+" "+st.Subtle.Render("running…"))
		case stopped:
			lines = append(lines, "  "+st.Subtle.Render("– "+label+" not run"))
		default:
			lines = append(lines, "  "+st.Subtle.Render("· "+label))
		}
	}
	return lines
}

func (m *Model) verdictLines(w int) []string {
	st := m.c.Styles
	switch {
	case m.running:
		return []string{"", st.Subtle.Render("esc cancels the probe")}
	case m.cancelled:
		return []string{"", st.Warning.Render("Probe cancelled.") + " " + st.Subtle.Render("enter probes again.")}
	case m.startErr != nil:
		return append([]string{""}, common.WrapIndent(st.Problem.Render, "✗ ", "The probe could not run: "+m.startErr.Error(), w)...)
	case m.verdict == nil:
		return nil
	}
	v := m.verdict
	var total float64
	for _, s := range m.steps {
		total += float64(s.Duration)
	}
	lines := []string{""}
	switch {
	case v.OK && m.channelsFailed():
		lines = append(lines, st.Good.Render("✓ Pushes work")+st.Problem.Render("; channel management does not (above)"))
	case v.OK:
		lines = append(lines, st.Good.Render("✓ Every link works")+st.Subtle.Render(fmt.Sprintf("  (%d steps)", len(m.steps))))
	default:
		lines = append(lines, common.WrapIndent(st.Problem.Render, "✗ ", upperFirst(v.Reason), w)...)
	}
	if v.Advice != "" {
		lines = append(lines, common.WrapIndent(func(s ...string) string { return strings.Join(s, "") }, "  ", v.Advice, w)...)
	}
	return lines
}

// briefDetail keeps n lines of a step's detail: the last ones for the
// credential step and for a failure (the answer and the error), the first
// ones otherwise.
func briefDetail(s push.ProbeStep, detail []string, n int) []string {
	if n <= 0 {
		return nil
	}
	var keep []string
	for _, d := range detail {
		if !strings.HasSuffix(d, ":") && !strings.HasPrefix(d, "  ") {
			keep = append(keep, d) // headings and list items make no sense alone
		}
	}
	if detail = keep; len(detail) <= n {
		return detail
	}
	if s.Name == "auth" || !s.OK {
		return detail[len(detail)-n:]
	}
	return detail[:n]
}

func mentions(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
