package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
)

// credFlags are the credential and connection flags send and probe share.
// A --profile gives defaults; any flag given on the command line wins.
type credFlags struct {
	profile  string
	cert     string
	key      string
	p8       string
	keyID    string
	teamID   string
	env      string
	host     string
	serverCA string
	topic    string
	port     int
	pw       passwordFlags
}

func (c *credFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.profile, "profile", "", "use the saved profile `NAME` (flags below override it)")
	fs.StringVar(&c.cert, "cert", "", "client certificate `FILE` (.p12, PEM, ck.pem, .cer)")
	fs.StringVar(&c.key, "key", "", "private key `FILE` for a certificate that comes without one")
	fs.StringVar(&c.p8, "p8", "", "token-auth key `FILE` (AuthKey_KEYID.p8)")
	fs.StringVar(&c.keyID, "key-id", "", "token key `ID` (10 characters; default from the AuthKey_ID.p8 name)")
	fs.StringVar(&c.teamID, "team-id", "", "Apple developer team `ID` (10 characters) for token auth")
	fs.StringVar(&c.env, "env", "", "APNs environment: development (sandbox) or production")
	fs.StringVar(&c.host, "host", "", "push to this server `URL` instead of Apple's (e.g. https://127.0.0.1:2197)")
	fs.StringVar(&c.serverCA, "server-ca", "", "trust the CA in `FILE` for --host (PEM)")
	fs.StringVar(&c.topic, "topic", "", "the app's bundle `ID` (default: the certificate's topic)")
	fs.IntVar(&c.port, "port", 0, "APNs port: 443 (default) or 2197")
	c.pw.register(fs)
}

// setup is a loaded credential with everything needed to reach APNs.
type setup struct {
	cfg     push.Config
	env     certs.Environment
	profile string
	store   *profiles.Store // nil when the config folder could not be opened
	notes   []string        // warnings to show (credential expiring, ...)
}

// usageError is a problem with the command line or a file it names (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// openStore opens the config folder; a failure is fatal only when a profile
// or the device book is needed (the caller decides).
func openStore() (*profiles.Store, error) {
	dir, err := profiles.DefaultDir()
	if err != nil {
		return nil, err
	}
	return profiles.Open(dir)
}

// load resolves the profile, the flags and the credential into a setup.
func (c *credFlags) load(e env, store *profiles.Store, storeErr error) (*setup, error) {
	s := &setup{store: store}
	var prof profiles.Profile
	if c.profile != "" {
		if store == nil {
			return nil, usagef("cannot open the config folder for --profile: %v", storeErr)
		}
		p, err := store.Profile(c.profile)
		if err != nil {
			return nil, usagef("%v", err)
		}
		prof, s.profile = p, p.Name
	}
	pick := func(flagV, profV string) string {
		if flagV != "" {
			return flagV
		}
		return profV
	}
	certPath, keyPath, p8 := c.cert, c.key, c.p8
	if certPath == "" && p8 == "" && c.profile != "" {
		if prof.Auth == certs.AuthToken {
			p8 = prof.CertPath
		} else {
			certPath = prof.CertPath
		}
		keyPath = pick(c.key, prof.KeyPath)
	}
	switch {
	case certPath != "" && p8 != "":
		return nil, usagef("give either --cert (certificate auth) or --p8 (token auth), not both")
	case certPath == "" && p8 == "":
		return nil, usagef("no credential: give --cert FILE, or --p8 FILE --key-id K --team-id T, or --profile NAME")
	}
	opts := certs.Options{KeyPath: keyPath, KeyID: pick(c.keyID, prof.KeyID), TeamID: pick(c.teamID, prof.TeamID)}
	path := certPath
	if p8 != "" {
		path = p8
		if opts.TeamID == "" {
			return nil, usagef("token auth needs --team-id: the 10-character team ID from the Apple Developer account's Membership page")
		}
		// APNs would refuse a malformed ID only after the connection is up,
		// as InvalidProviderToken for every device: say so now.
		if err := checkAppleID("--team-id", opts.TeamID); err != nil {
			return nil, err
		}
		if opts.KeyID != "" {
			if err := checkAppleID("--key-id", opts.KeyID); err != nil {
				return nil, err
			}
		}
	} else {
		pw, err := c.password(e, path, keyPath, prof.Password)
		if err != nil {
			return nil, err
		}
		opts.Password = pw
	}
	cred, err := certs.Load(path, opts)
	if err != nil {
		return nil, usagef("cannot use %s: %v", path, err)
	}
	if p8 != "" && cred.Kind != certs.AuthToken {
		return nil, usagef("%s is a certificate, not a token key: pass it with --cert", path)
	}
	if certPath != "" && cred.Kind != certs.AuthCertificate {
		return nil, usagef("%s is a token key (.p8), not a certificate: pass it with --p8 --key-id K --team-id T", path)
	}
	for _, w := range cred.Report.Warnings {
		s.notes = append(s.notes, w.String())
	}

	host := pick(c.host, prof.Host)
	envName := pick(c.env, string(prof.Environment))
	var envv certs.Environment
	if envName != "" {
		if envv, err = certs.ParseEnvironment(envName); err != nil {
			return nil, usagef("--env: %v", err)
		}
	} else if ci := cred.Report.Certificate; ci != nil && len(ci.Environments) == 1 {
		envv = ci.Environments[0]
		s.notes = append(s.notes, fmt.Sprintf("environment %s, the only one the certificate is for", envv))
	} else if host != "" {
		envv = certs.Development
	} else {
		return nil, usagef("say where to push: --env development (sandbox, debug builds) or --env production (TestFlight, App Store)")
	}
	s.env = envv

	var ca []byte
	if f := pick(c.serverCA, prof.ServerCA); f != "" {
		if ca, err = os.ReadFile(f); err != nil {
			return nil, usagef("cannot read the server CA: %v", err)
		}
	}
	port := c.port
	if port == 0 {
		port = prof.Port
	}
	s.cfg = push.Config{
		Credential:  cred,
		Environment: envv,
		Host:        host,
		Port:        port,
		ServerCA:    ca,
		Topic:       pick(c.topic, prof.Topic),
	}
	return s, nil
}

// password finds the password for a certificate (or its separate key) that
// needs one: the flags first, then the profile's recorded source, then
// $PUSHDECK_PASSWORD or a prompt.
func (c *credFlags) password(e env, path, keyPath string, src profiles.PasswordSource) (string, error) {
	need, err := certs.NeedsPassword(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		need = false // Load reports the real problem with the file.
	}
	if !need && keyPath != "" {
		need, _ = certs.NeedsPassword(keyPath)
	}
	if !need {
		return "", nil
	}
	if c.pw.file == "" && !c.pw.stdin {
		switch src.Kind {
		case "env":
			if v, ok := lookupEnv(e, src.Name); ok {
				return v, nil
			}
		case "file":
			b, err := os.ReadFile(src.Name)
			if err != nil {
				return "", usagef("cannot read the profile's password file: %v", err)
			}
			return firstLine(string(b)), nil
		}
	}
	pw, ok, err := c.pw.password(e, path)
	if err != nil {
		return "", usagef("%v", err)
	}
	if !ok {
		what := path
		if src.Kind == "env" {
			return "", usagef("%s needs a password: set %s (the profile reads it from there), or use --password-file F or --password-stdin", what, src.Name)
		}
		return "", usagef("%s needs a password: %v", what, errNoPassword)
	}
	return pw, nil
}

// where names where a command pushes, for its first line of output.
func (s *setup) where() string {
	if s.cfg.Host != "" {
		return fmt.Sprintf("%s (%s)", s.cfg.Host, s.env)
	}
	return fmt.Sprintf("%s (%s)", s.env, strings.TrimPrefix(s.env.Host(), "https://"))
}

// checkAppleID checks a team or key ID: Apple issues both as 10 upper-case
// letters and digits.
func checkAppleID(flagName, v string) error {
	ok := len(v) == 10
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			ok = false
		}
	}
	if !ok {
		return usagef("%s %q: Apple's team and key IDs are 10 upper-case letters and digits (e.g. ABCDE12345); copy it from the Apple Developer account", flagName, v)
	}
	return nil
}
