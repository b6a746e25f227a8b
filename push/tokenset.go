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
	return &TokenSet{seed: maphash.MakeSeed(), slots: make([]uint64, 64), lookup: lookup}
}

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
	mask := uint32(len(s.slots) - 1)
	// The home slot comes from the fingerprint, so growing needs no token.
	for i := fp & mask; ; i = (i + 1) & mask {
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

func (s *TokenSet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint32(len(s.slots) - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := uint32(e>>32) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = e
	}
}

// Len is the number of distinct tokens added.
func (s *TokenSet) Len() int { return s.n }

// Bytes is the memory the set holds (its table).
func (s *TokenSet) Bytes() int { return 8 * len(s.slots) }
