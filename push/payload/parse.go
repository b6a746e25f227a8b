package payload

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// maxDepth matches encoding/json's nesting limit, so that the two agree on
// which documents are valid (the fuzz test holds us to that).
const maxDepth = 10000

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
)

// value is one parsed JSON value. It keeps byte offsets into the body rather
// than decoded data, so a finding can point the editor's cursor at it and
// numbers keep their spelling.
type value struct {
	kind    kind
	start   int // offset of the first byte
	end     int // offset just after the last byte
	members []member
	items   []*value
	escaped bool // a string with backslash escapes (needs decoding)
}

// member is one key of an object, in document order (duplicates kept).
type member struct {
	key      string
	keyStart int
	val      *value
}

// syntaxErr is the first syntax error found: where, what, and what to do.
type syntaxErr struct {
	off      int
	msg, fix string
}

// parser is a hand-written recursive descent parser. encoding/json only
// says "invalid character 'x' after object key:value pair"; knowing the
// grammar position lets us say "missing comma after \"badge\": 1".
type parser struct {
	b       []byte
	i       int
	err     *syntaxErr
	slab    []value
	badUTF8 []int // offsets of strings that are not valid UTF-8 (JSON allows them)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// parse parses the whole body; on failure p.err is set and the tree is nil.
func parse(b []byte) (*value, *parser) {
	p := &parser{b: b}
	p.ws()
	if p.i == len(b) {
		what := "the payload is empty"
		if len(b) > 0 {
			what = "the payload is only whitespace"
		}
		p.fail(len(b), `write a JSON object such as {"aps": {"alert": "Hello"}}`, "%s", what)
		return nil, p
	}
	if bytes.HasPrefix(b[p.i:], bom) {
		p.fail(p.i, "save the file as UTF-8 without a byte order mark", "the payload starts with a byte order mark (BOM)")
		return nil, p
	}
	root := p.value(0, nil)
	if p.err != nil {
		return nil, p
	}
	p.ws()
	if p.i < len(b) {
		switch c := b[p.i]; c {
		case '}', ']':
			p.fail(p.i, fmt.Sprintf("remove it, and check that every %s has exactly one %c", opener(c), c), "extra %c after the end of the payload", c)
		default:
			p.fail(p.i, "a payload is exactly one JSON object: remove what follows its closing }, or merge it into the object", "unexpected %s after the end of the payload", describe(b, p.i))
		}
		return nil, p
	}
	return root, p
}

func opener(c byte) string {
	if c == '}' {
		return "{"
	}
	return "["
}

func (p *parser) fail(off int, fix, format string, args ...any) {
	if p.err == nil {
		p.err = &syntaxErr{off: off, msg: fmt.Sprintf(format, args...), fix: fix}
	}
}

func (p *parser) newValue(k kind, start int) *value {
	if len(p.slab) == cap(p.slab) {
		// New chunk: earlier pointers stay valid because the old chunk is
		// never grown in place.
		p.slab = make([]value, 0, 32)
	}
	p.slab = p.slab[:len(p.slab)+1]
	v := &p.slab[len(p.slab)-1]
	v.kind, v.start = k, start
	return v
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// at formats the line and column of an offset for messages that refer to
// another place ("the object opened at line 1, column 1").
func (p *parser) at(off int) string {
	line, col := position(p.b, off)
	return fmt.Sprintf("line %d, column %d", line, col)
}

// value parses the value at p.i. owner is the object member whose value it
// is, for messages ("missing value after \"badge\":"); nil at the top level
// and for array items. Messages are formatted only on error: this runs on
// every keystroke.
func (p *parser) value(depth int, owner *member) *value {
	if p.i >= len(p.b) {
		p.fail(p.i, valueFix, "missing value after %q:", owner.key)
		return nil
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth+1, owner)
	case c == '"':
		return p.str()
	case c == '-' || isDigit(c):
		return p.number()
	case isWordStart(c):
		return p.literal()
	default:
		p.badValue(owner)
		return nil
	}
}

const valueFix = "put a value after the colon: a string in double quotes, a number, true, false, null, {…} or […]"

func (p *parser) badValue(owner *member) {
	c := p.b[p.i]
	switch {
	case c == '}' || c == ']' || c == ',' || c == ':':
		if owner == nil {
			p.fail(p.i, `a payload starts with {, e.g. {"aps": {"alert": "Hello"}}`, "unexpected %q at the start of the payload", c)
			return
		}
		p.fail(p.i, valueFix, "missing value after %q:", owner.key)
	case c == '\'':
		p.fail(p.i, `replace the single quotes with double quotes: "text"`, "strings must be in double quotes, not single quotes")
	case c == '/' && p.i+1 < len(p.b) && (p.b[p.i+1] == '/' || p.b[p.i+1] == '*'):
		p.fail(p.i, "remove the comment; JSON has no comments (use a custom key if you need a note)", "comments are not allowed in JSON")
	case c == '.':
		p.fail(p.i, "write a 0 before the point, e.g. 0.5", "numbers need a digit before the decimal point")
	case c == '+':
		p.fail(p.i, "remove the +", "numbers cannot start with +")
	default:
		p.fail(p.i, "remove it, or put the text in double quotes", "unexpected %s", describe(p.b, p.i))
	}
}

// literal parses true, false or null; any other bare word is explained.
func (p *parser) literal() *value {
	start := p.i
	for p.i < len(p.b) && isWordByte(p.b[p.i]) {
		p.i++
	}
	word := string(p.b[start:p.i])
	switch word {
	case "true", "false":
		v := p.newValue(kindBool, start)
		v.end = p.i
		return v
	case "null":
		v := p.newValue(kindNull, start)
		v.end = p.i
		return v
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(word) == len(lit) && equalFoldASCII(word, lit) {
			p.fail(start, "write "+lit+" in lowercase", "%s is not valid JSON: true, false and null are lowercase", word)
			return nil
		}
		if len(word) < len(lit) && lit[:len(word)] == word {
			p.fail(start, "write "+lit, "incomplete literal %s", word)
			return nil
		}
	}
	switch word {
	case "NaN", "Infinity", "undefined", "None", "nil":
		p.fail(start, "use null, a number, or a string in double quotes", "%s is not a JSON value", word)
		return nil
	}
	p.fail(start, fmt.Sprintf("write %q", word), "strings must be in double quotes")
	return nil
}

// str parses a string value starting at its opening quote.
func (p *parser) str() *value {
	start := p.i
	escaped, ok := p.scanString()
	if !ok {
		return nil
	}
	v := p.newValue(kindString, start)
	v.end, v.escaped = p.i, escaped
	return v
}

// scanString skips the string at p.i (its opening quote), reporting whether
// it has escapes; keys use it directly, so they cost no value node.
func (p *parser) scanString() (escaped, ok bool) {
	start := p.i
	p.i++
	high := false
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if high && !utf8.Valid(p.b[start+1:p.i-1]) {
				p.badUTF8 = append(p.badUTF8, start)
			}
			return escaped, true
		case c == '\\':
			if !p.escape() {
				return false, false
			}
			escaped = true
		case c == '\n' || c == '\r':
			p.fail(start, `add the closing " at the end of the text; write \n for a line break inside a string`, "unterminated string")
			return false, false
		case c == '\t':
			p.fail(p.i, `write \t for a tab inside a string`, "tab character inside a string")
			return false, false
		case c < 0x20:
			p.fail(p.i, fmt.Sprintf(`remove it or write it as \u%04x`, c), "control character U+%04X inside a string", c)
			return false, false
		default:
			if c >= 0x80 {
				high = true
			}
			p.i++
		}
	}
	p.fail(start, `add the closing " at the end of the text`, "unterminated string")
	return false, false
}

// escape checks the escape sequence at p.i (a backslash) and skips it.
func (p *parser) escape() bool {
	if p.i+1 >= len(p.b) {
		p.fail(p.i, `add the closing " (and write \\ for a backslash)`, "unterminated string")
		return false
	}
	switch c := p.b[p.i+1]; c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.i += 2
		return true
	case 'u':
		for k := 2; k < 6; k++ {
			if p.i+k >= len(p.b) || !isHex(p.b[p.i+k]) {
				p.fail(p.i, `\u needs exactly four hex digits, e.g. \u00e9`, `invalid \u escape`)
				return false
			}
		}
		p.i += 6
		return true
	default:
		esc := string(c)
		if c < 0x20 || c >= 0x80 {
			esc = fmt.Sprintf("(byte 0x%02X)", c)
		}
		p.fail(p.i, `valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX; write \\ for a backslash`, `invalid escape \%s in a string`, esc)
		return false
	}
}

// number parses a JSON number and explains the usual mistakes.
func (p *parser) number() *value {
	b, start := p.b, p.i
	i := p.i
	if b[i] == '-' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			p.fail(start, "put a digit right after the minus sign, e.g. -1", "a minus sign must be followed by a digit")
			return nil
		}
	}
	if b[i] == '0' {
		i++
		if i < len(b) && isDigit(b[i]) {
			p.fail(start, "remove the leading zeros, or put the value in double quotes if it is a code or ID", "numbers cannot have leading zeros")
			return nil
		}
	} else {
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			p.fail(start, "write a digit after the point, e.g. 1.0, or remove the point", "a decimal point must be followed by a digit")
			return nil
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			p.fail(start, "write digits after the e, e.g. 1e3", "an exponent needs digits after the e")
			return nil
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && isNumberJunk(b[i]) {
		j := i
		for j < len(b) && (isNumberJunk(b[j]) || isDigit(b[j])) {
			j++
		}
		p.fail(start, "write a plain decimal number such as 42 or 0.5, or put the value in double quotes to make it a string", "invalid number %s", b[start:j])
		return nil
	}
	v := p.newValue(kindNumber, start)
	p.i, v.end = i, i
	return v
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isWordStart(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == '$'
}
func isWordByte(c byte) bool { return isWordStart(c) || isDigit(c) || c == '-' }
func isNumberJunk(c byte) bool {
	return isWordStart(c) || c == '.' || c == '+' || c == '-'
}

// canStartValue reports whether c could begin a value or key, which is how
// a missing comma shows itself.
func canStartValue(c byte) bool {
	return c == '"' || c == '\'' || c == '{' || c == '[' || c == '-' || isDigit(c) || isWordStart(c)
}

// equalFoldASCII compares ASCII case-insensitively (strings.EqualFold would
// also fold Unicode, which keys never need).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// describe names the character at off for a message: "character 'x'",
// "byte 0xFF", "end of the payload".
func describe(b []byte, off int) string {
	if off >= len(b) {
		return "end of the payload"
	}
	r, size := utf8.DecodeRune(b[off:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02X", b[off])
	}
	if r < 0x20 || r == 0x7f {
		return fmt.Sprintf("control character U+%04X", r)
	}
	return fmt.Sprintf("character %q", r)
}

// short renders a value for a message: scalars as written (shortened),
// containers as {…} or […].
func (p *parser) short(v *value) string {
	switch v.kind {
	case kindObject:
		return "{…}"
	case kindArray:
		return "[…]"
	}
	raw := p.b[v.start:v.end]
	if utf8.RuneCount(raw) <= 24 {
		return string(raw)
	}
	n, cut := 0, 0
	for cut < len(raw) && n < 20 {
		_, size := utf8.DecodeRune(raw[cut:])
		cut += size
		n++
	}
	s := string(raw[:cut]) + "…"
	if v.kind == kindString {
		s += `"`
	}
	return s
}
