package payload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// SyntaxError is a JSON syntax error with its position and a fix, as Format
// and Minify return it. Its text reads "line 3, column 14: missing comma
// after "badge": 1".
type SyntaxError struct {
	Line   int // 1-based
	Column int // 1-based, in characters (UTF-8 runes), not bytes
	Offset int // byte offset in the body
	Msg    string
	Fix    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Syntax checks only the JSON syntax of body (any JSON value, not only an
// object) and returns nil or a *SyntaxError.
func Syntax(body []byte) error {
	_, p := parse(body)
	if p.err == nil {
		return nil
	}
	return p.syntaxError()
}

func (p *parser) syntaxError() *SyntaxError {
	line, col := position(p.b, p.err.off)
	return &SyntaxError{Line: line, Column: col, Offset: p.err.off, Msg: p.err.msg, Fix: p.err.fix}
}

// Format indents body with two spaces per level, keeping key order and the
// exact spelling of every string and number. Invalid JSON is refused with a
// *SyntaxError; the result has no trailing newline.
func Format(body []byte) ([]byte, error) {
	if err := Syntax(body); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(body) + len(body)/2)
	// Our parser and encoding/json accept exactly the same documents (the
	// fuzz test checks it), so Indent cannot fail here; it keeps order and
	// raw tokens, which is what an editor's "format" must do.
	if err := json.Indent(&out, bytes.TrimSpace(body), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Minify removes all insignificant whitespace from body, keeping key order
// and the exact spelling of every string and number: the smallest body with
// the same meaning, which is what counts against the size limit. Invalid
// JSON is refused with a *SyntaxError.
func Minify(body []byte) ([]byte, error) {
	if err := Syntax(body); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(body))
	if err := json.Compact(&out, body); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// position turns a byte offset into a 1-based line and a 1-based column
// counted in characters, which is what an editor cursor needs.
func position(b []byte, off int) (line, col int) {
	if off > len(b) {
		off = len(b)
	}
	if off < 0 {
		off = 0
	}
	head := b[:off]
	line = 1 + bytes.Count(head, []byte{'\n'})
	lineStart := bytes.LastIndexByte(head, '\n') + 1
	return line, utf8.RuneCount(head[lineStart:]) + 1
}
