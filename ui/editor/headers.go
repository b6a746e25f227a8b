package editor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Fields of the headers form, in order.
const (
	fieldPushType = iota
	fieldPriority
	fieldExpiration
	fieldExpiresAt
	fieldCollapseID
	fieldApnsID
	fieldTopic
	numFields
)

var fieldNames = [numFields]string{"push type", "priority", "expiration", "expires at", "collapse-id", "apns-id", "topic"}

// priorities cycles through APNs' priorities; 0 sends no header (APNs uses 10).
var priorities = []int{0, 10, 5, 1}

// headersForm edits the APNs headers; every change re-lints at once.
type headersForm struct {
	field                          int
	expAt, collapse, apnsID, topic textinput.Model
	expErr                         string
}

func newHeadersForm(st common.Styles) headersForm {
	f := headersForm{
		expAt:    common.NewInput(st, "", "2026-01-02T15:04:05Z, a Unix time, or +1h"),
		collapse: common.NewInput(st, "", "none"),
		apnsID:   common.NewInput(st, "", "APNs assigns one"),
		topic:    common.NewInput(st, "", ""),
	}
	return f
}

// fill sets the form's text fields from h.
func (f *headersForm) fill(h payload.Headers, defaultTopic string) {
	f.collapse.SetValue(h.CollapseID)
	f.apnsID.SetValue(h.ApnsID)
	f.topic.SetValue(h.Topic)
	f.topic.Placeholder = defaultTopic + " (default)"
	if h.Expiration.Mode == payload.ExpireAt {
		f.expAt.SetValue(h.Expiration.At.UTC().Format(time.RFC3339))
	} else {
		f.expAt.SetValue("")
	}
	f.expErr = ""
	f.focusField()
}

func (f *headersForm) setWidth(w int) {
	for _, in := range []*textinput.Model{&f.expAt, &f.collapse, &f.apnsID, &f.topic} {
		in.SetWidth(max(10, w-16))
	}
}

func (f *headersForm) input(field int) *textinput.Model {
	switch field {
	case fieldExpiresAt:
		return &f.expAt
	case fieldCollapseID:
		return &f.collapse
	case fieldApnsID:
		return &f.apnsID
	case fieldTopic:
		return &f.topic
	}
	return nil
}

func (f *headersForm) focusField() {
	for i := range numFields {
		if in := f.input(i); in != nil {
			if i == f.field {
				in.Focus()
			} else {
				in.Blur()
			}
		}
	}
}

// update handles a key in the form; it returns the new headers and whether
// they changed. now is the clock for "+1h" expirations.
func (f *headersForm) update(msg tea.Msg, keys KeyMap, h payload.Headers, now time.Time) (payload.Headers, bool, tea.Cmd) {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, keys.NextField):
			f.field = (f.field + 1) % numFields
			f.focusField()
			return h, false, nil
		case key.Matches(kp, keys.PrevField):
			f.field = (f.field + numFields - 1) % numFields
			f.focusField()
			return h, false, nil
		}
		if f.input(f.field) == nil {
			step := 0
			switch {
			case key.Matches(kp, keys.Right):
				step = 1
			case key.Matches(kp, keys.Left):
				step = -1
			}
			if step == 0 {
				return h, false, nil
			}
			switch f.field {
			case fieldPushType:
				h.PushType = cycle(payload.PushTypes, pushTypeOr(h.PushType), step)
			case fieldPriority:
				h.Priority = cycle(priorities, h.Priority, step)
			case fieldExpiration:
				h.Expiration.Mode = cycle([]payload.ExpirationMode{payload.ExpireDefault, payload.ExpireNow, payload.ExpireAt}, h.Expiration.Mode, step)
				if h.Expiration.Mode == payload.ExpireAt {
					h.Expiration.At, f.expErr = parseExpiry(f.expAt.Value(), now)
				} else {
					f.expErr = ""
				}
			}
			return h, true, nil
		}
	}
	in := f.input(f.field)
	if in == nil {
		return h, false, nil
	}
	before := in.Value()
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	if in.Value() == before {
		return h, false, cmd
	}
	v := strings.TrimSpace(in.Value())
	switch f.field {
	case fieldExpiresAt:
		h.Expiration.Mode = "at"
		h.Expiration.At, f.expErr = parseExpiry(v, now)
		if v == "" {
			f.expErr = ""
		}
	case fieldCollapseID:
		h.CollapseID = v
	case fieldApnsID:
		h.ApnsID = v
	case fieldTopic:
		h.Topic = v
	}
	return h, true, cmd
}

// parseExpiry reads an expiration time: RFC 3339, Unix seconds, or "+1h"
// (from now).
func parseExpiry(s string, now time.Time) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "type when the notification expires, e.g. +1h"
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), ""
	}
	if d, err := time.ParseDuration(strings.TrimPrefix(s, "+")); err == nil && d > 0 {
		return now.Add(d).UTC().Truncate(time.Second), ""
	}
	return time.Time{}, fmt.Sprintf("%q is not a time: use 2026-01-02T15:04:05Z, a Unix time, or +1h", s)
}

func cycle[T comparable](vals []T, cur T, step int) T {
	i := 0
	for j, v := range vals {
		if v == cur {
			i = j
			break
		}
	}
	return vals[(i+step+len(vals))%len(vals)]
}

func pushTypeOr(t payload.PushType) payload.PushType {
	if t == "" {
		return payload.Alert
	}
	return t
}

// priorityText shows a priority the way APNs documents it.
func priorityText(p int) string {
	switch p {
	case 0:
		return "default (10)"
	case 10:
		return "10 immediate"
	case 5:
		return "5 power-saving"
	case 1:
		return "1 lowest"
	}
	return strconv.Itoa(p)
}

// expirationText says what apns-expiration will be sent.
func expirationText(e payload.Expiration) string {
	switch e.Mode {
	case "now":
		return "0 (deliver once, do not store)"
	case "at":
		if e.At.IsZero() {
			return "at …"
		}
		return "at " + e.At.UTC().Format(time.RFC3339)
	}
	return "none (APNs stores and retries)"
}

// view renders the form, one field a line, the focused one marked.
func (f headersForm) view(st common.Styles, h payload.Headers, defaultTopic string, width int) string {
	var b strings.Builder
	b.WriteString(st.Title.Render("Headers") + st.Subtle.Render("  tab/↑↓ field · ←/→ change · enter/esc done"))
	for i := range numFields {
		b.WriteByte('\n')
		mark := "  "
		label := st.Subtle.Render(fmt.Sprintf("%-12s", fieldNames[i]))
		if i == f.field {
			mark = st.Selected.Render("› ")
			label = st.Selected.Render(fmt.Sprintf("%-12s", fieldNames[i]))
		}
		var val string
		switch i {
		case fieldPushType:
			val = "‹ " + string(pushTypeOr(h.PushType)) + " ›" + st.Subtle.Render(fmt.Sprintf("  limit %d bytes", payload.SizeLimit(pushTypeOr(h.PushType))))
		case fieldPriority:
			val = "‹ " + priorityText(h.Priority) + " ›"
		case fieldExpiration:
			val = "‹ " + expirationText(h.Expiration) + " ›"
		case fieldExpiresAt:
			val = f.expAt.View()
			if f.expErr != "" && h.Expiration.Mode == "at" {
				val += " " + st.Problem.Render(f.expErr)
			}
		default:
			val = f.input(i).View()
		}
		b.WriteString(common.Clip(mark+label+" "+val, width))
	}
	return b.String()
}
