package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pushdeck/pushdeck/certs"
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

// cfgParse parses flags that may come before or after positional arguments
// ("profiles add NAME --cert F" as well as "profiles add --cert F NAME"),
// which the flag package alone does not allow. It returns the positionals;
// help is true when --help was asked for (the usage has been printed).
func cfgParse(fs *flag.FlagSet, args []string) (pos []string, help bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errors.Is(err, flag.ErrHelp), err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, false, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), false, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cfgFlags makes a flag set whose -h prints usage to stdout (asked-for help
// is output, not an error) and whose mistakes go to stderr.
func cfgFlags(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, usage)
		fmt.Fprintln(e.stdout, "\nFlags:")
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

func cfgParseExit(help bool) int {
	if help {
		return exitOK
	}
	return exitUsage
}

func profilesSimple(e env, sub string, args []string, do func(*profiles.Store, string) (string, error)) int {
	fs := cfgFlags(e, "profiles "+sub, profilesUsage)
	pos, help, err := cfgParse(fs, args)
	if err != nil {
		return cfgParseExit(help)
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
	pos, help, err := cfgParse(fs, args)
	if err != nil {
		return cfgParseExit(help)
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
	pos, help, err := cfgParse(fs, args)
	if err != nil {
		return cfgParseExit(help)
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

// profilesPrintHealth is the short health summary "profiles add" shows
// before saving: enough to see that the right file was picked.
func profilesPrintHealth(w io.Writer, rep certs.Report) {
	verdict := "usable"
	if !rep.Usable {
		verdict = "NOT USABLE"
	}
	fmt.Fprintf(w, "Credential %s (%s): %s\n", rep.File, rep.Format, verdict)
	if c := rep.Certificate; c != nil {
		envs := make([]string, len(c.Environments))
		for i, v := range c.Environments {
			envs[i] = string(v)
		}
		if len(envs) == 0 {
			envs = []string{"none named"}
		}
		fmt.Fprintf(w, "  certificate  %s\n", c.CommonName)
		fmt.Fprintf(w, "  topic        %s\n", c.Topic)
		fmt.Fprintf(w, "  environments %s\n", strings.Join(envs, ", "))
		fmt.Fprintf(w, "  expires      %s (%d days left)\n", c.NotAfter.Local().Format(time.DateOnly), c.DaysLeft)
	}
	if k := rep.TokenKey; k != nil {
		fmt.Fprintf(w, "  token key    %s (team %s)\n", k.KeyID, k.TeamID)
	}
	for _, f := range rep.Problems {
		fmt.Fprintf(w, "  problem: %s\n", f)
	}
	for _, f := range rep.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", f)
	}
}

type profilesAddFlags struct {
	cert, key, p8, keyID, teamID   string
	env, topic, host, serverCA     string
	pwEnv, pwFile, pushType, notes string
	port, priority                 int
	pwPrompt, force                bool
}

func profilesAdd(e env, args []string) int {
	var f profilesAddFlags
	fs := cfgFlags(e, "profiles add", profilesUsage)
	fs.StringVar(&f.cert, "cert", "", "client certificate `FILE` (.p12, PEM, ck.pem, .cer)")
	fs.StringVar(&f.key, "key", "", "private key `FILE` for a certificate that comes without one")
	fs.StringVar(&f.p8, "p8", "", "token-auth key `FILE` (AuthKey_KEYID.p8)")
	fs.StringVar(&f.keyID, "key-id", "", "token key `ID` (default from the AuthKey_ID.p8 name)")
	fs.StringVar(&f.teamID, "team-id", "", "Apple developer team `ID` for token auth")
	fs.StringVar(&f.env, "env", "", "development (sandbox) or production (default: the certificate's, if it has one)")
	fs.StringVar(&f.topic, "topic", "", "the app's bundle `ID` (default: the certificate's topic)")
	fs.StringVar(&f.host, "host", "", "push to this server `URL` instead of Apple's (e.g. https://127.0.0.1:2197)")
	fs.IntVar(&f.port, "port", 0, "APNs port: 443 or 2197")
	fs.StringVar(&f.serverCA, "server-ca", "", "trust the CA in `FILE` for --host (PEM)")
	fs.StringVar(&f.pwEnv, "password-env", "", "the password is in environment variable `VAR` (read now and at each send)")
	fs.StringVar(&f.pwFile, "password-file", "", "the password is the first line of `FILE` (read now and at each send)")
	fs.BoolVar(&f.pwPrompt, "password-prompt", false, "ask for the password at each send ($PUSHDECK_PASSWORD also works)")
	fs.StringVar(&f.pushType, "push-type", "", "default apns-push-type for sends with this profile")
	fs.IntVar(&f.priority, "priority", 0, "default apns-priority: 10, 5 or 1")
	fs.StringVar(&f.notes, "notes", "", "free text shown by profiles show")
	fs.BoolVar(&f.force, "force", false, "save even if the credential is unusable or for the other environment, or replace a profile of that name")
	pos, help, err := cfgParse(fs, args)
	if err != nil {
		return cfgParseExit(help)
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "pushdeck profiles add: give one profile NAME, e.g. pushdeck profiles add myapp-dev --cert dev.p12 --env development")
		return exitUsage
	}
	code, err := profilesAddRun(e, pos[0], &f)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck profiles add: %v\n", err)
	}
	return code
}

func profilesAddRun(e env, name string, f *profilesAddFlags) (int, error) {
	if err := profiles.ValidateName("profile", name); err != nil {
		return exitUsage, err
	}
	p := profiles.Profile{Name: name, KeyPath: f.key, KeyID: f.keyID, TeamID: f.teamID, Topic: f.topic,
		Host: f.host, Port: f.port, ServerCA: f.serverCA, PushType: f.pushType, Priority: f.priority, Notes: f.notes}
	switch {
	case f.cert != "" && f.p8 != "":
		return exitUsage, errors.New("give either --cert (certificate auth) or --p8 (token auth), not both")
	case f.cert != "":
		p.CertPath, p.Auth = f.cert, certs.AuthCertificate
	case f.p8 != "":
		if f.key != "" {
			return exitUsage, errors.New("--key goes with --cert; a .p8 is a key already")
		}
		p.CertPath, p.Auth = f.p8, certs.AuthToken
	default:
		return exitUsage, errors.New("no credential: give --cert FILE (a .p12, PEM or .cer), or --p8 FILE --key-id K --team-id T")
	}
	if f.env != "" {
		env, err := certs.ParseEnvironment(f.env)
		if err != nil {
			return exitUsage, fmt.Errorf("--env: %w", err)
		}
		p.Environment = env
	}
	if f.port != 0 && f.port != 443 && f.port != 2197 && f.host == "" {
		return exitUsage, fmt.Errorf("--port %d: Apple's APNs listens on 443 or 2197 only (another port needs --host)", f.port)
	}
	if f.serverCA != "" {
		if _, err := os.Stat(f.serverCA); err != nil {
			return exitUsage, fmt.Errorf("--server-ca: %w", err)
		}
	}
	s, ok := cfgOpen(e, "profiles add")
	if !ok {
		return exitUsage, nil
	}
	if old, err := s.Profile(name); err == nil && !f.force {
		return exitUsage, fmt.Errorf("a profile named %q exists (%s, %s): remove it first (pushdeck profiles remove %s) or add --force to replace it",
			name, old.Environment, old.CertPath, name)
	} else if err != nil && !errors.Is(err, profiles.ErrNotFound) {
		return cfgDone(e, "profiles add", s, err), nil
	}

	src, pw, err := profilesPassword(e, f, p.CertPath, p.KeyPath, p.Auth)
	if err != nil {
		return exitUsage, err
	}
	p.Password = src
	cred, err := certs.Load(p.CertPath, certs.Options{Password: pw, KeyPath: p.KeyPath, KeyID: p.KeyID, TeamID: p.TeamID})
	if cred == nil {
		if err == nil {
			err = errors.New("nothing could be read")
		}
		return exitUsage, fmt.Errorf("cannot read %s: %w", p.CertPath, err)
	}
	if f.p8 != "" && cred.Kind != certs.AuthToken {
		return exitUsage, fmt.Errorf("%s is a certificate, not a token key: pass it with --cert", p.CertPath)
	}
	if f.cert != "" && cred.Kind == certs.AuthToken {
		return exitUsage, fmt.Errorf("%s is a token key (.p8), not a certificate: pass it with --p8 --key-id K --team-id T", p.CertPath)
	}
	if pr := cred.Report.Problems; len(pr) > 0 && (pr[0].Code == certs.CodeFileMissing || pr[0].Code == certs.CodeUnreadable) {
		return exitUsage, fmt.Errorf("cannot read %s: %s", p.CertPath, pr[0])
	}
	profilesPrintHealth(e.stdout, cred.Report)
	checked, issues, err := profiles.ReviewProfile(p, cred.Report)
	if err != nil {
		return exitUsage, err
	}
	if len(issues) > 0 && !f.force {
		fmt.Fprintf(e.stderr, "pushdeck profiles add: not saved:\n")
		for _, is := range issues {
			fmt.Fprintf(e.stderr, "  - %s\n", is)
		}
		fmt.Fprintln(e.stderr, "Fix the above, or add --force to save the profile anyway.")
		cfgWarn(e, s)
		return exitFailed, nil
	}
	for _, is := range issues {
		fmt.Fprintf(e.stderr, "warning: saved despite: %s\n", is)
	}
	if err := s.SaveProfile(checked); err != nil {
		return cfgDone(e, "profiles add", s, err), nil
	}
	active, err := s.Active()
	if err == nil && active == "" {
		if err = s.SetActive(name); err == nil {
			active = name
		}
	}
	if err != nil {
		return cfgDone(e, "profiles add", s, err), nil
	}
	saved, _ := s.Profile(name)
	fmt.Fprintf(e.stdout, "\nSaved profile %s (%s, topic %s) in %s\n", name, saved.Environment, saved.Topic, filepath.Join(s.Dir, "profiles.json"))
	if active == name {
		fmt.Fprintf(e.stdout, "It is the active profile. Send with: pushdeck send --profile %s --device LABEL --alert hello\n", name)
	}
	return cfgDone(e, "profiles add", s, nil), nil
}

// profilesPassword decides where the password comes from (recorded in the
// profile) and reads it once, now, to load the credential.
func profilesPassword(e env, f *profilesAddFlags, path, keyPath string, auth certs.AuthKind) (profiles.PasswordSource, string, error) {
	n := 0
	for _, set := range []bool{f.pwEnv != "", f.pwFile != "", f.pwPrompt} {
		if set {
			n++
		}
	}
	if n > 1 {
		return profiles.PasswordSource{}, "", errors.New("give one of --password-env, --password-file and --password-prompt")
	}
	switch {
	case f.pwEnv != "":
		src := profiles.PasswordSource{Kind: "env", Name: f.pwEnv}
		v, _ := lookupEnv(e, f.pwEnv)
		if v == "" && profilesNeedsPassword(path, keyPath, auth) {
			return src, "", fmt.Errorf("--password-env %s: that variable is empty or not set; set it to the credential's password (export %s=...) and try again", f.pwEnv, f.pwEnv)
		}
		return src, v, nil
	case f.pwFile != "":
		abs, _ := filepath.Abs(f.pwFile)
		b, err := os.ReadFile(f.pwFile)
		if err != nil {
			return profiles.PasswordSource{}, "", fmt.Errorf("--password-file: %w", err)
		}
		return profiles.PasswordSource{Kind: "file", Name: abs}, firstLine(string(b)), nil
	case f.pwPrompt:
		src := profiles.PasswordSource{Kind: "prompt"}
		if !profilesNeedsPassword(path, keyPath, auth) {
			return src, "", nil
		}
		pw, ok, err := (&passwordFlags{}).password(e, path)
		if err != nil {
			return src, "", err
		}
		if !ok {
			return src, "", errors.New("--password-prompt: standard input is not a terminal; set PUSHDECK_PASSWORD, or use --password-env VAR or --password-file F")
		}
		return src, pw, nil
	}
	if profilesNeedsPassword(path, keyPath, auth) {
		return profiles.PasswordSource{}, "", fmt.Errorf("%s is protected by a password: say where pushdeck finds it, now and at each send: --password-env VAR, --password-file FILE or --password-prompt (the password itself is never saved)", path)
	}
	return profiles.PasswordSource{Kind: "none"}, "", nil
}

func profilesNeedsPassword(path, keyPath string, auth certs.AuthKind) bool {
	if auth == certs.AuthToken {
		return false
	}
	need, err := certs.NeedsPassword(path)
	if err != nil {
		return false // Load reports what is wrong with the file
	}
	if !need && keyPath != "" {
		need, _ = certs.NeedsPassword(keyPath)
	}
	return need
}
