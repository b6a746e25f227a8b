package session

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/profiles"
)

// PasswordEnv is the environment variable every command and the console
// read a credential's password from when nothing more specific names one.
const PasswordEnv = "PUSHDECK_PASSWORD"

// maxPasswordFile bounds a password file (and --password-stdin): a password
// is one short line, so a bigger file is a mistake (a log, a binary).
const maxPasswordFile = fsafe.LimitPassword

// Env is what this package may touch of the outside world, so the CLI, the
// console and tests can each give their own.
type Env struct {
	// Stdin is read by --password-stdin; nil reads nothing.
	Stdin io.Reader
	// LookupEnv reads an environment variable; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Prompt asks for a password without echo (the CLI on a terminal).
	// ok is false when it cannot ask. nil: never asks (the console asks in
	// its own prompt and passes what was typed as Typed).
	Prompt func(what string) (pw string, ok bool, err error)
}

func (e Env) lookup(name string) (string, bool) {
	if e.LookupEnv == nil {
		return os.LookupEnv(name)
	}
	return e.LookupEnv(name)
}

// PasswordFlags are the command line's explicit password sources. The
// password itself never travels on the command line, where ps and shell
// history would keep it.
type PasswordFlags struct {
	File  string // --password-file: the first line of this file
	Stdin bool   // --password-stdin: the first line of standard input
}

// Given reports whether a flag names a source.
func (f PasswordFlags) Given() bool { return f.File != "" || f.Stdin }

// PasswordRequest is one question "what is the password of this credential".
type PasswordRequest struct {
	// What names the credential in prompts and messages (a file name or
	// "profile NAME").
	What string
	// Flags are the command line's explicit sources (the console has none).
	Flags PasswordFlags
	// Typed is a password typed earlier in this console session, if any.
	Typed *string
	// Source is the profile's recorded source (zero without a profile).
	Source profiles.PasswordSource
}

// Password finds a password by the one rule that the CLI and the console
// share. The first source that applies wins:
//
//  1. --password-file FILE: its first line (up to CR or LF); FILE must be a
//     regular file of at most 64 KiB.
//  2. --password-stdin: the first line of standard input (CR/LF trimmed).
//  3. the password typed for this profile earlier in the console session.
//  4. the profile's source: "env VAR" is VAR's value, "file F" is F's first
//     line as in 1; "prompt" and "none" go on to 5.
//  5. $PUSHDECK_PASSWORD.
//  6. a masked prompt, when Env.Prompt can ask (the CLI on a terminal).
//
// Callers ask only for a credential the empty password does not open
// (NeedsPassword), so an environment variable that is set but empty is an
// error that names it (a variable left empty by mistake, not a password);
// one that is not set is skipped. ok is false when no source gave a
// password; err is a source that is broken (an unreadable file, an empty
// variable, nothing on standard input).
func (e Env) Password(req PasswordRequest) (pw string, ok bool, err error) {
	switch {
	case req.Flags.File != "":
		pw, err := ReadPasswordFile(req.Flags.File)
		if err != nil {
			return "", false, fmt.Errorf("cannot read the password file: %w", err)
		}
		return pw, true, nil
	case req.Flags.Stdin:
		if e.Stdin == nil {
			return "", false, errors.New("--password-stdin: nothing on standard input")
		}
		line, err := bufio.NewReader(io.LimitReader(e.Stdin, maxPasswordFile)).ReadString('\n')
		if err != nil && line == "" {
			return "", false, errors.New("--password-stdin: nothing on standard input")
		}
		return humanize.FirstLine(fsafe.StripBOMString(line)), true, nil
	case req.Typed != nil:
		return *req.Typed, true, nil
	}
	var unsetVar string
	switch req.Source.Kind {
	case profiles.PasswordFromEnv:
		v, set := e.lookup(req.Source.Name)
		if set && v == "" {
			return "", false, fmt.Errorf("%s takes its password from $%s, which is set but empty: set it to the password, or unset it", req.What, req.Source.Name)
		}
		if set {
			return v, true, nil
		}
		unsetVar = req.Source.Name
	case profiles.PasswordFromFile:
		pw, err := ReadPasswordFile(req.Source.Name)
		if err != nil {
			return "", false, fmt.Errorf("cannot read the profile's password file: %w", err)
		}
		return pw, true, nil
	}
	if v, set := e.lookup(PasswordEnv); set {
		if v == "" {
			return "", false, fmt.Errorf("$%s is set but empty: set it to the password of %s, or unset it", PasswordEnv, req.What)
		}
		return v, true, nil
	}
	if e.Prompt != nil {
		pw, ok, err := e.Prompt(req.What)
		if err != nil || ok {
			return pw, ok, err
		}
	}
	if unsetVar != "" {
		return "", false, &UnsetVarError{What: req.What, Var: unsetVar}
	}
	return "", false, nil
}

// UnsetVarError says that the variable a profile names for its password is
// not set and nothing else gave one.
type UnsetVarError struct{ What, Var string }

func (e *UnsetVarError) Error() string {
	return fmt.Sprintf("%s takes its password from $%s, which is not set: set it (export %s=...)", e.What, e.Var, e.Var)
}

// NeedsPassword reports whether the credential at path (or its separate key
// file) is protected by a password the empty one does not open. A file that
// cannot be read needs none: loading it reports the real problem.
func NeedsPassword(path, keyPath string) bool {
	need, err := certs.NeedsPassword(path)
	if err != nil {
		need = false
	}
	if !need && keyPath != "" {
		need, _ = certs.NeedsPassword(keyPath)
	}
	return need
}

// ReadPasswordFile reads a password file: its first line, without the CR or
// LF that ends it, and without a UTF-8 byte order mark at its start (Windows
// editors add one; it would become part of the password). Only a regular
// file of at most 1 KB is read; a FIFO, device or folder is refused before
// anything is read from it.
func ReadPasswordFile(path string) (string, error) {
	b, err := fsafe.ReadFile(path, fsafe.LimitPassword, "password file")
	if err != nil {
		return "", err
	}
	return humanize.FirstLine(string(fsafe.StripBOM(b))), nil
}
