package payload

import (
	"fmt"
	"unicode/utf8"
)

// open starts an object or array at its opening bracket. It returns nil
// (p.err set) when nested too deep, and empty when close follows at once:
// v is then complete.
func (p *parser) open(k kind, depth int, close byte) (v *value, empty bool) {
	start := p.i
	if depth > maxDepth {
		p.fail(start, "flatten the payload", "the payload is nested more than %d levels deep", maxDepth)
		return nil, false
	}
	v = p.newValue(k, start)
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == close {
		p.i++
		v.end = p.i
		return v, true
	}
	return v, false
}

// object parses an object starting at its '{'.
func (p *parser) object(depth int) *value {
	v, empty := p.open(kindObject, depth, '}')
	if v == nil || empty {
		return v
	}
	comma := -1 // offset of the comma before the current key, if any
	for {
		p.ws()
		if !p.key(v, comma) {
			return nil
		}
		m := &v.members[len(v.members)-1]
		keyEnd := p.i
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			if p.i < len(p.b) && p.b[p.i] == '=' {
				p.fail(p.i, fmt.Sprintf("write %q: value", m.key), "use a colon, not =, between a key and its value")
			} else {
				p.fail(keyEnd-1, fmt.Sprintf("write %q: value", m.key), "missing colon after %q", m.key)
			}
			return nil
		}
		p.i++
		p.ws()
		m.val = p.value(depth, m)
		if p.err != nil {
			return nil
		}
		p.ws()
		if p.i >= len(p.b) {
			p.missingClose(v, '}')
			return nil
		}
		switch c := p.b[p.i]; {
		case c == ',':
			comma = p.i
			p.i++
		case c == '}':
			p.i++
			v.end = p.i
			return v
		case c == ']':
			p.mismatch(v, ']')
			return nil
		default:
			p.afterValue(m.val, c, fmt.Sprintf("%q: %s", m.key, p.short(m.val)))
			return nil
		}
	}
}

// key parses the key at p.i into a new member of obj; comma is the offset
// of the comma before it, or -1 for the first key.
func (p *parser) key(obj *value, comma int) bool {
	if p.i >= len(p.b) {
		p.missingClose(obj, '}')
		return false
	}
	c := p.b[p.i]
	switch {
	case c == '"':
		start := p.i
		escaped, ok := p.scanString()
		if !ok {
			return false
		}
		obj.members = append(obj.members, member{key: p.unquote(start, p.i, escaped), keyStart: start})
		return true
	case c == '}' && comma >= 0:
		p.fail(comma, "remove the comma after the last item", "trailing comma before }")
	case c == ',':
		if comma >= 0 {
			p.fail(p.i, "remove the extra comma", "two commas in a row")
		} else {
			p.fail(p.i, `remove the comma; a key in double quotes goes here`, "unexpected comma at the start of an object")
		}
	case c == ']':
		p.mismatch(obj, ']')
	case c == ':':
		p.fail(p.i, `write "key": value`, "missing key before the colon")
	case c == '\'':
		end := p.i + 1
		for end < len(p.b) && p.b[end] != '\'' && p.b[end] != '\n' {
			end++
		}
		p.fail(p.i, fmt.Sprintf("write %q", p.b[p.i+1:end]), "keys must be in double quotes")
	case isWordStart(c) || isDigit(c):
		end := p.i
		for end < len(p.b) && (isWordByte(p.b[end]) || p.b[end] == '.') {
			end++
		}
		p.fail(p.i, fmt.Sprintf("write %q", p.b[p.i:end]), "keys must be in double quotes")
	case c == '/' && p.i+1 < len(p.b) && (p.b[p.i+1] == '/' || p.b[p.i+1] == '*'):
		p.fail(p.i, "remove the comment; JSON has no comments", "comments are not allowed in JSON")
	default:
		p.fail(p.i, `write the key in double quotes: "key": value`, "expected a key in double quotes, found %s", describe(p.b, p.i))
	}
	return false
}

// array parses an array starting at its '['. owner is the object member
// whose value it is (nil if none), for messages.
func (p *parser) array(depth int, owner *member) *value {
	v, empty := p.open(kindArray, depth, ']')
	if v == nil || empty {
		return v
	}
	where := func() string {
		if owner == nil {
			return "the array"
		}
		return fmt.Sprintf("the array %q", owner.key)
	}
	comma := -1
	for {
		p.ws()
		if p.i >= len(p.b) {
			p.missingClose(v, ']')
			return nil
		}
		switch c := p.b[p.i]; {
		case c == ']' && comma >= 0:
			p.fail(comma, "remove the comma after the last item", "trailing comma before ]")
			return nil
		case c == ',':
			if comma >= 0 {
				p.fail(p.i, "remove the extra comma", "two commas in a row")
			} else {
				p.fail(p.i, "remove the comma before the first item", "unexpected comma at the start of an array")
			}
			return nil
		case c == '}':
			p.mismatch(v, '}')
			return nil
		case c == ':':
			p.fail(p.i, "arrays hold plain values; use an object {…} for key: value pairs", "unexpected colon in %s", where())
			return nil
		}
		item := p.value(depth, nil)
		if item == nil {
			return nil
		}
		v.items = append(v.items, item)
		p.ws()
		if p.i >= len(p.b) {
			p.missingClose(v, ']')
			return nil
		}
		switch c := p.b[p.i]; {
		case c == ',':
			comma = p.i
			p.i++
		case c == ']':
			p.i++
			v.end = p.i
			return v
		case c == '}':
			p.mismatch(v, '}')
			return nil
		case c == ':':
			p.fail(p.i, "arrays hold plain values; use an object {…} for key: value pairs", "unexpected colon in %s", where())
			return nil
		default:
			p.afterValue(item, c, p.short(item)+" in "+where())
			return nil
		}
	}
}

// afterValue explains the character c found where a comma or a closing
// bracket should follow prev; what describes prev for the message.
func (p *parser) afterValue(prev *value, c byte, what string) {
	if prev.kind == kindString && p.i == prev.end && c != '"' && c != ':' && c != '{' && c != '[' {
		// Text glued to a closing quote is almost always an unescaped quote
		// inside the string: "he said "hi"".
		p.fail(prev.end-1, `write \" for a quote inside a string`, "unexpected text right after the string %s; is there an unescaped quote in it?", p.short(prev))
		return
	}
	if canStartValue(c) {
		p.fail(prev.end-1, fmt.Sprintf("add a comma after %s", p.short(prev)), "missing comma after %s", what)
		return
	}
	if c == '/' && p.i+1 < len(p.b) && (p.b[p.i+1] == '/' || p.b[p.i+1] == '*') {
		p.fail(p.i, "remove the comment; JSON has no comments", "comments are not allowed in JSON")
		return
	}
	p.fail(p.i, "remove it, or add a comma if another item follows", "unexpected %s after %s", describe(p.b, p.i), what)
}

// missingClose reports an object or array still open at the end.
func (p *parser) missingClose(v *value, close byte) {
	kind := "object"
	if close == ']' {
		kind = "array"
	}
	p.fail(len(p.b), fmt.Sprintf("add %c at the end (check that every %s has a matching %c)", close, opener(close), close),
		"missing closing %c for the %s opened at %s", close, kind, p.at(v.start))
}

// mismatch reports a closing bracket of the wrong kind.
func (p *parser) mismatch(v *value, found byte) {
	want, kind := byte('}'), "object"
	if v.kind == kindArray {
		want, kind = ']', "array"
	}
	p.fail(p.i, fmt.Sprintf("replace %c with %c, or add the missing %s", found, want, opener(found)),
		"missing closing %c: found %c, but the %s opened at %s needs %c", want, found, kind, p.at(v.start), want)
}

// text decodes a string value.
func (p *parser) text(v *value) string { return p.unquote(v.start, v.end, v.escaped) }

// unquote decodes the string in b[start:end] (quotes included) the way
// encoding/json does, so that keys compare equal to what iOS sees.
func (p *parser) unquote(start, end int, escaped bool) string {
	raw := p.b[start+1 : end-1]
	if !escaped {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+2 : i+6])
			i += 6
			if 0xD800 <= r && r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if lo := hex4(raw[i+2 : i+6]); 0xDC00 <= lo && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			if 0xD800 <= r && r < 0xE000 {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return string(out)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case isDigit(c):
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}
