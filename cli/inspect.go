package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/session"
)

// InspectOptions are the flags of pushdeck inspect.
type InspectOptions struct {
	Cert     certs.Options
	Password session.PasswordFlags
	JSON     bool
}

const inspectLong = `Reads a push credential and says whether APNs will accept it: a .p12, a PEM
(ck.pem, or a certificate-only PEM with --key), a DER .cer with --key, or an
AuthKey_<KEYID>.p8 token key. The format is read from the bytes, not the name.

The password of a .p12 or an encrypted key never goes on the command line:
  PUSHDECK_PASSWORD=...     environment variable
  --password-file FILE      first line of FILE
  --password-stdin          first line of standard input
  (otherwise)               the empty password is tried, then you are asked
                            if standard input is a terminal

Exit codes: 0 usable, 1 not usable, 2 usage error or unreadable file.`

func newInspectCmd(e env) *cobra.Command {
	var o InspectOptions
	c := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Health report of a credential (.p12, PEM, ck.pem, .cer + key, .p8)",
		Long:  inspectLong,
		Example: `  pushdeck inspect dev.p12
  PUSHDECK_PASSWORD=... pushdeck inspect prod.p12 --json
  pushdeck inspect aps.cer --key private.key
  pushdeck inspect AuthKey_ABCDE12345.p8 --team-id TEAM123456`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintf(e.stderr, "pushdeck inspect: give exactly one credential FILE (got %d); see pushdeck inspect --help\n", len(args))
				return codeErr(exitUsage)
			}
			return codeErr(runInspect(e, args[0], &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Cert.KeyPath, "key", "", "private key `FILE` for a certificate that comes without one (.cer, certificate-only PEM)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&o.Cert.KeyID, "key-id", "", "key ID of a .p8 token key (default: from an AuthKey_<KEYID>.p8 name)")
	fs.StringVar(&o.Cert.TeamID, "team-id", "", "team ID to go with a .p8 token key")
	registerPassword(fs, &o.Password)
	return c
}

// runInspect reports on the credential at path.
func runInspect(e env, path string, o *InspectOptions) int {
	for _, id := range []struct{ flag, v string }{{"--team-id", o.Cert.TeamID}, {"--key-id", o.Cert.KeyID}} {
		if id.v != "" {
			if err := session.CheckAppleID(id.flag, id.v); err != nil {
				fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", err)
				return exitUsage
			}
		}
	}

	cred, loadErr, perr := credLoad(e, path, o.Cert, o.Password)
	if perr != nil {
		fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", perr)
		return exitUsage
	}
	var r certs.Report
	if cred != nil {
		r = cred.Report
	} else {
		r = credReportFromError(path, loadErr)
	}
	credCLIAdvice(&r)

	if o.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(inspectJSON(r)); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", err)
			return exitInternal
		}
	} else {
		out := renderCredReport(r, newInspectStyles(credStyled(e)))
		if credStyled(e) {
			credWriteStyled(e.stdout, out)
		} else {
			_, _ = io.WriteString(e.stdout, out)
		}
	}
	code := credReportExit(r)
	if code == exitUsage && len(r.Problems) > 0 {
		// The file could not be read at all: say so where a script that
		// keeps only stdout (the report) still shows it.
		p := r.Problems[0]
		fmt.Fprintf(e.stderr, "pushdeck inspect: %s %s\n", p.Message, p.Advice)
	}
	return code
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

// inspectOutput is the --json shape of issue 2: problems and warnings as
// sentences, plus their codes for scripts.
type inspectOutput struct {
	File         string              `json:"file"`
	Format       certs.Format        `json:"format,omitempty"`
	Usable       bool                `json:"usable"`
	Problems     []string            `json:"problems"`
	Warnings     []string            `json:"warnings"`
	ProblemCodes []certs.Code        `json:"problem_codes"`
	WarningCodes []certs.Code        `json:"warning_codes"`
	Certificate  *certs.CertInfo     `json:"certificate,omitempty"`
	PrivateKey   *certs.KeyInfo      `json:"private_key,omitempty"`
	Chain        *[]certs.ChainCert  `json:"chain,omitempty"`
	TokenKey     *certs.TokenKeyInfo `json:"token_key,omitempty"`
}

func inspectJSON(r certs.Report) inspectOutput {
	o := inspectOutput{
		File: r.File, Format: r.Format, Usable: r.Usable,
		Problems: []string{}, Warnings: []string{}, ProblemCodes: []certs.Code{}, WarningCodes: []certs.Code{},
		Certificate: r.Certificate, PrivateKey: r.PrivateKey, TokenKey: r.TokenKey,
	}
	for _, p := range r.Problems {
		o.Problems = append(o.Problems, p.String())
		o.ProblemCodes = append(o.ProblemCodes, p.Code)
	}
	for _, w := range r.Warnings {
		o.Warnings = append(o.Warnings, w.String())
		o.WarningCodes = append(o.WarningCodes, w.Code)
	}
	if r.Certificate != nil {
		chain := r.Chain
		if chain == nil {
			chain = []certs.ChainCert{}
		}
		o.Chain = &chain
	}
	return o
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
		left := fmt.Sprintf("%s left", credPlural(c.DaysLeft, "day"))
		if c.DaysLeft < 0 {
			left = "expired"
		}
		row("Valid until", fmt.Sprintf("%s (%s)", c.NotAfter.Format("2006-01-02 15:04 MST"), left))
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
			out = append(out, fmt.Sprintf("Valid until %s (%s left).", c.NotAfter.Format("2006-01-02"), credPlural(c.DaysLeft, "day")))
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
