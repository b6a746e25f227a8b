package creds

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

var sizes = []struct{ w, h int }{{60, 11}, {80, 19}, {120, 35}} // the screen's area in 60x16, 80x24 and 120x40

func TestGoldenEmpty(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := loaded(t, sz.w, sz.h, nil, nil, "")
			golden.RequireEqual(t, strip(m.View()))
		})
	}
}

func TestGoldenListWithEveryBadge(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			ps, h := sixProfiles()
			m := loaded(t, sz.w, sz.h, ps, h, "app-dev")
			out := strip(m.View())
			for _, b := range []string{"✓ 287d", "⚠ 9d", "✗ expired", "✗ file missing", "✗ no key", "✗ wrong password"} {
				if sz.h >= 19 && !strings.Contains(out, b) {
					t.Errorf("badge %q missing", b)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestGoldenAddFormWithError(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := loaded(t, sz.w, sz.h, nil, nil, "")
			m.Update(common.KeyPress("a"))
			m.Update(common.KeyPress("down"))
			typeText(m, "/home/me/certs/missing.p12")
			f := m.form
			m.Update(checkResultMsg{seq: f.seq, report: problem(&certs.Report{File: "missing.p12"}, certs.CodeFileMissing,
				"/home/me/certs/missing.p12 does not exist.", "Check the path, or pick the file with ctrl+o."), err: fmt.Errorf("missing")})
			m.Update(common.KeyPress("ctrl+s"))
			if f.err == "" {
				t.Fatal("an empty name was accepted")
			}
			golden.RequireEqual(t, strip(m.View()))
		})
	}
}

func TestListDropsStaleLoads(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "")
	m.Update(listMsg{run: 0, profiles: ps[:1]})
	if len(m.list) != 6 {
		t.Fatalf("a stale list replaced the current one: %d profiles", len(m.list))
	}
	m.Update(healthMsg{run: 0, name: "app-dev", health: common.Health{Report: certReport("x", 1)}})
	if b, _ := m.health["app-dev"].Badge(); b != "✓ 287d" {
		t.Fatalf("a stale health result was applied: %s", b)
	}
}

func TestFilter(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "")
	m.Update(common.KeyPress("/"))
	if !m.Capturing() {
		t.Fatal("filtering does not capture keys")
	}
	typeText(m, "prod")
	if got := m.Profiles(); len(got) != 2 { // app-prod, and wrongpw (production)
		t.Fatalf("filter prod shows %d profiles", len(got))
	}
	m.Update(common.KeyPress("enter"))
	if m.Capturing() || !m.WantsEsc() {
		t.Fatal("enter should keep the filter and give keys back")
	}
	m.Update(common.KeyPress("esc"))
	if len(m.Profiles()) != 6 {
		t.Fatal("esc did not clear the filter")
	}
}

func TestKeysOnList(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "app-dev")
	if m.Selected().Name != "app-dev" {
		t.Fatalf("cursor starts on %s, want the active profile", m.Selected().Name)
	}
	m.Update(common.KeyPress("j"))
	if m.Selected().Name != "app-prod" {
		t.Fatal("j did not move down")
	}
	_, cmd := m.Update(common.KeyPress("enter"))
	if !hasMsg(cmd, common.ActivateProfileMsg{Name: "app-prod"}) {
		t.Fatal("enter did not ask to activate app-prod")
	}
	m.Update(common.KeyPress("x"))
	if m.confirmDel != "app-prod" || !m.Capturing() {
		t.Fatal("x did not ask for a confirmation")
	}
	m.Update(common.KeyPress("n"))
	if m.confirmDel != "" {
		t.Fatal("n did not cancel the deletion")
	}
}

func TestSwitchEnvironmentSaysWhyNot(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "")
	_, cmd := m.Update(common.KeyPress("t")) // app-dev: development-only certificate
	msg := run(cmd)
	em, ok := msg.(common.ErrorMsg)
	if !ok || !strings.Contains(em.Err.Error(), "development only") {
		t.Fatalf("t on a development-only certificate: %#v", msg)
	}
}

func TestSwitchEnvironmentSaves(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ps, h := sixProfiles()
	for _, p := range ps[:2] {
		if err := store.SaveProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	c := plain()
	c.Store = store
	m := New(c)
	m.SetSize(80, 19)
	m.Update(run(m.Init()))
	for n, hh := range h {
		m.Update(healthMsg{run: m.run, name: n, health: hh})
	}
	m.Update(common.KeyPress("j")) // app-prod: universal
	_, cmd := m.Update(common.KeyPress("t"))
	msg := run(cmd)
	if sm, ok := msg.(savedMsg); !ok || sm.err != nil {
		t.Fatalf("t on a universal certificate: %#v", msg)
	}
	p, _ := store.Profile("app-prod")
	if p.Environment != certs.Development {
		t.Fatalf("app-prod is %s after t, want development", p.Environment)
	}
}

func TestEmptyOffersDemo(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	_, cmd := m.Update(common.KeyPress("d"))
	if !hasMsg(cmd, common.StartDemoMsg{}) {
		t.Fatal("d on the empty screen did not ask for the demo")
	}
	ps, h := sixProfiles()
	m = loaded(t, 80, 19, ps, h, "")
	if _, cmd := m.Update(common.KeyPress("d")); cmd != nil && hasMsg(cmd, common.StartDemoMsg{}) {
		t.Fatal("d starts the demo even with profiles")
	}
}

func TestFormChecksDebouncedAndDropsStale(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	m.Update(common.KeyPress("down"))
	typeText(m, "/x.p12")
	f := m.form
	if f.seq != 6 || !f.Checking() {
		t.Fatalf("seq %d after 6 keystrokes", f.seq)
	}
	// A tick of an older keystroke starts nothing.
	if _, cmd := m.Update(checkTickMsg{seq: 3}); cmd != nil {
		t.Fatal("a stale tick started a check")
	}
	if _, cmd := m.Update(checkTickMsg{seq: 6}); cmd == nil {
		t.Fatal("the last tick did not start a check")
	}
	// A result for an older text is dropped.
	m.Update(checkResultMsg{seq: 5, needsPw: true, report: certReport("x", 10, certs.Development)})
	if f.report != nil || f.needsPw {
		t.Fatal("a stale check result was applied")
	}
	m.Update(checkResultMsg{seq: 6, needsPw: true, report: certReport("x", 100, certs.Development, certs.Production)})
	if !f.visible(fPassword) {
		t.Fatal("the password field is hidden although the file needs one")
	}
	if got := f.f[fEnv].choices; len(got) != 2 {
		t.Fatalf("a universal certificate offers %v", got)
	}
	if got := f.f[fTopic].choices; len(got) != 2 || f.f[fTopic].value() != "com.example.app" {
		t.Fatalf("topics %v, value %q", got, f.f[fTopic].value())
	}
	m.Update(checkResultMsg{seq: 6, report: certReport("x", 100, certs.Development)})
	if got := f.f[fEnv].choices; len(got) != 1 || got[0] != "development" {
		t.Fatalf("a development certificate offers %v", got)
	}
}

func TestFormKeyIDFromFileName(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	m.Update(common.KeyPress("down"))
	typeText(m, "/k/AuthKey_54321EDCBA.p8")
	f := m.form
	m.Update(checkResultMsg{seq: f.seq, report: &certs.Report{Usable: true, Format: certs.FormatP8, TokenKey: &certs.TokenKeyInfo{KeyID: "54321EDCBA", Curve: "P-256"}}})
	if !f.visible(fKeyID) || f.f[fKeyID].value() != "54321EDCBA" {
		t.Fatalf("key ID %q", f.f[fKeyID].value())
	}
	if f.f[fTopic].isChoice() {
		t.Fatal("a token key's topic should be typed")
	}
}

func TestFormUnusableNeedsConfirmation(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	typeText(m, "old")
	m.Update(common.KeyPress("down"))
	typeText(m, "/c/old.p12")
	f := m.form
	m.Update(checkResultMsg{seq: f.seq, report: problem(certReport("old.p12", -3, certs.Development), certs.CodeExpired, "The certificate expired.", "")})
	_, cmd := m.Update(common.KeyPress("ctrl+s"))
	if f.confirm == nil || cmd != nil {
		t.Fatal("an expired certificate was saved without a confirmation")
	}
	if out := strip(m.View()); !strings.Contains(out, "expired") || !strings.Contains(out, "Save it anyway?") {
		t.Fatalf("the confirmation does not say why:\n%s", out)
	}
	m.Update(common.KeyPress("n"))
	if f.confirm != nil || m.form == nil {
		t.Fatal("n should go back to the form")
	}
}

func TestFormSavesToStore(t *testing.T) {
	dir := t.TempDir()
	store, err := profiles.Open(filepath.Join(dir, "home"))
	if err != nil {
		t.Fatal(err)
	}
	cert := filepath.Join(dir, "dev.p12")
	os.WriteFile(cert, []byte("x"), 0o600)
	c := plain()
	c.Store = store
	m := New(c)
	m.SetSize(80, 19)
	m.Update(run(m.Init()))
	m.Update(common.KeyPress("a"))
	typeText(m, "dev")
	m.Update(common.KeyPress("down"))
	typeText(m, cert)
	f := m.form
	m.Update(checkResultMsg{seq: f.seq, needsPw: true, report: certReport("dev.p12", 100, certs.Development)})
	m.Update(common.KeyPress("down"))
	typeText(m, "secret")
	f.checked = f.seq // the password was accepted
	_, cmd := m.Update(common.KeyPress("ctrl+s"))
	if m.form != nil {
		t.Fatalf("the form stayed open: %q", f.err)
	}
	msgs := runAll(cmd)
	var sawPw, sawSave bool
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case common.PasswordMsg:
			sawPw = msg.Profile == "dev" && msg.Password == "secret"
		case savedMsg:
			sawSave = msg.err == nil && msg.activate
		}
	}
	if !sawPw || !sawSave {
		t.Fatalf("password handed over %v, saved and activated %v", sawPw, sawSave)
	}
	p, err := store.Profile("dev")
	if err != nil {
		t.Fatal(err)
	}
	if p.Password.Kind != "prompt" || p.Environment != certs.Development || p.Topic != "com.example.app" {
		t.Fatalf("saved %+v", p)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "home", "profiles.json"))
	if strings.Contains(string(b), "secret") {
		t.Fatal("the password was written to disk")
	}
}

func TestCompletePath(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"AuthKey_ABC.p8", "AuthKey_ABD.p8", "dev.p12"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	v, c := completePath(dir + "/Au")
	if v != dir+"/AuthKey_AB" || len(c) != 2 {
		t.Fatalf("got %q %v", v, c)
	}
	if v, c := completePath(dir + "/d"); v != dir+"/dev.p12" || c != nil {
		t.Fatalf("got %q %v", v, c)
	}
	if v, _ := completePath(dir + "/s"); v != dir+"/sub/" {
		t.Fatalf("a folder completes to %q", v)
	}
	if v, c := completePath(dir + "/zzz"); v != dir+"/zzz" || c != nil {
		t.Fatalf("no match gives %q %v", v, c)
	}
}

func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

// runAll runs a Cmd and the Cmds of batches and sequences it returns.
func runAll(cmd tea.Cmd) []tea.Msg {
	msg := run(cmd)
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runAll(c)...)
		}
		return out
	case nil:
		return nil
	}
	if s, ok := asSequence(msg); ok {
		var out []tea.Msg
		for _, c := range s {
			out = append(out, runAll(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func hasMsg(cmd tea.Cmd, want tea.Msg) bool {
	for _, m := range runAll(cmd) {
		if m == want {
			return true
		}
	}
	return false
}

// TestGoldenDialogs: every question of the screen fits its area at every
// size, its answer keys on screen (the "Save it anyway?" question was
// drawn below a 60x16 screen).
func TestGoldenDialogs(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Run("save-anyway", func(t *testing.T) {
				m := loaded(t, sz.w, sz.h, nil, nil, "")
				m.Update(common.KeyPress("a"))
				typeText(m, "old")
				m.Update(common.KeyPress("down"))
				typeText(m, "/c/old.p12")
				f := m.form
				m.Update(checkResultMsg{seq: f.seq, report: problem(certReport("old.p12", -3, certs.Development), certs.CodeExpired, "The certificate expired on 2026-02-26.", "Make a new one in the Apple developer account.")})
				m.Update(common.KeyPress("ctrl+s"))
				out := strip(m.View())
				lines := strings.Split(out, "\n")
				if len(lines) > sz.h || !strings.Contains(lines[len(lines)-1], "Save it anyway?") {
					t.Fatalf("the question is not the last line on screen:\n%s", out)
				}
				golden.RequireEqual(t, out)
			})
			t.Run("password", func(t *testing.T) {
				ps, h := sixProfiles()
				h["wrongpw"] = common.Health{Locked: true}
				m := loaded(t, sz.w, sz.h, ps, h, "app-dev")
				for range 5 {
					m.Update(common.KeyPress("down"))
				}
				m.Update(common.KeyPress("enter"))
				typeText(m, "secret")
				out := strip(m.View())
				if m.prompt == nil || strings.Contains(out, "secret") || !strings.Contains(out, "••••••") {
					t.Fatalf("no masked prompt:\n%s", out)
				}
				golden.RequireEqual(t, out)
			})
			t.Run("delete", func(t *testing.T) {
				ps, h := sixProfiles()
				m := loaded(t, sz.w, sz.h, ps, h, "app-dev")
				m.Update(common.KeyPress("x"))
				out := strip(m.View())
				if !strings.Contains(out, "y delete") {
					t.Fatalf("the question is not on screen:\n%s", out)
				}
				golden.RequireEqual(t, out)
			})
		})
	}
}

// After a restart the cursor is on the active profile.
func TestCursorStartsOnActive(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "nokey")
	if p := m.Selected(); p == nil || p.Name != "nokey" {
		t.Fatalf("cursor on %v", p)
	}
}

// u unlocks a locked profile to read its health without activating it.
func TestUnlockWithoutActivating(t *testing.T) {
	ps, h := sixProfiles()
	h["wrongpw"] = common.Health{Locked: true}
	m := loaded(t, 80, 19, ps, h, "app-dev")
	for range 5 {
		m.Update(common.KeyPress("down"))
	}
	m.Update(common.KeyPress("u"))
	if m.prompt == nil || m.prompt.activate {
		t.Fatal("u did not ask for the password")
	}
	typeText(m, "pw")
	m.Update(common.KeyPress("enter"))
	rep := certReport("locked.p12", 100, certs.Production)
	_, cmd := m.Update(unlockMsg{run: m.prompt.run, name: "wrongpw", pw: "pw", health: common.Health{Report: rep}})
	for _, msg := range runAll(cmd) {
		if _, ok := msg.(common.ActivateProfileMsg); ok {
			t.Fatal("u activated the profile")
		}
	}
	if !hasMsg(cmd, common.PasswordMsg{Profile: "wrongpw", Password: "pw"}) || m.activeNm != "app-dev" {
		t.Fatal("the password was not kept, or the active profile changed")
	}
	if !strings.Contains(strip(m.View()), "✓ 100d") {
		t.Fatalf("the health is not shown:\n%s", strip(m.View()))
	}
}

// s puts the most urgent profile first (issue 18: sort by urgency).
func TestSortByUrgency(t *testing.T) {
	ps, h := sixProfiles()
	m := loaded(t, 80, 19, ps, h, "app-dev")
	m.Update(common.KeyPress("s"))
	var got []string
	for _, p := range m.Profiles() {
		got = append(got, p.Name)
	}
	if got[len(got)-1] != "app-dev" || got[len(got)-2] != "app-prod" {
		t.Fatalf("order %v: the healthiest last, 9 days before 287", got)
	}
	if m.Selected().Name != "app-dev" {
		t.Fatal("the cursor left the selected profile")
	}
}

// One wording for a not-yet-valid certificate: never "394 days left".
func TestNotYetValidSaysSo(t *testing.T) {
	r := problem(certReport("future.p12", 394, certs.Development), certs.CodeNotYetValid, "not yet valid", "")
	if got := common.DaysText(r); !strings.HasPrefix(got, "not valid until ") {
		t.Fatalf("%q", got)
	}
	if b, _ := (common.Health{Report: r}).Badge(); b != "✗ not yet valid" {
		t.Fatalf("badge %q", b)
	}
}

// The shell is told which saved profiles expire soon (issue 18: the
// header warns whichever profile is active).
func TestTellsShellWhatExpires(t *testing.T) {
	ps, h := sixProfiles()
	m := New(plain())
	m.SetSize(80, 19)
	m.run = 1
	m.Update(listMsg{run: 1, profiles: ps, active: "app-dev"})
	var got []string
	for name, hh := range h {
		_, cmd := m.Update(healthMsg{run: 1, name: name, health: hh})
		if cmd != nil {
			if e, ok := cmd().(common.ExpiringMsg); ok {
				got = e.Names
			}
		}
	}
	if strings.Join(got, ",") != "app-prod,expired" {
		t.Fatalf("expiring %v, want app-prod (9 days) and expired", got)
	}
}
