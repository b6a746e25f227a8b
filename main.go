// Command pushdeck is a keyboard-driven terminal console for Apple Push
// Notification service. With no command it opens the console; the commands
// (package cli) share the same core for scripts, CI and support checks.
package main

import (
	"os"

	"github.com/pushdeck/pushdeck/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() { os.Exit(cli.Main(version)) }
