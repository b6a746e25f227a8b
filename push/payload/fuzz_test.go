package payload

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

var fuzzTypes = append([]PushType{"", "bogus"}, PushTypes...)

// FuzzValidate: Validate never panics; it calls a document a syntax error
// exactly when encoding/json does; positions stay inside the body; and for
// valid JSON, Format and Minify agree with encoding/json.
func FuzzValidate(f *testing.F) {
	for _, tpl := range Templates() {
		f.Add([]byte(tpl.Body), uint8(0), uint8(3))
	}
	for _, c := range ruleCases() {
		f.Add([]byte(c.bad), uint8(2), uint8(1))
	}
	for _, s := range []string{
		"{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}", `{"a":[1,2,]}`, `{'a':1}`, `{"a":"\ud800"}`,
		`{"a":1e400}`, `{"a":-0.0e-0}`, "\xef\xbb\xbf{}", `{"a":"\u00zz"}`, "{\"a\":\"\xff\"}", `[[[[[[[[]]]]]]]]`,
		`{"aps":{"alert":{"title":1}}}`, `{"aps":{"content-available":1,"alert":"x"}}`, `nul`, `{"a" : tRUE}`,
	} {
		f.Add([]byte(s), uint8(1), uint8(2))
	}
	prios := []int{0, 1, 5, 10, 7}
	f.Fuzz(func(t *testing.T, body []byte, pt, prio uint8) {
		opts := Options{Headers: Headers{PushType: fuzzTypes[int(pt)%len(fuzzTypes)], Priority: prios[int(prio)%len(prios)]}, AppTopic: "com.example.app"}
		r := Validate(body, opts)
		syntax := false
		for _, f := range append(append([]Finding{}, r.Errors...), r.Warnings...) {
			if f.Rule == "syntax" {
				syntax = true
			}
			if f.Offset < -1 || f.Offset > len(body) || (f.Offset >= 0 && (f.Line < 1 || f.Column < 1)) {
				t.Fatalf("finding out of range: %+v (body %d bytes)", f, len(body))
			}
			if f.Message == "" || f.Fix == "" || f.Rule == "" {
				t.Fatalf("finding without message, fix or rule: %+v", f)
			}
		}
		valid := json.Valid(body)
		if valid && syntax {
			t.Fatalf("encoding/json accepts %q but we report a syntax error: %+v", body, r.Errors)
		}
		if !valid && !syntax {
			t.Fatalf("encoding/json rejects %q but we report no syntax error", body)
		}
		if r.Valid != (len(r.Errors) == 0) || r.Bytes != len(body) {
			t.Fatalf("inconsistent report %+v", r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		if !valid {
			if _, err := Format(body); err == nil {
				t.Fatal("Format accepted invalid JSON")
			}
			return
		}
		formatted, err := Format(body)
		if err != nil {
			t.Fatalf("Format(valid) = %v", err)
		}
		min, err := Minify(formatted)
		if err != nil {
			t.Fatalf("Minify(Format(valid)) = %v", err)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, body); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(min, want.Bytes()) {
			t.Fatalf("Minify(Format(x)) = %q, want %q", min, want.Bytes())
		}
	})
}

// BenchmarkValidate4KB validates a realistic 3.9 KB alert (rich alert,
// grouping, an order with items as custom data): the editor calls Validate
// on every keystroke.
func BenchmarkValidate4KB(b *testing.B) {
	body, err := os.ReadFile("testdata/bench-4k.json")
	if err != nil {
		b.Fatal(err)
	}
	if len(body) < 3900 || len(body) > 4096 {
		b.Fatalf("bench payload is %d bytes, want about 4 KB", len(body))
	}
	opts := Options{Headers: Headers{PushType: Alert, Priority: 10, Topic: "com.example.app"}, AppTopic: "com.example.app"}
	if r := Validate(body, opts); !r.Valid || len(r.Warnings) != 0 {
		b.Fatalf("bench payload should be clean: %+v %+v", r.Errors, r.Warnings)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Validate(body, opts)
	}
}

// BenchmarkValidate4KBSyntaxError is the worst case while typing: the error
// is at the very end of the payload.
func BenchmarkValidate4KBSyntaxError(b *testing.B) {
	body, err := os.ReadFile("testdata/bench-4k.json")
	if err != nil {
		b.Fatal(err)
	}
	body = []byte(strings.TrimSuffix(strings.TrimSpace(string(body)), "}"))
	b.ReportAllocs()
	for b.Loop() {
		Validate(body, Options{Headers: Headers{PushType: Alert}})
	}
}

func BenchmarkFormat4KB(b *testing.B) {
	body, err := os.ReadFile("testdata/bench-4k.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Format(body); err != nil {
			b.Fatal(err)
		}
	}
}
