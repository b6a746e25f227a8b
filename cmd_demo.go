package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/ui"
)

// Demo profile names.
const (
	demoDevProfile   = "demo-dev"
	demoProdProfile  = "demo-prod"
	demoTokenProfile = "demo-token"
)

func consoleFlags(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, usage)
		fmt.Fprintln(e.stderr, "\nKeys: 1-6 or tab switch screens, ? shows every key, q quits (ctrl+c always).")
	}
	return fs
}

// runConsole opens the console on the user's own config folder.
func runConsole(e env, args []string) int {
	fs := consoleFlags(e, "pushdeck", "Usage: pushdeck\n\nOpens the console on your profiles ($PUSHDECK_HOME, else the user config folder).")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pushdeck: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if !isTerminal(e) {
		fmt.Fprintln(e.stderr, "pushdeck: the console needs a terminal; for scripts use the commands (pushdeck help)")
		return exitUsage
	}
	dir, err := profiles.DefaultDir()
	if err != nil {
		fmt.Fprintln(e.stderr, "pushdeck:", err)
		return exitUsage
	}
	store, err := profiles.Open(dir)
	if err != nil {
		fmt.Fprintln(e.stderr, "pushdeck:", err)
		return exitUsage
	}
	m := ui.New(ui.Options{Store: store, NoColor: noColor(e), StartDemo: newDemoWorld})
	return runProgram(e, m)
}

// runDemo opens the console on the built-in demo world, removed on exit.
func runDemo(e env, args []string) int {
	fs := consoleFlags(e, "demo", `Usage: pushdeck demo

Opens the console on a built-in demo: two local APNs servers (development and
production) under a throwaway CA, a universal demo certificate, a token key and
demo devices (one that receives, one Unregistered, one registered in the other
environment). Nothing of your own config is read or written; it is all removed
when you quit.`)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pushdeck demo: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if !isTerminal(e) {
		fmt.Fprintln(e.stderr, "pushdeck demo: the console needs a terminal (for a local APNs server in scripts, use pushdeck mock)")
		return exitUsage
	}
	w, err := newDemoWorld()
	if err != nil {
		fmt.Fprintln(e.stderr, "pushdeck demo:", err)
		return exitInternal
	}
	defer w.Close()
	m := ui.New(ui.Options{Store: w.Store, Demo: true, Passwords: w.Passwords, NoColor: noColor(e)})
	return runProgram(e, m)
}

func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func noColor(e env) bool { return e.getenv("NO_COLOR") != "" }

func isTerminal(e env) bool {
	in, ok1 := e.stdin.(*os.File)
	out, ok2 := e.stdout.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

func runProgram(e env, m *ui.Model) int {
	opts := []tea.ProgramOption{tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	_, err := tea.NewProgram(m, opts...).Run()
	cerr := m.Close()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(e.stderr, "pushdeck:", err)
		return exitInternal
	}
	if cerr != nil {
		fmt.Fprintln(e.stderr, "pushdeck: cleaning up the demo:", cerr)
	}
	return exitOK
}

// newDemoWorld starts the demo servers and fills a store in a temporary
// folder with the demo profiles and devices; Close removes all of it.
func newDemoWorld() (ui.DemoWorld, error) {
	d, err := apnstest.NewDemo()
	if err != nil {
		return ui.DemoWorld{}, fmt.Errorf("cannot start the demo servers: %w", err)
	}
	dir, err := os.MkdirTemp("", "pushdeck-demo-home-")
	if err != nil {
		d.Close()
		return ui.DemoWorld{}, fmt.Errorf("cannot make a temporary folder for the demo: %w", err)
	}
	closeAll := func() error {
		return errors.Join(d.Close(), os.RemoveAll(dir))
	}
	w, err := fillDemoStore(d, dir)
	if err != nil {
		closeAll()
		return ui.DemoWorld{}, err
	}
	w.Close = closeAll
	return w, nil
}

func fillDemoStore(d *apnstest.Demo, dir string) (ui.DemoWorld, error) {
	store, err := profiles.Open(dir)
	if err != nil {
		return ui.DemoWorld{}, err
	}
	pwSource := profiles.PasswordSource{Kind: "none"}
	pws := map[string]string{}
	if d.CertPassword != "" {
		pwSource = profiles.PasswordSource{Kind: "prompt"}
		pws[demoDevProfile], pws[demoProdProfile] = d.CertPassword, d.CertPassword
	}
	cert := func(name string, env certs.Environment, srv *apnstest.Server, note string) profiles.Profile {
		return profiles.Profile{Name: name, CertPath: d.CertPath, Auth: certs.AuthCertificate, Environment: env,
			Topic: d.Topic, Host: srv.URL(), ServerCA: d.ServerCAPath, Password: pwSource, Notes: note}
	}
	ps := []profiles.Profile{
		cert(demoDevProfile, certs.Development, d.Development, "demo: the universal certificate on the local development server"),
		cert(demoProdProfile, certs.Production, d.Production, "demo: the universal certificate on the local production server"),
		{Name: demoTokenProfile, CertPath: d.P8Path, Auth: certs.AuthToken, KeyID: d.KeyID, TeamID: d.TeamID,
			Environment: certs.Development, Topic: d.Topic, Host: d.Development.URL(), ServerCA: d.ServerCAPath,
			Password: profiles.PasswordSource{Kind: "none"}, Notes: "demo: a token key (.p8) on the local development server"},
	}
	for _, p := range ps {
		if err := store.SaveProfile(p); err != nil {
			return ui.DemoWorld{}, fmt.Errorf("demo profile %s: %w", p.Name, err)
		}
	}
	now := time.Now().UTC()
	for _, dd := range d.Devices {
		dev := profiles.Device{Label: dd.Label, Token: dd.Token, Environment: dd.Environment, Topic: d.Topic, AddedAt: now}
		if _, _, err := store.AddDevice(dev); err != nil {
			return ui.DemoWorld{}, fmt.Errorf("demo device %s: %w", dd.Label, err)
		}
	}
	if err := store.SetActive(demoDevProfile); err != nil {
		return ui.DemoWorld{}, err
	}
	return ui.DemoWorld{Store: store, Passwords: pws}, nil
}

