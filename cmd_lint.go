package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pushdeck/pushdeck/push/payload"
)

// lintMaxFile bounds what lint reads: a payload is at most 5 KB, so a much
// larger file is a mistake (a log, a binary) rather than a payload.
const lintMaxFile = 16 << 20

const lintUsageText = `Usage: pushdeck lint FILE|- [flags]

Checks a payload and its headers against APNs rules: JSON syntax (with line
and column), size against the push type's limit, and lint rules. FILE "-"
reads standard input.

Flags:
  --push-type T      apns-push-type: alert, background, voip, liveactivity,
                     widgets, location, complication, fileprovider, mdm,
                     pushtotalk (default: guessed from the payload, with a warning)
  --priority P       apns-priority: 10, 5 or 1 (default: not set, APNs uses 10)
  --topic T          apns-topic to check against the push type
  --app-topic T      the app's bundle ID, to check --topic exactly
  --collapse-id ID   apns-collapse-id (at most 64 bytes)
  --json             print the report as JSON

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage or unreadable file.
`

func runLint(e env, args []string) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {} // printed below, to stdout for --help and stderr for mistakes
	var (
		opts     payload.Options
		pushType string
		asJSON   bool
	)
	fs.StringVar(&pushType, "push-type", "", "apns-push-type")
	fs.IntVar(&opts.Headers.Priority, "priority", 0, "apns-priority")
	fs.StringVar(&opts.Headers.Topic, "topic", "", "apns-topic")
	fs.StringVar(&opts.AppTopic, "app-topic", "", "the app's bundle ID")
	fs.StringVar(&opts.Headers.CollapseID, "collapse-id", "", "apns-collapse-id")
	fs.BoolVar(&asJSON, "json", false, "print JSON")

	files, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, lintUsageText)
		return exitOK
	}
	if err != nil {
		fmt.Fprint(e.stderr, "\n"+lintUsageText) // flag has printed what was wrong
		return exitUsage
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "pushdeck lint: give exactly one FILE, or - for standard input (got %d)\n\n", len(files))
		fmt.Fprint(e.stderr, lintUsageText)
		return exitUsage
	}
	opts.Headers.PushType = payload.PushType(strings.ToLower(strings.TrimSpace(pushType)))

	name := files[0]
	body, err := lintRead(e, name)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck lint: %v\n", err)
		return exitUsage
	}
	rep := payload.Validate(body, opts)
	if asJSON {
		out, err := json.Marshal(rep)
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck lint: %v\n", err)
			return exitInternal
		}
		fmt.Fprintf(e.stdout, "%s\n", out)
	} else {
		lintPrint(e.stdout, lintDisplayName(name), rep)
	}
	if !rep.Valid {
		return exitFailed
	}
	return exitOK
}

func lintRead(e env, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file; give the path of a JSON payload, or - to read standard input", name)
			}
			return nil, fmt.Errorf("cannot read %s: %w", name, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a folder; give the path of a JSON payload file", name)
		}
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, lintMaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", lintDisplayName(name), err)
	}
	if len(body) > lintMaxFile {
		return nil, fmt.Errorf("%s is larger than 16 MB; an APNs payload is at most 5 KB", lintDisplayName(name))
	}
	return body, nil
}

func lintDisplayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}

// lintPrint writes one finding per entry in the compiler style editors
// understand (FILE:LINE:COLUMN: severity: path: message), the fix below it,
// then a one-line verdict.
func lintPrint(w io.Writer, name string, rep payload.Report) {
	all := append(append([]payload.Finding{}, rep.Errors...), rep.Warnings...)
	for _, f := range all {
		where := name
		if f.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", name, f.Line, f.Column)
		}
		path := ""
		if f.Path != "" {
			path = f.Path + ": "
		}
		fmt.Fprintf(w, "%s: %s: %s%s\n", where, f.Severity, path, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", f.Fix)
		}
	}
	verdict := "valid"
	if !rep.Valid {
		verdict = "invalid"
	}
	fmt.Fprintf(w, "%s: %s, %s, %s; %d of %d bytes\n", name, verdict,
		lintPlural(len(rep.Errors), "error"), lintPlural(len(rep.Warnings), "warning"), rep.Bytes, rep.Limit)
}

func lintPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
