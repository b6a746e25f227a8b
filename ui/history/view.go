package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
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
	if m.detail >= 0 && m.detail < len(m.entries) {
		return common.PadLines(m.detailView(w, h), h)
	}
	var b strings.Builder
	title := st.Title.Render("History") + st.Subtle.Render("  "+common.Count(len(m.entries), "result")+", newest first")
	if len(m.shown) != len(m.entries) {
		title += st.Subtle.Render(fmt.Sprintf(" · %d match", len(m.shown)))
	}
	b.WriteString(common.Clip(title, w))
	b.WriteByte('\n')
	switch {
	case m.loadErr != nil:
		b.WriteString(st.Problem.Render("✗ could not read the history: " + m.loadErr.Error()))
	case !m.loaded && m.c.Store != nil:
		b.WriteString(st.Subtle.Render("reading the history…"))
	case len(m.entries) == 0:
		b.WriteString(st.Subtle.Render("Nothing sent yet. Results of every send appear here."))
	case len(m.shown) == 0:
		b.WriteString(st.Subtle.Render("No result matches the filter; esc clears it."))
	default:
		b.WriteString(m.table.View(st, m.cell, nil))
	}
	body := common.PadLines(b.String(), h-1)
	last := ""
	switch {
	case m.filtering:
		last = m.filter.View()
	case m.filter.Value() != "":
		last = st.Subtle.Render("filter: ") + m.filter.Value() + st.Subtle.Render("  (esc clears)")
	}
	return body + "\n" + common.Clip(last, w)
}

func (m *Model) cell(row, col int) (string, common.Tone) {
	e := &m.entries[m.shown[row]]
	switch col {
	case 0:
		now := m.now()
		if e.At.Year() == now.Year() && e.At.YearDay() == now.YearDay() {
			return e.At.Format("15:04:05"), common.ToneMuted
		}
		return e.At.Format("2 Jan 15:04"), common.ToneMuted
	case 1:
		return labelOf(*e), common.ToneNormal
	case 2:
		if e.Environment == certs.Production {
			return "prod", common.ToneWarn
		}
		return "dev", common.ToneNormal
	case 3:
		return status(*e)
	case 4:
		_, tone := status(*e)
		return e.Reason, tone
	case 5:
		return e.ApnsID, common.ToneMuted
	}
	return "", common.ToneNormal
}

func status(e profiles.HistoryEntry) (string, common.Tone) {
	switch {
	case e.Status == 200:
		return "✓ 200", common.ToneGood
	case e.Reason == "cancelled":
		return "⊘", common.ToneWarn
	case e.Status == 0:
		return "✗ —", common.ToneBad
	}
	return fmt.Sprintf("✗ %d", e.Status), common.ToneBad
}

func (m *Model) detailView(w, h int) string {
	st := m.c.Styles
	e := m.entries[m.detail]
	var l []string
	add := func(s ...string) { l = append(l, s...) }
	kv := func(k, v string) {
		if v != "" {
			add(st.Subtle.Render(fmt.Sprintf("%-16s", k)) + v)
		}
	}
	add(st.Title.Render(labelOf(e) + " · " + e.At.Format("2 Jan 2006 15:04:05")))
	kv("token", e.Token)
	env := string(e.Environment)
	if e.Environment == certs.Production {
		env = st.EnvBadge.Production.Render("PRODUCTION")
	}
	kv("environment", env)
	kv("profile", e.Profile)
	s, tone := status(e)
	kv("status", common.ToneStyle(st, tone, s+" "+e.Reason))
	kv("error", e.Error)
	if !e.UnregisteredAt.IsZero() {
		kv("unregistered", "since "+e.UnregisteredAt.UTC().Format("2 Jan 2006 15:04 MST")+" (Apple's timestamp)")
	}
	kv("apns-id", e.ApnsID)
	kv("apns-unique-id", e.ApnsUniqueID)
	kv("latency", fmt.Sprintf("%.1fms · attempts %d", e.LatencyMS, e.Attempts))
	kv("batch", e.Batch)
	add("")
	if e.Status != 200 && e.Reason != "" {
		info := push.Explain(e.Reason)
		add(st.Problem.Render("✗ " + e.Reason))
		if info.Meaning != "" {
			add(common.WrapWords("What it means: "+info.Meaning, w-4, "  ")...)
		}
		if info.Fix != "" {
			add(common.WrapWords("Fix: "+info.Fix, w-4, "  ")...)
		}
		add("")
	}
	add(st.Title.Render("Headers"))
	kv("  apns-topic", e.Topic)
	kv("  push type", e.PushType)
	if e.Priority != 0 {
		kv("  priority", fmt.Sprint(e.Priority))
	}
	kv("  collapse-id", e.CollapseID)
	kv("  expiration", e.Expiration)
	add("", st.Title.Render(fmt.Sprintf("Payload (%d bytes)", e.PayloadSize)))
	body := e.Payload
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(body), "", "  ") == nil {
		body = buf.String()
	}
	if body == "" {
		body = st.Subtle.Render("not kept (sha256 " + e.PayloadHash + ")")
	}
	for _, line := range strings.Split(body, "\n") {
		add("  " + line)
	}
	for i := range l {
		l[i] = common.Clip(l[i], w)
	}
	bodyH := max(1, h-1)
	y := min(m.detailY, max(0, len(l)-1-bodyH))
	return strings.Join(append([]string{l[0]}, l[1+y:min(len(l), 1+y+bodyH)]...), "\n")
}
