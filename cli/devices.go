package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/profiles"
)

const devicesLong = `The device book keeps test devices by label, so "pushdeck send --device L"
and "--group G" replace pasting a 64-digit token. A token is kept once per
environment: adding it again updates its label and adds groups. Each
device shows its last send result; a 410 from APNs marks it unregistered.

import reads one token per line with an optional label ("TOKEN Label",
"Label: <ab12 cd34 ...>"), # comments, or the JSON "export --json" writes.
Bad lines are reported by number; good ones are kept.

With no subcommand, devices lists them.

Exit codes: 0 done, 1 some import lines refused, 2 usage error or unreadable file.`

func newDevicesCmd(e env) *cobra.Command {
	c := &cobra.Command{
		Use:   "devices",
		Short: "List, add, remove, import and export saved device tokens",
		Long:  devicesLong,
		Example: `  pushdeck devices add 740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad --label "Anna's iPhone" --env development --group qa
  pushdeck devices list --env development
  pushdeck devices import tokens.txt --env development --group qa
  pushdeck devices export --json > devices.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownSubcommand(e, c, args[0])
			}
			return codeErr(runDevicesList(e, &DevicesListOptions{}))
		},
	}
	c.AddCommand(newDevicesListCmd(e), newDevicesAddCmd(e), newDevicesRemoveCmd(e), newDevicesImportCmd(e), newDevicesExportCmd(e))
	return c
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

// DevicesListOptions are the flags of pushdeck devices list.
type DevicesListOptions struct {
	Env, Group   string
	Kind         string
	Unregistered bool
	JSON         bool
}

func newDevicesListCmd(e env) *cobra.Command {
	var o DevicesListOptions
	c := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the devices with their last send result",
		Long: `Lists the device book: label, environment, groups, the last result APNs gave
(a 410 shows as UNREGISTERED since Apple's date) and the token. --json prints
every field.`,
		Example: "  pushdeck devices list\n  pushdeck devices list --env production --group qa --json",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "devices list", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runDevicesList(e, &o))
		},
	}
	fs := c.Flags()
	fs.StringVar(&o.Env, "env", "", "only devices of this environment")
	fs.StringVar(&o.Group, "group", "", "only devices in group `G`")
	fs.StringVar(&o.Kind, "kind", "", "only tokens of this `KIND`: device, liveactivity-start, liveactivity-update")
	fs.BoolVar(&o.Unregistered, "unregistered", false, "only devices APNs said are gone (410 Unregistered)")
	fs.BoolVar(&o.JSON, "json", false, "print the devices as a JSON list")
	return c
}

// runDevicesList prints the device book.
func runDevicesList(e env, o *DevicesListOptions) int {
	envv, ok := devicesEnvFlag(e, "devices list", o.Env)
	if !ok {
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	f := profiles.DeviceFilter{Environment: envv, Group: o.Group, Unregistered: o.Unregistered}
	if o.Kind != "" {
		k, err := profiles.ParseTokenKind(o.Kind)
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck devices list: --kind: %v\n", err)
			return exitUsage
		}
		f.Kind = k
	}
	ds, err := s.DevicesWhere(f)
	if err != nil {
		return cfgDone(e, "devices list", s, err)
	}
	if ds == nil {
		ds = []profiles.Device{}
	}
	if o.JSON {
		cfgJSON(e.stdout, ds)
		return cfgDone(e, "devices list", s, nil)
	}
	if len(ds) == 0 {
		all, _ := s.DeviceCount()
		if all == 0 {
			fmt.Fprintln(e.stderr, "The device book is empty. Add a device: pushdeck devices add TOKEN --label \"Anna's iPhone\" --env development")
		} else {
			fmt.Fprintf(e.stderr, "No device matches (the book has %d).\n", all)
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
		c := textsafe.Clean // labels and groups may come from imported files
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c(d.Label), d.Environment, c(strings.Join(d.Groups, ",")), c(devicesLast(d, now)), c(d.Token))
	}
	_ = tw.Flush()
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
		s += " " + humanize.Ago(now, d.Last.At)
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

// DevicesAddOptions are the flags of pushdeck devices add.
type DevicesAddOptions struct {
	Label, Env, Topic string
	Groups            []string
	// Kind and ActivityType say what the token is for (Live Activities).
	Kind, ActivityType string
}

func newDevicesAddCmd(e env) *cobra.Command {
	var o DevicesAddOptions
	c := &cobra.Command{
		Use:   "add TOKEN",
		Short: "Add a device (or update its label and groups)",
		Long: `Adds a device token to the book under a label, for one environment (a
token only works in its own). Adding a token that is there already updates
its label and adds the groups. A token pasted as iOS prints it
("<ab12 cd34 ...>") is fine, quoted or not.`,
		Example: `  pushdeck devices add 740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad --label "Anna's iPhone" --env development
  pushdeck devices add "<740f4707 bebcf74f ...>" --label ipad --env production --group qa --group beta`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			// A token pasted as iOS prints it ("<ab12 cd34 ...>") arrives as
			// several arguments when unquoted: they are joined back.
			if len(args) == 0 {
				fmt.Fprintln(e.stderr, "pushdeck devices add: give the device TOKEN, e.g. pushdeck devices add 740f4707... --label \"Anna's iPhone\" --env development")
				return codeErr(exitUsage)
			}
			if o.Label == "" {
				fmt.Fprintln(e.stderr, "pushdeck devices add: give --label L: the name you will pick the device by (send --device L)")
				return codeErr(exitUsage)
			}
			if o.Env == "" {
				fmt.Fprintln(e.stderr, "pushdeck devices add: give --env development (a debug build from Xcode) or --env production (TestFlight, App Store): a token only works in its own environment")
				return codeErr(exitUsage)
			}
			return codeErr(runDevicesAdd(e, args, &o))
		},
	}
	fs := c.Flags()
	fs.StringVar(&o.Label, "label", "", "a name for the device, e.g. \"Anna's iPhone\"")
	fs.StringVar(&o.Env, "env", "", "development (debug builds) or production (TestFlight, App Store)")
	fs.StringVar(&o.Topic, "topic", "", "the app's bundle `ID`, if the book serves several apps")
	fs.StringArrayVar(&o.Groups, "group", nil, "add the device to group `G` (repeatable)")
	fs.StringVar(&o.Kind, "kind", "", "what the token is for: device (default), liveactivity-start (push-to-start) or liveactivity-update (a running activity)")
	fs.StringVar(&o.ActivityType, "activity-type", "", "the ActivityAttributes `TYPE` of a Live Activity token, e.g. DeliveryAttributes")
	return c
}

// runDevicesAdd adds the device whose token is args joined.
func runDevicesAdd(e env, args []string, o *DevicesAddOptions) int {
	token := strings.Join(args, "")
	if o.Label == "" {
		fmt.Fprintln(e.stderr, "pushdeck devices add: give --label L: the name you will pick the device by (send --device L)")
		return exitUsage
	}
	if o.Env == "" {
		fmt.Fprintln(e.stderr, "pushdeck devices add: give --env development (a debug build from Xcode) or --env production (TestFlight, App Store): a token only works in its own environment")
		return exitUsage
	}
	envv, ok := devicesEnvFlag(e, "devices add", o.Env)
	if !ok {
		return exitUsage
	}
	kind, err := profiles.ParseTokenKind(o.Kind)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck devices add: --kind: %v\n", err)
		return exitUsage
	}
	if o.ActivityType != "" && kind == profiles.KindDevice {
		fmt.Fprintln(e.stderr, "pushdeck devices add: --activity-type is for Live Activity tokens: add --kind liveactivity-start or liveactivity-update")
		return exitUsage
	}
	// Names typed here are drawn on terminals later: no control characters.
	for _, n := range append([]string{o.Label}, o.Groups...) {
		if err := textsafe.CheckName(n); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck devices add: %q: %v\n", n, err)
			return exitUsage
		}
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	d, isNew, err := s.AddDevice(profiles.Device{Token: token, Label: o.Label, Environment: envv, Topic: o.Topic, Groups: o.Groups,
		Kind: kind, ActivityType: o.ActivityType})
	if err != nil {
		return cfgDone(e, "devices add", s, err)
	}
	verb := "Added"
	if !isNew {
		verb = "Updated"
	}
	fmt.Fprintf(e.stdout, "%s %s (%s, %s)", verb, textsafe.Clean(d.Label), d.Environment, textsafe.Clean(d.Token))
	if len(d.Groups) > 0 {
		fmt.Fprintf(e.stdout, " in %s", textsafe.Clean(strings.Join(d.Groups, ", ")))
	}
	fmt.Fprintln(e.stdout)
	return cfgDone(e, "devices add", s, nil)
}

func newDevicesRemoveCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:     "remove LABEL|TOKEN",
		Aliases: []string{"rm"},
		Short:   "Remove a device from the book",
		Long:    "Removes the device with this label, or this token, from the device book. History keeps its past results.",
		Example: "  pushdeck devices remove \"Anna's iPhone\"",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprintln(e.stderr, "pushdeck devices remove: give the device's LABEL or TOKEN (see pushdeck devices list)")
				return codeErr(exitUsage)
			}
			return codeErr(runDevicesRemove(e, args))
		},
	}
}

// runDevicesRemove removes the device named by args joined with spaces.
func runDevicesRemove(e env, args []string) int {
	key := strings.Join(args, " ")
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

// DevicesImportOptions are the flags of pushdeck devices import.
type DevicesImportOptions struct {
	Env    string
	Groups []string
}

func newDevicesImportCmd(e env) *cobra.Command {
	var o DevicesImportOptions
	c := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import devices from a token list or an export",
		Long: `Reads one token per line with an optional label ("TOKEN Label",
"Label: <ab12 cd34 ...>"), # comments, or the JSON "devices export --json"
writes. A plain list needs --env. Bad lines are reported by number; the good
ones are kept (exit 1 when some were refused).`,
		Example: `  pushdeck devices import tokens.txt --env development --group qa
  pushdeck devices import devices.json
  pbpaste | pushdeck devices import - --env development`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck devices import: give one FILE (or - for standard input)")
				return codeErr(exitUsage)
			}
			return codeErr(runDevicesImport(e, args[0], &o))
		},
	}
	fs := c.Flags()
	fs.StringVar(&o.Env, "env", "", "environment of the tokens (needed unless the file is JSON that names it)")
	fs.StringArrayVar(&o.Groups, "group", nil, "add every imported device to group `G` (repeatable)")
	return c
}

// runDevicesImport imports file ("-": standard input).
func runDevicesImport(e env, file string, o *DevicesImportOptions) int {
	envv, ok := devicesEnvFlag(e, "devices import", o.Env)
	if !ok {
		return exitUsage
	}
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, fsafe.LimitTokens+1))
		if err == nil && int64(len(data)) > fsafe.LimitTokens {
			err = fmt.Errorf("more than %s; the limit for a device import is %s: split the list", fsafe.Size(fsafe.LimitTokens), fsafe.Size(fsafe.LimitTokens))
		}
	} else {
		data, err = fsafe.ReadFile(file, fsafe.LimitTokens, "device import")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck devices import: cannot read %s: %v\n", textsafe.Clean(file), err)
		return exitUsage
	}
	data = fsafe.StripBOM(data)
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
	rep, err := s.ImportDevices(data, envv, o.Groups)
	if err != nil {
		return cfgDone(e, "devices import", s, fmt.Errorf("%s: %w", file, err))
	}
	fmt.Fprintf(e.stdout, "Imported %s: %d added, %d updated, %d refused\n", textsafe.Clean(file), rep.Added, rep.Updated, len(rep.Bad))
	for _, b := range rep.Bad {
		fmt.Fprintf(e.stderr, "%s:%d: %s\n    %s\n", textsafe.Clean(file), b.Line, textsafe.Clean(b.Reason), textsafe.Clean(b.Text))
	}
	cfgWarn(e, s)
	if len(rep.Bad) > 0 {
		fmt.Fprintln(e.stderr, "The good lines were kept; fix the lines above and import the file again (devices already in the book are updated, not doubled).")
		return exitFailed
	}
	return exitOK
}

// DevicesExportOptions are the flags of pushdeck devices export.
type DevicesExportOptions struct {
	Env  string
	JSON bool
}

func newDevicesExportCmd(e env) *cobra.Command {
	var o DevicesExportOptions
	c := &cobra.Command{
		Use:     "export",
		Short:   "Write the device book to standard output (text that import reads, or --json)",
		Long:    "Writes the device book as text (a token and its label per line, under a comment naming the environment) or, with --json, every field: both are what devices import reads back.",
		Example: "  pushdeck devices export > tokens.txt\n  pushdeck devices export --json > devices.json",
		Args:    cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "devices export", args, "the export goes to standard output") {
				return codeErr(exitUsage)
			}
			return codeErr(runDevicesExport(e, &o))
		},
	}
	fs := c.Flags()
	fs.BoolVar(&o.JSON, "json", false, "write JSON with every field (what import reads back in full)")
	fs.StringVar(&o.Env, "env", "", "only devices of this environment")
	return c
}

// runDevicesExport writes the book to standard output.
func runDevicesExport(e env, o *DevicesExportOptions) int {
	envv, ok := devicesEnvFlag(e, "devices export", o.Env)
	if !ok {
		return exitUsage
	}
	s, ok := cfgOpen(e, "devices")
	if !ok {
		return exitUsage
	}
	if o.JSON && envv == "" {
		data, err := s.ExportDevices()
		if err != nil {
			return cfgDone(e, "devices export", s, err)
		}
		_, _ = e.stdout.Write(data)
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
	if o.JSON {
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
		fmt.Fprintf(e.stdout, "%s %s\n", textsafe.Clean(d.Token), textsafe.Clean(d.Label))
	}
	return cfgDone(e, "devices export", s, nil)
}
