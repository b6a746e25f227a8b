package push

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// refList is a lookup over tokens kept by the test, as a caller keeps its
// targets (or a tokens file its lines).
type refList []string

func (l *refList) add(s *TokenSet, tok string) bool {
	*l = append(*l, tok)
	return s.Add(tok, uint32(len(*l)-1))
}

func (l *refList) lookup(ref uint32) (string, bool) {
	if int(ref) >= len(*l) {
		return "", false
	}
	return (*l)[ref], true
}

func TestTokenSetDropsDuplicates(t *testing.T) {
	var l refList
	s := NewTokenSet(l.lookup)
	long := tokenN(7) + "abcd"
	for _, tc := range []struct {
		tok string
		new bool
	}{{tokenN(1), true}, {tokenN(2), true}, {tokenN(1), false}, {long, true}, {long, false}, {tokenN(2), false}, {tokenN(7), true}} {
		if got := l.add(s, tc.tok); got != tc.new {
			t.Errorf("Add(%s) = %v, want %v", tc.tok, got, tc.new)
		}
	}
	if s.Len() != 4 {
		t.Errorf("Len %d, want 4", s.Len())
	}
}

// The set agrees with a map over many tokens, through several growths, and
// stays small.
func TestTokenSetMatchesMap(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 30000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var l refList
	s := NewTokenSet(l.lookup)
	seen := map[string]bool{}
	for i := range n {
		var tok string
		if i > 0 && rng.IntN(4) == 0 {
			tok = l[rng.IntN(len(l))] // a duplicate
		} else {
			tok = fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		if got, want := l.add(s, tok), !seen[tok]; got != want {
			t.Fatalf("token %d: Add %v, want %v", i, got, want)
		}
		seen[tok] = true
	}
	if s.Len() != len(seen) {
		t.Errorf("Len %d, want %d", s.Len(), len(seen))
	}
	if per := float64(s.Bytes()) / float64(s.Len()); per > 16.5 {
		t.Errorf("%.1f bytes a token, want at most 16 (8 per slot, at least 1/2 full)", per)
	}
}

// A set sized for its tokens never grows (its table is allocated once),
// is about 11 bytes a token, and stays exact past its estimate.
func TestTokenSetSized(t *testing.T) {
	const n = 10000
	var l refList
	s := NewTokenSetSized(l.lookup, n)
	size := s.Bytes()
	if per := float64(size) / n; per > 11.5 {
		t.Errorf("sized for %d: %.1f bytes a token, want about 11.4 (70%% full)", n, per)
	}
	for i := range n {
		if !l.add(s, fmt.Sprintf("%064x", i)) {
			t.Fatalf("token %d taken for a duplicate", i)
		}
	}
	if s.Bytes() != size {
		t.Errorf("the table grew from %d to %d bytes within its estimate", size, s.Bytes())
	}
	// Past the estimate (it was too low): it grows and stays exact.
	for i := range 2 * n {
		if got, want := l.add(s, fmt.Sprintf("%064x", i)), i >= n; got != want {
			t.Fatalf("token %d: Add %v, want %v", i, got, want)
		}
	}
	if s.Len() != 2*n || s.Bytes() <= size {
		t.Errorf("Len %d, %d bytes: want %d tokens in a grown table", s.Len(), s.Bytes(), 2*n)
	}
	// An estimate is capped: a hostile file size cannot reserve gigabytes.
	if b := NewTokenSetSized(l.lookup, 1<<40).Bytes(); b > 16*maxSizedTokens {
		t.Errorf("sized for 2^40 tokens: %d bytes", b)
	}
}

// Every token with the same fingerprint and home slot: the set asks lookup
// and compares, so no device is dropped for a collision; a reference lookup
// cannot resolve counts as a different token.
func TestTokenSetExactOnCollisions(t *testing.T) {
	var l refList
	s := NewTokenSet(l.lookup)
	s.hash = func(string) uint64 { return 0xdeadbeef << 32 }
	tok := func(i int) string { return fmt.Sprintf("%064x", i) }
	for i := range 300 {
		if !l.add(s, tok(i+1)) {
			t.Fatalf("token %d taken for a duplicate", i+1)
		}
	}
	for i := range 300 {
		if s.Add(tok(i+1), 0) {
			t.Fatalf("token %d not recognised as a duplicate", i+1)
		}
	}
	gone := NewTokenSet(func(uint32) (string, bool) { return "", false })
	gone.hash = s.hash
	if !gone.Add(tokenN(1), 0) || !gone.Add(tokenN(1), 1) || gone.Len() != 2 {
		t.Error("a token lookup cannot give back must count as new (sent, not lost)")
	}
}

func BenchmarkTokenSetAdd(b *testing.B) {
	toks := make([]string, 100000)
	for i := range toks {
		toks[i] = fmt.Sprintf("%064x", i*7919+1)
	}
	lookup := func(ref uint32) (string, bool) { return toks[ref], true }
	b.ReportAllocs()
	for b.Loop() {
		s := NewTokenSet(lookup) // grown as it fills, as for a file of unknown size
		for i, t := range toks {
			s.Add(t, uint32(i))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(toks)), "ns/token")
}
