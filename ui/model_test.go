package ui

import (
	"errors"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// fake is a screen that records what reached it.
type fake struct {
	title     string
	capturing bool
	wantsEsc  bool
	got       []tea.Msg
	c         common.Common
	w, h      int
}

func (f *fake) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	f.got = append(f.got, msg)
	return f, nil
}
func (f *fake) View() string              { return "screen " + f.title }
func (f *fake) SetSize(w, h int)          { f.w, f.h = w, h }
func (f *fake) ShortHelp() []key.Binding  { return nil }
func (f *fake) FullHelp() [][]key.Binding { return nil }
func (f *fake) SetCommon(c common.Common) { f.c = c }
func (f *fake) Capturing() bool           { return f.capturing }
func (f *fake) Title() string             { return f.title }
func (f *fake) WantsEsc() bool            { return f.wantsEsc }

func withFakes() (*Model, []*fake) {
	var fakes []*fake
	m := New(Options{NoColor: true, Screens: func(common.Common) []common.Screen {
		var out []common.Screen
		for _, t := range []string{"Profiles", "Probe", "Payload", "Devices", "Send", "History"} {
			f := &fake{title: t}
			fakes = append(fakes, f)
			out = append(out, f)
		}
		return out
	}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m, fakes
}

func key1(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestTabsSwitch(t *testing.T) {
	m, _ := withFakes()
	m.Update(key1("3"))
	if m.Tab() != 2 {
		t.Fatalf("3 shows tab %d", m.Tab()+1)
	}
	m.Update(key1("tab"))
	if m.Tab() != 3 {
		t.Fatal("tab did not go to the next screen")
	}
	m.Update(key1("shift+tab"))
	m.Update(key1("shift+tab"))
	if m.Tab() != 1 {
		t.Fatalf("shift+tab twice from 4 gives %d", m.Tab()+1)
	}
	m.Update(common.SwitchScreenMsg{Tab: 6})
	if m.Tab() != 5 {
		t.Fatal("SwitchScreenMsg ignored")
	}
}

func TestCapturingScreenGetsKeys(t *testing.T) {
	m, fakes := withFakes()
	fakes[0].capturing = true
	for _, k := range []string{"2", "q", "tab", "?"} {
		_, cmd := m.Update(key1(k))
		if m.Tab() != 0 || isQuit(cmd) {
			t.Fatalf("%q was taken by the shell while a text field has focus", k)
		}
	}
	if len(fakes[0].got) != 4 {
		t.Fatalf("the screen got %d of 4 keys", len(fakes[0].got))
	}
	if _, cmd := m.Update(key1("ctrl+c")); !isQuit(cmd) {
		t.Fatal("ctrl+c does not quit while typing")
	}
	m, _ = withFakes()
	if _, cmd := m.Update(key1("q")); !isQuit(cmd) {
		t.Fatal("q does not quit")
	}
}

func TestErrorsStayUntilDismissed(t *testing.T) {
	m, fakes := withFakes()
	m.Update(common.ErrorMsg{Err: errors.New("the file is gone")})
	m.Update(common.StatusMsg{Text: "saved"})
	m.Update(statusExpiredMsg{seq: m.infoSeq})
	if !strings.Contains(ansi.Strip(m.View().Content), "the file is gone") {
		t.Fatal("the error vanished")
	}
	fakes[0].wantsEsc = true
	m.Update(key1("esc"))
	if m.errMsg == nil || len(fakes[0].got) == 0 {
		t.Fatal("esc should go to a screen that wants it first")
	}
	fakes[0].wantsEsc = false
	m.Update(key1("esc"))
	if m.errMsg != nil {
		t.Fatal("esc did not dismiss the error")
	}
}

func TestInfoExpires(t *testing.T) {
	m, _ := withFakes()
	m.Update(common.StatusMsg{Text: "one"})
	first := m.infoSeq
	m.Update(common.StatusMsg{Text: "two"})
	m.Update(statusExpiredMsg{seq: first})
	if m.info != "two" {
		t.Fatal("an older timer cleared a newer message")
	}
	m.Update(statusExpiredMsg{seq: m.infoSeq})
	if m.info != "" {
		t.Fatal("the message did not expire")
	}
}

func TestStaleActiveDropped(t *testing.T) {
	m, fakes := withFakes()
	m.activeRun = 2
	p := profiles.Profile{Name: "old"}
	m.Update(activeLoadedMsg{run: 1, profile: &p})
	if m.c.Active != nil {
		t.Fatal("a stale active profile was applied")
	}
	q := profiles.Profile{Name: "new", Environment: certs.Production}
	m.Update(activeLoadedMsg{run: 2, profile: &q})
	if m.c.Active == nil || fakes[3].c.Active == nil || fakes[3].c.Active.Name != "new" {
		t.Fatal("the active profile did not reach the screens")
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "PRODUCTION") {
		t.Fatal("the header does not show PRODUCTION")
	}
}

func TestMessagesReachEveryScreen(t *testing.T) {
	m, fakes := withFakes()
	m.Update(common.DevicesChangedMsg{})
	for _, f := range fakes {
		if len(f.got) != 1 {
			t.Fatalf("%s got %d messages", f.title, len(f.got))
		}
	}
	m.Update(key1("x"))
	if len(fakes[1].got) != 1 || len(fakes[0].got) != 2 {
		t.Fatal("a key went to a hidden screen")
	}
}

func TestBackgroundColourRestyles(t *testing.T) {
	m, fakes := withFakes()
	m.noColor = false
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.c.Styles.IsDark || fakes[2].c.Styles.IsDark {
		t.Fatal("a light background kept the dark styles")
	}
}

func TestResizeReachesScreens(t *testing.T) {
	m, fakes := withFakes()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if fakes[4].w != 120 || fakes[4].h != 40-chrome-1-1 {
		t.Fatalf("screen size %dx%d", fakes[4].w, fakes[4].h)
	}
	for _, l := range strings.Split(m.View().Content, "\n") {
		if ansi.StringWidth(l) > 120 {
			t.Fatalf("a line is wider than the window: %q", l)
		}
	}
	if n := strings.Count(m.View().Content, "\n") + 1; n != 40 {
		t.Fatalf("%d lines for a 40-line window", n)
	}
}

func TestGoldenEmptyConsole(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			store, err := profiles.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			m := New(Options{Store: store, NoColor: true})
			m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			// What Init would load: no active profile, no profiles.
			m.Update(m.loadActive()())
			m.Update(m.screens[0].(common.Initer).Init()())
			golden.RequireEqual(t, ansi.Strip(m.View().Content))
		})
	}
}

// A locked active profile: the header says so in two words (not the
// sentence it was), and a password typed on Probe or Send reloads it.
func TestLockedHeaderAndReload(t *testing.T) {
	m, _ := withFakes()
	p := profiles.Profile{Name: "locked", Environment: certs.Development, Topic: "com.example.app"}
	m.Update(activeLoadedMsg{run: m.activeRun, profile: &p, err: common.ErrNeedsPassword})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	head := strings.Split(ansi.Strip(m.View().Content), "\n")[0]
	if !strings.Contains(head, "locked: password needed") {
		t.Fatalf("header %q", head)
	}
	run := m.activeRun
	_, cmd := m.Update(common.PasswordMsg{Profile: "locked", Password: "pw"})
	_ = cmd // no store here: the reload is counted, not run
	if m.activeRun != run+1 {
		t.Fatal("the active profile was not reloaded with its password")
	}
}

func TestHeaderWarnsOfOtherExpiringProfiles(t *testing.T) {
	m, _ := withFakes()
	p := profiles.Profile{Name: "app-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthCertificate}
	r := certs.Report{Usable: true, Certificate: &certs.CertInfo{DaysLeft: 300}}
	m.Update(activeLoadedMsg{run: m.activeRun, profile: &p, cred: &certs.Credential{Kind: certs.AuthCertificate, Report: r}})
	m.Update(common.ExpiringMsg{Names: []string{"app-prod", "old"}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if head := strings.Split(ansi.Strip(m.View().Content), "\n")[0]; !strings.Contains(head, "⚠ 2 expiring") {
		t.Fatalf("header %q", head)
	}
}
