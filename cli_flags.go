package main

import (
	"errors"
	"flag"
	"fmt"
)

// The commands parse flags in three ways, kept apart on purpose because
// their edge cases differ: cmdFlags + fs.Parse (flags only, help on stderr),
// cfgFlags + cfgParse (profiles, devices, history: help on stdout), and
// parseInterspersed (lint, and inspect/export through credParse, which
// splits off "--" first).

// cmdFlags makes the flag set of a command whose --help prints usage, the
// flag defaults and footer to stderr, like a usage mistake.
func cmdFlags(e env, name, usage, footer string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), footer)
	}
	return fs
}

// parseExit is the exit code after a failed fs.Parse: asked-for help is
// success, anything else a usage error (flag has printed what was wrong).
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// parseInterspersed lets flags come before or after the positional
// arguments (flag stops at the first non-flag argument); a lone "-" is a
// positional (the stdin file), not a flag.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cfgParse parses flags that may come before or after positional arguments
// ("profiles add NAME --cert F" as well as "profiles add --cert F NAME"),
// which the flag package alone does not allow; everything after "--" is
// positional. It returns the positionals; on error (flag.ErrHelp when --help
// was asked for, the usage then printed) parseExit gives the exit code.
func cfgParse(fs *flag.FlagSet, args []string) (pos []string, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// cfgFlags makes a flag set whose -h prints usage to stdout (asked-for help
// is output, not an error) and whose mistakes go to stderr.
func cfgFlags(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprint(e.stdout, usage)
		fmt.Fprintln(e.stdout, "\nFlags:")
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}
