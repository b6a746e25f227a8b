package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/session"
)

// ExportOptions are the flags of pushdeck export.
type ExportOptions struct {
	Out, CertOut, KeyOut string
	KeyPassphraseFile    string
	EncryptKey, Force    bool
	Password             session.PasswordFlags
}

const exportLong = `Writes the certificate (with any chain in the file) and its private key as
PEM: one ck.pem, or two files. This is what
  openssl pkcs12 -nocerts ... ; openssl x509 -inform der ... ; cat cert key > ck.pem
does by hand. Files are created with mode 0600; an existing file is never
replaced unless --force is given.

The .p12 password comes from PUSHDECK_PASSWORD, --password-file or
--password-stdin (never the command line); otherwise the empty password is
tried, then you are asked on a terminal.
With --encrypt-key the key is protected (PKCS#8, AES-256-CBC, PBKDF2-SHA256)
by a passphrase from PUSHDECK_KEY_PASSPHRASE, --key-passphrase-file, or asked
twice on a terminal.

Exit codes: 0 written; 1 the credential cannot be exported or a write failed;
2 usage error, unreadable file, or an output file already exists.`

func newExportCmd(e env) *cobra.Command {
	var o ExportOptions
	c := &cobra.Command{
		Use:   "export FILE.p12",
		Short: "Convert a .p12 into PEM (ck.pem, or separate cert and key files)",
		Long:  exportLong,
		Example: `  pushdeck export dev.p12 --out ck.pem
  pushdeck export dev.p12 --cert-out cert.pem --key-out key.pem --encrypt-key
  pushdeck export prod.p12 --password-file ~/.prod-p12-pw --out prod-ck.pem --force`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return codeErr(runExport(e, args, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Out, "out", "", "write certificate and key to one PEM `FILE` (ck.pem)")
	fs.StringVar(&o.CertOut, "cert-out", "", "write the certificate(s) to `FILE`")
	fs.StringVar(&o.KeyOut, "key-out", "", "write the private key to `FILE`")
	fs.BoolVar(&o.EncryptKey, "encrypt-key", false, "protect the private key with a passphrase")
	fs.StringVar(&o.KeyPassphraseFile, "key-passphrase-file", "", "read the --encrypt-key passphrase from `FILE` (first line)")
	fs.BoolVar(&o.Force, "force", false, "replace output files that already exist")
	registerPassword(fs, &o.Password)
	return c
}

// runExport converts the credential named by args[0].
func runExport(e env, args []string, o *ExportOptions) int {
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "pushdeck export: "+format+"; see pushdeck export --help\n", a...)
		return exitUsage
	}
	switch {
	case len(args) != 1:
		return usageErr("give exactly one credential FILE to export (got %d)", len(args))
	case o.Out != "" && (o.CertOut != "" || o.KeyOut != ""):
		return usageErr("use either --out, or --cert-out with --key-out, not both")
	case o.Out == "" && (o.CertOut == "" || o.KeyOut == ""):
		return usageErr("say where to write: --out ck.pem, or --cert-out cert.pem and --key-out key.pem")
	case o.CertOut != "" && exportSameFile(o.CertOut, o.KeyOut):
		return usageErr("--cert-out and --key-out name the same file")
	case o.KeyPassphraseFile != "" && !o.EncryptKey:
		return usageErr("--key-passphrase-file goes with --encrypt-key")
	}
	src := args[0]
	outs := []string{o.Out}
	if o.Out == "" {
		outs = []string{o.CertOut, o.KeyOut}
	}
	for _, out := range outs {
		if exportSameFile(out, src) {
			return usageErr("the output %s is the file being exported", out)
		}
		if !o.Force {
			if _, err := os.Lstat(out); err == nil {
				fmt.Fprintf(e.stderr, "pushdeck export: %s already exists; nothing was written. Add --force to replace it.\n", out)
				return exitUsage
			}
		}
	}

	cred, loadErr, perr := credLoad(e, src, certs.Options{}, o.Password)
	if perr != nil {
		fmt.Fprintf(e.stderr, "pushdeck export: %v\n", perr)
		return exitUsage
	}
	if cred == nil {
		r := credReportFromError(src, loadErr)
		fmt.Fprintf(e.stderr, "pushdeck export: %s\n", r.Problems[0])
		return exitUsage
	}
	r := cred.Report
	credCLIAdvice(&r)
	if cred.TLS == nil {
		if cred.Kind == certs.AuthToken {
			fmt.Fprintf(e.stderr, "pushdeck export: %s is a token signing key (.p8), already PEM: there is nothing to export. Use it as it is.\n", src)
			return exitFailed
		}
		fmt.Fprintf(e.stderr, "pushdeck export: cannot export %s:\n", src)
		for _, p := range r.Problems {
			fmt.Fprintf(e.stderr, "  ✗ %s\n", p)
		}
		return credReportExit(r)
	}
	for _, p := range r.Problems { // expired or not yet valid: still convertible
		fmt.Fprintf(e.stderr, "⚠ %s\n", p.Message)
	}

	var pass string
	if o.EncryptKey {
		var err error
		if pass, err = exportKeyPassphrase(e, o.KeyPassphraseFile); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck export: %v\n", err)
			return exitUsage
		}
	}
	certPEM, keyPEM, err := certs.ExportPEM(cred, pass)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck export: %v\n", err)
		return exitFailed
	}
	files := map[string][]byte{o.Out: append(append([]byte(nil), certPEM...), keyPEM...)}
	if o.Out == "" {
		files = map[string][]byte{o.CertOut: certPEM, o.KeyOut: keyPEM}
	}
	for _, out := range outs {
		if err := exportWrite(out, files[out], o.Force); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck export: %v\n", err)
			if errors.Is(err, fs.ErrExist) {
				return exitUsage
			}
			return exitFailed
		}
	}

	what := "not encrypted: keep the file private"
	if o.EncryptKey {
		what = "encrypted with your passphrase"
	}
	chain := ""
	if n := len(cred.TLS.Certificate) - 1; n > 0 {
		chain = fmt.Sprintf(" and %s of its chain", credPlural(n, "certificate"))
	}
	if o.Out != "" {
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the certificate%s, then the private key (%s).\n", o.Out, chain, what)
	} else {
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the certificate%s.\n", o.CertOut, chain)
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the private key (%s).\n", o.KeyOut, what)
	}
	return exitOK
}

// exportKeyPassphrase finds the --encrypt-key passphrase: --key-passphrase-file,
// then PUSHDECK_KEY_PASSPHRASE, then asked twice on a terminal. Never a flag
// value: the command line shows in `ps` and shell history.
func exportKeyPassphrase(e env, file string) (string, error) {
	var p string
	switch v, set := e.lookup("PUSHDECK_KEY_PASSPHRASE"); {
	case file != "":
		var err error
		if p, err = session.ReadPasswordFile(file); err != nil {
			return "", fmt.Errorf("cannot read the passphrase file: %w", err)
		}
	case set:
		p = v
	default:
		f, isFile := e.stdin.(*os.File)
		if !isFile || !term.IsTerminal(int(f.Fd())) {
			return "", errors.New("--encrypt-key needs a passphrase: set PUSHDECK_KEY_PASSPHRASE, or use --key-passphrase-file FILE, or run this in a terminal to be asked")
		}
		ask := func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
		a, err := ask("Passphrase for the exported key: ")
		if err != nil {
			return "", fmt.Errorf("reading the passphrase: %w", err)
		}
		b, err := ask("Same passphrase again: ")
		if err != nil {
			return "", fmt.Errorf("reading the passphrase: %w", err)
		}
		if a != b {
			return "", errors.New("the two passphrases differ; nothing was written")
		}
		p = a
	}
	if p == "" {
		return "", errors.New("the passphrase for --encrypt-key is empty; nothing was written")
	}
	return p, nil
}

// exportWrite writes one output file with mode 0600, atomically (a reader
// sees no file or the whole file), never replacing an existing one without
// --force and never writing through a symbolic link.
func exportWrite(path string, data []byte, force bool) error {
	if force {
		return fsafe.WriteFileAtomic(path, data, 0o600)
	}
	return fsafe.CreateFileAtomic(path, data, 0o600)
}

// exportSameFile reports whether two paths name one file, existing or not.
func exportSameFile(a, b string) bool {
	if sa, err := os.Stat(a); err == nil {
		if sb, err := os.Stat(b); err == nil {
			return os.SameFile(sa, sb)
		}
	}
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	return errA == nil && errB == nil && aa == bb
}
