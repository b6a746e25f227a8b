package creds

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// p12Fixture is a real password-protected PKCS#12 file.
func p12Fixture(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures", "prod-keychain-3des.p12"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The report: a password typed straight after the path (focus
// still in Credential) was drawn in clear text. It is never drawn, and the
// check moves it into the masked password field.
func TestFormPasswordTypedAfterPathNeverShown(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	m.Update(common.KeyPress("down"))
	path := p12Fixture(t)
	m.form.f[fPath].input.SetValue(path)
	m.form.f[fPath].input.CursorEnd()
	typeText(m, "Winter 2026!")
	if out := strip(m.View()); strings.Contains(out, "Winter") {
		t.Fatalf("the password typed in the path field is on screen:\n%s", out)
	}
	f := m.form
	msg := checkCmd(context.Background(), f.seq, f.f[fPath].input.Value(), "", "", "", "")()
	r, ok := msg.(checkResultMsg)
	if !ok || !r.split || r.rest != "Winter 2026!" {
		t.Fatalf("the check did not find the file inside the path: %#v", msg)
	}
	m.Update(r)
	if got := f.f[fPath].input.Value(); got != path {
		t.Fatalf("path %q, want the file alone", got)
	}
	if got := f.f[fPassword].input.Value(); got != "Winter 2026!" || f.focus != fPassword {
		t.Fatalf("password %q, focus %d: the text belongs in the masked field", got, f.focus)
	}
	if out := strip(m.View()); strings.Contains(out, "Winter") || !strings.Contains(out, "••••") {
		t.Fatalf("the password is not masked:\n%s", out)
	}
}

// Once the check says the file needs a password, focus moves to the
// password field; keys typed after the complete path go there.
func TestFormFocusMovesToPasswordWhenNeeded(t *testing.T) {
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	m.Update(common.KeyPress("down"))
	path := p12Fixture(t)
	m.form.f[fPath].input.SetValue(path)
	m.form.f[fPath].input.CursorEnd()
	f := m.form
	f.seq++
	m.Update(checkCmd(context.Background(), f.seq, path, "", "", "", "")())
	if f.focus != fPassword || !f.needsPw {
		t.Fatalf("focus %d after the check asked for a password", f.focus)
	}
	// Back in the path field and typing on at its end: still masked.
	m.Update(common.KeyPress("up"))
	if f.focus != fPath {
		t.Fatalf("focus %d", f.focus)
	}
	typeText(m, "hello")
	m.Update(tea.PasteMsg{Content: "123"})
	if f.f[fPath].input.Value() != path || f.f[fPassword].input.Value() != "hello123" {
		t.Fatalf("path %q password %q", f.f[fPath].input.Value(), f.f[fPassword].input.Value())
	}
	if strings.Contains(strip(m.View()), "hello") {
		t.Fatal("password drawn")
	}
}

func TestSplitAfterCredExt(t *testing.T) {
	for _, c := range []struct{ in, file, rest string }{
		{"/c/prod.p12Winter", "/c/prod.p12", "Winter"},
		{"/c/PROD.P12 x", "/c/PROD.P12", " x"},
		{"/c/prod.p12", "", ""},
		{"/c/prod.pem.bak", "", ""},
		{"/c.p12/x", "", ""},
	} {
		f, r, ok := splitAfterCredExt(c.in)
		if f != c.file || r != c.rest || ok != (c.file != "") {
			t.Errorf("%q: %q %q %v", c.in, f, r, ok)
		}
	}
}

// The file browser: typing a name jumps to it (it could not).
func TestBrowserJumpsByTyping(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"alpha.p12", "beta.p12", "bravo.pem", "charlie.p8"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m := loaded(t, 80, 19, nil, nil, "")
	m.Update(common.KeyPress("a"))
	m.Update(common.KeyPress("down"))
	m.form.f[fPath].input.SetValue(dir + "/")
	cmd := m.form.openBrowser()
	// The folder read the picker asked for (its Cmd), fed back as the
	// program would.
	for _, msg := range runAll(cmd) {
		m.Update(msg)
	}
	if m.form.browser == nil {
		t.Fatal("no browser")
	}
	for _, c := range []struct{ keys, want string }{{"b", "beta.p12"}, {"r", "bravo.pem"}, {"c", "charlie.p8"}, {"z", "charlie.p8"}} {
		for _, r := range c.keys {
			m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		}
		if got := filepath.Base(m.form.browser.HighlightedPath()); got != c.want {
			t.Fatalf("after %q: on %q, want %q", c.keys, got, c.want)
		}
	}
}
