package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/pushdeck/pushdeck/profiles"
)

const profilesUsage = `Usage:
  pushdeck profiles list [--json]
  pushdeck profiles show NAME [--json]
  pushdeck profiles add NAME --cert FILE [--key FILE] --env ENV [flags]
  pushdeck profiles add NAME --p8 FILE --key-id K --team-id T --topic BUNDLE --env ENV [flags]
  pushdeck profiles remove NAME
  pushdeck profiles use NAME

A profile remembers a credential and where to push with it, so that
"pushdeck send --profile NAME" needs nothing else. "add" loads the
credential, shows its health and refuses an unusable one, or one for the
other environment, unless --force. Only where the password comes from is
saved (--password-env, --password-file, --password-prompt), never the
password. The first profile added becomes the active one ("use" changes it).

Profiles live in $PUSHDECK_HOME (default: your config folder)/pushdeck.
Exit codes: 0 done, 1 credential refused, 2 usage error or unreadable file.
`

func runProfiles(e env, args []string) int {
	if len(args) == 0 {
		args = []string{"list"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, profilesUsage)
		return exitOK
	case "list", "ls":
		return profilesList(e, rest)
	case "show":
		return profilesShow(e, rest)
	case "add":
		return profilesAdd(e, rest)
	case "remove", "rm":
		return profilesSimple(e, "remove", rest, func(s *profiles.Store, name string) (string, error) {
			return "removed profile " + name, s.RemoveProfile(name)
		})
	case "use":
		return profilesSimple(e, "use", rest, func(s *profiles.Store, name string) (string, error) {
			return fmt.Sprintf("profile %s is now the active one", name), s.SetActive(name)
		})
	}
	fmt.Fprintf(e.stderr, "pushdeck profiles: unknown subcommand %q: use list, show, add, remove or use\n\n%s", sub, profilesUsage)
	return exitUsage
}

// cfgOpen opens the config folder for the profiles, devices and history
// commands; every message names the folder so the user knows where to look.
func cfgOpen(e env, cmd string) (*profiles.Store, bool) {
	s, err := openStore()
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
		for _, w := range s.Warnings() {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
	}
}

func profilesSimple(e env, sub string, args []string, do func(*profiles.Store, string) (string, error)) int {
	fs := cfgFlags(e, "profiles "+sub, profilesUsage)
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintf(e.stderr, "pushdeck profiles %s: give one profile NAME (see pushdeck profiles list)\n", sub)
		return exitUsage
	}
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	msg, err := do(s, pos[0])
	if err == nil {
		fmt.Fprintln(e.stdout, msg)
	}
	return cfgDone(e, "profiles "+sub, s, err)
}

func profilesList(e env, args []string) int {
	fs := cfgFlags(e, "profiles list", profilesUsage)
	asJSON := fs.Bool("json", false, "print JSON: {\"active\": NAME, \"profiles\": [...]}")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "pushdeck profiles list: unexpected argument %q\n", pos[0])
		return exitUsage
	}
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
	if *asJSON {
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
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\n", mark, p.Name, p.Environment, p.Auth, p.Topic, p.CertPath)
	}
	tw.Flush()
	return cfgDone(e, "profiles list", s, nil)
}

func cfgJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func profilesShow(e env, args []string) int {
	fs := cfgFlags(e, "profiles show", profilesUsage)
	asJSON := fs.Bool("json", false, "print the profile as JSON")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "pushdeck profiles show: give one profile NAME (see pushdeck profiles list)")
		return exitUsage
	}
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	p, err := s.Profile(pos[0])
	if err != nil {
		return cfgDone(e, "profiles show", s, err)
	}
	active, _ := s.Active()
	if *asJSON {
		cfgJSON(e.stdout, p)
		return cfgDone(e, "profiles show", s, nil)
	}
	profilesPrint(e.stdout, p, p.Name == active)
	return cfgDone(e, "profiles show", s, nil)
}

func profilesPrint(w io.Writer, p profiles.Profile, active bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
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
	tw.Flush()
}

func profilesPasswordText(src profiles.PasswordSource) string {
	switch src.Kind {
	case "env":
		return "from the environment variable " + src.Name
	case "file":
		return "from the file " + src.Name
	case "prompt":
		return "asked for when needed"
	}
	return "none"
}
