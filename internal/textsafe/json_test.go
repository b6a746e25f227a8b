package textsafe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONWriterEscapesWhatTerminalsObey(t *testing.T) {
	label := "a\u009b31mred\u202eevil\u200fx\u061cy\u2066z\u00e9\u20ac\u2014ok"
	var out bytes.Buffer
	w := JSONWriter(&out)
	if err := json.NewEncoder(w).Encode(map[string]string{"label": label}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, bad := range []string{"\u009b", "\u202e", "\u200f", "\u061c", "\u2066"} {
		if strings.Contains(got, bad) {
			t.Errorf("output still holds %U: %q", []rune(bad)[0], got)
		}
	}
	for _, esc := range []string{`\u009b`, `\u202e`, `\u200f`, `\u061c`, `\u2066`} {
		if !strings.Contains(got, esc) {
			t.Errorf("output lacks %s: %q", esc, got)
		}
	}
	if !strings.Contains(got, "é€—ok") {
		t.Errorf("safe non-ASCII text changed: %q", got)
	}
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil {
		t.Fatalf("escaped output is not JSON: %v", err)
	}
	if back["label"] != label {
		t.Errorf("decoded %q, want %q", back["label"], label)
	}
}

// TestJSONWriterSplitWrites feeds the bytes one at a time: a character cut
// between writes is still recognised, and nothing is lost or doubled.
func TestJSONWriterSplitWrites(t *testing.T) {
	doc := []byte(`{"a":"x` + "\u0085\u202a\u2069\u00c2\u2014\u20ac" + `y"}` + "\n")
	var whole, split bytes.Buffer
	if _, err := JSONWriter(&whole).Write(doc); err != nil {
		t.Fatal(err)
	}
	w := JSONWriter(&split)
	for i := range doc {
		if _, err := w.Write(doc[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if whole.String() != split.String() {
		t.Fatalf("split writes gave %q, one write %q", split.String(), whole.String())
	}
	want := `{"a":"x\u0085\u202a\u2069` + "\u00c2\u2014\u20ac" + `y"}` + "\n"
	if whole.String() != want {
		t.Fatalf("got %q, want %q", whole.String(), want)
	}
}

func TestJSONWriterFlushKeepsATrailingFragment(t *testing.T) {
	var out bytes.Buffer
	w := JSONWriter(&out)
	if _, err := w.Write([]byte{'"', 0xe2, 0x80}); err != nil {
		t.Fatal(err)
	}
	if out.String() != `"` {
		t.Fatalf("before Flush: %q", out.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), []byte{'"', 0xe2, 0x80}) {
		t.Fatalf("after Flush: %q", out.Bytes())
	}
}

func BenchmarkJSONWriterPlain(b *testing.B) {
	line := []byte(`{"token":"` + strings.Repeat("ab", 32) + `","status":200,"apns_id":"0123","latency_ms":1.5}` + "\n")
	w := JSONWriter(&bytes.Buffer{})
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		w.w.(*bytes.Buffer).Reset()
		_, _ = w.Write(line)
	}
}
