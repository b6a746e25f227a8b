package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pushdeck/pushdeck/certs"
	"golang.org/x/term"
)

const exportUsage = `Usage: pushdeck export FILE.p12 --out ck.pem [--encrypt-key] [--force]
       pushdeck export FILE.p12 --cert-out cert.pem --key-out key.pem [--encrypt-key] [--force]

Writes the certificate (with any chain in the file) and its private key as
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
2 usage error, unreadable file, or an output file already exists.

Flags:
`

func runExport(e env, args []string) int {
	flags := flag.NewFlagSet("export", flag.ContinueOnError)
	var (
		out, certOut, keyOut, passFile string
		encrypt, force                 bool
		pw                             passwordFlags
	)
	flags.StringVar(&out, "out", "", "write certificate and key to one PEM `FILE` (ck.pem)")
	flags.StringVar(&certOut, "cert-out", "", "write the certificate(s) to `FILE`")
	flags.StringVar(&keyOut, "key-out", "", "write the private key to `FILE`")
	flags.BoolVar(&encrypt, "encrypt-key", false, "protect the private key with a passphrase")
	flags.StringVar(&passFile, "key-passphrase-file", "", "read the --encrypt-key passphrase from `FILE` (first line)")
	flags.BoolVar(&force, "force", false, "replace output files that already exist")
	pw.register(flags)
	pos, code, ok := credParse(e, flags, args, exportUsage)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "pushdeck export: "+format+"\n\n", a...)
		credUsage(e.stderr, flags, exportUsage)
		return exitUsage
	}
	switch {
	case len(pos) != 1:
		return usageErr("give exactly one credential FILE to export (got %d)", len(pos))
	case out != "" && (certOut != "" || keyOut != ""):
		return usageErr("use either --out, or --cert-out with --key-out, not both")
	case out == "" && (certOut == "" || keyOut == ""):
		return usageErr("say where to write: --out ck.pem, or --cert-out cert.pem and --key-out key.pem")
	case certOut != "" && exportSameFile(certOut, keyOut):
		return usageErr("--cert-out and --key-out name the same file")
	case passFile != "" && !encrypt:
		return usageErr("--key-passphrase-file goes with --encrypt-key")
	}
	src := pos[0]
	outs := []string{out}
	if out == "" {
		outs = []string{certOut, keyOut}
	}
	for _, o := range outs {
		if exportSameFile(o, src) {
			return usageErr("the output %s is the file being exported", o)
		}
		if !force {
			if _, err := os.Lstat(o); err == nil {
				fmt.Fprintf(e.stderr, "pushdeck export: %s already exists; nothing was written. Add --force to replace it.\n", o)
				return exitUsage
			}
		}
	}

	cred, loadErr, perr := credLoad(e, src, certs.Options{}, &pw)
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
	if encrypt {
		var err error
		if pass, err = exportKeyPassphrase(e, passFile); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck export: %v\n", err)
			return exitUsage
		}
	}
	certPEM, keyPEM, err := certs.ExportPEM(cred, pass)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck export: %v\n", err)
		return exitFailed
	}
	files := map[string][]byte{out: append(append([]byte(nil), certPEM...), keyPEM...)}
	if out == "" {
		files = map[string][]byte{certOut: certPEM, keyOut: keyPEM}
	}
	for _, o := range outs {
		if err := exportWriteAtomic(o, files[o], force); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck export: writing %s: %v\n", o, err)
			if errors.Is(err, fs.ErrExist) {
				return exitUsage
			}
			return exitFailed
		}
	}

	what := "not encrypted: keep the file private"
	if encrypt {
		what = "encrypted with your passphrase"
	}
	chain := ""
	if n := len(cred.TLS.Certificate) - 1; n > 0 {
		chain = fmt.Sprintf(" and %s of its chain", credPlural(n, "certificate"))
	}
	if out != "" {
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the certificate%s, then the private key (%s).\n", out, chain, what)
	} else {
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the certificate%s.\n", certOut, chain)
		fmt.Fprintf(e.stdout, "✓ Wrote %s (mode 0600): the private key (%s).\n", keyOut, what)
	}
	return exitOK
}

// exportKeyPassphrase finds the --encrypt-key passphrase: --key-passphrase-file,
// then PUSHDECK_KEY_PASSPHRASE, then asked twice on a terminal. Never a flag
// value: the command line shows in `ps` and shell history.
func exportKeyPassphrase(e env, file string) (string, error) {
	var p string
	switch v, set := lookupEnv(e, "PUSHDECK_KEY_PASSPHRASE"); {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("cannot read the passphrase file: %w", err)
		}
		p = firstLine(string(b))
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

// exportWriteAtomic writes data to path with mode 0600 so that readers see the
// old file or the new one, never half of one: a temporary file in the same
// folder, fsync, then rename (force) or a hard link that fails if path
// appeared meanwhile (no force), then fsync of the folder.
func exportWriteAtomic(path string, data []byte, force bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a link or a failure; a no-op after a rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	w := bufio.NewWriter(f)
	if _, err := w.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if force {
		err = os.Rename(tmp, path)
	} else if err = os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here (some network and FAT file systems): check, then rename.
		if _, statErr := os.Lstat(path); statErr == nil {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every platform can sync a folder
		d.Close()
	}
	return nil
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
