package editor

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// A template over edited work asks first, and says which headers change;
// n keeps the work, y replaces it, ctrl+z brings the work back.
func TestTemplateAsksBeforeReplacingEditedWork(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	send(m, kp("enter"))
	for _, k := range common.Type(" mine") {
		send(m, k)
	}
	send(m, kp("esc"))
	mine := m.Text()
	prio := m.hdr.Priority
	send(m, kp("ctrl+t"))
	var want payload.Template
	for i, tpl := range payload.TemplatesAt(fixedNow) {
		if tpl.Headers.PushType == payload.Background {
			for range i {
				send(m, kp("down"))
			}
			want = tpl
			break
		}
	}
	send(m, kp("enter"))
	if m.mode != modeConfirm || m.Text() != mine {
		t.Fatalf("the template replaced edited work without asking (mode %v)", m.mode)
	}
	v := view(m)
	if !strings.Contains(v, "Replace your edited payload") || !strings.Contains(v, "push type alert → background") || !strings.Contains(v, "priority 10 → 5") {
		t.Fatalf("the question does not say what changes:\n%s", v)
	}
	send(m, kp("n"))
	if m.Text() != mine || m.mode != modeBrowse {
		t.Fatal("n did not keep the work")
	}
	send(m, kp("ctrl+t"))
	for range indexOf(want) {
		send(m, kp("down"))
	}
	send(m, kp("enter"))
	msgs := send(m, kp("y"))
	if m.Text() != want.Body || m.hdr.PushType != payload.Background {
		t.Fatal("y did not load the template")
	}
	said := false
	for _, msg := range msgs {
		if s, ok := msg.(common.StatusMsg); ok && strings.Contains(s.Text, "priority 10 → 5") {
			said = true
		}
	}
	if !said {
		t.Errorf("the status does not say which headers changed: %v", msgs)
	}
	send(m, kp("ctrl+z"))
	if m.Text() != mine || m.hdr.Priority != prio || m.hdr.PushType != payload.Alert {
		t.Fatalf("ctrl+z did not bring the work back: %q %+v", m.Text(), m.hdr)
	}
	send(m, kp("ctrl+y"))
	if m.Text() != want.Body {
		t.Fatal("ctrl+y did not redo the load")
	}
}

func indexOf(want payload.Template) int {
	for i, tpl := range payload.TemplatesAt(fixedNow) {
		if tpl.Name == want.Name {
			return i
		}
	}
	return 0
}

// Undo reaches back more than 100 steps; a run of letters is one step.
func TestUndoRedoManySteps(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "")
	m.hist = history{cur: m.state()}
	send(m, kp("enter"))
	for i := range 150 {
		send(m, kp("a"), kp("space")) // a word and a space: two steps each
		_ = i
	}
	if got := strings.Count(m.Text(), "a "); got != 150 {
		t.Fatalf("typed %d", got)
	}
	for range 150 {
		send(m, kp("ctrl+z"))
	}
	if got := strings.Count(m.Text(), "a"); got != 75 {
		t.Fatalf("150 undos left %d words, want 75", got)
	}
	for range 100 {
		send(m, kp("ctrl+y"))
	}
	if got := strings.Count(m.Text(), "a "); got != 125 {
		t.Fatalf("100 redos gave %d words, want 125", got)
	}
	// Typing after an undo drops what could be redone.
	send(m, kp("ctrl+z"), kp("b"))
	if len(m.hist.redo) != 0 {
		t.Fatal("redo survived new typing")
	}
	// A word typed letter by letter is one step.
	send(m, kp("space"))
	before := m.Text()
	for _, k := range common.Type("hello") {
		send(m, k)
	}
	send(m, kp("ctrl+z"))
	if m.Text() != before {
		t.Fatalf("one undo left %q, want %q", m.Text(), before)
	}
}

// The cursor's line:column shows while typing.
func TestLineColumn(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "{\n  \"aps\": {}\n}")
	send(m, kp("enter"), kp("down"), kp("right"), kp("right"))
	if v := view(m); !strings.Contains(v, "2:3 · ") {
		t.Fatalf("no line:column:\n%s", v)
	}
}

func TestClassify(t *testing.T) {
	line := []rune(`  "a": "x\"y", "n": -1.5e3, "t": true, "z": null}`)
	cls := classify(line)
	at := func(sub string) jsonClass {
		i := strings.Index(string(line), sub)
		if i < 0 {
			t.Fatalf("%q is not in the test line", sub)
		}
		return cls[len([]rune(string(line)[:i]))]
	}
	for sub, want := range map[string]jsonClass{`"a"`: jsKey, `"x`: jsString, `-1.5`: jsNumber, `true`: jsLiteral, `null`: jsLiteral, `}`: jsPunct} {
		if got := at(sub); got != want {
			t.Errorf("%s: class %d, want %d", sub, got, want)
		}
	}
}
