package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
)

// ProfilesAddOptions are the flags of pushdeck profiles add.
type ProfilesAddOptions struct {
	Cert, Key, P8, KeyID, TeamID string
	Env, Topic, Host, ServerCA   string
	PasswordEnv, PasswordFile    string
	PushType, Notes              string
	Port, Priority               int
	PasswordPrompt, Force        bool
}

const profilesAddLong = `Loads the credential, shows its health and saves a profile that remembers
it and where to push with it. An unusable credential, or one for the other
environment, is refused unless --force. Only where the password comes from
is saved (--password-env, --password-file or --password-prompt), never the
password; it is read once now, to check the credential.

Exit codes: 0 saved, 1 credential refused, 2 usage error or unreadable file.`

func newProfilesAddCmd(e env) *cobra.Command {
	var o ProfilesAddOptions
	c := &cobra.Command{
		Use:   "add NAME",
		Short: "Save a credential and where to push with it as a profile",
		Long:  profilesAddLong,
		Example: `  pushdeck profiles add myapp-dev --cert dev.p12 --env development --password-env MYAPP_P12_PASSWORD
  pushdeck profiles add myapp-prod --cert ck.pem --env production --topic com.example.app
  pushdeck profiles add local --cert dev.p12 --host https://127.0.0.1:2197 --server-ca mock-ca.pem --password-prompt`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck profiles add: give one profile NAME, e.g. pushdeck profiles add myapp-dev --cert dev.p12 --env development")
				return codeErr(exitUsage)
			}
			code, err := profilesAddRun(e, args[0], &o)
			if err != nil {
				fmt.Fprintf(e.stderr, "pushdeck profiles add: %v\n", err)
			}
			return codeErr(code)
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Cert, "cert", "", "client certificate `FILE` (.p12, PEM, ck.pem, .cer)")
	fs.StringVar(&o.Key, "key", "", "private key `FILE` for a certificate that comes without one")
	fs.StringVar(&o.P8, "p8", "", "the token-auth key `FILE` (AuthKey_KEYID.p8)")
	fs.StringVar(&o.KeyID, "key-id", "", "token key `ID` (default from the AuthKey_ID.p8 name)")
	fs.StringVar(&o.TeamID, "team-id", "", "Apple developer team `ID` for token auth")
	fs.StringVar(&o.Env, "env", "", "development (sandbox) or production (default: the certificate's, if it has one)")
	fs.StringVar(&o.Topic, "topic", "", "the app's bundle `ID` (default: the certificate's topic)")
	fs.StringVar(&o.Host, "host", "", "push to this server `URL` instead of Apple's (e.g. https://127.0.0.1:2197)")
	fs.IntVar(&o.Port, "port", 0, "the APNs port: 443 or 2197")
	fs.StringVar(&o.ServerCA, "server-ca", "", "trust the CA in `FILE` for --host (PEM)")
	fs.StringVar(&o.PasswordEnv, "password-env", "", "the password is in environment variable `VAR` (read now and at each send)")
	fs.StringVar(&o.PasswordFile, "password-file", "", "the password is the first line of `FILE` (read now and at each send)")
	fs.BoolVar(&o.PasswordPrompt, "password-prompt", false, "ask for the password at each send ($PUSHDECK_PASSWORD also works)")
	fs.StringVar(&o.PushType, "push-type", "", "default apns-push-type for sends with this profile")
	fs.IntVar(&o.Priority, "priority", 0, "default apns-priority: 10, 5 or 1")
	fs.StringVar(&o.Notes, "notes", "", "free text shown by profiles show")
	fs.BoolVar(&o.Force, "force", false, "save even if the credential is unusable or for the other environment, or replace a profile of that name")
	return c
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
		if c.DaysLeft < 0 {
			fmt.Fprintf(w, "  expired      %s\n", c.NotAfter.Local().Format(time.DateOnly))
		} else {
			fmt.Fprintf(w, "  expires      %s (%d days left)\n", c.NotAfter.Local().Format(time.DateOnly), c.DaysLeft)
		}
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

func profilesAddRun(e env, name string, f *ProfilesAddOptions) (int, error) {
	if err := profiles.ValidateName("profile", name); err != nil {
		return exitUsage, err
	}
	if err := textsafe.CheckName(name); err != nil { // also bidi overrides
		return exitUsage, fmt.Errorf("profile name %q: %w", name, err)
	}
	p := profiles.Profile{Name: name, KeyPath: f.Key, KeyID: f.KeyID, TeamID: f.TeamID, Topic: f.Topic,
		Host: f.Host, Port: f.Port, ServerCA: f.ServerCA, PushType: f.PushType, Priority: f.Priority, Notes: f.Notes}
	switch {
	case f.Cert != "" && f.P8 != "":
		return exitUsage, errors.New("give either --cert (certificate auth) or --p8 (token auth), not both")
	case f.Cert != "":
		p.CertPath, p.Auth = f.Cert, certs.AuthCertificate
	case f.P8 != "":
		if f.Key != "" {
			return exitUsage, errors.New("--key goes with --cert; a .p8 is a key already")
		}
		p.CertPath, p.Auth = f.P8, certs.AuthToken
		for _, id := range []struct{ flag, v string }{{"--team-id", f.TeamID}, {"--key-id", f.KeyID}} {
			if id.v != "" {
				if err := session.CheckAppleID(id.flag, id.v); err != nil {
					return exitUsage, err
				}
			}
		}
	default:
		return exitUsage, errors.New("no credential: give --cert FILE (a .p12, PEM or .cer), or --p8 FILE --key-id K --team-id T")
	}
	if f.Env != "" {
		env, err := certs.ParseEnvironment(f.Env)
		if err != nil {
			return exitUsage, fmt.Errorf("--env: %w", err)
		}
		p.Environment = env
	}
	if f.Port != 0 && f.Port != 443 && f.Port != 2197 && f.Host == "" {
		return exitUsage, fmt.Errorf("--port %d: Apple's APNs listens on 443 or 2197 only (another port needs --host)", f.Port)
	}
	if f.ServerCA != "" {
		if _, err := os.Stat(f.ServerCA); err != nil {
			return exitUsage, fmt.Errorf("--server-ca: %w", err)
		}
	}
	s, ok := cfgOpen(e, "profiles add")
	if !ok {
		return exitUsage, nil
	}
	if old, err := s.Profile(name); err == nil && !f.Force {
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
	if f.P8 != "" && cred.Kind != certs.AuthToken {
		return exitUsage, fmt.Errorf("%s is a certificate, not a token key: pass it with --cert", p.CertPath)
	}
	if f.Cert != "" && cred.Kind == certs.AuthToken {
		return exitUsage, fmt.Errorf("%s is a token key (.p8), not a certificate: pass it with --p8 --key-id K --team-id T", p.CertPath)
	}
	if pr := cred.Report.Problems; len(pr) > 0 && (pr[0].Code == certs.CodeFileMissing || pr[0].Code == certs.CodeUnreadable) {
		return exitUsage, fmt.Errorf("cannot read %s: %s", p.CertPath, pr[0])
	}
	profilesPrintHealth(e.stdout, cred.Report)
	// Issues first: "the password is wrong" explains more than the
	// missing environment that follows from it.
	checked, issues, reviewErr := profiles.ReviewProfile(p, cred.Report)
	if len(issues) > 0 && !f.Force {
		fmt.Fprintf(e.stderr, "pushdeck profiles add: not saved:\n")
		for _, is := range issues {
			fmt.Fprintf(e.stderr, "  - %s\n", is)
		}
		fmt.Fprintln(e.stderr, "Fix the above, or add --force to save the profile anyway.")
		cfgWarn(e, s)
		return exitFailed, nil
	}
	if reviewErr != nil {
		return exitUsage, reviewErr
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
func profilesPassword(e env, f *ProfilesAddOptions, path, keyPath string, auth certs.AuthKind) (profiles.PasswordSource, string, error) {
	n := 0
	for _, set := range []bool{f.PasswordEnv != "", f.PasswordFile != "", f.PasswordPrompt} {
		if set {
			n++
		}
	}
	if n > 1 {
		return profiles.PasswordSource{}, "", errors.New("give one of --password-env, --password-file and --password-prompt")
	}
	switch {
	case f.PasswordEnv != "":
		src := profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: f.PasswordEnv}
		v, _ := e.lookup(f.PasswordEnv)
		if v == "" && profilesNeedsPassword(path, keyPath, auth) {
			return src, "", fmt.Errorf("--password-env %s: that variable is empty or not set; set it to the credential's password (export %s=...) and try again", f.PasswordEnv, f.PasswordEnv)
		}
		return src, v, nil
	case f.PasswordFile != "":
		abs, _ := filepath.Abs(f.PasswordFile)
		pw, err := session.ReadPasswordFile(f.PasswordFile)
		if err != nil {
			return profiles.PasswordSource{}, "", fmt.Errorf("--password-file: %w", err)
		}
		return profiles.PasswordSource{Kind: profiles.PasswordFromFile, Name: abs}, pw, nil
	case f.PasswordPrompt:
		src := profiles.PasswordSource{Kind: profiles.PasswordPrompt}
		if !profilesNeedsPassword(path, keyPath, auth) {
			return src, "", nil
		}
		pw, ok, err := e.session().Password(session.PasswordRequest{What: path})
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
	return profiles.PasswordSource{Kind: profiles.PasswordNone}, "", nil
}

func profilesNeedsPassword(path, keyPath string, auth certs.AuthKind) bool {
	return auth != certs.AuthToken && session.NeedsPassword(path, keyPath)
}
