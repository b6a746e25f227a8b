package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui"
)

// runConsole opens the console on the user's own config folder (bare
// pushdeck).
func runConsole(e env) int {
	if !isTerminal(e) {
		fmt.Fprintln(e.stderr, "pushdeck: the console needs a terminal; for scripts use the commands (pushdeck --help)")
		return exitUsage
	}
	store, err := session.OpenStore()
	if err != nil {
		fmt.Fprintln(e.stderr, "pushdeck:", err)
		return exitUsage
	}
	m := ui.New(ui.Options{Store: store, NoColor: noColor(e), StartDemo: ui.NewDemoWorld})
	code := runProgram(e, m)
	// What opening the store did (the old JSON files imported, a shared
	// folder left as it is) is said once the screen is back.
	cfgWarn(e, store)
	return code
}

const demoLong = `Opens the console on a built-in demo: two local APNs servers (development and
production) under a throwaway CA, a universal demo certificate, a token key and
demo devices (one that receives, one Unregistered, one registered in the other
environment). Nothing of your own config is read or written; it is all removed
when you quit.

Keys: 1-6 or tab switch screens, ? shows every key, q quits (ctrl+c always).`

func newDemoCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:     "demo",
		Short:   "Open the console on a built-in local APNs server (no Apple account needed)",
		Long:    demoLong,
		Example: "  pushdeck demo\n  go run . demo",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "demo", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runDemo(e))
		},
	}
}

// runDemo opens the console on the built-in demo world, removed on exit.
func runDemo(e env) int {
	if !isTerminal(e) {
		fmt.Fprintln(e.stderr, "pushdeck demo: the console needs a terminal (for a local APNs server in scripts, use pushdeck mock)")
		return exitUsage
	}
	w, err := ui.NewDemoWorld()
	if err != nil {
		fmt.Fprintln(e.stderr, "pushdeck demo:", err)
		return exitInternal
	}
	defer func() {
		if err := w.Close(); err != nil {
			fmt.Fprintln(e.stderr, "pushdeck demo: removing the demo's folder:", err)
		}
	}()
	m := ui.New(ui.Options{Store: w.Store, Demo: true, Passwords: w.Passwords, NoColor: noColor(e)})
	return runProgram(e, m)
}

func noColor(e env) bool { v, _ := e.lookup("NO_COLOR"); return v != "" }

func isTerminal(e env) bool {
	in, ok1 := e.stdin.(*os.File)
	out, ok2 := e.stdout.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

// killAfter is how long a signal's graceful quit may take (the console
// itself gives up waiting for running work after 5 s) before the program
// is stopped outright.
const killAfter = 8 * time.Second

func runProgram(e env, m *ui.Model) int {
	// ui.Filter turns a quit from outside (SIGTERM, SIGINT) into the quit of
	// q: a running send is cancelled and its results written first.
	opts := []tea.ProgramOption{tea.WithInput(e.stdin), tea.WithOutput(e.stdout), tea.WithFilter(ui.Filter)}
	p := tea.NewProgram(m, opts...)
	// A closed terminal (SIGHUP) or a kill (SIGTERM) quits the same way, so
	// the results are kept and the demo's servers and folder removed; if
	// that does not end the program in time, it is killed.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			p.Quit()
		case <-done:
			return
		}
		t := time.NewTimer(killAfter)
		defer t.Stop()
		select {
		case <-t.C:
			p.Kill()
		case <-done:
		}
	}()
	_, err := p.Run()
	signal.Stop(sigs)
	close(done)
	// After the terminal is restored: what quitting could not keep.
	cerr := m.Close()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(e.stderr, "pushdeck:", err)
		return exitInternal
	}
	if cerr != nil {
		fmt.Fprintln(e.stderr, "pushdeck:", strings.ReplaceAll(cerr.Error(), "\n", "\npushdeck: "))
		return exitFailed
	}
	return exitOK
}
