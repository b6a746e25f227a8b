// Package cli is pushdeck's command line: one file per command on cobra,
// styled by fang (help, errors, --version, completions, a man page). With
// no command it opens the console.
//
// Every command has an Options struct its flags fill and a run function
// that does the work and returns the exit code; tests call the command
// line in-process through run. Commands touch the outside world only
// through env (streams and environment variables).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/session"
)

// Exit codes shared by every command, documented in the root help.
const (
	exitOK       = 0 // done; usable; all sent; probe ok; payload valid
	exitFailed   = 1 // not usable; some sends failed; probe failed; payload invalid
	exitUsage    = 2 // usage error, unreadable file, credential error before sending
	exitInternal = 3
)

// env is what a command may touch of the outside world (an IOStreams), so
// tests run commands in-process with their own streams and environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// getenv reads a variable; an empty value counts as not set unless
	// lookupEnv is given.
	getenv func(string) string
	// lookupEnv tells a variable set but empty from one not set (the
	// real environment); nil derives it from getenv.
	lookupEnv func(string) (string, bool)
	version   string
}

// lookup reads an environment variable.
func (e env) lookup(name string) (string, bool) {
	if e.lookupEnv != nil {
		return e.lookupEnv(name)
	}
	if e.getenv == nil {
		return "", false
	}
	v := e.getenv(name)
	return v, v != ""
}

// session is what the session package may use of e: standard input for
// --password-stdin, the environment, and a masked prompt on a terminal.
func (e env) session() session.Env {
	return session.Env{Stdin: e.stdin, LookupEnv: e.lookup, Prompt: e.prompt}
}

// prompt asks for a password without echo when standard input is a
// terminal; ok is false otherwise.
func (e env) prompt(what string) (string, bool, error) {
	f, isFile := e.stdin.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return "", false, nil
	}
	fmt.Fprintf(e.stderr, "Password for %s: ", what)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", false, fmt.Errorf("reading the password: %w", err)
	}
	return string(b), true, nil
}

// Main runs pushdeck with the process's arguments and streams and returns
// the exit code; version is what --version prints.
func Main(version string) int {
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, lookupEnv: os.LookupEnv, version: version}
	return runContext(context.Background(), e, os.Args[1:])
}

// run runs one command line in-process (tests call it).
func run(e env, args []string) int {
	return runContext(context.Background(), e, args)
}

// runContext builds the command tree, runs args through fang and turns the
// outcome into the exit code: the one place where errors become codes.
func runContext(ctx context.Context, e env, args []string) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	version := e.version
	if version == "" {
		version = "dev"
	}
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithErrorHandler(func(w io.Writer, st fang.Styles, err error) { printError(e, w, st, err) }),
	)
	return exitCode(err)
}

// exitError carries a command's exit code; the command has already said
// what went wrong (or, for 1, its output is the answer), so nothing more is
// printed.
type exitError struct{ code int }

func (x *exitError) Error() string { return fmt.Sprintf("exit status %d", x.code) }

// codeErr turns a run function's exit code into what RunE returns.
func codeErr(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code}
}

// usageError is a mistake on the command line found by cobra or by the
// flag layer (unknown command, unknown flag, bad flag value): exit 2, with
// the message and where to find help.
type usageError struct {
	msg  string
	help string // the command whose --help to suggest
}

func (u *usageError) Error() string { return u.msg }

// exitCode maps the outcome of a command line to pushdeck's exit codes.
func exitCode(err error) int {
	var x *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &x):
		return x.code
	}
	// Everything else comes from cobra or the flag layer before a command
	// ran: a usage error.
	return exitUsage
}

// printError writes a usage error to stderr: fang's styled block on a
// terminal, one plain line per message otherwise. A command's own exit
// code (exitError) prints nothing: the command has spoken.
func printError(e env, w io.Writer, st fang.Styles, err error) {
	var x *exitError
	if errors.As(err, &x) {
		return
	}
	help := "pushdeck --help"
	var u *usageError
	if errors.As(err, &u) && u.help != "" {
		help = u.help + " --help"
	}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fang.DefaultErrorHandler(w, st, err)
		return
	}
	msg := textsafe.CleanMultiline(strings.TrimRight(err.Error(), "\n")) // may quote a file or a flag value
	fmt.Fprintf(e.stderr, "pushdeck: %s\nSee '%s' for usage.\n", msg, help)
}

// flagError turns a flag parse error into a usage error, and explains the
// flag that does not exist on purpose.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown flag: --password") && !strings.HasPrefix(msg, "unknown flag: --password-") ||
		strings.HasPrefix(msg, "unknown flag: --password=") {
		return &usageError{msg: passwordFlagHelp, help: c.CommandPath()}
	}
	return &usageError{msg: c.CommandPath() + ": " + msg, help: c.CommandPath()}
}

// passwordFlagHelp answers --password, which pushdeck leaves out on
// purpose. Lines stay short: fang's error block wraps at the terminal's
// width, and adds the final full stop.
const passwordFlagHelp = `there is no --password flag, on purpose: shell history and ps
would keep the password. Give it one of three safe ways:
  PUSHDECK_PASSWORD=...   an environment variable
  --password-file FILE    the first line of FILE (mode 0600)
  (a terminal)            run in a terminal and type it when asked
A script can also pipe it in with --password-stdin`

// jsonEncoder is the encoder of every --json output: encoding/json's, writing
// through textsafe.JSONWriter, so the C1 controls and bidi overrides a label,
// reason or certificate subject may carry reach the terminal escaped (\u009b),
// not raw, and still decode to the same text.
func jsonEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(textsafe.JSONWriter(w)) }
