package push

import "encoding/hex"

// TokenSet remembers device tokens to drop duplicates from a stream of
// targets. A 64-digit token (every token APNs issues today) is kept as its
// 32 bytes, about 50 bytes an entry with the map's own overhead instead
// of the ~100 a string key costs; longer tokens are kept as strings. Not
// safe for concurrent use.
type TokenSet struct {
	short map[[32]byte]struct{}
	long  map[string]struct{}
}

// NewTokenSet is an empty set with room for about n tokens.
func NewTokenSet(n int) *TokenSet {
	return &TokenSet{short: make(map[[32]byte]struct{}, n)}
}

// Add adds a normalised token (lower-case hex) and reports whether it was
// new.
func (s *TokenSet) Add(token string) bool {
	if len(token) == 64 {
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(token)); err == nil {
			n := len(s.short)
			s.short[k] = struct{}{} // one hash, not a look-up and an insert
			return len(s.short) > n
		}
	}
	if s.long == nil {
		s.long = map[string]struct{}{}
	}
	n := len(s.long)
	s.long[token] = struct{}{}
	return len(s.long) > n
}

// AddBytes is Add for a token still in a read buffer (it is copied): the
// check pass over a big tokens file converts no line to a string.
func (s *TokenSet) AddBytes(token []byte) bool {
	if len(token) == 64 {
		var k [32]byte
		if _, err := hex.Decode(k[:], token); err == nil {
			n := len(s.short)
			s.short[k] = struct{}{}
			return len(s.short) > n
		}
	}
	return s.Add(string(token))
}

// Remove takes a token out and reports whether it was there: a second pass
// over the same targets yields each token once, at its first occurrence,
// without a second set.
func (s *TokenSet) Remove(token string) bool {
	if len(token) == 64 {
		var k [32]byte
		if _, err := hex.Decode(k[:], []byte(token)); err == nil {
			if _, ok := s.short[k]; ok {
				delete(s.short, k)
				return true
			}
			return false
		}
	}
	if _, ok := s.long[token]; ok {
		delete(s.long, token)
		return true
	}
	return false
}

// Len is the number of distinct tokens added.
func (s *TokenSet) Len() int { return len(s.short) + len(s.long) }
