package payload

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	in := `{"aps":{"alert":{"title":"Hi","body":"B\u00e9"},"badge":1,"sound":"default"},"z":[1,2.50,{}],"a":[]}`
	want := `{
  "aps": {
    "alert": {
      "title": "Hi",
      "body": "B\u00e9"
    },
    "badge": 1,
    "sound": "default"
  },
  "z": [
    1,
    2.50,
    {}
  ],
  "a": []
}`
	got, err := Format([]byte(in))
	if err != nil || string(got) != want {
		t.Fatalf("Format = %v\n%s\nwant\n%s", err, got, want)
	}
	min, err := Minify(got)
	if err != nil || string(min) != in {
		t.Fatalf("Minify(Format(x)) = %v %s, want %s", err, min, in)
	}
}

func TestFormatMinifyRefuseInvalid(t *testing.T) {
	bad := []byte("{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}")
	for name, fn := range map[string]func([]byte) ([]byte, error){"Format": Format, "Minify": Minify} {
		out, err := fn(bad)
		var se *SyntaxError
		if out != nil || !errors.As(err, &se) || se.Line != 3 || se.Column != 14 {
			t.Errorf("%s(invalid) = %q, %v; want a SyntaxError at 3:14", name, out, err)
		}
	}
}

// keyOrder lists every key of a document in order, through a token decoder,
// to check that Format and Minify keep it.
func keyOrder(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		out = append(out, toString(tok))
	}
	return out
}

func toString(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return string(v)
	case string:
		return "s:" + v
	case json.Number:
		return "n:" + string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return "null"
}

func TestRoundTripsKeepOrderAndTokens(t *testing.T) {
	for _, tpl := range Templates() {
		body := []byte(tpl.Body)
		min, err := Minify(body)
		if err != nil {
			t.Fatal(err)
		}
		fmtd, err := Format(min)
		if err != nil {
			t.Fatal(err)
		}
		if string(fmtd) != tpl.Body {
			t.Errorf("%s: Format(Minify(x)) != x", tpl.Name)
		}
		if !reflect.DeepEqual(keyOrder(t, body), keyOrder(t, min)) {
			t.Errorf("%s: Minify changed tokens or order", tpl.Name)
		}
		if len(min) >= len(body) {
			t.Errorf("%s: minified %d bytes, formatted %d", tpl.Name, len(min), len(body))
		}
		if r := Validate(min, Options{Headers: tpl.Headers}); !r.Valid {
			t.Errorf("%s: minified template invalid: %+v", tpl.Name, r.Errors)
		}
	}
}
