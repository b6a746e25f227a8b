package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/health"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/session"
)

// InspectOptions are the flags of pushdeck inspect.
type InspectOptions struct {
	Cert     certs.Options
	Password session.PasswordFlags
	JSON     bool
	// Long prints the full report of every file, not one line each.
	Long bool
	// WarnDays is when "expires soon" starts.
	WarnDays int
}

const inspectLong = `Reads push credentials and says whether APNs will accept them: a .p12, a PEM
(ck.pem, or a certificate-only PEM with --key), a DER .cer with --key, or an
AuthKey_<KEYID>.p8 token key. The format is read from the bytes, not the name.

One file gives its full health report. Several files, or a folder (read one
level deep: its .p12 .pfx .pem .cer .crt .der .key .p8 files, no hidden files),
give one line each: file, kind, environment(s), topic(s), days left, verdict;
--long gives the full report of each. Days left are whole days, rounded toward
zero, negative once expired: the same number everywhere in pushdeck.

The password of a .p12 or an encrypted key never goes on the command line:
  PUSHDECK_PASSWORD=...     environment variable
  --password-file FILE      first line of FILE
  --password-stdin          first line of standard input
  (otherwise)               the empty password is tried, then you are asked
                            if standard input is a terminal
The empty password is always tried first; a given password is used for every
file that needs one.

--json prints one JSON object per file (JSON Lines; one file: one object).

Exit codes: 0 every file usable, 1 any file not usable, 2 usage error or a
file that could not be read.`

func newInspectCmd(e env) *cobra.Command {
	o := InspectOptions{WarnDays: health.DefaultWarnDays}
	c := &cobra.Command{
		Use:   "inspect FILE|FOLDER...",
		Short: "Health report of credentials (.p12, PEM, ck.pem, .cer + key, .p8), one or many",
		Long:  inspectLong,
		Example: `  pushdeck inspect dev.p12
  PUSHDECK_PASSWORD=... pushdeck inspect prod.p12 --json
  pushdeck inspect aps.cer --key private.key
  pushdeck inspect AuthKey_ABCDE12345.p8 --team-id TEAM123456
  pushdeck inspect ~/certs                     # one line per credential
  pushdeck inspect ~/certs/*.p12 --warn-days 60
  pushdeck inspect ~/certs --json | jq -r 'select(.status != "ok") | .file'`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return codeErr(runInspect(c.Context(), e, args, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Cert.KeyPath, "key", "", "private key `FILE` for a certificate that comes without one (.cer, certificate-only PEM); one FILE only")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per file")
	fs.BoolVar(&o.Long, "long", false, "print the full report of every file, not one line each")
	fs.IntVar(&o.WarnDays, "warn-days", health.DefaultWarnDays, "warn when a certificate has fewer than `N` days left")
	fs.StringVar(&o.Cert.KeyID, "key-id", "", "key ID of a .p8 token key (default: from an AuthKey_<KEYID>.p8 name)")
	fs.StringVar(&o.Cert.TeamID, "team-id", "", "team ID to go with a .p8 token key")
	registerPassword(fs, &o.Password)
	return c
}

// runInspect reports on the credentials at paths: one file in full, many
// (or a folder) one line each.
func runInspect(ctx context.Context, e env, paths []string, o *InspectOptions) int {
	if ctx == nil {
		ctx = context.Background()
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "pushdeck inspect: "+format+"\n", a...)
		return exitUsage
	}
	if len(paths) == 0 {
		return fail("give one or more credential FILEs or folders; see pushdeck inspect --help")
	}
	for _, id := range []struct{ flag, v string }{{"--team-id", o.Cert.TeamID}, {"--key-id", o.Cert.KeyID}} {
		if id.v != "" {
			if err := session.CheckAppleID(id.flag, id.v); err != nil {
				return fail("%v", err)
			}
		}
	}
	if o.WarnDays < 0 {
		return fail("--warn-days %d: give a number of days, 0 or more (0: no expiry warnings)", o.WarnDays)
	}
	single := len(paths) == 1 && !isDir(paths[0])
	if o.Cert.KeyPath != "" && !single {
		return fail("--key pairs one certificate with its key: give exactly one FILE with it")
	}

	// A password given on purpose is read once, before any file, and used
	// for every file that needs one; otherwise each such file is asked for
	// on a terminal.
	se := e.session()
	var known *string
	password := func(file string) (string, bool, error) {
		if known != nil {
			return *known, true, nil
		}
		pw, ok, err := se.Password(session.PasswordRequest{What: filepath.Base(file), Flags: o.Password})
		if v, _ := e.lookup(session.PasswordEnv); err == nil && ok && (o.Password.Given() || v != "") {
			known = &pw
		}
		return pw, ok, err
	}
	if o.Password.Given() {
		if _, _, err := password(paths[0]); err != nil {
			return fail("%v", err)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	ins, err := health.Inspect(ctx, paths, health.InspectOptions{Cert: o.Cert, Password: password, WarnDays: o.WarnDays})
	if err != nil {
		return fail("stopped: %v", err)
	}
	for i := range ins.Files {
		credCLIAdvice(&ins.Files[i].Report)
	}
	if len(ins.Skipped) > 0 {
		names := make([]string, 0, 5)
		for _, s := range ins.Skipped[:min(len(ins.Skipped), 5)] {
			names = append(names, filepath.Base(s))
		}
		more := ""
		if len(ins.Skipped) > 5 {
			more = fmt.Sprintf(" and %d more", len(ins.Skipped)-5)
		}
		fmt.Fprintf(e.stderr, "pushdeck inspect: skipped %s not named like a credential (.p12 .pfx .pem .cer .crt .der .key .p8): %s%s\n",
			credPlural(len(ins.Skipped), "file"), textsafe.Clean(strings.Join(names, ", ")), more)
	}

	if len(ins.Files) == 0 {
		fmt.Fprintf(e.stderr, "pushdeck inspect: no credential files found in %s: give the .p12, .pem, .cer or .p8 files themselves\n", textsafe.Clean(strings.Join(paths, ", ")))
		return exitUsage
	}
	if werr := writeInspect(e, ins.Files, o, single); werr != nil {
		fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", werr)
		return exitInternal
	}
	for _, f := range ins.Files {
		if f.Status == health.StatusUnreadable && len(f.Report.Problems) > 0 {
			// Said where a script that keeps only stdout still shows it.
			p := f.Report.Problems[0]
			fmt.Fprintf(e.stderr, "pushdeck inspect: %s %s\n", p.Message, p.Advice)
		}
	}
	return health.InspectExit(ins.Files)
}

// writeInspect prints the results: one file's full report, or a table, or
// JSON.
func writeInspect(e env, files []health.FileResult, o *InspectOptions, single bool) error {
	switch {
	case o.JSON && single && len(files) == 1:
		enc := jsonEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(files[0].JSON())
	case o.JSON:
		return health.WriteFilesJSON(textsafe.JSONWriter(e.stdout), files)
	case single || o.Long:
		styled := credStyled(e)
		for i, f := range files {
			out := renderCredReport(f.Report, newInspectStyles(styled))
			if i > 0 {
				out = "\n" + out
			}
			if styled {
				credWriteStyled(e.stdout, out)
			} else if _, err := io.WriteString(e.stdout, out); err != nil {
				return err
			}
		}
		if !single {
			_, err := fmt.Fprintf(e.stdout, "\n%s\n", health.FilesTally(files))
			return err
		}
		return nil
	}
	return health.WriteFilesTable(e.stdout, files)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// credReportExit maps a report to the exit code: a file that could not be read
// at all is a usage-level failure (2), anything else that blocks use is 1.
func credReportExit(r certs.Report) int {
	if r.Usable {
		return exitOK
	}
	for _, p := range r.Problems {
		if p.Code == certs.CodeFileMissing || p.Code == certs.CodeUnreadable {
			return exitUsage
		}
	}
	return exitFailed
}

// credReportFromError builds the report of a file Load could not read at all.
func credReportFromError(path string, err error) certs.Report {
	r := certs.Report{File: path, Problems: []certs.Finding{}, Warnings: []certs.Finding{}}
	var ce *certs.Error
	if errors.As(err, &ce) {
		r.Problems = append(r.Problems, ce.Finding)
	} else if err != nil {
		r.Problems = append(r.Problems, certs.Finding{Code: certs.CodeUnreadable, Message: err.Error()})
	}
	return r
}

// credCLIAdvice adds how to give a password on this command line; the certs
// package does not know about flags.
func credCLIAdvice(r *certs.Report) {
	for i, p := range r.Problems {
		if p.Code == certs.CodePasswordRequired {
			r.Problems[i].Advice += " Set PUSHDECK_PASSWORD, or use --password-file FILE or --password-stdin (never the command line), or run this in a terminal to be asked."
		}
	}
}

// credLoad loads a credential, finding its password the way every command
// does (session.Env.Password): an explicit source (--password-file,
// --password-stdin, PUSHDECK_PASSWORD) is used as given; without one the
// empty password is tried first (Keychain exports may have none), and only
// if that fails is the user asked, on a terminal. perr is a failure to read
// a password source.
func credLoad(e env, path string, opts certs.Options, pw session.PasswordFlags) (cred *certs.Credential, loadErr, perr error) {
	se := e.session()
	req := session.PasswordRequest{What: filepath.Base(path), Flags: pw}
	// An empty PUSHDECK_PASSWORD is no password: the empty one is tried
	// first, and only a credential that needs one makes it an error.
	if v, _ := e.lookup(session.PasswordEnv); pw.Given() || v != "" {
		p, _, err := se.Password(req)
		if err != nil {
			return nil, nil, err
		}
		opts.Password = p
		cred, loadErr = certs.Load(path, opts)
		return cred, loadErr, nil
	}
	cred, loadErr = certs.Load(path, opts)
	if cred == nil || len(cred.Report.Problems) == 0 || cred.Report.Problems[0].Code != certs.CodePasswordRequired {
		return cred, loadErr, nil
	}
	p, given, err := se.Password(req) // prompts only on a terminal
	if err != nil {
		return nil, nil, err
	}
	if given {
		opts.Password = p
		cred, loadErr = certs.Load(path, opts)
	}
	return cred, loadErr, nil
}

// credStyled says whether to colour output: only for a terminal, and never
// when NO_COLOR is set (https://no-color.org).
func credStyled(e env) bool {
	if e.getenv != nil && e.getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := e.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// credFormatName is how the human report names a format.
func credFormatName(f certs.Format) string {
	switch f {
	case certs.FormatP12:
		return "PKCS#12 (.p12)"
	case certs.FormatPEM:
		return "PEM"
	case certs.FormatDER:
		return "DER certificate (.cer)"
	case certs.FormatP8:
		return "token signing key (.p8)"
	}
	return "unrecognised"
}

func credJoinEnvs(envs []certs.Environment) string {
	s := make([]string, len(envs))
	for i, e := range envs {
		s[i] = string(e)
	}
	return strings.Join(s, " and ")
}

// inspectStyles colours the human report; the zero value prints plain text.
type inspectStyles struct {
	ok, warn, bad, head, label, dim lipgloss.Style
}

func newInspectStyles(styled bool) inspectStyles {
	if !styled {
		s := lipgloss.NewStyle()
		return inspectStyles{s, s, s, s, s, s}
	}
	return inspectStyles{
		ok:    lipgloss.NewStyle().Foreground(lipgloss.Green),
		warn:  lipgloss.NewStyle().Foreground(lipgloss.Yellow),
		bad:   lipgloss.NewStyle().Foreground(lipgloss.Red).Bold(true),
		head:  lipgloss.NewStyle().Bold(true),
		label: lipgloss.NewStyle().Foreground(lipgloss.BrightBlack),
		dim:   lipgloss.NewStyle().Faint(true),
	}
}

// credWriteStyled writes through lipgloss so colours fit the terminal's profile.
func credWriteStyled(w io.Writer, s string) { lipgloss.Fprint(w, s) }

// renderCredReport is the human report: the verdict first, then every check
// with ✓ ⚠ ✗ and what to do, then the details support staff compare.
func renderCredReport(r certs.Report, st inspectStyles) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }

	line("%s  %s", st.head.Render(r.File), st.dim.Render(credFormatName(r.Format)))
	switch {
	case r.Usable && len(r.Warnings) > 0:
		line("%s", st.warn.Render(fmt.Sprintf("⚠ Usable, with %s to look at", credPlural(len(r.Warnings), "warning"))))
	case r.Usable:
		line("%s", st.ok.Render("✓ Usable"))
	default:
		line("%s", st.bad.Render(fmt.Sprintf("✗ Not usable: %s", credPlural(len(r.Problems), "problem"))))
	}
	line("")
	for _, p := range r.Problems {
		line("  %s %s", st.bad.Render("✗"), p.Message)
		if p.Advice != "" {
			line("    %s", st.dim.Render(p.Advice))
		}
	}
	for _, w := range r.Warnings {
		line("  %s %s", st.warn.Render("⚠"), w.Message)
		if w.Advice != "" {
			line("    %s", st.dim.Render(w.Advice))
		}
	}
	for _, ok := range credPassedChecks(r) {
		line("  %s %s", st.ok.Render("✓"), ok)
	}

	row := func(label, value string) {
		if value != "" {
			line("  %s %s", st.label.Render(fmt.Sprintf("%-13s", label)), value)
		}
	}
	if c := r.Certificate; c != nil {
		line("")
		line("%s", st.head.Render("Certificate"))
		row("Common name", c.CommonName)
		row("Topic", c.Topic)
		var topics []string
		for _, t := range c.Topics {
			topics = append(topics, fmt.Sprintf("%s (%s)", t.Topic, t.Kind))
		}
		row("Topics", strings.Join(topics, ", "))
		envs := credJoinEnvs(c.Environments)
		if envs == "" {
			envs = "none (no Apple push extension)"
		}
		row("Environments", envs)
		row("Team ID", c.TeamID)
		row("Subject", c.Subject)
		row("Issuer", c.Issuer)
		row("Serial", c.Serial)
		row("SHA-256", c.SHA256)
		row("Valid from", c.NotBefore.Format("2006-01-02 15:04 MST"))
		row("Valid until", fmt.Sprintf("%s (%s)", c.NotAfter.Format("2006-01-02 15:04 MST"), c.Validity(time.Now())))
	}
	if k := r.PrivateKey; k != nil {
		v := "none in the file"
		switch {
		case k.Present && k.Type == "":
			v = "present, still locked by its password"
		case k.Present && k.MatchesCertificate:
			v = fmt.Sprintf("%s %d-bit, matches the certificate", k.Type, k.Bits)
		case k.Present:
			v = fmt.Sprintf("%s %d-bit, does NOT match the certificate", k.Type, k.Bits)
		}
		row("Private key", v)
	}
	for i, c := range r.Chain {
		label := ""
		if i == 0 {
			label = "Chain"
		}
		row(label, fmt.Sprintf("%s (until %s)", c.Subject, c.NotAfter.Format("2006-01-02")))
	}
	if t := r.TokenKey; t != nil {
		line("")
		line("%s", st.head.Render("Token key"))
		row("Key ID", credOrDash(t.KeyID))
		row("Team ID", credOrDash(t.TeamID))
		row("Curve", t.Curve)
	}
	return b.String()
}

// credPassedChecks lists what is right, so a support person sees every check,
// not only the failures.
func credPassedChecks(r certs.Report) []string {
	has := func(c certs.Code) bool {
		for _, f := range append(append([]certs.Finding{}, r.Problems...), r.Warnings...) {
			if f.Code == c {
				return true
			}
		}
		return false
	}
	var out []string
	if c := r.Certificate; c != nil {
		if k := r.PrivateKey; k != nil && k.Present && k.MatchesCertificate {
			out = append(out, fmt.Sprintf("The private key (%s %d-bit) belongs to the certificate.", k.Type, k.Bits))
		}
		if !has(certs.CodeExpired) && !has(certs.CodeNotYetValid) && !has(certs.CodeExpiresSoon) {
			out = append(out, fmt.Sprintf("Valid until %s (%s).", c.NotAfter.Format("2006-01-02"), c.Validity(time.Now())))
		}
		if len(c.Environments) > 0 {
			out = append(out, fmt.Sprintf("Apple push certificate for %s.", credJoinEnvs(c.Environments)))
		}
	}
	if t := r.TokenKey; t != nil && r.Usable {
		out = append(out, "ES256 token signing key on curve "+t.Curve+".")
		if t.KeyID != "" {
			out = append(out, "Key ID "+t.KeyID+".")
		}
		if t.TeamID != "" {
			out = append(out, "Team ID "+t.TeamID+".")
		}
	}
	return out
}

func credOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func credPlural(n int, unit string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
