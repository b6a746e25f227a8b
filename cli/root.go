package cli

import (
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const rootLong = `pushdeck is a keyboard-driven terminal console for Apple Push Notification
service. With no command it opens the console on your profiles
($PUSHDECK_HOME, else the user config folder). The commands share the same
core for scripts, CI and support checks.

Keys in the console: 1-6 or tab switch screens, ? shows every key, q quits
(ctrl+c always).

Exit codes: 0 ok, 1 failed (not usable, not sent, invalid), 2 usage or
credential error.`

// newRootCmd builds the command tree for one run with e's streams.
func newRootCmd(e env) *cobra.Command {
	root := &cobra.Command{
		Use:   "pushdeck",
		Short: "A terminal console for Apple Push Notification service",
		Long:  rootLong,
		Example: `  # try the console without an Apple account
  pushdeck demo

  # check a credential, then send with it
  pushdeck inspect dev.p12
  pushdeck send --cert dev.p12 --env development --token 740f4707... --alert 'Hello'`,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(c *cobra.Command, args []string) error {
			return codeErr(runConsole(e))
		},
	}
	root.SetVersionTemplate("pushdeck {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.AddGroup(
		&cobra.Group{ID: "console", Title: "Console"},
		&cobra.Group{ID: "push", Title: "Pushing"},
		&cobra.Group{ID: "creds", Title: "Credentials"},
		&cobra.Group{ID: "book", Title: "Profiles, devices, history"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			c.SilenceErrors, c.SilenceUsage = true, true
			root.AddCommand(c)
		}
	}
	add("console", newDemoCmd(e))
	add("push", newSendCmd(e), newChannelsCmd(e), newProbeCmd(e), newLintCmd(e), newMockCmd(e))
	add("creds", newInspectCmd(e), newCheckCmd(e), newExportCmd(e))
	add("book", newProfilesCmd(e), newDevicesCmd(e), newHistoryCmd(e), newDoctorCmd(e))
	root.AddCommand(&cobra.Command{
		Use:    "version",
		Short:  "Print the version",
		Hidden: true,
		Args:   cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			fmt.Fprintf(e.stdout, "pushdeck %s\n", c.Root().Version)
		},
	})
	root.SetHelpCommand(newHelpCmd(root))
	plainFlagHelp(root)
	return root
}

// newHelpCmd is cobra's help command, except that a topic that does not
// exist is a usage error (exit 2) with a suggestion: cobra's own printed
// "Unknown help topic" and exited 0, so a script's typo looked fine.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help provides help for any command: pushdeck help send.",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if cmd == nil || err != nil || (cmd == root && len(rest) > 0) {
				topic := textsafe.Clean(strings.Join(args, " "))
				msg := fmt.Sprintf("help: there is no command %q", topic)
				if s := root.SuggestionsFor(textsafe.Clean(args[0])); len(s) > 0 {
					msg += fmt.Sprintf("; did you mean %q?", s[0])
				} else {
					msg += "; the commands are " + subcommandNames(root)
				}
				return &usageError{msg: msg, help: "pushdeck"}
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// noArgs is a command's check that it got no positional argument; hint
// says where such an argument belongs.
func noArgs(e env, cmd string, args []string, hint string) bool {
	if len(args) == 0 {
		return true
	}
	if hint != "" {
		hint = " (" + hint + ")"
	}
	fmt.Fprintf(e.stderr, "pushdeck %s: unexpected argument %q%s\n", cmd, args[0], hint)
	return false
}

// subcommandNames lists c's visible subcommands, for messages.
func subcommandNames(c *cobra.Command) string {
	var names []string
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// plainFlagHelp removes pflag's `NAME` placeholder quotes from every flag's
// help: fang prints the help as written, so the quotes would show.
func plainFlagHelp(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) { f.Usage = strings.ReplaceAll(f.Usage, "`", "") })
	for _, s := range c.Commands() {
		plainFlagHelp(s)
	}
}
