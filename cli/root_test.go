package cli

import (
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// TestEveryCommandDocumented: each command has the help a user needs
// (Short, Long and an Example), and each flag's help survives fang, which
// title-cases its first word ("apns-priority" would print "Apns-Priority").
func TestEveryCommandDocumented(t *testing.T) {
	t.Parallel()
	root := newRootCmd(env{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.HasParent() && c.Parent().Name() == "completion" {
			return
		}
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s: Short %q, Long %d bytes, Example %q: every command needs all three", c.CommandPath(), c.Short, len(c.Long), c.Example)
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			first, _, _ := strings.Cut(f.Usage, " ")
			titled := cases.Title(language.AmericanEnglish).String(first)
			want := first
			if r := []rune(first); len(r) > 0 {
				want = string(unicode.ToUpper(r[0])) + string(r[1:])
			}
			if titled != want {
				t.Errorf("%s --%s: help starts with %q, which fang prints as %q", c.CommandPath(), f.Name, first, titled)
			}
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: help keeps a backquote", c.CommandPath(), f.Name)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}
