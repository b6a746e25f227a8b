package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// ProfilesExportOptions are the flags of pushdeck profiles export.
type ProfilesExportOptions struct {
	Output string
}

// profilesExportLimit bounds an import (a thousand profiles are 1 MB).
const profilesExportLimit = 16 << 20

func newProfilesExportCmd(e env) *cobra.Command {
	var o ProfilesExportOptions
	c := &cobra.Command{
		Use:   "export [NAME...]",
		Short: "Write profiles (all, or the named ones) as JSON a team can share: never a secret",
		Long: `Writes profiles as JSON for a colleague's pushdeck profiles import. An
export never carries a secret: pushdeck never stores a password or key, and
a profile that reads its password from a file is exported as "prompt" (the
file's path stays on this machine). Paths to credential files are kept: put
the credentials at the same place, or edit the file.`,
		Example: `  pushdeck profiles export > team-profiles.json
  pushdeck profiles export myapp-dev myapp-prod -o team.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return codeErr(runProfilesExport(e, args, &o))
		},
	}
	c.Flags().StringVarP(&o.Output, "output", "o", "", "write to `FILE` (0600, never through a link) instead of standard output")
	return c
}

func runProfilesExport(e env, names []string, o *ProfilesExportOptions) int {
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	defer s.Close()
	data, notes, err := s.ExportProfiles(names...)
	if err != nil {
		return cfgDone(e, "profiles export", s, err)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "note: %s\n", textsafe.Clean(n))
	}
	if o.Output == "" || o.Output == "-" {
		if _, err := e.stdout.Write(data); err != nil {
			return cfgDone(e, "profiles export", s, err)
		}
		return cfgDone(e, "profiles export", s, nil)
	}
	if err := fsafe.WriteFileAtomic(o.Output, data, 0o600); err != nil {
		return cfgDone(e, "profiles export", s, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", o.Output)
	return cfgDone(e, "profiles export", s, nil)
}

// ProfilesImportOptions are the flags of pushdeck profiles import.
type ProfilesImportOptions struct {
	Replace bool
}

func newProfilesImportCmd(e env) *cobra.Command {
	var o ProfilesImportOptions
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Add the profiles of an export (\"-\": standard input)",
		Long: `Adds the profiles of a file written by pushdeck profiles export. A profile
whose name exists is kept unless --replace. A password source naming a
file becomes "prompt": a shared file never decides where pushdeck reads a
password from. Nothing is imported if one profile is invalid.`,
		Example: `  pushdeck profiles import team-profiles.json
  pushdeck profiles import team.json --replace`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				fmt.Fprintln(e.stderr, "pushdeck profiles import: give one FILE (written by pushdeck profiles export; - for standard input)")
				return codeErr(exitUsage)
			}
			return codeErr(runProfilesImport(e, args[0], &o))
		},
	}
	c.Flags().BoolVar(&o.Replace, "replace", false, "replace profiles that have the same name")
	return c
}

func runProfilesImport(e env, file string, o *ProfilesImportOptions) int {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, profilesExportLimit+1))
		if err == nil && len(data) > profilesExportLimit {
			err = fmt.Errorf("more than %d bytes: not a profiles export", profilesExportLimit)
		}
	} else {
		data, err = fsafe.ReadFile(file, profilesExportLimit, "profiles export")
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck profiles import: cannot read %s: %v\n", file, err)
		return exitUsage
	}
	s, ok := cfgOpen(e, "profiles")
	if !ok {
		return exitUsage
	}
	defer s.Close()
	rep, err := s.ImportProfiles(data, o.Replace)
	if err != nil {
		return cfgDone(e, "profiles import", s, fmt.Errorf("%s: %w", file, err))
	}
	say := func(what string, names []string) {
		if len(names) > 0 {
			fmt.Fprintf(e.stdout, "%s %s\n", what, textsafe.Clean(strings.Join(names, ", ")))
		}
	}
	say("added", rep.Added)
	say("replaced", rep.Replaced)
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(e.stderr, "kept the existing %s (--replace replaces them)\n", textsafe.Clean(strings.Join(rep.Skipped, ", ")))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", textsafe.Clean(n))
	}
	return cfgDone(e, "profiles import", s, nil)
}
