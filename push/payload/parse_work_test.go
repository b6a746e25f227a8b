package payload

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The cursor gives exactly what position gives, for every offset of
// payloads with multi-byte characters, invalid bytes and line breaks, in
// increasing order (one pass) and after going back.
func TestPosCursorMatchesPosition(t *testing.T) {
	bodies := [][]byte{
		[]byte(`{"aps": {"alert": "héllo €"}}`),
		[]byte("{\n  \"a\": \"日本\",\n\n  \"b\": \"\xff\xe2\x82\"\n}"),
		[]byte("\xe2\x82\xac\n\xe2\x82\n\xf0\x9f\x98\x80x"),
		bigPayload(20_000, true),
	}
	for _, b := range bodies {
		c := newPosCursor(b)
		for off := -1; off <= len(b)+1; off++ {
			l1, c1 := position(b, off)
			l2, c2 := c.at(off)
			if l1 != l2 || c1 != c2 {
				t.Fatalf("offset %d of %q: position %d:%d, cursor %d:%d", off, b[:min(len(b), 40)], l1, c1, l2, c2)
			}
		}
		l, col := c.at(3)
		if wl, wc := position(b, 3); l != wl || col != wc {
			t.Fatalf("going back: %d:%d, want %d:%d", l, col, wl, wc)
		}
	}
}

// Lint's line and column work is one pass over the body, whatever the
// number of findings: 1 MB with over 40,000 findings steps over each byte
// once. (Before, every finding counted from the start: n × findings.)
func TestLintPositionsAreOnePass(t *testing.T) {
	body := bigPayload(1<<20, false)
	_, p := parse(body)
	l := &linter{p: p}
	l.aps(nil2aps(t, p, body))
	if len(l.findings) < 40_000 {
		t.Fatalf("only %d findings", len(l.findings))
	}
	c := newPosCursor(body)
	r := l.reportWith(body, SizeLimit(Alert), c)
	if c.scanned > len(body) {
		t.Fatalf("stepped over %d bytes for a %d-byte body", c.scanned, len(body))
	}
	if n := len(r.Warnings); n < 40_000 || r.Warnings[n-1].Line != 1 {
		t.Fatalf("%d warnings, last %+v", n, r.Warnings[n-1])
	}
}

func nil2aps(t *testing.T, p *parser, body []byte) *value {
	t.Helper()
	root, _ := parse(body)
	if root == nil {
		t.Fatal(p.err)
	}
	return root.get("aps")
}

func TestDuplicateKeys(t *testing.T) {
	for _, n := range []int{3, 8, 9, 50_000} {
		var b strings.Builder
		b.WriteString("{")
		want := 0
		for i := range n {
			k := i
			if i%3 == 2 {
				k, want = i-1, want+1
			}
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"k` + strings.Repeat("x", k%7) + string(rune('a'+k%26)) + itoa(k) + `": 1`)
		}
		b.WriteString("}")
		root, p := parse([]byte(b.String()))
		if root == nil {
			t.Fatal(p.err)
		}
		got := duplicateKeys(root)
		if len(got) != want {
			t.Fatalf("n=%d: %d duplicates, want %d", n, len(got), want)
		}
		for _, i := range got {
			if i%3 != 2 {
				t.Fatalf("n=%d: member %d reported", n, i)
			}
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var s []byte
	for ; i > 0; i /= 10 {
		s = append([]byte{byte('0' + i%10)}, s...)
	}
	return string(s)
}

// withinTwo agrees with the full distance on its bound.
func TestWithinTwo(t *testing.T) {
	words := append(apsKeyNames(), alertKeys...)
	words = append(words, "", "a", "ab", "alrt", "bdge", "sond", "content-availble", "x-y", strings.Repeat("q", 70))
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		w := []byte(words[r.IntN(len(words))])
		for range r.IntN(4) {
			if len(w) > 0 {
				i := r.IntN(len(w))
				switch r.IntN(3) {
				case 0:
					w = append(w[:i], w[i+1:]...)
				case 1:
					w[i] = byte('a' + r.IntN(26))
				default:
					w = append(w[:i], append([]byte{'-'}, w[i:]...)...)
				}
			}
		}
		words = append(words, string(w))
	}
	for _, a := range words {
		for _, b := range words[:60] {
			if got, want := withinTwo(a, b), distance(a, b) <= 2; got != want {
				t.Fatalf("withinTwo(%q, %q) = %v, distance %d", a, b, got, distance(a, b))
			}
		}
	}
}
