package health

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// InspectOptions tunes Inspect.
type InspectOptions struct {
	// Cert holds the options every file is loaded with (key ID, team ID of
	// .p8 keys; a separate key file makes sense only for one file). Its
	// Password is ignored: see Password.
	Cert certs.Options
	// Password, if set, is asked for the password of a file that needs one
	// (after the empty password failed); ok false means none is known and
	// the file is reported as needing one. It is called one file at a time.
	Password func(file string) (pw string, ok bool, err error)
	// WarnDays is the expiry warning window: a certificate with fewer days
	// left (certs.DaysLeft) than this is a warning; 0 turns expiry warnings
	// off (DefaultWarnDays is the CLI's default).
	WarnDays int
	// Now is the clock (zero: time.Now()).
	Now time.Time
}

// FileResult is one credential file's verdict.
type FileResult struct {
	// File is the path as given, or joined to the folder it was found in.
	File   string
	Status Status
	// Report is the certs health report; for an unreadable file it holds
	// only the problem. Warnings are adjusted to WarnDays.
	Report certs.Report
	// Now is the time the file was judged at (for Validity).
	Now time.Time
}

// Inspection is what Inspect found.
type Inspection struct {
	Files []FileResult
	// Skipped lists the files of the folders given whose names are not a
	// credential's (.p12, .pfx, .pem, .cer, .crt, .der, .key, .p8): a
	// folder's README or scripts are not reported as broken credentials.
	// Files named on their own are always inspected.
	Skipped []string
}

// credentialExts are the names a folder's credential files have.
var credentialExts = []string{".p12", ".pfx", ".pem", ".cer", ".crt", ".der", ".key", ".p8"}

// Inspect reads every path given: a file is inspected whatever its name, a
// folder is read one level deep (no subfolders, no hidden files) and its
// credential files inspected in name order. Reads are bounded and refuse
// FIFOs and devices. err is only for a cancelled context; everything about
// a file is in its FileResult.
func Inspect(ctx context.Context, paths []string, opts InspectOptions) (Inspection, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	opts.Now = now
	var out Inspection
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		st, err := os.Stat(p)
		if err == nil && st.IsDir() {
			files, skipped, err := folderFiles(p)
			out.Skipped = append(out.Skipped, skipped...)
			if err != nil {
				var pe *fs.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				r := unreadable(p, nil, now)
				r.Report.Problems[0].Message = "The folder " + clean(p) + " cannot be read: " + clean(err.Error()) + "."
				r.Report.Problems[0].Advice = "Check its owner and mode (ls -ld), or name the credential files inside it."
				out.Files = append(out.Files, r)
				continue
			}
			for _, f := range files {
				if err := ctx.Err(); err != nil {
					return out, err
				}
				r, err := inspectFile(ctx, f, opts)
				if err != nil {
					return out, err
				}
				out.Files = append(out.Files, r)
			}
			continue
		}
		r, err := inspectFile(ctx, p, opts)
		if err != nil {
			return out, err
		}
		out.Files = append(out.Files, r)
	}
	return out, nil
}

// folderFiles lists a folder's credential files (and the regular files it
// skipped), one level deep, in name order.
func folderFiles(dir string) (files, skipped []string, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(maxFolderEntries + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	if len(entries) > maxFolderEntries {
		return nil, nil, errors.New("it has more than 10000 entries; give the credential files or a smaller folder")
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		if !slices.Contains(credentialExts, strings.ToLower(filepath.Ext(name))) {
			if e.Type().IsRegular() {
				skipped = append(skipped, path)
			}
			continue
		}
		// A link to a folder is not followed (one level deep).
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(path); err == nil && st.IsDir() {
				continue
			}
		}
		files = append(files, path)
	}
	return files, skipped, nil
}

// inspectFile reads and judges one file: certs reads it (bounded, no FIFOs
// or devices, cancellable), with the empty password first and, if that is
// not it, the one opts.Password gives.
func inspectFile(ctx context.Context, path string, opts InspectOptions) (FileResult, error) {
	co := opts.Cert
	co.Password = ""
	co.Now = opts.Now
	cred, err := certs.LoadContext(ctx, path, co)
	if cerr := ctx.Err(); cerr != nil {
		return FileResult{}, cerr
	}
	if cred == nil {
		return unreadable(path, err, opts.Now), nil
	}
	if needsPassword(cred) && opts.Password != nil {
		pw, ok, perr := opts.Password(path)
		switch {
		case perr != nil:
			cred.Report.Problems[0].Message += " (" + clean(perr.Error()) + ")"
		case ok:
			co.Password = pw
			if again, _ := certs.LoadContext(ctx, path, co); again != nil {
				cred = again
			}
			if cerr := ctx.Err(); cerr != nil {
				return FileResult{}, cerr
			}
		}
	}
	return judgeFile(path, cred.Report, opts), nil
}

// judgeFile settles a loaded file's status.
func judgeFile(path string, r certs.Report, opts InspectOptions) FileResult {
	r.File = path
	r.Warnings = expiryWarnings(&r, opts.WarnDays, opts.Now)
	st := statusOf(r.Problems, r.Warnings)
	for _, p := range r.Problems {
		// A file named (the credential, or its key file) that cannot be
		// read at all: as `inspect` has always said, exit 2.
		if p.Code == certs.CodeFileMissing || p.Code == certs.CodeUnreadable {
			st = StatusUnreadable
		}
	}
	if st == StatusFailure && r.Problems[0].Code == certs.CodePasswordRequired {
		st = StatusNeedsPassword
	}
	return FileResult{File: path, Status: st, Report: r, Now: opts.Now}
}

// needsPassword reports whether a load failed only for want of a password.
func needsPassword(c *certs.Credential) bool {
	return c != nil && len(c.Report.Problems) > 0 && c.Report.Problems[0].Code == certs.CodePasswordRequired
}

// unreadable is the result for a file that could not be read at all, in
// the certs report's words when certs said why.
func unreadable(path string, err error, now time.Time) FileResult {
	var ce *certs.Error
	var f certs.Finding
	if errors.As(err, &ce) {
		f = ce.Finding
	} else {
		msg := "unknown error"
		if err != nil {
			msg = err.Error()
		}
		f = certs.Finding{Code: certs.CodeUnreadable,
			Message: "The file " + clean(path) + " cannot be read: " + clean(msg) + ".",
			Advice:  "Check that it is a file you are allowed to read (ls -l)."}
	}
	return FileResult{File: path, Status: StatusUnreadable, Now: now,
		Report: certs.Report{File: path, Problems: []certs.Finding{f}, Warnings: []certs.Finding{}}}
}
