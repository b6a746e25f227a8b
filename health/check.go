package health

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// CheckOptions tunes Check.
type CheckOptions struct {
	// WarnDays is the expiry warning window: a certificate with fewer days
	// left (certs.DaysLeft) than this is a warning; 0 turns expiry warnings
	// off (DefaultWarnDays is the CLI's default).
	WarnDays int
	// Now is the clock (zero: time.Now()).
	Now time.Time
	// Env is the outside world of session's password rule, the one every
	// command and the console use: LookupEnv (nil: the process's
	// environment) reads a profile's variable and $PUSHDECK_PASSWORD;
	// Prompt, when set, lets the check ask for a password that must be
	// typed, one profile at a time (an interactive run). Without Prompt such
	// a profile is StatusNeedsPassword and the others go on.
	Env session.Env
	// Probe runs the connectivity probe (push.Probe) for every profile whose
	// credential opened, at most ProbeParallel at a time (default 4).
	Probe         bool
	ProbeParallel int

	// probe replaces push.Probe in tests of the parallelism bound only.
	probe func(context.Context, push.Config) *ProbeResult
}

// ProfileResult is one profile's verdict.
type ProfileResult struct {
	Profile profiles.Profile
	Status  Status
	// Report is the credential's health report; nil when the credential
	// could not be opened for want of a password (its problems are then in
	// Problems only).
	Report *certs.Report
	// Problems and Warnings are the report's, plus what health found about
	// the profile itself (its password source, its environment and topic,
	// the probe). Warnings follow WarnDays.
	Problems []certs.Finding
	Warnings []certs.Finding
	// Probe is the probe's outcome when CheckOptions.Probe was set.
	Probe *ProbeResult
	// Now is the time the profile was judged at (for Validity).
	Now time.Time
}

// ProbeResult is a profile's connectivity probe outcome.
type ProbeResult struct {
	OK bool
	// Skipped is set when the probe did not run: the credential could not
	// be opened or cannot be used (Reason says why).
	Skipped bool
	// Step is the step that failed ("dns", "tcp", "tls", "http2", "auth").
	Step     string
	Reason   string
	Advice   string
	Duration time.Duration
}

// Check runs the health report over profiles (as profiles.Store's Profiles
// or Profile give them), in the order given. Passwords come by session's
// rule from each profile's saved source; a profile whose password must be
// typed is StatusNeedsPassword unless opts.Env can prompt. err is only for
// a cancelled context.
func Check(ctx context.Context, ps []profiles.Profile, opts CheckOptions) ([]ProfileResult, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	results := make([]ProfileResult, len(ps))
	creds := make([]*certs.Credential, len(ps))
	// Loading is sequential: prompts must come one at a time, and
	// decrypting a .p12 is CPU work that parallelism would not speed up
	// much on a small machine.
	for i, p := range ps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		results[i], creds[i] = checkProfile(ctx, p, opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Probe {
		if err := probeAll(ctx, results, creds, opts); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// checkProfile opens one profile's credential and judges it.
func checkProfile(ctx context.Context, p profiles.Profile, opts CheckOptions) (ProfileResult, *certs.Credential) {
	res := ProfileResult{Profile: p, Now: opts.Now, Problems: []certs.Finding{}, Warnings: []certs.Finding{}}
	fail := func(f certs.Finding) (ProfileResult, *certs.Credential) {
		res.Problems = append(res.Problems, f)
		res.Status = StatusFailure
		return res, nil
	}
	// certs reads the files (bounded, no FIFOs or devices, cancellable).
	co := certs.Options{KeyPath: p.KeyPath, KeyID: p.KeyID, TeamID: p.TeamID, Now: opts.Now}
	load := func(pw string) *certs.Credential {
		co.Password = pw
		c, err := certs.LoadContext(ctx, p.CertPath, co)
		if c == nil {
			c = &certs.Credential{Path: p.CertPath, Report: unreadable(p.CertPath, err, opts.Now).Report}
		}
		return c
	}

	cred := load("")
	if locked(cred) {
		var f *certs.Finding
		cred, f = unlock(p, opts, load)
		if err := ctx.Err(); err != nil {
			return res, nil
		}
		if f != nil {
			if f.Code == CodeNeedsPassword {
				res.Problems = append(res.Problems, *f)
				res.Status = StatusNeedsPassword
				return res, nil
			}
			return fail(*f)
		}
	}
	r := cred.Report
	r.File = p.CertPath
	r.Warnings = expiryWarnings(&r, opts.WarnDays, opts.Now)
	res.Report = &r
	res.Problems = append(res.Problems, r.Problems...)
	res.Warnings = append(res.Warnings, r.Warnings...)
	if r.Usable && p.Auth != "" && cred.Kind != p.Auth {
		res.Problems = append(res.Problems, certs.Finding{Code: CodeProfileMismatch,
			Message: fmt.Sprintf("Profile %s is for %s auth, but %s is a %s.", clean(p.Name), p.Auth, clean(p.CertPath), kindWord(cred.Kind)),
			Advice:  "Save the profile again with the right file (--cert for a certificate, --p8 for a token key)."})
	} else if r.Usable {
		// What the profile asks of the credential: its environment and
		// topic (a development certificate cannot be a production profile).
		_, issues, err := profiles.ReviewProfile(p, r)
		if err != nil {
			issues = append(issues, err.Error())
		}
		for _, is := range issues {
			res.Problems = append(res.Problems, certs.Finding{Code: CodeProfileMismatch,
				Message: fmt.Sprintf("Profile %s: %s.", clean(p.Name), clean(is)),
				Advice:  "Fix the profile (pushdeck profiles add NAME ... again) or give it the right credential."})
		}
	}
	res.Status = statusOf(res.Problems, res.Warnings)
	if res.Status == StatusFailure {
		return res, nil
	}
	return res, cred
}

// locked reports whether a load failed for want of the right password.
func locked(c *certs.Credential) bool {
	if c == nil || len(c.Report.Problems) == 0 {
		return false
	}
	code := c.Report.Problems[0].Code
	return code == certs.CodePasswordRequired || code == certs.CodeWrongPassword
}

// unlock finds the password by session's rule (the profile's source, then
// $PUSHDECK_PASSWORD, then a prompt when one can be shown) and loads with
// it. The finding says why it could not (CodeNeedsPassword: must be typed).
func unlock(p profiles.Profile, opts CheckOptions, load func(string) *certs.Credential) (*certs.Credential, *certs.Finding) {
	name := clean(p.Name)
	pw, ok, err := opts.Env.Password(session.PasswordRequest{What: "profile " + p.Name, Source: p.Password})
	var unset *session.UnsetVarError
	switch {
	case errors.As(err, &unset):
		return nil, &certs.Finding{Code: CodePasswordSource,
			Message: fmt.Sprintf("Profile %s reads its password from $%s, which is not set, so its credential cannot be opened.", name, clean(unset.Var)),
			Advice:  fmt.Sprintf("Set %s where this check runs (cron and CI have their own environment), or point the profile at a password file.", clean(unset.Var))}
	case err != nil && p.Password.Kind == profiles.PasswordFromFile && errors.Is(err, fs.ErrNotExist):
		return nil, &certs.Finding{Code: CodePasswordSource,
			Message: fmt.Sprintf("Profile %s reads its password from %s, but it no longer exists.", name, clean(p.Password.Name)),
			Advice:  "Put the password file back (first line: the password; mode 0600), or save the profile again with another password source."}
	case err != nil:
		return nil, &certs.Finding{Code: CodePasswordSource,
			Message: fmt.Sprintf("No password for profile %s: %s.", name, strings.TrimSuffix(clean(err.Error()), ".")),
			Advice:  "Fix the profile's password source, or save the profile again with --password-env VAR or --password-file FILE."}
	case !ok && p.Password.Kind == profiles.PasswordPrompt:
		return nil, &certs.Finding{Code: CodeNeedsPassword,
			Message: fmt.Sprintf("Profile %s asks for its password when used, so it was not checked.", name),
			Advice:  "Run the check in a terminal to type it, or save the profile with --password-env VAR or --password-file FILE so unattended checks can open it."}
	case !ok:
		return nil, &certs.Finding{Code: CodePasswordSource,
			Message: fmt.Sprintf("Profile %s has no password source, but its credential %s needs a password.", name, clean(p.CertPath)),
			Advice:  "Save the profile again with --password-env VAR, --password-file FILE or --password-prompt."}
	}
	c := load(pw)
	if !locked(c) {
		return c, nil
	}
	return nil, &certs.Finding{Code: CodePasswordSource,
		Message: fmt.Sprintf("%s does not open profile %s's credential: the password is wrong.", passwordFrom(p, opts.Env), name),
		Advice:  "Put the password chosen when the file was exported there (mind the keyboard layout); if the file was exported again, its password may have changed."}
}

// passwordFrom names the source session's rule took a password from.
func passwordFrom(p profiles.Profile, e session.Env) string {
	lookup := e.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	switch p.Password.Kind {
	case profiles.PasswordFromEnv:
		if _, set := lookup(p.Password.Name); set {
			return "The password in $" + clean(p.Password.Name)
		}
	case profiles.PasswordFromFile:
		return "The password in " + clean(p.Password.Name)
	}
	if _, set := lookup(session.PasswordEnv); set {
		return "The password in $" + session.PasswordEnv
	}
	return "The password typed"
}

// probeAll probes every opened credential, at most ProbeParallel at once,
// and settles each result's status with its probe.
func probeAll(ctx context.Context, results []ProfileResult, creds []*certs.Credential, opts CheckOptions) error {
	n := opts.ProbeParallel
	if n <= 0 {
		n = 4
	}
	run := opts.probe
	if run == nil {
		run = runProbe
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i := range results {
		r := &results[i]
		if creds[i] == nil {
			why := "the credential could not be used"
			if r.Status == StatusNeedsPassword {
				why = "the password must be typed"
			}
			r.Probe = &ProbeResult{Skipped: true, Reason: "not probed: " + why}
			continue
		}
		cfg, err := session.Config(r.Profile, creds[i])
		if err != nil {
			r.Probe = &ProbeResult{Reason: err.Error(), Advice: "Fix the profile's server CA file, then check again."}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				r.Probe = &ProbeResult{Reason: "probe cancelled"}
				return
			}
			defer func() { <-sem }()
			r.Probe = run(ctx, cfg)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range results {
		r := &results[i]
		if pr := r.Probe; pr != nil && !pr.OK && !pr.Skipped {
			msg := "The probe failed: " + clean(pr.Reason)
			if pr.Step != "" {
				msg = fmt.Sprintf("The probe failed at %s: %s", pr.Step, clean(pr.Reason))
			}
			r.Problems = append(r.Problems, certs.Finding{Code: CodeProbeFailed, Message: msg, Advice: clean(pr.Advice)})
			r.Status = StatusFailure
		}
	}
	return nil
}

// runProbe runs one probe to its verdict.
func runProbe(ctx context.Context, cfg push.Config) *ProbeResult {
	start := time.Now()
	out := &ProbeResult{}
	for ev := range push.Probe(ctx, cfg) {
		if st := ev.Step; st != nil && !st.OK {
			out.Step = st.Name
		}
		if v := ev.Verdict; v != nil {
			out.OK, out.Reason, out.Advice = v.OK, v.Reason, v.Advice
		}
	}
	out.Duration = time.Since(start)
	return out
}

// Validity is the certificate's state in words at the time it was checked
// ("expires in 12 days", "expired 3 days ago"), "" without a certificate.
func (r ProfileResult) Validity() string {
	if r.Report == nil || r.Report.Certificate == nil {
		return ""
	}
	return r.Report.Certificate.Validity(r.Now)
}

// Validity is FileResult's counterpart of ProfileResult.Validity.
func (r FileResult) Validity() string {
	if r.Report.Certificate == nil {
		return ""
	}
	return r.Report.Certificate.Validity(r.Now)
}

func kindWord(k certs.AuthKind) string {
	if k == certs.AuthToken {
		return "token key (.p8)"
	}
	return "certificate"
}
