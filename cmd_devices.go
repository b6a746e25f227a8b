package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

const devicesUsage = `Usage:
  pushdeck devices list [--env ENV] [--group G] [--json]
  pushdeck devices add TOKEN --label L --env ENV [--group G]... [--topic BUNDLE]
  pushdeck devices remove LABEL|TOKEN
  pushdeck devices import FILE|- [--env ENV] [--group G]...
  pushdeck devices export [--json] [--env ENV]

The device book keeps test devices by label, so "pushdeck send --device L"
and "--group G" replace pasting a 64-digit token. A token is kept once per
environment: adding it again updates its label and adds groups. Each
device shows its last send result; a 410 from APNs marks it unregistered.

import reads one token per line with an optional label ("TOKEN Label",
"Label: <ab12 cd34 ...>"), # comments, or the JSON "export --json" writes.
Bad lines are reported by number; good ones are kept.

Exit codes: 0 done, 1 some import lines refused, 2 usage error or unreadable file.
`

func runDevices(e env, args []string) int {
	if len(args) == 0 {
		args = []string{"list"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, devicesUsage)
		return exitOK
	case "list", "ls":
		return devicesList(e, rest)
	case "add":
		return devicesAdd(e, rest)
	case "remove", "rm":
		return devicesRemove(e, rest)
	case "import":
		return devicesImport(e, rest)
	case "export":
		return devicesExport(e, rest)
	}
	fmt.Fprintf(e.stderr, "pushdeck devices: unknown subcommand %q: use list, add, remove, import or export\n\n%s", sub, devicesUsage)
	return exitUsage
}

// devicesEnvFlag parses an optional --env value.
func devicesEnvFlag(e env, cmd, v string) (certs.Environment, bool) {
	if v == "" {
		return "", true
	}
	env, err := certs.ParseEnvironment(v)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck %s: --env: %v\n", cmd, err)
		return "", false
	}
	return env, true
}

func devicesList(e env, args []string) int {
	fs := cfgFlags(e, "devices list", devicesUsage)
	envFlag := fs.String("env", "", "only devices of this environment")
	group := fs.String("group", "", "only devices in group `G`")
	asJSON := fs.Bool("json", false, "print the devices as a JSON list")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "pushdeck devices list: unexpected argument %q\n", pos[0])
		return exitUsage
	}
	envv, ok := devicesEnvFlag(e, "devices list", *envFlag)
	if !ok {
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	all, err := s.Devices()
	if err != nil {
		return cfgDone(e, "devices list", s, err)
	}
	ds := []profiles.Device{}
	for _, d := range all {
		if envv != "" && d.Environment != envv {
			continue
		}
		if *group != "" && !slices.ContainsFunc(d.Groups, func(g string) bool { return strings.EqualFold(g, *group) }) {
			continue
		}
		ds = append(ds, d)
	}
	if *asJSON {
		cfgJSON(e.stdout, ds)
		return cfgDone(e, "devices list", s, nil)
	}
	if len(ds) == 0 {
		if len(all) == 0 {
			fmt.Fprintln(e.stderr, "The device book is empty. Add a device: pushdeck devices add TOKEN --label \"Anna's iPhone\" --env development")
		} else {
			fmt.Fprintf(e.stderr, "No device matches (the book has %d).\n", len(all))
		}
		return cfgDone(e, "devices list", s, nil)
	}
	devicesTable(e.stdout, ds, time.Now())
	return cfgDone(e, "devices list", s, nil)
}

func devicesTable(w io.Writer, ds []profiles.Device, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tENV\tGROUPS\tLAST RESULT\tTOKEN")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Label, d.Environment, strings.Join(d.Groups, ","), devicesLast(d, now), d.Token)
	}
	tw.Flush()
}

// devicesLast says how the last send went, and loudly when APNs said the
// token is dead: sending to it again is pointless.
func devicesLast(d profiles.Device, now time.Time) string {
	var s string
	if d.Last != nil {
		s = fmt.Sprint(d.Last.Status)
		if d.Last.Reason != "" {
			s += " " + d.Last.Reason
		}
		s += " " + cfgAgo(d.Last.At, now)
	}
	if !d.UnregisteredAt.IsZero() {
		dead := "UNREGISTERED since " + d.UnregisteredAt.Local().Format(time.DateOnly)
		if s == "" {
			return dead
		}
		return dead + " (" + s + ")"
	}
	if s == "" {
		return "never sent"
	}
	return s
}

// cfgAgo is a short relative time ("5m ago"), dates beyond a week.
func cfgAgo(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Local().Format(time.DateTime)
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.Local().Format(time.DateOnly)
}

func devicesAdd(e env, args []string) int {
	fs := cfgFlags(e, "devices add", devicesUsage)
	label := fs.String("label", "", "a name for the device, e.g. \"Anna's iPhone\"")
	envFlag := fs.String("env", "", "development (debug builds) or production (TestFlight, App Store)")
	topic := fs.String("topic", "", "the app's bundle `ID`, if the book serves several apps")
	var groups multiFlag
	fs.Var(&groups, "group", "add the device to group `G` (repeatable)")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	// A token pasted as iOS prints it ("<ab12 cd34 ...>") arrives as
	// several arguments when unquoted: join them back.
	if len(pos) == 0 {
		fmt.Fprintln(e.stderr, "pushdeck devices add: give the device TOKEN, e.g. pushdeck devices add 740f4707... --label \"Anna's iPhone\" --env development")
		return exitUsage
	}
	token := strings.Join(pos, "")
	if *label == "" {
		fmt.Fprintln(e.stderr, "pushdeck devices add: give --label L: the name you will pick the device by (send --device L)")
		return exitUsage
	}
	if *envFlag == "" {
		fmt.Fprintln(e.stderr, "pushdeck devices add: give --env development (a debug build from Xcode) or --env production (TestFlight, App Store): a token only works in its own environment")
		return exitUsage
	}
	envv, ok := devicesEnvFlag(e, "devices add", *envFlag)
	if !ok {
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	d, isNew, err := s.AddDevice(profiles.Device{Token: token, Label: *label, Environment: envv, Topic: *topic, Groups: groups})
	if err != nil {
		return cfgDone(e, "devices add", s, err)
	}
	verb := "Added"
	if !isNew {
		verb = "Updated"
	}
	fmt.Fprintf(e.stdout, "%s %s (%s, %s)", verb, d.Label, d.Environment, d.Token)
	if len(d.Groups) > 0 {
		fmt.Fprintf(e.stdout, " in %s", strings.Join(d.Groups, ", "))
	}
	fmt.Fprintln(e.stdout)
	return cfgDone(e, "devices add", s, nil)
}

func devicesRemove(e env, args []string) int {
	fs := cfgFlags(e, "devices remove", devicesUsage)
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) == 0 {
		fmt.Fprintln(e.stderr, "pushdeck devices remove: give the device's LABEL or TOKEN (see pushdeck devices list)")
		return exitUsage
	}
	key := strings.Join(pos, " ")
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	if err := s.RemoveDevice(key); err != nil {
		return cfgDone(e, "devices remove", s, err)
	}
	fmt.Fprintf(e.stdout, "Removed %s\n", key)
	return cfgDone(e, "devices remove", s, nil)
}

func devicesImport(e env, args []string) int {
	fs := cfgFlags(e, "devices import", devicesUsage)
	envFlag := fs.String("env", "", "environment of the tokens (needed unless the file is JSON that names it)")
	var groups multiFlag
	fs.Var(&groups, "group", "add every imported device to group `G` (repeatable)")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "pushdeck devices import: give one FILE (or - for standard input)")
		return exitUsage
	}
	envv, ok := devicesEnvFlag(e, "devices import", *envFlag)
	if !ok {
		return exitUsage
	}
	var data []byte
	if pos[0] == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(pos[0])
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck devices import: cannot read %s: %v\n", pos[0], err)
		return exitUsage
	}
	trimmed := strings.TrimSpace(string(data))
	isJSON := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
	if !isJSON && envv == "" && trimmed != "" {
		fmt.Fprintln(e.stderr, "pushdeck devices import: give --env development or --env production: a list of tokens does not say which environment they belong to")
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	rep, err := s.ImportDevices(data, envv, groups)
	if err != nil {
		return cfgDone(e, "devices import", s, fmt.Errorf("%s: %w", pos[0], err))
	}
	fmt.Fprintf(e.stdout, "Imported %s: %d added, %d updated, %d refused\n", pos[0], rep.Added, rep.Updated, len(rep.Bad))
	for _, b := range rep.Bad {
		fmt.Fprintf(e.stderr, "%s:%d: %s\n    %s\n", pos[0], b.Line, b.Reason, b.Text)
	}
	cfgWarn(e, s)
	if len(rep.Bad) > 0 {
		fmt.Fprintln(e.stderr, "The good lines were kept; fix the lines above and import the file again (devices already in the book are updated, not doubled).")
		return exitFailed
	}
	return exitOK
}

func devicesExport(e env, args []string) int {
	fs := cfgFlags(e, "devices export", devicesUsage)
	asJSON := fs.Bool("json", false, "write JSON with every field (what import reads back in full)")
	envFlag := fs.String("env", "", "only devices of this environment")
	pos, err := cfgParse(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "pushdeck devices export: unexpected argument %q (the export goes to standard output)\n", pos[0])
		return exitUsage
	}
	envv, ok := devicesEnvFlag(e, "devices export", *envFlag)
	if !ok {
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	if *asJSON && envv == "" {
		data, err := s.ExportDevices()
		if err != nil {
			return cfgDone(e, "devices export", s, err)
		}
		e.stdout.Write(data)
		return cfgDone(e, "devices export", s, nil)
	}
	all, err := s.Devices()
	if err != nil {
		return cfgDone(e, "devices export", s, err)
	}
	ds := []profiles.Device{}
	for _, d := range all {
		if envv == "" || d.Environment == envv {
			ds = append(ds, d)
		}
	}
	if *asJSON {
		cfgJSON(e.stdout, struct {
			Schema  int               `json:"schema"`
			Devices []profiles.Device `json:"devices"`
		}{profiles.SchemaVersion, ds})
		return cfgDone(e, "devices export", s, nil)
	}
	// The text form is what import reads: a token and its label per line,
	// under a comment naming the environment (import it with --env).
	fmt.Fprintf(e.stdout, "# pushdeck device book, exported %s\n", time.Now().Format(time.RFC3339))
	last := certs.Environment("")
	for _, d := range ds {
		if d.Environment != last {
			fmt.Fprintf(e.stdout, "# %s (import with --env %s)\n", d.Environment, d.Environment)
			last = d.Environment
		}
		fmt.Fprintf(e.stdout, "%s %s\n", d.Token, d.Label)
	}
	return cfgDone(e, "devices export", s, nil)
}
