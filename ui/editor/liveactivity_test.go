package editor

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// liveUpdate loads the Live Activity update template made an hour before
// the editor's clock: its timestamp is stale.
func liveUpdate(t *testing.T, m *Model) payload.Template {
	t.Helper()
	for _, tpl := range payload.TemplatesAt(fixedNow.Add(-time.Hour)) {
		if tpl.Name == "Live Activity update" {
			send(m, common.LoadPayloadMsg{Payload: profiles.SavedPayload{Name: tpl.Name, Body: tpl.Body, PushType: string(tpl.Headers.PushType), Priority: tpl.Headers.Priority}})
			if m.Text() != tpl.Body {
				t.Fatalf("template not loaded:\n%s", m.Text())
			}
			return tpl
		}
	}
	t.Fatal("no Live Activity update template")
	return payload.Template{}
}

func TestBumpTimestampKey(t *testing.T) {
	for _, key := range []string{"T", "alt+t"} {
		m := newModel(t, 100, 30, nil)
		tpl := liveUpdate(t, m)
		if key == "alt+t" {
			send(m, kp("enter")) // typing: the alt key still acts
		}
		send(m, kp(key))
		now := strconv.FormatInt(fixedNow.Unix(), 10)
		if !strings.Contains(m.Text(), `"timestamp": `+now) || m.Text() == tpl.Body {
			t.Fatalf("%s: timestamp not set to now:\n%s", key, m.Text())
		}
		if key == "alt+t" && m.mode != modeText {
			t.Errorf("%s: typing should go on", key)
		}
		// The stale-date moved with it, so the payload lints clean.
		if r := payload.Validate([]byte(m.Text()), payload.Options{Headers: tpl.Headers, Now: fixedNow}); len(r.Warnings)+len(r.Errors) != 0 {
			t.Errorf("%s: after the bump: %+v %+v", key, r.Errors, r.Warnings)
		}
	}
	m := newModel(t, 100, 30, nil)
	before := m.Text()
	send(m, kp("T")) // not a Live Activity: a note, the text unchanged
	if !strings.Contains(m.note, "set the push type to liveactivity") || m.Text() != before {
		t.Errorf("note %q", m.note)
	}
	liveUpdate(t, m)
	send(m, common.LoadPayloadMsg{Payload: profiles.SavedPayload{Name: "x", Body: `{"aps":`, PushType: "liveactivity"}})
	send(m, kp("T")) // broken JSON: says so, keeps the text
	if !strings.Contains(m.note, "fix the JSON first") || m.Text() != `{"aps":` {
		t.Errorf("broken JSON: note %q, text %q", m.note, m.Text())
	}
}

func TestContentStateKey(t *testing.T) {
	m := newModel(t, 100, 30, nil)
	liveUpdate(t, m)
	send(m, kp("c"))
	if m.mode != modeText {
		t.Fatalf("c should start typing, mode %v", m.mode)
	}
	start, _, _ := payload.ContentState([]byte(m.Text()))
	send(m, kp("X"))
	if got := m.Text()[start+1]; got != 'X' {
		t.Errorf("typed at %q, want inside content-state:\n%s", m.Text()[start:start+10], m.Text())
	}
	m2 := newModel(t, 100, 30, nil)
	send(m2, kp("c"))
	if m2.mode == modeText || !strings.Contains(m2.note, "no content-state") {
		t.Errorf("without a content-state: mode %v note %q", m2.mode, m2.note)
	}
}
