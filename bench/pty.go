package main

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// termScanner follows a program's terminal output: it counts the visible
// characters (escape sequences stripped) and answers the queries a terminal
// is expected to answer, so a program that waits for its terminal's reply
// (background colour, device attributes, cursor position) is not held up by
// our pty the way it would never be by a real terminal.
type termScanner struct {
	pending []byte
	visible int
	text    bytes.Buffer // the visible text, for the report
}

// feed consumes output and returns the replies to write back.
func (t *termScanner) feed(p []byte) (replies []byte) {
	b := append(t.pending, p...)
	t.pending = nil
	i := 0
	for i < len(b) {
		c := b[i]
		if c != 0x1b {
			if c < 0x20 || c == 0x7f {
				i++
				continue
			}
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && !utf8.FullRune(b[i:]) {
				t.pending = append(t.pending, b[i:]...)
				return replies
			}
			if !unicode.IsSpace(r) {
				t.visible++
			}
			if t.text.Len() < 4096 {
				t.text.WriteRune(r)
			}
			i += size
			continue
		}
		seq, ok := escapeSeq(b[i:])
		if !ok {
			t.pending = append(t.pending, b[i:]...)
			return replies
		}
		replies = append(replies, answer(seq)...)
		i += len(seq)
	}
	return replies
}

// escapeSeq returns the escape sequence at the start of b, or ok=false if it
// is not complete yet.
func escapeSeq(b []byte) (seq []byte, ok bool) {
	if len(b) < 2 {
		return nil, false
	}
	switch b[1] {
	case '[': // CSI: parameters, then a final byte 0x40..0x7e
		for j := 2; j < len(b); j++ {
			if b[j] >= 0x40 && b[j] <= 0x7e {
				return b[:j+1], true
			}
		}
		return nil, false
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: up to BEL or ST
		for j := 2; j < len(b); j++ {
			if b[j] == 0x07 {
				return b[:j+1], true
			}
			if b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\' {
				return b[:j+2], true
			}
		}
		return nil, false
	}
	return b[:2], true
}

// answer is what an xterm-like dark terminal replies to a query.
func answer(seq []byte) []byte {
	s := string(seq)
	switch {
	case s == "\x1b]11;?\x07" || s == "\x1b]11;?\x1b\\":
		return []byte("\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\")
	case s == "\x1b]10;?\x07" || s == "\x1b]10;?\x1b\\":
		return []byte("\x1b]10;rgb:d0d0/d0d0/d0d0\x1b\\")
	case s == "\x1b[c" || s == "\x1b[0c":
		return []byte("\x1b[?62;22c")
	case s == "\x1b[6n":
		return []byte("\x1b[1;1R")
	}
	return nil
}
