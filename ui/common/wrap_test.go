package common

import (
	"reflect"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapWords(t *testing.T) {
	got := WrapWords("Unregistered since 12 Nov: the app was removed … ask the tester to reinstall", 24, "  ")
	want := []string{
		"  Unregistered since 12",
		"  Nov: the app was removed",
		"  … ask the tester to",
		"  reinstall",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for _, l := range got {
		if ansi.StringWidth(l) > 24+2 {
			t.Errorf("%q is wider than 24 cells plus the prefix", l)
		}
	}
	if got := WrapWords("averyveryverylongwordthatcannotbreak x", 20, ""); len(got) != 2 || got[0] != "averyveryverylongwordthatcannotbreak" {
		t.Errorf("a long word keeps a line of its own: %q", got)
	}
}

func TestWrapIndent(t *testing.T) {
	plain := func(s ...string) string { return s[0] }
	got := WrapIndent(plain, "✗ ", "the device token has 'z' at position 9: a token is hex digits only", 30)
	if len(got) < 2 || got[1][:2] != "  " {
		t.Fatalf("following lines are indented under the text: %q", got)
	}
	for _, l := range got {
		if ansi.StringWidth(l) > 30 {
			t.Errorf("%q is wider than 30 cells", l)
		}
	}
}
