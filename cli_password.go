package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// passwordFlags are the ways a password reaches pushdeck. It never travels on
// the command line, where `ps` and shell history would keep it.
type passwordFlags struct {
	file  string
	stdin bool
}

func (p *passwordFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.file, "password-file", "", "read the credential password from `FILE` (first line)")
	fs.BoolVar(&p.stdin, "password-stdin", false, "read the credential password from standard input (first line)")
}

// errNoPassword means no source gave a password and none could be asked for.
var errNoPassword = errors.New("no password given: set PUSHDECK_PASSWORD, or use --password-file F or --password-stdin")

// password returns the password from, in order: --password-file,
// --password-stdin, $PUSHDECK_PASSWORD, or a masked prompt when stdin is a
// terminal. ok is false when no source gave one (the caller decides whether
// an empty password is worth trying).
func (p *passwordFlags) password(e env, what string) (pw string, ok bool, err error) {
	switch {
	case p.file != "":
		b, err := os.ReadFile(p.file)
		if err != nil {
			return "", false, fmt.Errorf("cannot read the password file: %w", err)
		}
		return firstLine(string(b)), true, nil
	case p.stdin:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, fmt.Errorf("--password-stdin: nothing on standard input")
		}
		return firstLine(line), true, nil
	}
	if v, set := lookupEnv(e, "PUSHDECK_PASSWORD"); set {
		return v, true, nil
	}
	if f, isFile := e.stdin.(*os.File); isFile && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "Password for %s: ", what)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", false, fmt.Errorf("reading the password: %w", err)
		}
		return string(b), true, nil
	}
	return "", false, nil
}

func lookupEnv(e env, name string) (string, bool) {
	if e.getenv == nil {
		return "", false
	}
	v := e.getenv(name)
	return v, v != ""
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
