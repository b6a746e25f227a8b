package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"golang.org/x/term"
)

const inspectUsage = `Usage: pushdeck inspect FILE [--key KEYFILE] [--json] [--key-id K] [--team-id T]

Reads a push credential and says whether APNs will accept it: a .p12, a PEM
(ck.pem, or a certificate-only PEM with --key), a DER .cer with --key, or an
AuthKey_<KEYID>.p8 token key. The format is read from the bytes, not the name.

The password of a .p12 or an encrypted key never goes on the command line:
  PUSHDECK_PASSWORD=...     environment variable
  --password-file FILE      first line of FILE
  --password-stdin          first line of standard input
  (otherwise)               the empty password is tried, then you are asked
                            if standard input is a terminal

Exit codes: 0 usable, 1 not usable, 2 usage error or unreadable file.

Flags:
`

func runInspect(e env, args []string) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var (
		opts   certs.Options
		asJSON bool
		pw     passwordFlags
	)
	fs.StringVar(&opts.KeyPath, "key", "", "private key `FILE` for a certificate that comes without one (.cer, certificate-only PEM)")
	fs.BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	fs.StringVar(&opts.KeyID, "key-id", "", "key ID of a .p8 token key (default: from an AuthKey_<KEYID>.p8 name)")
	fs.StringVar(&opts.TeamID, "team-id", "", "team ID to go with a .p8 token key")
	pw.register(fs)
	pos, code, ok := credParse(e, fs, args, inspectUsage)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(e.stderr, "pushdeck inspect: give exactly one credential FILE (got %d)\n\n", len(pos))
		credUsage(e.stderr, fs, inspectUsage)
		return exitUsage
	}
	path := pos[0]

	cred, loadErr, perr := credLoad(e, path, opts, &pw)
	if perr != nil {
		fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", perr)
		return exitUsage
	}
	var r certs.Report
	if cred != nil {
		r = cred.Report
	} else {
		r = reportFromError(path, loadErr)
	}
	cliAdvice(&r)

	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(inspectJSON(r)); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck inspect: %v\n", err)
			return exitInternal
		}
	} else {
		out := renderReport(r, newInspectStyles(credStyled(e)))
		if credStyled(e) {
			writeStyled(e.stdout, out)
		} else {
			io.WriteString(e.stdout, out)
		}
	}
	return reportExit(r)
}

// reportExit maps a report to the exit code: a file that could not be read
// at all is a usage-level failure (2), anything else that blocks use is 1.
func reportExit(r certs.Report) int {
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

// reportFromError builds the report of a file Load could not read at all.
func reportFromError(path string, err error) certs.Report {
	r := certs.Report{File: path, Problems: []certs.Finding{}, Warnings: []certs.Finding{}}
	var ce *certs.Error
	if errors.As(err, &ce) {
		r.Problems = append(r.Problems, ce.Finding)
	} else if err != nil {
		r.Problems = append(r.Problems, certs.Finding{Code: certs.CodeUnreadable, Message: err.Error()})
	}
	return r
}

// cliAdvice adds how to give a password on this command line; the certs
// package does not know about flags.
func cliAdvice(r *certs.Report) {
	for i, p := range r.Problems {
		if p.Code == certs.CodePasswordRequired {
			r.Problems[i].Advice += " Set PUSHDECK_PASSWORD, or use --password-file FILE or --password-stdin (never the command line), or run this in a terminal to be asked."
		}
	}
}

// credParse parses flags that may come before or after the positional
// arguments ("inspect FILE --json" and "inspect --json FILE" both work),
// which stdlib flag alone does not allow. ok is false when the caller must
// return code (help shown, or a usage error).
func credParse(e env, fs *flag.FlagSet, args []string, usage string) (pos []string, code int, ok bool) {
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // we print usage ourselves, to stdout for --help
	rest := args
	var tail []string
	for i, a := range args {
		if a == "--" {
			rest, tail = args[:i], args[i+1:]
			break
		}
	}
	for {
		err := fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			credUsage(e.stdout, fs, usage)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintln(e.stderr)
			credUsage(e.stderr, fs, usage)
			return nil, exitUsage, false
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
	}
	return append(pos, tail...), 0, true
}

func credUsage(w io.Writer, fs *flag.FlagSet, usage string) {
	fmt.Fprint(w, usage)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// credLoad loads a credential, finding its password the way every command
// does: an explicit source (--password-file, --password-stdin,
// PUSHDECK_PASSWORD) is used as given; without one the empty password is
// tried first (Keychain exports may have none), and only if that fails is the
// user asked, on a terminal. perr is a failure to read a password source.
func credLoad(e env, path string, opts certs.Options, pw *passwordFlags) (cred *certs.Credential, loadErr, perr error) {
	_, envSet := lookupEnv(e, "PUSHDECK_PASSWORD")
	if pw.file != "" || pw.stdin || envSet {
		p, _, err := pw.password(e, filepath.Base(path))
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
	p, given, err := pw.password(e, filepath.Base(path)) // prompts only on a terminal
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

// formatName is how the human report names a format.
func formatName(f certs.Format) string {
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

func joinEnvs(envs []certs.Environment) string {
	s := make([]string, len(envs))
	for i, e := range envs {
		s[i] = string(e)
	}
	return strings.Join(s, " and ")
}
