package send

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

func (m *Model) keyDetail(msg tea.KeyPressMsg) tea.Cmd {
	r := m.results[m.detail]
	if m.askOther {
		switch msg.String() {
		case "y":
			m.askOther = false
			m.other[m.detail] = otherMsg{index: -1} // pending
			m.trying++
			return retryOther(m.life, m.c.Store, m.run.profile, m.c.Cred, m.detail, r, m.run.out)
		case "n", "esc":
			m.askOther = false
		}
		return nil
	}
	page := max(1, m.height-2)
	switch msg.String() {
	case "esc", "q", "backspace":
		m.detail = -1
	case "down", "j":
		m.detailY++
	case "up", "k":
		m.detailY = max(0, m.detailY-1)
	case "pgdown", "space":
		m.detailY += page
	case "pgup":
		m.detailY = max(0, m.detailY-page)
	case "home", "g":
		m.detailY = 0
	case "o":
		if r.Reason == apnsreason.BadDeviceToken {
			m.askOther = true
		}
	case "left", "h":
		if m.detail > 0 {
			m.detail--
			m.detailY = 0
		}
	case "right", "l":
		if m.detail < len(m.results)-1 {
			m.detail++
			m.detailY = 0
		}
	}
	return nil
}

// retryOther sends one device's payload on the other environment: the
// answer to "is this a production token?" that BadDeviceToken raises. With a
// custom host (a local server) it needs a profile of the other environment
// with the same credential, since one host serves one environment.
func retryOther(life context.Context, s *profiles.Store, active profiles.Profile, cred *certs.Credential, index int, r push.Result, out common.Outgoing) tea.Cmd {
	return func() tea.Msg {
		other := active.Environment.Other()
		p := active
		p.Environment = other
		if active.Host != "" {
			found := false
			if s != nil {
				ps, err := s.Profiles()
				if err != nil {
					return otherMsg{index: index, env: other, err: err}
				}
				for _, q := range ps {
					if q.CertPath == active.CertPath && q.Environment == other {
						p, found = q, true
						break
					}
				}
			}
			if !found {
				return otherMsg{index: index, env: other, err: fmt.Errorf("profile %s sends to its own host %s, and no profile uses this credential for %s: add one on the Profiles screen to try there", active.Name, active.Host, other)}
			}
		}
		c, err := session.NewClient(p, cred)
		if err != nil {
			return otherMsg{index: index, env: other, err: err}
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(life, 30*time.Second)
		defer cancel()
		res := c.Send(ctx, push.Job{Token: r.Token, Label: r.Label, Payload: []byte(out.Body), Headers: out.Headers})
		return otherMsg{index: index, env: other, result: res}
	}
}

// detailView is one result in full: what was sent, what came back, and what
// it means.
func (m *Model) detailView(w, h int) string {
	st := m.c.Styles
	r := m.results[m.detail]
	env := m.run.profile.Environment
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	kv := func(k, v string) { add(st.Subtle.Render(fmt.Sprintf("%-16s", k)) + v) }

	// The keys are in the footer; the title says only which result this is.
	add(st.Title.Render(fmt.Sprintf("Result %d of %d · %s", m.detail+1, len(m.results), labelOf(r))))
	kv("device", labelOf(r))
	kv("token", r.Token)
	kv("environment", envValue(st, env))
	status, tone := statusCell(r)
	kv("status", common.ToneStyle(st, tone, status+" "+reasonOf(r)))
	kv("attempts", fmt.Sprintf("%d · latency %s", r.Attempts, common.Latency(r.Latency)))
	kv("apns-id", orDash(r.ApnsID))
	kv("apns-unique-id", orDash(r.ApnsUniqueID))
	if !r.UnregisteredAt.IsZero() {
		kv("unregistered", r.UnregisteredAt.UTC().Format("2 Jan 2006 15:04 MST")+" (Apple's time)")
	}
	if r.Err != nil {
		kv("error", st.Problem.Render(r.Err.Error()))
	}
	add("")
	if !r.OK() {
		m.explain(&l, r, env, w)
	} else {
		add(st.Good.Render("✓ APNs accepted the notification for delivery."))
	}
	add("", st.Title.Render("Request"))
	add(headerLines(st, r.Request.Headers)...)
	add(bodyLines(r.Request.Body)...)
	add("", st.Title.Render("Response"))
	if r.Status == 0 && len(r.Response.Headers) == 0 {
		add(st.Subtle.Render("  no response came back"))
	} else {
		add(fmt.Sprintf("  :status %d", r.Status))
		add(headerLines(st, r.Response.Headers)...)
		add(bodyLines(r.Response.Body)...)
	}
	for i := range l {
		l[i] = common.Clip(l[i], w)
	}
	// Keep the title; scroll the rest.
	bodyH := max(1, h-1)
	maxY := max(0, len(l)-1-bodyH)
	y := min(m.detailY, maxY)
	end := min(len(l), 1+y+bodyH)
	out := append([]string{l[0]}, l[1+y:end]...)
	return strings.Join(out, "\n")
}

// explain adds APNs' reason with its meaning and fix, and for
// BadDeviceToken the offer (or outcome) of trying the other environment.
func (m *Model) explain(l *[]string, r push.Result, env certs.Environment, w int) {
	st := m.c.Styles
	add := func(s ...string) { *l = append(*l, s...) }
	para := func(s string) { add(common.WrapWords(s, w-4, "  ")...) }
	if r.Class == "cancelled" {
		add(st.Warning.Render("⊘ cancelled: the send was stopped before this device got an answer."))
		para("Fix: press r on the results to resend to the failed and cancelled devices.")
		return
	}
	reason := r.Reason
	if reason == "" {
		reason = string(r.Class)
	}
	info := push.Explain(reason)
	add(st.Problem.Render("✗ "+reason) + st.Subtle.Render(fmt.Sprintf(" (HTTP %d)", r.Status)))
	if info.Meaning != "" {
		para("What it means: " + info.Meaning)
	}
	if info.Fix != "" {
		para("Fix: " + info.Fix)
	}
	if r.Reason != apnsreason.BadDeviceToken {
		return
	}
	other := env.Other()
	o, tried := m.other[m.detail]
	switch {
	case m.askOther:
		add("")
		for _, line := range common.WrapWords(fmt.Sprintf("Send this payload to %s on %s now? This is a real send. y yes · n no", labelOf(r), strings.ToUpper(string(other))), w, "") {
			add(st.Warning.Render(line))
		}
	case tried && o.index < 0:
		add("", st.Subtle.Render(fmt.Sprintf("trying %s on %s…", labelOf(r), other)))
	case tried && o.err != nil:
		add("", st.Problem.Render(fmt.Sprintf("✗ could not try %s: %v", other, o.err)))
	case tried && o.result.OK():
		add("", st.Good.Render(fmt.Sprintf("✓ %s accepted it: this token belongs to %s.", other, other)))
		para(fmt.Sprintf("Fix: edit the device on the Devices screen (e) and set its environment to %s.", other))
	case tried:
		add("", st.Problem.Render(fmt.Sprintf("✗ %s refused it too: %s", other, reasonOf(o.result))))
		para("The token is not valid in either environment: get a fresh token from the app.")
	default:
		add("", st.Subtle.Render(fmt.Sprintf("o: try this device on %s (a real send, asks first)", other)))
	}
}

func headerLines(st common.Styles, h map[string]string) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, "  "+st.Subtle.Render(k+":")+" "+h[k])
	}
	return out
}

func bodyLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") == nil {
		s = buf.String()
	}
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return lines
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func labelOf(r push.Result) string {
	if r.Label != "" {
		return r.Label
	}
	return common.ShortToken(r.Token)
}

// envValue is the environment as a value in a column of labelled values:
// the badge without its padding, so its text starts where the others do.
func envValue(st common.Styles, env certs.Environment) string {
	bs := st.EnvBadge.Development
	text := string(env)
	if env == certs.Production {
		bs, text = st.EnvBadge.Production, "PRODUCTION"
	}
	return bs.Padding(0).Render(text)
}

// envBadge is the environment as a badge, padded, to open a line.
func envBadge(st common.Styles, env certs.Environment) string {
	if env == certs.Production {
		return st.EnvBadge.Production.Render("PRODUCTION")
	}
	return st.EnvBadge.Development.Render(string(env))
}
