package send

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

func (m *Model) keyDetail(msg tea.KeyPressMsg) tea.Cmd {
	r := m.results[m.detail]
	k := m.keys
	if m.askOther {
		switch {
		case key.Matches(msg, k.Yes):
			m.askOther = false
			m.other[m.detail] = otherMsg{index: -1} // pending
			m.trying++
			return retryOther(m.life, m.c.Store, m.run.profile, m.cred(), m.detail, r, m.run.out)
		case key.Matches(msg, k.No):
			m.askOther = false
		}
		return nil
	}
	page := max(1, m.height-2)
	switch {
	case key.Matches(msg, k.Back):
		m.detail = -1
	case key.Matches(msg, k.Down):
		m.detailY++
	case key.Matches(msg, k.Up):
		m.detailY = max(0, m.detailY-1)
	case key.Matches(msg, k.PageDown):
		m.detailY += page
	case key.Matches(msg, k.PageUp):
		m.detailY = max(0, m.detailY-page)
	case key.Matches(msg, k.Top):
		m.detailY = 0
	case key.Matches(msg, k.Other):
		if _, tried := m.other[m.detail]; r.Reason == apnsreason.BadDeviceToken && !tried {
			m.askOther = true
		}
	case key.Matches(msg, k.Prev):
		if m.detail > 0 {
			m.detail--
			m.detailY = 0
		}
	case key.Matches(msg, k.Next):
		if m.detail < len(m.results)-1 {
			m.detail++
			m.detailY = 0
		}
	case key.Matches(msg, k.Move) && m.canMove():
		o := m.other[m.detail]
		return moveDevice(m.c.Store, r.Token, m.run.profile.Environment, o.env)
	case key.Matches(msg, k.Curl):
		return m.export(curlCommand(m.run.profile, m.cred(), r), "curl", ".sh")
	case key.Matches(msg, k.SimFile):
		return m.export(simulatorFile(m.run.out.Body, requestTopic(r, m.run.profile)), "simulator payload", ".apns")
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
	r := cleanResult(m.results[m.detail]) // drawn as is below: strip escape codes first
	env := m.run.profile.Environment
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	// Values wrap under themselves: a token or an id cut at 60 columns
	// could not be copied.
	kv := func(k, v string) {
		p := st.Subtle.Render(fmt.Sprintf("%-16s", k))
		for i, l := range strings.Split(ansi.Wrap(v, max(w-16, 10), " "), "\n") {
			if i > 0 {
				p = strings.Repeat(" ", 16)
			}
			add(p + l)
		}
	}

	// The keys are in the footer; the title says only which result this is.
	add(st.Title.Render(fmt.Sprintf("Result %d of %d · %s", m.detail+1, len(m.results), labelOf(r))))
	kv("device", labelOf(r))
	kv("token", r.Token)
	kv("environment", envValue(st, env))
	status, tone := statusCell(r)
	kv("status", common.ToneStyle(st, tone, status+" "+reasonOf(r)))
	kv("attempts", fmt.Sprintf("%d · latency %s", r.Attempts, common.Latency(r.Latency)))
	kv("apns-id", orDash(r.ApnsID))
	kv("apns-unique-id", uniqueIDText(st, r, env))
	if !r.UnregisteredAt.IsZero() {
		kv("unregistered", r.UnregisteredAt.UTC().Format("2 Jan 2006 15:04 MST")+" (Apple's time)")
	}
	if r.Err != nil {
		kv("error", st.Problem.Render(textsafe.Clean(r.Err.Error())))
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
		if _, ok := r.Response.Headers[":status"]; !ok {
			add(fmt.Sprintf("  %s %d", st.Subtle.Render(":status:"), r.Status))
		}
		add(headerLines(st, r.Response.Headers)...)
		add(bodyLines(r.Response.Body)...)
	}
	// Keep the title; scroll the rest in a viewport.
	vp := viewport.New(viewport.WithWidth(w), viewport.WithHeight(max(1, h-1)))
	vp.SetContentLines(l[1:])
	vp.SetYOffset(m.detailY)
	return common.Clip(l[0], w) + "\n" + common.ClipLines(vp.View(), w, h-1)
}

// explain adds APNs' reason with its meaning and fix, and for
// BadDeviceToken the offer (or outcome) of trying the other environment.
func (m *Model) explain(l *[]string, r push.Result, env certs.Environment, w int) {
	st := m.c.Styles
	add := func(s ...string) { *l = append(*l, s...) }
	para := func(s string) { add(common.WrapWords(s, w-4, "  ")...) }
	if r.Class == push.ClassCancelled {
		add(st.Warning.Render("⊘ cancelled: the send was stopped before this device got an answer."))
		para("Fix: press r on the results to resend to the failed and cancelled devices.")
		return
	}
	if why, ok := push.NotAPNs(r); ok {
		add(st.Problem.Render(fmt.Sprintf("✗ not APNs (HTTP %d)", r.Status)))
		para(upperFirst(why) + ".")
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
	case tried && o.result.OK() && m.moved[r.Token]:
		add("", st.Good.Render(fmt.Sprintf("✓ %s accepted it, and the device is now a %s device in the book.", other, other)))
	case tried && o.result.OK():
		add("", st.Good.Render(fmt.Sprintf("✓ %s accepted it: this token belongs to %s.", other, other)))
		para(fmt.Sprintf("Fix: press m to move the device to %s in the device book.", other))
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

// uniqueIDText is the apns-unique-id with where to look it up: Apple's
// delivery log in the Push Notifications Console (CloudKit console), which
// knows the notification by this id. APNs gives one only in development.
func uniqueIDText(st common.Styles, r push.Result, env certs.Environment) string {
	if r.ApnsUniqueID == "" {
		if env == certs.Production {
			return "—" + st.Subtle.Render("  (APNs gives one in development only)")
		}
		return "—"
	}
	return r.ApnsUniqueID + st.Subtle.Render("  look it up: Push Notifications Console › Delivery Log")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// canMove is true when the result shown is a device the other
// environment accepted, not moved yet.
func (m *Model) canMove() bool {
	if m.detail < 0 || m.detail >= len(m.results) {
		return false
	}
	o, tried := m.other[m.detail]
	r := m.results[m.detail]
	return tried && o.index >= 0 && o.err == nil && o.result.OK() && !m.moved[r.Token] && m.c.Store != nil
}

// movedMsg says how moving a device to the other environment went.
type movedMsg struct {
	token, label string
	env          certs.Environment
	err          error
}

// moveDevice moves the book's device with token from one environment to
// the other, keeping its label and groups (its last result belonged to
// the old environment).
func moveDevice(s *profiles.Store, token string, from, to certs.Environment) tea.Cmd {
	return func() tea.Msg {
		ds, err := s.Devices()
		if err != nil {
			return movedMsg{token: token, err: err}
		}
		for _, d := range ds {
			if d.Token != token || d.Environment != from {
				continue
			}
			if err := s.RemoveDevice(d.Token); err != nil {
				return movedMsg{token: token, err: err}
			}
			d.Environment, d.Last, d.UnregisteredAt = to, nil, time.Time{}
			if _, _, err := s.AddDevice(d); err != nil {
				return movedMsg{token: token, err: err}
			}
			return movedMsg{token: token, label: labelOfDevice(d), env: to}
		}
		return movedMsg{token: token, err: fmt.Errorf("the token is not in the device book as a %s device (a pasted token? b saves it first)", from)}
	}
}

func labelOfDevice(d profiles.Device) string {
	if d.Label != "" {
		return d.Label
	}
	return common.ShortToken(d.Token)
}
