package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
)

const profilesLong = `A profile remembers a credential and where to push with it, so that
"pushdeck send --profile NAME" needs nothing else. "add" loads the
credential, shows its health and refuses an unusable one, or one for the
other environment, unless --force. Only where the password comes from is
saved (--password-env, --password-file, --password-prompt), never the
password. The first profile added becomes the active one ("use" changes it).

Profiles live in $PUSHDECK_HOME (default: your config folder)/pushdeck.
With no subcommand, profiles lists them.

Exit codes: 0 done, 1 credential refused, 2 usage error or unreadable file.`

func newProfilesCmd(e env) *cobra.Command {
	c := &cobra.Command{
		Use:   "profiles",
		Short: "List, show, add and remove credential profiles",
		Long:  profilesLong,
		Example: `  pushdeck profiles add myapp-dev --cert dev.p12 --env development --password-env MYAPP_P12_PASSWORD
  pushdeck profiles add myapp-token --p8 AuthKey_ABCDE12345.p8 --key-id ABCDE12345 --team-id TEAM123456 \
      --topic com.example.app --env production
  pushdeck profiles list
  pushdeck profiles use myapp-dev`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(e, c, args[0])
			}
			return codeErr(runProfilesList(e, &ProfilesListOptions{}))
		},
	}
	c.AddCommand(newProfilesListCmd(e), newProfilesShowCmd(e), newProfilesAddCmd(e), newProfilesExportCmd(e), newProfilesImportCmd(e),
		newProfilesNameCmd(e, "remove", []string{"rm"}, "Remove a profile (its credential files stay)", func(s *profiles.Store, name string) (string, error) {
			return "removed profile " + name, s.RemoveProfile(name)
		}),
		newProfilesNameCmd(e, "use", nil, "Make a profile the active one (the console opens on it)", func(s *profiles.Store, name string) (string, error) {
			return fmt.Sprintf("profile %s is now the active one", name), s.SetActive(name)
		}))
	return c
}

// unknownSubcommand reports an argument that names no subcommand of c,
// with the nearest one when it is close.
func unknownSubcommand(e env, c *cobra.Command, arg string) error {
	fmt.Fprintf(e.stderr, "pushdeck %s: unknown subcommand %q: use %s", c.Name(), arg, subcommandNames(c))
	c.SuggestionsMinimumDistance = 2
	if s := c.SuggestionsFor(arg); len(s) > 0 {
		fmt.Fprintf(e.stderr, " (did you mean %s?)", s[0])
	}
	fmt.Fprintln(e.stderr)
	return codeErr(exitUsage)
}

// ProfilesListOptions are the flags of pushdeck profiles list.
type ProfilesListOptions struct{ JSON bool }

func newProfilesListCmd(e env) *cobra.Command {
	var o ProfilesListOptions
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles; * marks the active one",
		Long:    "Lists the saved profiles with their environment, auth kind, topic and credential file; * marks the active one (the console opens on it). --json prints {\"active\": NAME, \"profiles\": [...]}.",
		Example: "  pushdeck profiles list\n  pushdeck profiles list --json | jq -r .active",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "profiles list", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runProfilesList(e, &o))
		},
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON: {\"active\": NAME, \"profiles\": [...]}")
	return c
}

// runProfilesList prints the profiles.
func runProfilesList(e env, o *ProfilesListOptions) int {
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	ps, err := s.Profiles()
	var active string
	if err == nil {
		active, err = s.Active()
	}
	if err != nil {
		return cfgDone(e, "profiles list", s, err)
	}
	if o.JSON {
		if ps == nil {
			ps = []profiles.Profile{}
		}
		cfgJSON(e.stdout, struct {
			Active   string             `json:"active"`
			Profiles []profiles.Profile `json:"profiles"`
		}{active, ps})
		return cfgDone(e, "profiles list", s, nil)
	}
	if len(ps) == 0 {
		fmt.Fprintln(e.stderr, "No profiles yet. Add one: pushdeck profiles add NAME --cert FILE --env development")
		return cfgDone(e, "profiles list", s, nil)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tENV\tAUTH\tTOPIC\tCREDENTIAL")
	for _, p := range ps {
		mark := " "
		if p.Name == active {
			mark = "*"
		}
		c := textsafe.Clean // profiles.json may have been edited by hand or shared
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\n", mark, c(p.Name), c(string(p.Environment)), c(string(p.Auth)), c(p.Topic), c(p.CertPath))
	}
	_ = tw.Flush()
	return cfgDone(e, "profiles list", s, nil)
}

func cfgJSON(w io.Writer, v any) {
	enc := jsonEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ProfilesShowOptions are the flags of pushdeck profiles show.
type ProfilesShowOptions struct{ JSON bool }

func newProfilesShowCmd(e env) *cobra.Command {
	var o ProfilesShowOptions
	c := &cobra.Command{
		Use:     "show NAME",
		Short:   "Show one profile: its credential, where it pushes, where its password comes from",
		Long:    "Shows everything a profile keeps: the credential file (and whether it can be read now), key and team IDs, topic, host, server CA, default push type and priority, and where the password comes from (never the password).",
		Example: "  pushdeck profiles show myapp-dev\n  pushdeck profiles show myapp-dev --json",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck profiles show: give one profile NAME (see pushdeck profiles list)")
				return codeErr(exitUsage)
			}
			return codeErr(runProfilesShow(e, args[0], &o))
		},
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print the profile as JSON")
	return c
}

// runProfilesShow prints one profile.
func runProfilesShow(e env, name string, o *ProfilesShowOptions) int {
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	p, err := s.Profile(name)
	if err != nil {
		return cfgDone(e, "profiles show", s, err)
	}
	active, _ := s.Active()
	if o.JSON {
		cfgJSON(e.stdout, p)
		return cfgDone(e, "profiles show", s, nil)
	}
	profilesPrint(e.stdout, p, p.Name == active)
	return cfgDone(e, "profiles show", s, nil)
}

// newProfilesNameCmd makes a subcommand that takes one profile NAME and
// does one thing to it (remove, use).
func newProfilesNameCmd(e env, use string, aliases []string, short string, do func(*profiles.Store, string) (string, error)) *cobra.Command {
	return &cobra.Command{
		Use:     use + " NAME",
		Aliases: aliases,
		Short:   short,
		Long:    short + ". The profile is named as profiles list shows it.",
		Example: "  pushdeck profiles " + use + " myapp-dev",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintf(e.stderr, "pushdeck profiles %s: give one profile NAME (see pushdeck profiles list)\n", use)
				return codeErr(exitUsage)
			}
			s, ok := cfgOpen(e, "profiles")
			if !ok {
				return codeErr(exitUsage)
			}
			msg, err := do(s, args[0])
			if err == nil {
				fmt.Fprintln(e.stdout, msg)
			}
			return codeErr(cfgDone(e, "profiles "+use, s, err))
		},
	}
}

// cfgOpen opens the config folder for the profiles, devices and history
// commands; every message names the folder so the user knows where to look.
func cfgOpen(e env, cmd string) (*profiles.Store, bool) {
	s, err := session.OpenStore()
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return nil, false
	}
	return s, true
}

// cfgDone prints the store's warnings (permissions fixed, torn lines) and
// turns err into the exit code: a missing name is a usage error, a broken
// file too (nothing happened; the message says what to fix).
func cfgDone(e env, cmd string, s *profiles.Store, err error) int {
	cfgWarn(e, s)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: %v\n", cmd, err)
		return exitUsage
	}
	return exitOK
}

func cfgWarn(e env, s *profiles.Store) {
	if s != nil {
		for _, n := range s.Notices() {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
		for _, w := range s.Warnings() {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
	}
}

func profilesPrint(w io.Writer, p profiles.Profile, active bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, textsafe.Clean(v))
		}
	}
	name := p.Name
	if active {
		name += " (active)"
	}
	row("Profile", name)
	row("Environment", string(p.Environment))
	row("Auth", string(p.Auth))
	cred := p.CertPath
	if _, err := os.Stat(p.CertPath); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		cred += "  (cannot be read now: " + err.Error() + ")"
	}
	row("Credential", cred)
	row("Key file", p.KeyPath)
	row("Key ID", p.KeyID)
	row("Team ID", p.TeamID)
	row("Topic", p.Topic)
	row("Host", p.Host)
	if p.Port != 0 {
		row("Port", fmt.Sprint(p.Port))
	}
	row("Server CA", p.ServerCA)
	row("Push type", p.PushType)
	if p.Priority != 0 {
		row("Priority", fmt.Sprint(p.Priority))
	}
	row("Password", profilesPasswordText(p.Password))
	row("Notes", p.Notes)
	if !p.CreatedAt.IsZero() {
		row("Created", p.CreatedAt.Local().Format(time.DateTime))
	}
	if !p.UpdatedAt.IsZero() && !p.UpdatedAt.Equal(p.CreatedAt) {
		row("Updated", p.UpdatedAt.Local().Format(time.DateTime))
	}
	_ = tw.Flush()
}

func profilesPasswordText(src profiles.PasswordSource) string {
	switch src.Kind {
	case profiles.PasswordFromEnv:
		return "from the environment variable " + src.Name
	case profiles.PasswordFromFile:
		return "from the file " + src.Name
	case profiles.PasswordPrompt:
		return "asked for when needed"
	}
	return "none"
}
