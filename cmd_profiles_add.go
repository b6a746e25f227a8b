package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

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
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
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
		for _, id := range []struct{ flag, v string }{{"--team-id", f.teamID}, {"--key-id", f.keyID}} {
			if id.v != "" {
				if err := checkAppleID(id.flag, id.v); err != nil {
					return exitUsage, err
				}
			}
		}
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
	// Issues first: "the password is wrong" explains more than the
	// missing environment that follows from it.
	checked, issues, reviewErr := profiles.ReviewProfile(p, cred.Report)
	if len(issues) > 0 && !f.force {
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
