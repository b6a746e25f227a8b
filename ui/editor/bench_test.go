package editor

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// payload4KB is a formatted alert payload of about 4 KB: many lines, as a
// real rich payload with custom data looks in the editor.
func payload4KB() string {
	var b strings.Builder
	b.WriteString("{\n  \"aps\": {\n    \"alert\": {\n      \"title\": \"Order shipped\",\n      \"body\": \"Your parcel is on its way\"\n    },\n    \"sound\": \"default\"\n  },\n  \"items\": [\n")
	for i := 0; b.Len() < 3900; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    {\"sku\": \"SKU-%05d\", \"name\": \"Item number %d\", \"qty\": %d}", i, i, i%7+1)
	}
	b.WriteString("\n  ]\n}")
	return b.String()
}

// BenchmarkKeystroke4KB is one keystroke in a 4 KB payload: Update (edit,
// validate, lint, mark) and View, alternating a character and a backspace
// so the text stays the same size.
func BenchmarkKeystroke4KB(b *testing.B) {
	m := newModel(b, 120, 40, nil)
	body := payload4KB()
	setText(b, m, body)
	if len(body) < 3900 || len(body) > 4096 || !m.report.Valid {
		b.Fatalf("fixture: %d bytes, report %+v", len(body), m.report)
	}
	m.Update(kp("enter"))
	m.moveTo(m.ta.LineCount()/2, 10)
	keys := []tea.Msg{kp("x"), kp("backspace")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}

// BenchmarkKeystroke4KBColour is BenchmarkKeystroke4KB with colours on
// (JSON syntax colouring drawn).
func BenchmarkKeystroke4KBColour(b *testing.B) {
	m := newModel(b, 120, 40, nil)
	c := m.c
	c.Styles = common.DefaultStyles(false, false)
	m.SetCommon(c)
	setText(b, m, payload4KB())
	m.Update(kp("enter"))
	m.moveTo(m.ta.LineCount()/2, 10)
	keys := []tea.Msg{kp("x"), kp("backspace")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}

// BenchmarkCursorMove4KB is one up or down arrow in the middle of a 4 KB
// payload (Update and View): the textarea's CursorUp/CursorDown.
func BenchmarkCursorMove4KB(b *testing.B) {
	benchKeys(b, kp("down"), kp("up"))
}

// BenchmarkWordMove4KB is one word move (alt+right, alt+left), one of the
// rarer keys that still go through textarea.Update, which renders the whole
// document.
func BenchmarkWordMove4KB(b *testing.B) {
	benchKeys(b, kp("alt+right"), kp("alt+left"))
}

func benchKeys(b *testing.B, keys ...tea.Msg) {
	m := newModel(b, 120, 40, nil)
	setText(b, m, payload4KB())
	m.Update(kp("enter"))
	m.moveTo(m.ta.LineCount()/2, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}
