package textsafe

import (
	"io"
	"unicode/utf8"
)

// JSONWriter returns a writer for JSON text that escapes, as \uXXXX, the
// characters Clean removes but encoding/json writes as they are: C1 control
// characters (U+0080–U+009F, which some terminals take as CSI, OSC and the
// like) and bidirectional marks and overrides (U+061C, U+200E, U+200F,
// U+202A–U+202E, U+2066–U+2069, which reorder what the user sees). Outside
// strings JSON is ASCII, so the escaped text decodes to the same values:
// nothing is lost, and `pushdeck … --json` read on a terminal cannot redraw
// it. Everything else passes through unchanged.
//
// A write that ends inside such a character's UTF-8 bytes keeps them until
// the next write; Flush writes them as they are (a JSON encoder never ends a
// value there).
func JSONWriter(w io.Writer) *JSONEscaper { return &JSONEscaper{w: w} }

// JSONEscaper is the writer JSONWriter returns.
type JSONEscaper struct {
	w    io.Writer
	held [2]byte
	nh   int
	buf  []byte
}

// Write escapes p's unsafe characters and writes the result. It reports
// len(p) on success.
func (j *JSONEscaper) Write(p []byte) (int, error) {
	in := p
	if j.nh > 0 {
		in = append(append(make([]byte, 0, j.nh+len(p)), j.held[:j.nh]...), p...)
		j.nh = 0
	}
	if !needsScan(in) {
		if _, err := j.w.Write(in); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	out := j.buf[:0]
	last := 0
	for i := 0; i < len(in); {
		c := in[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		if n := partialUnsafe(in[i:]); n > 0 {
			// The rest is the start of a character that may be unsafe.
			out = append(out, in[last:i]...)
			j.nh = copy(j.held[:], in[i:])
			last = len(in)
			break
		}
		r, size := utf8.DecodeRune(in[i:])
		if unsafeRune(r) {
			out = append(out, in[last:i]...)
			out = appendUEscape(out, r)
			last = i + size
		}
		i += size
	}
	out = append(out, in[last:]...)
	j.buf = out[:0]
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes bytes held back from the last write.
func (j *JSONEscaper) Flush() error {
	if j.nh == 0 {
		return nil
	}
	n := j.nh
	j.nh = 0
	_, err := j.w.Write(j.held[:n])
	return err
}

// needsScan is false when p has no byte that starts an unsafe character
// (0xC2: C1 controls, 0xD8: U+061C, 0xE2: the bidi marks).
func needsScan(p []byte) bool {
	for _, c := range p {
		if c == 0xc2 || c == 0xd8 || c == 0xe2 {
			return true
		}
	}
	return false
}

// partialUnsafe is len(p) when p (shorter than a whole character) could be
// the start of an unsafe one, else 0.
func partialUnsafe(p []byte) int {
	switch {
	case len(p) == 1 && (p[0] == 0xc2 || p[0] == 0xd8 || p[0] == 0xe2):
		return 1
	case len(p) == 2 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81):
		return 2
	}
	return 0
}

const hexDigits = "0123456789abcdef"

func appendUEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
