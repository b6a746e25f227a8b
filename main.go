// Command pushdeck is a keyboard-driven terminal console for Apple Push
// Notification service. With no subcommand it opens the console; the
// subcommands share the same core for scripts, CI and support checks.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes shared by every subcommand.
const (
	exitOK       = 0 // done; usable; all sent; probe ok; payload valid
	exitFailed   = 1 // not usable; some sends failed; probe failed; payload invalid
	exitUsage    = 2 // usage error, unreadable file, credential error before sending
	exitInternal = 3
)

// env is what a subcommand may touch of the outside world, so tests can run
// commands in-process with their own streams.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(e env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "open the console on a built-in local APNs server (no Apple account needed)", runDemo},
		{"inspect", "health report of a credential (.p12, PEM, ck.pem, .cer + key, .p8)", runInspect},
		{"export", "convert a .p12 into PEM (ck.pem, or separate cert and key files)", runExport},
		{"send", "send a notification to one or more devices", runSend},
		{"probe", "check each link to APNs: DNS, TCP, TLS, HTTP/2, credential", runProbe},
		{"lint", "validate a payload and its headers against APNs rules", runLint},
		{"mock", "run a local APNs server for tests and your own backend", runMock},
		{"profiles", "list, show, add and remove credential profiles", runProfiles},
		{"devices", "list, add, remove, import and export saved device tokens", runDevices},
		{"history", "query the history of sends", runHistory},
	}
}

func main() {
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(e, os.Args[1:]))
}

func run(e env, args []string) int {
	if len(args) == 0 {
		return runConsole(e, nil)
	}
	switch args[0] {
	case "help", "-h", "--help":
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(e, []string{"--help"})
				}
			}
		}
		usage(e.stdout)
		return exitOK
	case "version", "--version", "-v":
		fmt.Fprintf(e.stdout, "pushdeck %s\n", version)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, args[1:])
		}
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		return runConsole(e, args)
	}
	fmt.Fprintf(e.stderr, "pushdeck: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "pushdeck %s: a terminal console for Apple Push Notification service\n\n", version)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  pushdeck                 open the console")
	for _, c := range commands() {
		fmt.Fprintf(w, "  pushdeck %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  pushdeck help COMMAND    help for one command")
	fmt.Fprintln(w, "  pushdeck --version       print the version")
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 failed (not usable, not sent, invalid), 2 usage or credential error.")
}
