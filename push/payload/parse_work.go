package payload

import (
	"strings"
	"unicode/utf8"
)

// posCursor turns byte offsets into line and column (as position does) in
// one pass when the offsets come in increasing order, as a report's
// findings do. Counting from the start for every finding made a 1 MB
// payload with 40,000 findings take minutes (n findings × n bytes).
type posCursor struct {
	b         []byte
	off       int // a rune boundary at or before the last offset asked
	line, col int // of off
	scanned   int // bytes stepped over, for the linear-work test
}

func newPosCursor(b []byte) *posCursor { return &posCursor{b: b, line: 1, col: 1} }

// at returns position(c.b, off). An offset before the previous one starts
// again from the top (correct, just not one pass).
func (c *posCursor) at(off int) (line, col int) {
	if off > len(c.b) {
		off = len(c.b)
	}
	if off < 0 {
		off = 0
	}
	if off < c.off {
		c.off, c.line, c.col = 0, 1, 1
	}
	for c.off < off {
		if ch := c.b[c.off]; ch < utf8.RuneSelf {
			c.off++
			c.scanned++
			if ch == '\n' {
				c.line, c.col = c.line+1, 1
			} else {
				c.col++
			}
			continue
		}
		_, size := utf8.DecodeRune(c.b[c.off:])
		if c.off+size > off {
			// off cuts this character: count the cut bytes the way
			// position's utf8.RuneCount of the head does.
			return c.line, c.col + utf8.RuneCount(c.b[c.off:off])
		}
		c.off += size
		c.scanned += size
		c.col++
	}
	return c.line, c.col
}

// duplicateKeys returns, for each member of obj that repeats an earlier
// key, its index, in document order: one map lookup per key instead of
// comparing every pair (40,000 keys were 800 million comparisons).
func duplicateKeys(obj *value) []int {
	if len(obj.members) < 2 {
		return nil
	}
	var dups []int
	if len(obj.members) <= 8 { // small objects: a map costs more than it saves
		for i, m := range obj.members {
			for _, prev := range obj.members[:i] {
				if prev.key == m.key {
					dups = append(dups, i)
					break
				}
			}
		}
		return dups
	}
	seen := make(map[string]struct{}, len(obj.members))
	for i, m := range obj.members {
		if _, ok := seen[m.key]; ok {
			dups = append(dups, i)
			continue
		}
		seen[m.key] = struct{}{}
	}
	return dups
}

// near keeps the names suggest could pick for key. suggest's Levenshtein
// distance (on the normalised key) wins only at 2 or less, so a banded,
// allocation-free check with that bound filters first: 40,000 unknown keys
// no longer run 40,000 × 40 full edit-distance tables.
func near(key string, names []string) []string {
	norm := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	var out []string
	for _, k := range names {
		if withinTwo(norm, k) {
			out = append(out, k)
		}
	}
	return out
}

// withinTwo reports whether the Levenshtein distance of a and b is at most
// 2, filling only the diagonal band |i-j| <= 2 and stopping once a whole
// row is over 2. Strings over 64 bytes are never suggested (distance says 99).
func withinTwo(a, b string) bool {
	const k, inf = 2, 1 << 20
	if len(a) > 64 || len(b) > 64 || len(a)-len(b) > k || len(b)-len(a) > k {
		return false
	}
	var prev, cur [65]int
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		rowMin := inf
		if lo == 1 {
			cur[0] = i
			rowMin = i
		} else {
			cur[lo-1] = inf
		}
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			up := inf
			if j <= i-1+k { // prev[j] is inside the previous row's band
				up = prev[j] + 1
			}
			cur[j] = min(up, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if hi+1 <= len(b) {
			cur[hi+1] = inf
		}
		if rowMin > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= k
}
