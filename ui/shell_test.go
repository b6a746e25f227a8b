package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// stopper is a screen with running work that ends when told done.
type stopper struct {
	fake
	stops int
	done  bool
}

func (s *stopper) Stop() tea.Cmd { s.stops++; return nil }
func (s *stopper) Stopped() bool { return s.done }

// hinted is a screen with many keys of its own.
type hinted struct {
	fake
	keys []key.Binding
}

func (h *hinted) ShortHelp() []key.Binding { return h.keys }

func withScreen(s common.Screen) *Model {
	m := New(Options{NoColor: true, Screens: func(common.Common) []common.Screen {
		return []common.Screen{s, &fake{title: "Other"}}
	}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m
}

func footerLine(m *Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	return lines[len(lines)-1]
}

// TestQuitWaitsForRunningWork: q tells the screens to stop and the
// program ends only once they have; keys are ignored meanwhile, except a
// second ctrl+c, and the wait is bounded.
func TestQuitWaitsForRunningWork(t *testing.T) {
	s := &stopper{fake: fake{title: "Send"}}
	m := withScreen(s)
	// (The Cmd is the bounded wait's timer: not run here.)
	if m.Update(key1("q")); m.quitReady || s.stops != 1 {
		t.Fatalf("q quit at once with work running (stops %d)", s.stops)
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "quitting") {
		t.Error("the status line does not say the console is quitting")
	}
	if f := footerLine(m); strings.Contains(f, "q quit") || !strings.Contains(f, "ctrl+c quit at once") {
		t.Errorf("footer while quitting: %q", f)
	}
	m.Update(key1("2"))
	if m.Tab() != 0 || len(s.got) != 0 {
		t.Fatal("a key was taken while quitting")
	}
	if m.Update(common.DevicesChangedMsg{}); m.quitReady {
		t.Fatal("quit before the work ended")
	}
	s.done = true
	_, cmd := m.Update(common.HistoryChangedMsg{}) // the work's last message
	if !quitsIn(cmd) {
		t.Fatal("the program did not end once the work stopped")
	}

	// A second ctrl+c gives up waiting; so does the deadline.
	s = &stopper{fake: fake{title: "Send"}}
	m = withScreen(s)
	m.Update(key1("ctrl+c"))
	if _, cmd := m.Update(key1("ctrl+c")); !isQuit(cmd) {
		t.Fatal("a second ctrl+c does not quit at once")
	}
	s = &stopper{fake: fake{title: "Send"}}
	m = withScreen(s)
	m.Update(key1("q"))
	if _, cmd := m.Update(quitDeadlineMsg{}); !isQuit(cmd) {
		t.Fatal("the quit deadline does not end the program")
	}
	if quitWait > 5*time.Second {
		t.Errorf("quitting may wait %v", quitWait)
	}

	// A signal's QuitMsg takes the same path; the console's own gets through.
	s = &stopper{fake: fake{title: "Send"}}
	m = withScreen(s)
	msg := Filter(m, tea.QuitMsg{})
	if m.Update(msg); m.quitReady || s.stops != 1 {
		t.Fatal("a signal quit did not stop the screens first")
	}
	s.done = true
	_, cmd = m.Update(common.HistoryChangedMsg{})
	if !quitsIn(cmd) || Filter(m, tea.QuitMsg{}) != (tea.QuitMsg{}) {
		t.Fatal("the console's own quit is held back")
	}
}

// quitsIn reports whether cmd, or one of a batch, is tea.Quit.
func quitsIn(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if quitsIn(c) {
				return true
			}
		}
	}
	return false
}

// TestFooterShowsOnlyWorkingKeys: while a screen takes the keys, q types
// and ? does nothing there, so the footer offers ctrl+c only.
func TestFooterShowsOnlyWorkingKeys(t *testing.T) {
	h := &hinted{fake: fake{title: "Payload"}, keys: []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop editing"))}}
	m := withScreen(h)
	if f := footerLine(m); !strings.Contains(f, "? help") || !strings.Contains(f, "q quit") {
		t.Fatalf("footer %q lacks the shell's keys", f)
	}
	h.capturing = true
	m.Update(common.DevicesChangedMsg{})
	f := footerLine(m)
	if strings.Contains(f, "? help") || strings.Contains(f, "q quit") || !strings.Contains(f, "esc stop editing") || !strings.Contains(f, "ctrl+c quit") {
		t.Fatalf("footer while typing: %q", f)
	}
	// The full help is for the shell's keys too: not while typing.
	h.capturing = false
	m.Update(key1("?"))
	full := m.View().Content
	h.capturing = true
	m.Update(common.DevicesChangedMsg{})
	if v := m.View().Content; strings.Count(v, "\n") != strings.Count(full, "\n") || strings.Contains(ansi.Strip(v), "next screen") {
		t.Fatalf("the full help stayed while typing:\n%s", ansi.Strip(v))
	}
}

// TestFooterDropsWholeHints: hints that do not fit are left out whole
// (a … says so), the shell's stay, and no line is wider than the window.
func TestFooterDropsWholeHints(t *testing.T) {
	var keys []key.Binding
	for _, d := range []string{"activate", "add", "edit", "delete", "dev/prod", "filter", "scroll report", "start the demo"} {
		keys = append(keys, key.NewBinding(key.WithKeys("x"), key.WithHelp(d[:1], d)))
	}
	h := &hinted{fake: fake{title: "Profiles"}, keys: keys}
	m := withScreen(h)
	for _, w := range []int{60, 67, 80, 93, 120} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		f := footerLine(m)
		if ansi.StringWidth(f) > w {
			t.Fatalf("%d columns: footer is %d wide: %q", w, ansi.StringWidth(f), f)
		}
		if !strings.HasSuffix(f, "? help • q quit") {
			t.Errorf("%d columns: the shell's keys are cut: %q", w, f)
		}
		for _, item := range strings.Split(strings.TrimSuffix(f, " • ? help • q quit"), " • ") {
			if item == "…" {
				continue
			}
			found := false
			for _, k := range keys {
				found = found || item == k.Help().Key+" "+k.Help().Desc
			}
			if !found {
				t.Errorf("%d columns: %q is not a whole hint (footer %q)", w, item, f)
			}
		}
		if w == 120 && strings.Contains(f, "…") {
			t.Errorf("120 columns has room for every hint: %q", f)
		}
		if w == 67 && !strings.Contains(f, "…") {
			t.Errorf("67 columns should say hints were left out: %q", f)
		}
	}
}

// TestHeaderFitsAt80: the header shortens its less important parts first
// so the environment, the profile and the topic stay whole.
func TestHeaderFitsAt80(t *testing.T) {
	m, _ := withFakes()
	m.c.Demo = true
	p := profiles.Profile{Name: "demo-dev", Environment: certs.Development, Topic: "com.example.pushdeck", Auth: certs.AuthCertificate}
	r := certs.Report{Usable: true, Certificate: &certs.CertInfo{DaysLeft: 364}}
	m.Update(activeLoadedMsg{run: m.activeRun, profile: &p, cred: &certs.Credential{Kind: certs.AuthCertificate, Report: r}})
	for _, w := range []int{60, 80, 120} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		lines := strings.Split(ansi.Strip(m.View().Content), "\n")
		head := lines[0]
		if ansi.StringWidth(head) > w || strings.Contains(head, "…") {
			t.Fatalf("%d columns: header cut: %q", w, head)
		}
		if tabs := lines[1]; !strings.Contains(tabs, "6 History") {
			t.Errorf("%d columns: tabs cut: %q", w, tabs)
		}
		env := "DEVELOPMENT"
		if w == 60 {
			env = "DEV" // the badge shortens last
		}
		for _, want := range []string{"demo-dev", env, "com.example.pushdeck"} {
			if !strings.Contains(head, want) {
				t.Errorf("%d columns: header lacks %q: %q", w, want, head)
			}
		}
		if w == 120 && !strings.Contains(head, "364 days left · certificate") {
			t.Errorf("120 columns has room for the long forms: %q", head)
		}
		if w == 80 && !strings.Contains(head, "364d · cert") {
			t.Errorf("80 columns: %q", head)
		}
	}
	// A long topic still cannot push the line past the window.
	p.Topic = strings.Repeat("com.example.", 8) + "app"
	m.Update(activeLoadedMsg{run: m.activeRun, profile: &p, cred: &certs.Credential{Kind: certs.AuthCertificate, Report: r}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if head := strings.Split(ansi.Strip(m.View().Content), "\n")[0]; ansi.StringWidth(head) > 80 || !strings.Contains(head, "demo-dev") {
		t.Fatalf("long topic: %q", head)
	}
}

// fullHinted is a screen with a full help as long as the Profiles screen's.
type fullHinted struct {
	fake
	cols [][]key.Binding
}

func (h *fullHinted) FullHelp() [][]key.Binding { return h.cols }

// TestHelpPanelFitsEverySize: the ? panel shows every key of the screen
// and every global key, whole, at 60x16 and 80x24 (it was cut at 80x24,
// losing the global keys).
func TestHelpPanelFitsEverySize(t *testing.T) {
	var a, b []key.Binding
	for i, d := range []string{"up", "down", "filter", "scroll report", "scroll report up", "activate", "add", "edit", "delete", "dev/prod", "sort by urgency", "start the demo", "password"} {
		k := key.NewBinding(key.WithKeys("x"), key.WithHelp(fmt.Sprintf("k%d", i), d))
		if i < 5 {
			a = append(a, k)
		} else {
			b = append(b, k)
		}
	}
	h := &fullHinted{fake: fake{title: "Profiles"}, cols: [][]key.Binding{a, b}}
	m := withScreen(h)
	m.Update(key1("?"))
	for _, sz := range []struct{ w, h int }{{60, 16}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			v := ansi.Strip(m.View().Content)
			for _, k := range append(append(a, b...), m.shellHelp()...) {
				if !strings.Contains(v, k.Help().Key+" ") || !strings.Contains(v, k.Help().Desc) {
					t.Errorf("%q %q is not in the help:\n%s", k.Help().Key, k.Help().Desc, v)
				}
			}
			lines := strings.Split(v, "\n")
			if len(lines) != sz.h {
				t.Fatalf("%d lines", len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > sz.w {
					t.Fatalf("line wider than %d: %q", sz.w, l)
				}
			}
			if sz.w != 120 {
				golden.RequireEqual(t, v)
			}
		})
	}
}

// Seven tabs at 60 columns: every number shows, the active tab's name is
// whole, and 7 switches to the seventh (the shell knew six).
func TestSevenTabsFit60(t *testing.T) {
	var fakes []common.Screen
	for _, n := range []string{"Profiles", "Probe", "Payload", "Devices", "Send", "History", "Channels"} {
		fakes = append(fakes, &fake{title: n})
	}
	m := New(Options{NoColor: true, Screens: func(common.Common) []common.Screen { return fakes }})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	m.Update(key1("7"))
	if m.Tab() != 6 {
		t.Fatalf("7 went to tab %d", m.Tab()+1)
	}
	tabs := strings.Split(ansi.Strip(m.View().Content), "\n")[1]
	if ansi.StringWidth(tabs) > 60 || !strings.Contains(tabs, "7 Channels") {
		t.Fatalf("tabs %q", tabs)
	}
	for i := 1; i <= 7; i++ {
		if !strings.Contains(tabs, fmt.Sprintf("%d ", i)) {
			t.Fatalf("tab %d missing: %q", i, tabs)
		}
	}
}
