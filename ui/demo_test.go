package ui_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/ui"
	"github.com/pushdeck/pushdeck/ui/common"
	"github.com/pushdeck/pushdeck/ui/probe"
)

func TestDemoWorldIsTemporary(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PUSHDECK_HOME", home)
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	dir := w.Store.Dir
	ps, err := w.Store.Profiles()
	if err != nil || len(ps) != 3 {
		t.Fatalf("demo profiles %v, %v", ps, err)
	}
	active, _ := w.Store.Active()
	if active != ui.DemoDevProfile {
		t.Fatalf("active profile %q", active)
	}
	var dev, prod, token bool
	for _, p := range ps {
		switch {
		case p.Auth == certs.AuthToken:
			token = true
		case p.Environment == certs.Development:
			dev = true
		case p.Environment == certs.Production:
			prod = true
		}
		if p.Host == "" || p.ServerCA == "" {
			t.Fatalf("profile %s does not point at a demo server: %+v", p.Name, p)
		}
	}
	if !dev || !prod || !token {
		t.Fatal("the demo needs a development, a production and a token profile")
	}
	devs, err := w.Store.Devices()
	if err != nil || len(devs) < 6 {
		t.Fatalf("demo devices %d, %v", len(devs), err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the demo folder %s is still there", dir)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("the demo wrote into PUSHDECK_HOME: %v", entries)
	}
}

// TestDemoSmoke starts the demo world, opens the console on it, probes the
// active profile over real TLS and HTTP/2 on loopback, and quits.
func TestDemoSmoke(t *testing.T) {
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := ui.New(ui.Options{Store: w.Store, Demo: true, Passwords: w.Passwords, NoColor: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	// The profiles and the active profile's credential load in Cmds: probe
	// once the list and the header show them.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("demo-token")) && bytes.Contains(b, []byte("days left"))
	}, teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: '2', Text: "2"})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Every link works")) },
		teatest.WithDuration(15*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*ui.Model)
	p := final.Screen(1).(*probe.Model)
	if v := p.Verdict(); v == nil || !v.OK {
		t.Fatalf("probe verdict %+v", v)
	}
	// dns, tcp, tls, http2, auth, then the demo server's channel management.
	if st := p.Steps(); len(st) != 6 || st[5].Name != "channels" || !st[5].OK {
		t.Fatalf("%d probe steps: %+v", len(st), st)
	}
	final.Close()
}

// TestDemoWalkAt60x16 walks the demo at the smallest size the console
// promises, as a user would: probe, select every device, send, read a
// failure's detail, filter History by status. Every frame fits 60x16.
func TestDemoWalkAt60x16(t *testing.T) {
	if testing.Short() {
		t.Skip("a full demo send")
	}
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := ui.New(ui.Options{Store: w.Store, Demo: true, Passwords: w.Passwords, NoColor: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(60, 16))
	key := func(keys ...string) {
		for _, k := range keys {
			tm.Send(common.KeyPress(k))
		}
	}
	// The renderer writes only what changed: each check asks for a full
	// repaint. (The model is the program's while it runs: its frames are
	// measured once it has ended, below, and by the 60x16 goldens.)
	see := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			tm.Send(tea.ClearScreen())
			return bytes.Contains(b, []byte(what))
		}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(25*time.Millisecond))
	}
	see("364d")
	key("2", "enter")
	see("Every link works")
	key("4", "A")
	// The device tokens only: the Live Activity tokens have their own view (L).
	see("selected 4 devices")
	key("5", "enter")
	see("done:")
	key("f", "enter")
	see("apns-unique-id")
	key("pgdown")
	see("What it means")
	key("esc", "6", "/")
	for _, r := range "410" {
		tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	key("enter")
	see("1 result matches")
	key("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*ui.Model)
	defer final.Close()
	v := final.View().Content
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("a line is %d wide: %q", ansi.StringWidth(l), l)
		}
	}
	if n := strings.Count(v, "\n") + 1; n != 16 {
		t.Fatalf("%d lines", n)
	}
}
