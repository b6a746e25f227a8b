// Package textsafe makes strings from outside (files, certificates, the
// network, the user) safe to print or draw on a terminal.
//
// A certificate subject, a device label, a group name or a server's reason can
// carry escape sequences that clear the screen, set the window title, move the
// cursor or paint a fake "✓ Usable". Clean removes every such sequence and
// every control character, so what reaches the terminal is only text.
package textsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clean returns s with escape sequences (CSI, OSC, DCS, SOS, PM, APC and the
// two-byte ESC forms, 7-bit and 8-bit), C0 and C1 control characters, DEL and
// bidirectional-override characters removed, and invalid UTF-8 replaced by
// U+FFFD. Tab, newline and carriage return become one space each, so words
// stay apart on one line. Plain text is returned unchanged and unallocated.
func Clean(s string) string { return clean(s, false) }

// CleanMultiline is Clean for text shown on several lines (a history entry's
// body, a server's JSON answer): newline and tab are kept; carriage return
// (which lets a line overwrite itself) is dropped.
func CleanMultiline(s string) string { return clean(s, true) }

// CheckName refuses a name the user typed (a profile, label or group name)
// when it holds a control character, an escape sequence, a bidirectional
// override or invalid UTF-8: such a name would redraw the terminal wherever
// it is shown.
func CheckName(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("the name is not valid UTF-8 text; type it again")
	}
	for i, r := range s {
		if unsafeRune(r) {
			return fmt.Errorf("the name has a control character (%U at byte %d); use letters, digits, spaces and punctuation", r, i)
		}
	}
	return nil
}

// unsafeRune is true for what Clean removes outside escape sequences.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi marks and overrides: reorder what the user sees
	}
	return false
}

// plain is true when s needs no work: printable ASCII only.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func clean(s string, multiline bool) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError) // a lone byte such as 0x9b is CSI to an 8-bit terminal
			i++
			continue
		}
		switch {
		case r == 0x1b:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // DCS, OSC, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !multiline {
				b.WriteByte(' ')
			}
		case unsafeRune(r):
			// dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// skipEscape skips the sequence that follows an ESC at s[i-1] and returns the
// index after it. An ESC at the end of s is dropped on its own.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, i+1)
	case c >= 0x20 && c <= 0x2f: // intermediate bytes, then one final byte (ESC ( B)
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // two-byte forms: ESC c (reset), ESC 7, ESC =
		return i + 1
	}
	return i // ESC followed by a control or non-ASCII byte: drop the ESC only
}

// skipCSI skips parameter and intermediate bytes and the final byte of a
// control sequence starting at s[i]. A sequence cut short by a byte that
// cannot belong to it ends there, and that byte is kept for the caller.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3f: // parameters and intermediates
			i++
		case c >= 0x40 && c <= 0x7e: // final byte
			return i + 1
		default:
			return i
		}
	}
	return i
}

// skipString skips a control string (OSC, DCS, SOS, PM, APC) up to and
// including its terminator: BEL, ESC \ or the 8-bit ST (U+009C). An
// unterminated string runs to the end of s: a terminal would swallow it too.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // a new sequence starts: the string ends here
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + 2
		}
		i++
	}
	return i
}
