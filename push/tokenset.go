package push

import "hash/maphash"

// TokenSet remembers which device tokens a send has seen, to drop
// duplicates from a stream of targets, in 8 to 16 bytes a token whatever
// its length (a Go map of the 32 token bytes costs about 50).
//
// It keeps no token: each slot of an open-addressing table holds a 32-bit
// fingerprint of the token's hash and a reference the caller gave with the
// token (a tokens file's line offset, an index into a list), from which the
// caller's lookup gives the token back. Only when fingerprints match is
// lookup asked and the tokens compared, so the set is exact: a fingerprint
// collision costs one lookup, never a device. The hash is seeded at random
// per set, so a hostile list cannot be built to collide.
//
// The table may have any size (a token's home slot scales its fingerprint
// to the table, rather than masking it): sized for the expected count
// (NewTokenSetSized) it never grows, and past that it grows by half, so a
// set is 8 to 16 bytes a token, never the 21 of a power-of-two table that
// has just doubled, and growing never holds three times the old table.
//
// Not safe for concurrent use.
type TokenSet struct {
	seed   maphash.Seed
	slots  []uint64 // 0: empty; else fingerprint<<32 | (ref+1)
	n      int
	lookup func(ref uint32) (string, bool)
	// hash replaces the seeded hash (tests force collisions with it).
	hash func(string) uint64
}

// MaxTokenRef is the largest reference a TokenSet takes.
const MaxTokenRef = 1<<32 - 2

// NewTokenSet is an empty set. lookup gives back the token added with a
// reference (ok false if it cannot, which counts as a different token).
func NewTokenSet(lookup func(ref uint32) (token string, ok bool)) *TokenSet {
	return NewTokenSetSized(lookup, 0)
}

// maxSizedTokens caps NewTokenSetSized's expectation (a table of 12 MB);
// a set expected to hold more grows as it fills.
const maxSizedTokens = 1 << 20

// NewTokenSetSized is an empty set with room for about expect tokens
// (an estimate: it grows past it), so adding them allocates nothing more.
// The table's pages are touched only as it fills: an expectation too high
// costs address space, not memory.
func NewTokenSetSized(lookup func(ref uint32) (token string, ok bool), expect int) *TokenSet {
	n := 64
	if expect = min(expect, maxSizedTokens); expect > 0 {
		// 70% full at expect: it grows only past about 107% of it.
		n = max(n, expect*10/7+1)
	}
	return &TokenSet{seed: maphash.MakeSeed(), slots: make([]uint64, n), lookup: lookup}
}

// home is the first slot to probe for fingerprint fp in a table of n
// slots: fp scaled to [0, n).
func home(fp uint32, n int) int { return int(uint64(fp) * uint64(n) >> 32) }

// Add adds a normalised token (lower-case hex) found at ref and reports
// whether it is new; a token seen before keeps its first reference.
func (s *TokenSet) Add(token string, ref uint32) bool {
	if ref > MaxTokenRef {
		panic("push: TokenSet reference out of range")
	}
	if (s.n+1)*4 > len(s.slots)*3 { // at most 3/4 full
		s.grow()
	}
	var h uint64
	if s.hash != nil {
		h = s.hash(token)
	} else {
		h = maphash.String(s.seed, token)
	}
	fp := uint32(h >> 32)
	// The home slot comes from the fingerprint, so growing needs no token.
	for i := home(fp, len(s.slots)); ; i = s.next(i) {
		e := s.slots[i]
		if e == 0 {
			s.slots[i] = uint64(fp)<<32 | uint64(ref+1)
			s.n++
			return true
		}
		if uint32(e>>32) == fp {
			if t, ok := s.lookup(uint32(e) - 1); ok && t == token {
				return false
			}
		}
	}
}

// next is the slot probed after i.
func (s *TokenSet) next(i int) int {
	if i++; i == len(s.slots) {
		return 0
	}
	return i
}

func (s *TokenSet) grow() {
	old := s.slots
	s.slots = make([]uint64, len(old)+len(old)/2)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := home(uint32(e>>32), len(s.slots))
		for s.slots[i] != 0 {
			i = s.next(i)
		}
		s.slots[i] = e
	}
}

// Len is the number of distinct tokens added.
func (s *TokenSet) Len() int { return s.n }

// Bytes is the memory the set holds (its table).
func (s *TokenSet) Bytes() int { return 8 * len(s.slots) }
