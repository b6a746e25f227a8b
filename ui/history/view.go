package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/viewport"

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
	title := st.Title.Render("History") + st.Subtle.Render("  "+m.countText())
	if m.busy && m.loaded {
		title += st.Subtle.Render(" · searching…")
	}
	b.WriteString(common.Clip(title, w))
	b.WriteByte('\n')
	switch {
	case m.loadErr != nil:
		b.WriteString(st.Problem.Render("✗ could not read the history: " + m.loadErr.Error()))
	case !m.loaded && m.c.Store != nil:
		b.WriteString(st.Subtle.Render("reading the history…"))
	case m.table.Rows() == 0 && m.filter.Value() == "" && m.loaded:
		b.WriteString(st.Subtle.Render("Nothing sent yet. Results of every send appear here."))
	case m.table.Rows() == 0 && m.loaded:
		b.WriteString(st.Subtle.Render("No result matches the filter; esc clears it."))
	case m.grouped:
		b.WriteString(m.table.View(st, m.groupCell, nil))
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

// countText says what the rows are: how many, which, newest first; a
// full page says that older ones are left out.
func (m *Model) countText() string {
	what := "results"
	if m.filter.Value() != "" {
		what = "results that match"
	}
	switch {
	case m.grouped && m.sends && m.full:
		return fmt.Sprintf("the newest %d sends", len(m.groups))
	case m.grouped && m.sends:
		return common.Count(len(m.groups), "send") + ", newest first"
	case m.grouped && m.full:
		return fmt.Sprintf("%s in the newest %d %s", common.Count(len(m.groups), "send"), len(m.entries), what)
	case m.grouped:
		return fmt.Sprintf("%s, of %s", common.Count(len(m.groups), "send"), common.Count(len(m.entries), "result"))
	case m.full:
		return fmt.Sprintf("the newest %d %s (narrow the filter for older)", len(m.entries), what)
	case m.filter.Value() != "" && len(m.entries) == 0:
		return "no result matches"
	case m.filter.Value() != "" && len(m.entries) == 1:
		return "1 result matches"
	case m.filter.Value() != "":
		return fmt.Sprintf("%d results match, newest first", len(m.entries))
	}
	return common.Count(len(m.entries), "result") + ", newest first"
}

func (m *Model) cell(row, col int) (string, common.Tone) {
	e := &m.entries[row]
	switch m.table.Columns[col].Title {
	case "When":
		now := m.now()
		if e.At.Year() == now.Year() && e.At.YearDay() == now.YearDay() {
			return e.At.Format("15:04:05"), common.ToneMuted
		}
		return e.At.Format("2 Jan 15:04"), common.ToneMuted
	case "Device":
		return labelOf(*e), common.ToneNormal
	case "Env":
		if e.Environment == certs.Production {
			return "prod", common.ToneWarn
		}
		return "dev", common.ToneNormal
	case "Status":
		return status(*e)
	case "Reason":
		_, tone := status(*e)
		return e.Reason, tone
	case "apns-id":
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
	e := cleanEntry(m.entries[m.detail]) // drawn as is below: strip escape codes first
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
	// Keep the title; scroll the rest in a viewport.
	vp := viewport.New(viewport.WithWidth(w), viewport.WithHeight(max(1, h-1)))
	vp.SetContentLines(l[1:])
	vp.SetYOffset(m.detailY)
	return common.Clip(l[0], w) + "\n" + common.ClipLines(vp.View(), w, h-1)
}

// groupColumns are the columns of the grouped view: one row per send.
func groupColumns(w int) []common.Column {
	cols := []common.Column{
		{Title: "When", Width: 11},
		{Title: "Send", Min: 10, Max: 24},
		{Title: "Env", Width: 4},
	}
	if w >= 70 || w == 0 {
		cols = append(cols, common.Column{Title: "Sent", Width: 6})
	}
	return append(cols,
		common.Column{Title: "OK", Width: 5},
		common.Column{Title: "Failed", Width: 6},
		common.Column{Title: "Top reason", Min: 14},
	)
}

func (m *Model) groupCell(row, col int) (string, common.Tone) {
	g := m.groups[row]
	switch m.table.Columns[col].Title {
	case "When":
		at := g.at
		now := m.now()
		if at.Year() == now.Year() && at.YearDay() == now.YearDay() {
			return at.Format("15:04:05"), common.ToneMuted
		}
		return at.Format("2 Jan 15:04"), common.ToneMuted
	case "Send":
		return g.batch, common.ToneNormal
	case "Env":
		if g.env == certs.Production {
			return "prod", common.ToneWarn
		}
		return "dev", common.ToneNormal
	case "Sent":
		return fmt.Sprint(g.n), common.ToneNormal
	case "OK":
		return fmt.Sprint(g.ok), common.ToneGood
	case "Failed":
		if g.failed > 0 {
			return fmt.Sprint(g.failed), common.ToneBad
		}
		return "0", common.ToneMuted
	case "Top reason":
		return g.topReason(), common.ToneBad
	}
	return "", common.ToneNormal
}
