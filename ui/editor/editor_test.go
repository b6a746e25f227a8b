package editor

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

var fixedNow = time.Date(2025, 11, 14, 10, 30, 0, 0, time.UTC)

func newStore(t testing.TB) *profiles.Store {
	t.Helper()
	s, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newModel builds the screen at a size with plain styles, a fixed clock and
// a development profile for com.example.app.
func newModel(t testing.TB, w, h int, store *profiles.Store) *Model {
	t.Helper()
	c := common.Common{
		Width: w, Height: h,
		Styles: common.DefaultStyles(true, true),
		Store:  store,
		Active: &profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"},
	}
	m := New(c)
	m.SetClock(func() time.Time { return fixedNow })
	m.draftDelay = 0 // the debounce tick fires at once, so collect can wait for every Cmd
	return m
}

// run feeds msgs to the model and runs the Cmds they return that are ours
// (not ticks), like the program would, but synchronously.
func send(m *Model, msgs ...tea.Msg) []tea.Msg {
	var out []tea.Msg
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		out = append(out, collect(cmd)...)
	}
	return out
}

// collect runs a Cmd (and its batches) and returns the messages that
// they produce (the draft debounce is 0 in tests, so nothing sleeps).
func collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 64)
	pending := 1
	run := func(c tea.Cmd) { go func() { ch <- c() }() }
	run(cmd)
	var out []tea.Msg
	deadline := time.After(5 * time.Second)
	for pending > 0 {
		select {
		case msg := <-ch:
			pending--
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					if c != nil {
						pending++
						run(c)
					}
				}
			case nil:
			default:
				out = append(out, msg)
			}
		case <-deadline:
			return out
		}
	}
	return out
}

func kp(s string) tea.KeyPressMsg { return common.KeyPress(s) }

func setText(t testing.TB, m *Model, s string) {
	t.Helper()
	m.ta.SetValue(s)
	m.ta.MoveToBegin()
	m.revalidate()
}

func view(m *Model) string { return ansi.Strip(m.View()) }

func TestTypingValidatesOnEveryKeystroke(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "")
	send(m, kp("enter")) // start editing
	if !m.Capturing() {
		t.Fatal("enter should start editing and capture keys")
	}
	var sawInvalid bool
	for _, k := range common.Type(`{"aps":{"alert":"hi"}}`) {
		send(m, k)
		if !m.report.Valid {
			sawInvalid = true
		}
	}
	if !sawInvalid {
		t.Error("a half-typed payload should have been invalid at some keystroke")
	}
	if m.Text() != `{"aps":{"alert":"hi"}}` {
		t.Fatalf("text = %q", m.Text())
	}
	if !m.report.Valid || m.report.Bytes != len(m.Text()) || m.report.Limit != 4096 {
		t.Fatalf("report = %+v", m.report)
	}
	if got := view(m); !strings.Contains(got, "✓ valid · 22 / 4096 bytes") {
		t.Errorf("status line missing, view:\n%s", got)
	}
}

func TestSyntaxErrorIsLocatedAndMarked(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	// The comma is missing after `"badge": 1`: that is where the parser
	// points (line 3, column 14), with the fix.
	setText(t, m, "{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}")
	if m.report.Valid || m.errLine != 3 || m.errCol != 14 {
		t.Fatalf("want an error at 3:14, got %d:%d report %+v", m.errLine, m.errCol, m.report)
	}
	if m.marks[2] != payload.Error {
		t.Errorf("line 3 not marked as an error: %v", m.marks)
	}
	v := view(m)
	if !strings.Contains(v, "✗ line 3:14 missing comma") {
		t.Errorf("status should name line 3:14:\n%s", v)
	}
	// The gutter marks the third editor row (row 0 is the headers line).
	rows := strings.Split(v, "\n")
	if !strings.HasPrefix(rows[3], "✗") || strings.HasPrefix(rows[2], "✗") {
		t.Errorf("row of line 3 not marked:\n%s", strings.Join(rows[:6], "\n"))
	}
}

func TestMarkFollowsSoftWraps(t *testing.T) {
	m := newModel(t, 40, 20, nil)
	long := strings.Repeat("word ", 30)
	setText(t, m, "{\"a\": \""+long+"\",\n\"b\": 1\n\"c\": 2}")
	if m.errLine != 2 {
		t.Fatalf("errLine = %d", m.errLine)
	}
	// Line 1 wraps over several rows; the mark must land on line 3's row.
	want := 0
	for _, l := range strings.Split(m.text, "\n")[:1] {
		want += len(wrap([]rune(l), m.ta.Width()))
	}
	if want < 2 {
		t.Fatalf("line 1 should wrap at 40 columns, got %d rows", want)
	}
	// Row 0 of the view is the headers line.
	rows := strings.Split(view(m), "\n")
	for i, r := range rows[1 : 1+m.ta.Height()] {
		if marked := strings.HasPrefix(r, "✗"); marked != (i == want) {
			t.Errorf("display row %d marked=%v, want the mark on row %d only:\n%s", i, marked, want, strings.Join(rows, "\n"))
		}
	}
}

func TestPasteEntersTextAndValidates(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "")
	send(m, tea.PasteMsg{Content: "{\"aps\": {\"content-available\": 1}}"})
	if m.mode != modeText {
		t.Error("a paste should start editing")
	}
	if m.Text() != "{\"aps\": {\"content-available\": 1}}" {
		t.Fatalf("text = %q", m.Text())
	}
	if len(m.report.Errors)+len(m.report.Warnings) == 0 {
		t.Error("a silent push sent as alert should have a finding")
	}
}

func TestSelectingAFindingMovesTheCursor(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, "{\n  \"aps\": {\n    \"alert\": \"hi\",\n    \"badge\": \"3\"\n  }\n}")
	if len(m.findings) == 0 {
		t.Fatal("a string badge should be a finding")
	}
	send(m, kp("n"))
	f := m.findings[m.sel]
	line, col, _ := m.where(f)
	if m.ta.Line() != line || m.ta.Column() != col {
		t.Errorf("cursor at %d:%d, finding at %d:%d (%s)", m.ta.Line(), m.ta.Column(), line, col, f.Message)
	}
	if line != 3 {
		t.Errorf("badge finding on line %d, want 4th line", line+1)
	}
	if m.mode != modeText {
		t.Error("selecting a finding should let you fix it straight away")
	}
}

func TestPushTypeChangeRelintsAndAdjustsLimit(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	if m.report.Limit != 4096 {
		t.Fatalf("limit %d", m.report.Limit)
	}
	for m.hdr.PushType != payload.VoIP {
		send(m, kp("p"))
	}
	if m.report.Limit != 5120 {
		t.Errorf("voip limit = %d, want 5120", m.report.Limit)
	}
	if got := m.defaultTopic(); got != "com.example.app.voip" {
		t.Errorf("default topic = %q", got)
	}
	if !strings.Contains(view(m), "/ 5120 bytes") {
		t.Error("status line should show the voip limit")
	}
}

func TestHeadersFormEditsAndRelints(t *testing.T) {
	m := newModel(t, 100, 24, nil)
	send(m, kp("h"))
	if m.mode != modeHeaders || !m.Capturing() {
		t.Fatal("h should open the headers form")
	}
	send(m, kp("down"), kp("right")) // priority: default -> 10
	if m.hdr.Priority != 10 {
		t.Fatalf("priority = %d", m.hdr.Priority)
	}
	send(m, kp("down"), kp("right"), kp("right")) // expiration: at
	send(m, kp("down"))
	for _, k := range common.Type("+1h") {
		send(m, k)
	}
	if m.hdr.Expiration.Mode != "at" || !m.hdr.Expiration.At.Equal(fixedNow.Add(time.Hour)) {
		t.Errorf("expiration = %+v", m.hdr.Expiration)
	}
	send(m, kp("down"), kp("down"), kp("down")) // topic
	for _, k := range common.Type("com.other") {
		send(m, k)
	}
	if m.hdr.Topic != "com.other" {
		t.Fatalf("topic = %q", m.hdr.Topic)
	}
	if len(m.report.Errors) == 0 {
		t.Error("a topic that does not match the app should be a lint error")
	}
	send(m, kp("esc"))
	if m.mode != modeBrowse {
		t.Error("esc should close the form")
	}
}

func TestFormatAndMinify(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	setText(t, m, `{"aps":{"alert":"hi","sound":"default"}}`)
	send(m, kp("f"))
	if !strings.Contains(m.Text(), "\n  \"aps\": {\n") {
		t.Errorf("format: %q", m.Text())
	}
	send(m, kp("m"))
	if m.Text() != `{"aps":{"alert":"hi","sound":"default"}}` {
		t.Errorf("minify: %q", m.Text())
	}
	setText(t, m, `{"aps": }`)
	send(m, kp("f"))
	if m.Text() != `{"aps": }` || !strings.Contains(m.note, "syntax error at line 1") {
		t.Errorf("format of bad JSON should refuse and say why: %q", m.note)
	}
}

func TestGalleryLoadsATemplate(t *testing.T) {
	m := newModel(t, 120, 30, nil)
	send(m, kp("ctrl+t"))
	if m.mode != modeGallery {
		t.Fatal("ctrl+t should open the gallery")
	}
	ts := payload.TemplatesAt(fixedNow)
	var want payload.Template
	for i, tpl := range ts {
		if tpl.Headers.PushType == payload.Background {
			for range i {
				send(m, kp("down"))
			}
			want = tpl
			break
		}
	}
	if want.Name == "" {
		t.Fatal("no background template in the gallery")
	}
	send(m, kp("enter"))
	if m.mode != modeBrowse || m.Text() != want.Body || m.hdr.PushType != payload.Background {
		t.Fatalf("template not loaded: mode %v type %s", m.mode, m.hdr.PushType)
	}
	if !m.report.Valid || len(m.report.Errors) > 0 {
		t.Errorf("template %q should lint clean, got %+v", want.Name, m.report.Errors)
	}
}

func TestDraftIsDebouncedAndSurvivesARestart(t *testing.T) {
	store := newStore(t)
	m := newModel(t, 80, 20, store)
	send(m, m.Init()()) // no draft yet
	send(m, kp("enter"), kp("end"))
	var ticks []draftTickMsg
	for range 3 {
		_, cmd := m.Update(kp("x"))
		_ = cmd
		ticks = append(ticks, draftTickMsg{seq: m.draftSeq})
	}
	// Only the last tick saves.
	for _, tk := range ticks[:2] {
		if msgs := send(m, tk); len(msgs) != 0 {
			t.Fatalf("stale tick saved: %v", msgs)
		}
	}
	msgs := send(m, ticks[2])
	if len(msgs) != 1 {
		t.Fatalf("last tick should save once, got %v", msgs)
	}
	if saved, ok := msgs[0].(draftSavedMsg); !ok || saved.err != nil {
		t.Fatalf("save: %#v", msgs[0])
	}
	// A new console reads the draft back.
	m2 := newModel(t, 80, 20, store)
	send(m2, m2.Init()())
	if m2.Text() != m.Text() {
		t.Errorf("restored %q, want %q", m2.Text(), m.Text())
	}
}

func TestSaveAndOpenFromLibrary(t *testing.T) {
	store := newStore(t)
	m := newModel(t, 80, 20, store)
	setText(t, m, `{"aps":{"alert":"saved one"}}`)
	send(m, kp("s"))
	for _, k := range common.Type("greeting") {
		send(m, k)
	}
	msgs := send(m, kp("enter"))
	send(m, msgs...)
	if m.name != "greeting" {
		t.Fatalf("name = %q (msgs %v)", m.name, msgs)
	}
	setText(t, m, `{}`)
	send(m, send(m, kp("o"))...)
	if m.mode != modeLibrary || len(m.library.items) != 1 {
		t.Fatalf("library: mode %v items %d", m.mode, len(m.library.items))
	}
	send(m, kp("enter"))
	if m.mode != modeConfirm {
		t.Fatalf("loading over edited text did not ask (mode %v)", m.mode)
	}
	send(m, kp("y"))
	if m.Text() != `{"aps":{"alert":"saved one"}}` {
		t.Errorf("loaded %q", m.Text())
	}
}

func TestLoadPayloadMsgFromHistory(t *testing.T) {
	m := newModel(t, 80, 20, nil)
	msgs := send(m, common.LoadPayloadMsg{Payload: profiles.SavedPayload{Body: `{"aps":{"alert":"again"}}`, PushType: "alert", Priority: 5, Expiration: "0"}})
	if m.Text() != `{"aps":{"alert":"again"}}` || m.hdr.Priority != 5 || m.hdr.Expiration.Mode != "now" {
		t.Fatalf("not loaded: %q %+v", m.Text(), m.hdr)
	}
	var told bool
	for _, msg := range msgs {
		if pc, ok := msg.(common.PayloadChangedMsg); ok && pc.Out.Body == m.Text() {
			told = true
		}
	}
	if !told {
		t.Error("loading should tell the Send screen")
	}
}

func TestGolden(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{60, 11}, {80, 24}, {120, 40}} {
		name := func(s string) string { return s + "_" + itoa(sz.w) + "x" + itoa(sz.h) }
		t.Run(name("valid"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			golden.RequireEqual(t, view(m))
		})
		t.Run(name("syntax_error"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			setText(t, m, "{\n  \"aps\": {\n    \"alert\": \"Hi\"\n    \"badge\": 1\n  }\n}")
			golden.RequireEqual(t, view(m))
		})
		t.Run(name("lint_warnings"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			setText(t, m, "{\n  \"aps\": {\n    \"alert\": {\"title\": \"Hi\", \"bdy\": \"typo\"},\n    \"sound\": \"default\",\n    \"content-available\": 1\n  },\n  \"acme\": 1\n}")
			send(m, kp("n"), kp("esc"))
			golden.RequireEqual(t, view(m))
		})
		t.Run(name("gallery"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			send(m, kp("ctrl+t"), kp("down"))
			golden.RequireEqual(t, view(m))
		})
		t.Run(name("replace_question"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			setText(t, m, `{"aps":{"alert":"mine"}}`)
			send(m, kp("ctrl+t"), kp("down"), kp("down"), kp("enter"))
			out := view(m)
			if !strings.Contains(out, "y replace") {
				t.Fatalf("the question's answers are not on screen:\n%s", out)
			}
			golden.RequireEqual(t, out)
		})
		t.Run(name("headers"), func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, nil)
			send(m, kp("h"))
			golden.RequireEqual(t, view(m))
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
