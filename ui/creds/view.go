package creds

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/viewport"
	"charm.land/lipgloss/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// listWidth is the list column: wide enough for a name and its badges,
// the rest goes to the report.
func (m *Model) listWidth() int {
	return max(38, min(46, m.width*2/5))
}

// View draws the screen.
func (m *Model) View() string {
	switch {
	case m.form != nil:
		return m.form.View()
	case !m.loaded:
		return m.c.Styles.Subtle.Render("  reading profiles…")
	case len(m.list) == 0:
		return m.emptyView()
	}
	if m.stacked() {
		return m.stackedView()
	}
	lw := m.listWidth()
	dw := max(m.width-lw-3, 10)
	left := common.PadLines(common.ClipLines(m.listView(lw, m.height), lw, m.height), m.height)
	right := common.ClipLines(m.rightView(dw, m.height), dw, m.height)
	ll, rl := strings.Split(left, "\n"), strings.Split(right, "\n")
	sep := m.c.Styles.Subtle.Render(" │ ")
	var b strings.Builder
	for i := range m.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(ll) {
			l = ll[i]
		}
		b.WriteString(common.Fit(l, lw))
		b.WriteString(sep)
		if i < len(rl) {
			b.WriteString(rl[i])
		}
	}
	return b.String()
}

// stackWidth is the width below which the report goes under the list
// instead of beside it (beside, it would get fewer than 40 columns).
const stackWidth = 80

func (m *Model) stacked() bool { return m.width < stackWidth }

// listRows is how many lines the list takes when stacked: its heading and
// up to a third of the height of profiles, so the report keeps the rest.
func (m *Model) listRows() int {
	if !m.stacked() {
		return m.height
	}
	extra := 1
	if m.filtering || m.filter.Value() != "" {
		extra = 2
	}
	if m.confirmDel != "" {
		extra += 3
	}
	return min(extra+max(len(m.shown), 1), extra+max(2, m.height/3))
}

// stackedView is the narrow layout: the list, a rule, the report.
func (m *Model) stackedView() string {
	lh := m.listRows()
	list := common.PadLines(common.ClipLines(m.listView(m.width, lh), m.width, lh), lh)
	dh := max(m.height-lh-1, 1)
	rule := m.c.Styles.Subtle.Render(strings.Repeat("─", m.width))
	return list + "\n" + rule + "\n" + common.ClipLines(m.rightView(m.width, dh), m.width, dh)
}

func (m *Model) emptyView() string {
	st := m.c.Styles
	w := min(m.width-4, 76)
	wrap := lipgloss.NewStyle().Width(w - 6)
	item := func(k, text string) string {
		return "  " + st.Selected.Render(common.Fit(k, 4)) + strings.ReplaceAll(wrap.Render(text), "\n", "\n      ")
	}
	demo := "try the demo: two local APNs servers (development and production), a demo certificate and token key, and demo devices. Nothing of your own config is read or written, and it is all removed when you quit."
	if m.c.Demo {
		demo = "(this is the demo already)"
	}
	body := []string{
		"",
		st.Title.Render("  No profiles yet."),
		"",
		"  " + strings.ReplaceAll(lipgloss.NewStyle().Width(w).Render("A profile is a credential from Apple (a push certificate or a token key) with where to send: the environment, the app's topic, the host."), "\n", "\n  "),
		"",
		"  Two ways in:",
		"",
		item("a", "add a credential: a .p12, a PEM or ck.pem, a .cer with its key, or a token key AuthKey_XXXXXXXXXX.p8."),
		"",
		item("d", demo),
	}
	out := strings.Join(body, "\n")
	if lipgloss.Height(out) <= m.height {
		return out
	}
	// A short screen (60x16): the two ways in, in fewer words.
	if !m.c.Demo {
		demo = "try the demo: local APNs servers and demo devices; nothing of your own is read or written."
	}
	body = []string{
		st.Title.Render("  No profiles yet.") + "  Two ways in:",
		"",
		item("a", "add a credential: .p12, PEM, ck.pem, .cer + key, or a token key AuthKey_XXXXXXXXXX.p8."),
		"",
		item("d", demo),
	}
	return strings.Join(body, "\n")
}

func (m *Model) listView(w, h int) string {
	st := m.c.Styles
	var lines []string
	head := st.Title.Render(fmt.Sprintf("Profiles (%d)", len(m.list)))
	if m.filtering || m.filter.Value() != "" {
		lines = append(lines, head, m.filter.View())
	} else {
		lines = append(lines, head+"  "+st.Subtle.Render("/ filter"))
	}
	if len(m.shown) == 0 {
		lines = append(lines, st.Subtle.Render("no profile matches the filter (esc clears it)"))
	}
	rows := h - len(lines)
	if m.confirmDel != "" {
		rows -= 3
	}
	from := max(0, min(m.cursor-rows+1, len(m.shown)-rows))
	from = max(0, min(from, m.cursor))
	for i := from; i < len(m.shown) && i < from+max(rows, 1); i++ {
		lines = append(lines, m.row(m.list[m.shown[i]], i == m.cursor, w))
	}
	if m.confirmDel != "" {
		lines = append(lines, "",
			st.Problem.Render(common.Fit(fmt.Sprintf("Delete profile %s?", m.confirmDel), w)),
			st.Subtle.Render("the credential file stays · y delete · n keep"))
	}
	return strings.Join(lines, "\n")
}

// row is one profile: active marker, name, environment, health badge.
func (m *Model) row(p profiles.Profile, selected bool, w int) string {
	st := m.c.Styles
	mark := " "
	if selected {
		mark = "▸"
	}
	if p.Name == m.activeNm {
		mark += "●"
	} else {
		mark += " "
	}
	badge, tone := "…", common.ToneMuted
	if h, ok := m.health[p.Name]; ok {
		badge, tone = h.Badge()
	}
	bw := m.badgeWidth()
	badge = common.Fit(badge, bw)
	env := common.EnvShort(st, p.Environment)
	envW := lipgloss.Width(env)
	nameW := max(w-2-1-1-envW-1-bw, 6)
	name := " " + common.Fit(p.Name, nameW)
	if selected {
		return st.Selected.Render(mark) + st.Cursor.Render(name) + " " + env + " " + common.ToneStyle(st, tone, badge)
	}
	return mark + name + " " + env + " " + common.ToneStyle(st, tone, badge)
}

// badgeWidth fits the widest badge shown, so names get the rest.
func (m *Model) badgeWidth() int {
	w := 1
	for _, i := range m.shown {
		if h, ok := m.health[m.list[i].Name]; ok {
			b, _ := h.Badge()
			w = max(w, lipgloss.Width(b))
		}
	}
	return w
}

func (m *Model) rightView(w, h int) string {
	if m.prompt != nil {
		return m.promptView(w)
	}
	p := m.Selected()
	if p == nil {
		return ""
	}
	lines := m.detail(*p, w)
	vp := viewport.New(viewport.WithWidth(w), viewport.WithHeight(h))
	vp.SetContentLines(lines)
	vp.SetYOffset(m.detailOff)
	if !vp.AtBottom() {
		vp.SetHeight(max(h-1, 1))
		vp.SetYOffset(m.detailOff)
		return vp.View() + "\n" + m.c.Styles.Subtle.Render("… more below: J/pgdn scrolls")
	}
	return vp.View()
}

func (m *Model) promptView(w int) string {
	st := m.c.Styles
	pr := m.prompt
	lines := []string{
		st.Title.Render("Password for " + pr.name),
		"",
	}
	lines = append(lines, common.WrapIndent(lipgloss.NewStyle().Render, "", "Its credential is protected by a password. It is kept in memory until you quit, never written anywhere.", w)...)
	lines = append(lines, "", pr.input.View(), "")
	switch {
	case pr.checking:
		lines = append(lines, st.Subtle.Render("checking…"))
	case pr.err != "":
		lines = append(lines, common.WrapIndent(st.Problem.Render, "✗ ", pr.err, w)...)
	}
	return strings.Join(lines, "\n")
}

// detail is the profile's settings and its credential's full report.
func (m *Model) detail(p profiles.Profile, w int) []string {
	st := m.c.Styles
	kv := func(k, v string) []string {
		return common.WrapIndent(lipgloss.NewStyle().Render, st.Subtle.Render(common.Fit(k, 12)+" "), v, w)
	}
	title := st.Title.Render(p.Name)
	if p.Name == m.activeNm {
		title += "  " + st.Good.Render("● active")
	}
	lines := []string{title + "  " + common.EnvBadge(st, p.Environment)}
	lines = append(lines, kv("Credential", p.CertPath)...)
	if p.KeyPath != "" {
		lines = append(lines, kv("Key file", p.KeyPath)...)
	}
	auth := string(p.Auth)
	if p.Auth == certs.AuthToken {
		auth += fmt.Sprintf(" · key %s · team %s", p.KeyID, p.TeamID)
	}
	lines = append(lines, kv("Auth", auth)...)
	lines = append(lines, kv("Topic", p.Topic)...)
	target := common.Target(p, p.Port)
	if p.ServerCA != "" {
		target += " (server CA " + p.ServerCA + ")"
	}
	lines = append(lines, kv("Sends to", target)...)
	if p.Password.Kind != "" && p.Password.Kind != "none" {
		src := map[profiles.PasswordKind]string{"prompt": "typed when needed, kept in memory", "env": "from $" + p.Password.Name, "file": "from " + p.Password.Name}[p.Password.Kind]
		lines = append(lines, kv("Password", src)...)
	}
	lines = append(lines, "")
	h, ok := m.health[p.Name]
	switch {
	case !ok:
		return append(lines, st.Subtle.Render("reading the credential…"))
	case h.Locked:
		return append(lines, common.WrapIndent(st.Subtle.Render, "", "The credential is protected by a password: press enter to type it (it stays in memory until you quit).", w)...)
	case h.Report == nil:
		msg := "the credential could not be read"
		if h.Err != nil {
			msg = h.Err.Error()
		}
		return append(lines, common.WrapIndent(st.Problem.Render, "✗ ", msg, w)...)
	}
	return append(lines, reportLines(st, h.Report, w)...)
}

// reportLines is the certs health report in words.
func reportLines(st common.Styles, r *certs.Report, w int) []string {
	kv := func(k, v string) []string {
		return common.WrapIndent(lipgloss.NewStyle().Render, st.Subtle.Render(common.Fit(k, 12)+" "), v, w)
	}
	h := common.Health{Report: r}
	badge, tone := h.Badge()
	verdict := "usable"
	if !r.Usable {
		verdict = "not usable"
	}
	lines := []string{st.Title.Render("Health") + "  " + common.ToneStyle(st, tone, badge+"  "+verdict) + st.Subtle.Render("  ("+string(r.Format)+")")}
	for _, f := range r.Problems {
		lines = append(lines, common.WrapIndent(st.Problem.Render, "✗ ", f.String(), w)...)
	}
	for _, f := range r.Warnings {
		lines = append(lines, common.WrapIndent(st.Warning.Render, "⚠ ", f.String(), w)...)
	}
	if c := r.Certificate; c != nil {
		lines = append(lines, kv("Subject", c.Subject)...)
		var topics []string
		for _, t := range c.Topics {
			s := t.Topic
			if t.Kind != "" {
				s += " (" + t.Kind + ")"
			}
			topics = append(topics, s)
		}
		if len(topics) > 0 {
			lines = append(lines, kv("Topics", strings.Join(topics, ", "))...)
		}
		var envs []string
		for _, e := range c.Environments {
			envs = append(envs, string(e))
		}
		lines = append(lines, kv("Environments", strings.Join(envs, ", "))...)
		if c.TeamID != "" {
			lines = append(lines, kv("Team", c.TeamID)...)
		}
		lines = append(lines, kv("Issuer", c.Issuer)...)
		lines = append(lines, kv("Valid", fmt.Sprintf("%s to %s (%s)", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly), common.DaysText(r)))...)
		lines = append(lines, kv("Serial", c.Serial)...)
		lines = append(lines, kv("SHA-256", c.SHA256)...)
	}
	if k := r.PrivateKey; k != nil {
		v := "none in the file"
		if k.Present {
			v = fmt.Sprintf("%s %d bits", k.Type, k.Bits)
			if k.MatchesCertificate {
				v += ", matches the certificate"
			} else {
				v += ", does NOT match the certificate"
			}
		}
		lines = append(lines, kv("Private key", v)...)
	}
	if t := r.TokenKey; t != nil {
		v := fmt.Sprintf("key ID %s, %s", t.KeyID, t.Curve)
		if t.TeamID != "" {
			v += ", team " + t.TeamID
		}
		lines = append(lines, kv("Token key", v)...)
	}
	for i, c := range r.Chain {
		label := ""
		if i == 0 {
			label = "Chain"
		}
		lines = append(lines, kv(label, fmt.Sprintf("%s (expires %s)", c.Subject, c.NotAfter.UTC().Format(time.DateOnly)))...)
	}
	return lines
}
