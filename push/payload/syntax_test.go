package payload

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestSyntaxErrors checks the message and the position of each kind of
// syntax error: the position is where the editor puts the cursor.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		msg       string // the whole message
		line, col int
	}{
		{"missing comma (issue example)", "{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}",
			`missing comma after "badge": 1`, 3, 14},
		{"missing comma after object", `{"aps": {"alert": "x"} "x": 1}`, `missing comma after "aps": {…}`, 1, 22},
		{"missing comma in array", `{"a": ["x" "y"]}`, `missing comma after "x" in the array "a"`, 1, 10},
		{"missing closing brace", "{\n  \"aps\": {\n    \"alert\": \"hi\"\n  }\n", "missing closing } for the object opened at line 1, column 1", 5, 1},
		{"missing closing bracket", `{"a": [1, 2`, "missing closing ] for the array opened at line 1, column 7", 1, 12},
		{"mismatched bracket", `{"a": [1, 2}`, "missing closing ]: found }, but the array opened at line 1, column 7 needs ]", 1, 12},
		{"trailing comma object", "{\"aps\": {\"alert\": \"hi\",\n}}", "trailing comma before }", 1, 23},
		{"trailing comma array", `{"a": [1, 2, ]}`, "trailing comma before ]", 1, 12},
		{"unterminated string", "{\"aps\": {\"alert\": \"hi\n}}", "unterminated string", 1, 19},
		{"unterminated string at end", `{"aps": "hi`, "unterminated string", 1, 9},
		{"single-quoted key", `{'aps': {}}`, "keys must be in double quotes", 1, 2},
		{"bare key", "{\n  aps: {}}", "keys must be in double quotes", 2, 3},
		{"single-quoted value", `{"a": 'x'}`, "strings must be in double quotes, not single quotes", 1, 7},
		{"bare word value", `{"a": hello}`, "strings must be in double quotes", 1, 7},
		{"capital True", `{"a": True}`, "True is not valid JSON: true, false and null are lowercase", 1, 7},
		{"incomplete literal", `{"a": tru}`, "incomplete literal tru", 1, 7},
		{"missing colon", `{"a" 1}`, `missing colon after "a"`, 1, 4},
		{"equals instead of colon", `{"a" = 1}`, "use a colon, not =, between a key and its value", 1, 6},
		{"missing value", `{"a": }`, `missing value after "a":`, 1, 7},
		{"leading zero", `{"badge": 007}`, "numbers cannot have leading zeros", 1, 11},
		{"leading point", `{"v": .5}`, "numbers need a digit before the decimal point", 1, 7},
		{"trailing point", `{"v": 1.}`, "a decimal point must be followed by a digit", 1, 7},
		{"plus sign", `{"v": +1}`, "numbers cannot start with +", 1, 7},
		{"hex number", `{"v": 0x1F}`, "invalid number 0x1F", 1, 7},
		{"version number", `{"v": 1.2.3}`, "invalid number 1.2.3", 1, 7},
		{"lonely minus", `{"v": -}`, "a minus sign must be followed by a digit", 1, 7},
		{"bad exponent", `{"v": 1e}`, "an exponent needs digits after the e", 1, 7},
		{"bad escape", `{"a": "C:\dir"}`, `invalid escape \d in a string`, 1, 10},
		{"bad unicode escape", `{"a": "\u12"}`, `invalid \u escape`, 1, 8},
		{"tab in string", "{\"a\": \"x\ty\"}", "tab character inside a string", 1, 9},
		{"control char in string", "{\"a\": \"x\x01\"}", "control character U+0001 inside a string", 1, 9},
		{"unescaped quote", `{"a": "he said "hi""}`, `unexpected text right after the string "he said "; is there an unescaped quote in it?`, 1, 16},
		{"comment", "{\n  // note\n  \"a\": 1}", "comments are not allowed in JSON", 2, 3},
		{"empty", "", "the payload is empty", 1, 1},
		{"whitespace", "  \n ", "the payload is only whitespace", 2, 2},
		{"bom", "\xEF\xBB\xBF{}", "the payload starts with a byte order mark (BOM)", 1, 1},
		{"second object", `{} {}`, "unexpected character '{' after the end of the payload", 1, 4},
		{"extra brace", `{"a": 1}}`, "extra } after the end of the payload", 1, 9},
		{"two commas", `{"a": 1,, "b": 2}`, "two commas in a row", 1, 9},
		{"colon in array", `{"a": ["k": 1]}`, `unexpected colon in the array "a"`, 1, 11},
		{"junk after value", `{"a": 1 @}`, `unexpected character '@' after "a": 1`, 1, 9},
		{"column counts characters", `{"é": "ü" "x": 1}`, `missing comma after "é": "ü"`, 1, 9},
		{"nothing but a bracket", `}`, `unexpected '}' at the start of the payload`, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if json.Valid([]byte(tt.body)) {
				t.Fatalf("test body is valid JSON: %q", tt.body)
			}
			r := Validate([]byte(tt.body), Options{Headers: Headers{PushType: Alert}})
			if r.Valid || len(r.Errors) != 1 {
				t.Fatalf("want exactly one error, got %+v", r.Errors)
			}
			f := r.Errors[0]
			if f.Rule != "syntax" || f.Message != tt.msg || f.Line != tt.line || f.Column != tt.col {
				t.Errorf("got %q at %d:%d (rule %s)\nwant %q at %d:%d", f.Message, f.Line, f.Column, f.Rule, tt.msg, tt.line, tt.col)
			}
			if f.Fix == "" {
				t.Error("a syntax error must say how to fix it")
			}
			err := Syntax([]byte(tt.body))
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line != tt.line || se.Column != tt.col || se.Offset != f.Offset {
				t.Fatalf("Syntax() = %v, want a *SyntaxError at the same place", err)
			}
			if !strings.HasPrefix(err.Error(), "line ") || !strings.HasSuffix(err.Error(), tt.msg) {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestSyntaxErrorText(t *testing.T) {
	err := Syntax([]byte("{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}"))
	if got, want := err.Error(), `line 3, column 14: missing comma after "badge": 1`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestValidJSONAccepted covers corners of the grammar that a hand-written
// parser gets wrong: escapes, exponents, nesting, whitespace.
func TestValidJSONAccepted(t *testing.T) {
	for _, body := range []string{
		`{}`, ` {} `, "\t{\r\n}\n", `{"a":-0}`, `{"a":-0.5e+10}`, `{"a":1E-3}`, `{"a":[]}`, `{"a":[[],[{}]]}`,
		`{"a":"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`, `{"a":true,"b":false,"c":null}`,
		`{"":""}`, `{"a":"` + "\xff\xfe" + `"}`, `{"é":"ü"}`, `{"a":0}`, `{"a":10}`,
	} {
		if err := Syntax([]byte(body)); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}

func TestNestingLimitMatchesEncodingJSON(t *testing.T) {
	for _, depth := range []int{maxDepth, maxDepth + 1} {
		body := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		mine := Syntax([]byte(body)) == nil
		if theirs := json.Valid([]byte(body)); mine != theirs {
			t.Errorf("depth %d: we say valid=%v, encoding/json %v", depth, mine, theirs)
		}
	}
}

func TestDecodedKeysMatchEncodingJSON(t *testing.T) {
	body := `{"\u0061ps": {"alert": "hi"}, "k\ud83d\ude00": 1, "bad\ud800": 2}`
	root, p := parse([]byte(body))
	if p.err != nil {
		t.Fatal(p.err.msg)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	for _, mem := range root.members {
		if _, ok := m[mem.key]; !ok {
			t.Errorf("decoded key %q is not one encoding/json sees (%v)", mem.key, m)
		}
	}
	if r := Validate([]byte(body), Options{Headers: Headers{PushType: Alert}}); !r.Valid {
		t.Errorf("escaped \"aps\" key not recognised: %+v", r.Errors)
	}
}
