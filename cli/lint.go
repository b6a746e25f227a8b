package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/push/payload"
)

// lintMaxFile bounds what lint reads: a payload is at most 5 KB, so a much
// larger file is a mistake (a log, a binary) rather than a payload.
const lintMaxFile = fsafe.LimitPayload

// LintOptions are the flags of pushdeck lint.
type LintOptions struct {
	Payload  payload.Options
	PushType string
	JSON     bool
}

const lintLong = `Checks a payload and its headers against APNs rules: JSON syntax (with line
and column), size against the push type's limit, and lint rules. FILE "-"
reads standard input. Findings print as FILE:LINE:COLUMN: severity: message,
which editors understand.

Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage or unreadable file.`

func newLintCmd(e env) *cobra.Command {
	var o LintOptions
	c := &cobra.Command{
		Use:   "lint FILE|-",
		Short: "Validate a payload and its headers against APNs rules",
		Long:  lintLong,
		Example: `  pushdeck lint payload.json
  pushdeck lint --push-type liveactivity --topic com.example.app.push-type.liveactivity la.json
  echo '{"aps":{"alert":"hi"}}' | pushdeck lint - --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintf(e.stderr, "pushdeck lint: give exactly one FILE, or - for standard input (got %d); see pushdeck lint --help\n", len(args))
				return codeErr(exitUsage)
			}
			return codeErr(runLint(e, args[0], &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.PushType, "push-type", "", "the apns-push-type `T`: "+pushTypeNames()+" (default: guessed from the payload, with a warning)")
	fs.IntVar(&o.Payload.Headers.Priority, "priority", 0, "the apns-priority `P`: 10, 5 or 1 (default: not set, APNs uses 10)")
	fs.StringVar(&o.Payload.Headers.Topic, "topic", "", "the apns-topic `T` to check against the push type")
	fs.StringVar(&o.Payload.AppTopic, "app-topic", "", "the app's bundle `ID`, to check --topic exactly")
	fs.StringVar(&o.Payload.Headers.CollapseID, "collapse-id", "", "the apns-collapse-id `ID` (at most 64 bytes)")
	fs.BoolVar(&o.Payload.Channel, "channel", false, "check it as a broadcast to a channel (limit 5120 bytes; a channel cannot start a Live Activity)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return c
}

// runLint checks the payload in file ("-": standard input).
func runLint(e env, file string, o *LintOptions) int {
	o.Payload.Headers.PushType = payload.PushType(strings.ToLower(strings.TrimSpace(o.PushType)))

	name := file
	body, err := lintRead(e, name)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck lint: %v\n", err)
		return exitUsage
	}
	rep := payload.Validate(body, o.Payload)
	if o.JSON {
		if err := jsonEncoder(e.stdout).Encode(rep); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck lint: %v\n", err)
			return exitInternal
		}
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
		// fsafe refuses a FIFO (it would block), a device (/dev/zero never
		// ends) and a folder before reading.
		f, err := fsafe.Open(name, lintMaxFile, "payload")
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file; give the path of a JSON payload, or - to read standard input", textsafe.Clean(name))
			}
			return nil, err
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, lintMaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", lintDisplayName(name), err)
	}
	if int64(len(body)) > lintMaxFile {
		return nil, fmt.Errorf("%s is larger than %s; an APNs payload is at most 5 KB", lintDisplayName(name), fsafe.Size(lintMaxFile))
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
