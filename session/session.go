// Package session is the one way from a profile, or command-line flags, to
// a loaded credential, its password and a ready push.Config. The CLI and
// every console screen call it, so a rule (which password source wins,
// which environment a certificate implies) cannot drift between them. It
// also holds the one recorder of send results (record.go).
//
// Nothing here knows about terminals: prompting is a function the caller
// passes in Env.
package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
)

// readServerCA reads a server CA file (PEM certificates, a few KB each)
// through fsafe: a regular file of at most 1 MB.
func readServerCA(path string) ([]byte, error) {
	return fsafe.ReadFile(path, fsafe.LimitCA, "server CA file")
}

// UsageError is a problem with what the user asked for (a flag, a profile,
// a file it names): nothing was sent, and the CLI exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef makes a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// Request is what a command line says about which credential to use and
// where to push. A Profile gives defaults; any other field that is set wins.
type Request struct {
	Profile  string // a saved profile's name ("" for none)
	Cert     string // certificate file (.p12, PEM, ck.pem, .cer)
	Key      string // private key file for a certificate without one
	P8       string // token-auth key (AuthKey_KEYID.p8)
	KeyID    string
	TeamID   string
	Env      string // "development", "sandbox" or "production"
	Host     string // push here instead of Apple's host
	ServerCA string // trust this CA (PEM file) for Host
	Topic    string
	Port     int
	Password PasswordFlags
	// Context, when set, stops loading the credential when it is done
	// (Ctrl+C): a hostile file must not hold the command hostage.
	Context context.Context
	// WithoutCredential lets Resolve go on when the credential file cannot
	// be loaded (a wrong password, a damaged or expired file), as long as
	// the environment is known without it: the session then has no
	// Credential, and CredentialErr says why. The probe uses it to check
	// DNS and TCP anyway.
	WithoutCredential bool
}

// Session is a loaded credential with everything needed to reach APNs.
type Session struct {
	Config  push.Config
	Env     certs.Environment
	Profile *profiles.Profile // the profile used, nil when none
	Store   *profiles.Store   // nil when the config folder could not be opened
	// StoreErr is why Store is nil (the config folder could not be opened).
	StoreErr error
	// CredentialErr is why Config has no Credential (only with
	// Request.WithoutCredential).
	CredentialErr error
	Notes         []string // worth telling the user (credential expiring, ...)
}

// Where names where the session pushes, for a command's first line.
func (s *Session) Where() string {
	if s.Config.Host != "" {
		return fmt.Sprintf("%s (%s)", s.Config.Host, s.Env)
	}
	return fmt.Sprintf("%s (%s)", s.Env, strings.TrimPrefix(s.Env.Host(), "https://"))
}

// ProfileName is the name of the profile used, "" when none.
func (s *Session) ProfileName() string {
	if s.Profile == nil {
		return ""
	}
	return s.Profile.Name
}

// OpenStore opens the config folder ($PUSHDECK_HOME, else the user config
// folder).
func OpenStore() (*profiles.Store, error) {
	dir, err := profiles.DefaultDir()
	if err != nil {
		return nil, err
	}
	return profiles.Open(dir)
}

// Resolve turns a request (a profile and/or flags) into a session: it
// finds the password (see Env.Password), loads the credential and builds
// the push.Config. store may be nil (storeErr says why); it is needed only
// for a profile. Every error is a *UsageError.
func Resolve(e Env, store *profiles.Store, storeErr error, req Request) (*Session, error) {
	s := &Session{Store: store, StoreErr: storeErr}
	if store != nil {
		// What opening the store did (the JSON store imported, a shared
		// folder left as it is) is said once, with the other notes.
		s.Notes = append(s.Notes, store.Notices()...)
		s.Notes = append(s.Notes, store.Warnings()...)
	}
	var prof profiles.Profile
	if req.Profile != "" {
		if store == nil {
			return nil, Usagef("cannot open the config folder for --profile: %v", storeErr)
		}
		p, err := store.Profile(req.Profile)
		if err != nil {
			return nil, Usagef("%v", err)
		}
		prof, s.Profile = p, &p
	}
	pick := func(flagV, profV string) string {
		if flagV != "" {
			return flagV
		}
		return profV
	}
	certPath, keyPath, p8 := req.Cert, req.Key, req.P8
	if certPath == "" && p8 == "" && req.Profile != "" {
		if prof.Auth == certs.AuthToken {
			p8 = prof.CertPath
		} else {
			certPath = prof.CertPath
		}
		keyPath = pick(req.Key, prof.KeyPath)
	}
	switch {
	case certPath != "" && p8 != "":
		return nil, Usagef("give either --cert (certificate auth) or --p8 (token auth), not both")
	case certPath == "" && p8 == "":
		return nil, Usagef("no credential: give --cert FILE, or --p8 FILE --key-id K --team-id T, or --profile NAME")
	}
	opts := certs.Options{KeyPath: keyPath, KeyID: pick(req.KeyID, prof.KeyID), TeamID: pick(req.TeamID, prof.TeamID)}
	path := certPath
	if p8 != "" {
		path = p8
		if opts.TeamID == "" {
			return nil, Usagef("token auth needs --team-id: the 10-character team ID from the Apple Developer account's Membership page")
		}
		// APNs would refuse a malformed ID only after the connection is up,
		// as InvalidProviderToken for every device: say so now.
		if err := CheckAppleID("--team-id", opts.TeamID); err != nil {
			return nil, err
		}
		if opts.KeyID != "" {
			if err := CheckAppleID("--key-id", opts.KeyID); err != nil {
				return nil, err
			}
		}
	} else if NeedsPassword(path, keyPath) {
		src := prof.Password
		if req.Password.Given() {
			src = profiles.PasswordSource{}
		}
		pw, ok, err := e.Password(PasswordRequest{What: path, Flags: req.Password, Source: src})
		var unset *UnsetVarError
		switch {
		case errors.As(err, &unset):
			return nil, Usagef("%s needs a password: set %s (the profile reads it from there), or use --password-file F or --password-stdin", path, unset.Var)
		case err != nil:
			return nil, Usagef("%v", err)
		case !ok:
			return nil, Usagef("%s needs a password: %v", path, ErrNoPassword)
		}
		opts.Password = pw
	}
	ctx := req.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cred, err := certs.LoadContext(ctx, path, opts)
	var credErr error
	switch {
	case err != nil && req.WithoutCredential && ctx.Err() == nil:
		credErr = Usagef("cannot use %s: %v", textsafe.Clean(path), err)
	case err != nil:
		return nil, Usagef("cannot use %s: %v", textsafe.Clean(path), err)
	case p8 != "" && cred.Kind != certs.AuthToken:
		return nil, Usagef("%s is a certificate, not a token key: pass it with --cert", path)
	case certPath != "" && cred.Kind != certs.AuthCertificate:
		return nil, Usagef("%s is a token key (.p8), not a certificate: pass it with --p8 --key-id K --team-id T", path)
	default:
		for _, w := range cred.Report.Warnings {
			s.Notes = append(s.Notes, w.String())
		}
	}

	host := pick(req.Host, prof.Host)
	envName := pick(req.Env, string(prof.Environment))
	var envv certs.Environment
	if envName != "" {
		if envv, err = certs.ParseEnvironment(envName); err != nil {
			return nil, Usagef("--env: %v", err)
		}
	} else if ci := credCert(cred); ci != nil && len(ci.Environments) == 1 {
		envv = ci.Environments[0]
		s.Notes = append(s.Notes, fmt.Sprintf("environment %s, the only one the certificate is for", envv))
	} else if host != "" {
		envv = certs.Development
	} else if credErr != nil {
		return nil, credErr // where to push would have come from the credential
	} else {
		return nil, Usagef("say where to push: --env development (sandbox, debug builds) or --env production (TestFlight, App Store)")
	}
	s.Env = envv

	var ca []byte
	if f := pick(req.ServerCA, prof.ServerCA); f != "" {
		if ca, err = readServerCA(f); err != nil {
			return nil, Usagef("cannot read the server CA: %v", err)
		}
	}
	port := req.Port
	if port == 0 {
		port = prof.Port
	}
	s.Config = push.Config{
		Credential:  cred,
		Environment: envv,
		Host:        host,
		Port:        port,
		ServerCA:    ca,
		Topic:       pick(req.Topic, prof.Topic),
	}
	if credErr != nil {
		s.Config.Credential, s.Config.CredentialErr, s.CredentialErr = nil, credErr, credErr
	}
	return s, nil
}

// credCert is cred's certificate report, nil for none (or no credential).
func credCert(cred *certs.Credential) *certs.CertInfo {
	if cred == nil {
		return nil
	}
	return cred.Report.Certificate
}

// ErrNoPassword means no source gave a password and none could be asked for.
var ErrNoPassword = errors.New("no password given: set PUSHDECK_PASSWORD, or use --password-file F or --password-stdin")

// ProfilePassword finds the password of p's credential for the console:
// typed, if one was typed for p in this session, else the rule of
// Env.Password. ok is false when p's credential needs a password and none
// is known yet (the console then asks). It reads files and the
// environment: call it inside a tea.Cmd.
func ProfilePassword(e Env, p profiles.Profile, typed map[string]string) (pw string, ok bool, err error) {
	req := PasswordRequest{What: "profile " + p.Name, Source: p.Password}
	if t, found := typed[p.Name]; found {
		req.Typed = &t
	} else if p.Auth == certs.AuthToken || !NeedsPassword(p.CertPath, p.KeyPath) {
		return "", true, nil
	}
	return e.Password(req)
}

// LoadCredential loads p's credential with pw. It reads files. The
// Credential (with its report) is returned even when err says it cannot be
// used.
func LoadCredential(p profiles.Profile, pw string) (*certs.Credential, error) {
	return certs.Load(p.CertPath, certs.Options{Password: pw, KeyPath: p.KeyPath, KeyID: p.KeyID, TeamID: p.TeamID})
}

// Config is the engine configuration of p with its loaded credential. It
// reads the server CA file, if p names one.
func Config(p profiles.Profile, cred *certs.Credential) (push.Config, error) {
	if cred == nil {
		return push.Config{}, errors.New("the profile's credential is not loaded: check it on the Profiles screen")
	}
	return config(p, cred)
}

// ProbeConfig is Config for a probe whose credential could not be loaded
// (credErr says why): the probe checks DNS and TCP, then stops at TLS.
func ProbeConfig(p profiles.Profile, credErr error) (push.Config, error) {
	cfg, err := config(p, nil)
	cfg.CredentialErr = credErr
	return cfg, err
}

func config(p profiles.Profile, cred *certs.Credential) (push.Config, error) {
	cfg := push.Config{
		Credential:  cred,
		Environment: p.Environment,
		Host:        p.Host,
		Port:        p.Port,
		Topic:       p.Topic,
	}
	if p.ServerCA != "" {
		b, err := readServerCA(p.ServerCA)
		if err != nil {
			return cfg, fmt.Errorf("cannot read the server CA %s of profile %s: %w", p.ServerCA, p.Name, err)
		}
		cfg.ServerCA = b
	}
	return cfg, nil
}

// NewClient builds an engine client for p with its loaded credential.
func NewClient(p profiles.Profile, cred *certs.Credential) (*push.Client, error) {
	cfg, err := Config(p, cred)
	if err != nil {
		return nil, err
	}
	return push.NewClient(cfg)
}

// CheckAppleID checks a team or key ID: Apple issues both as 10 upper-case
// letters and digits.
func CheckAppleID(flagName, v string) error {
	ok := len(v) == 10
	for _, r := range v {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			ok = false
		}
	}
	if !ok {
		return Usagef("%s %q: Apple's team and key IDs are 10 upper-case letters and digits (e.g. ABCDE12345); copy it from the Apple Developer account", flagName, v)
	}
	return nil
}
