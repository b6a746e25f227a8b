package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// sinceSlack is how far out of order entries may be appended: results are
// written as they arrive, so file order is time order except for two
// processes (or clocks) a little apart. Scanning backwards, an entry older
// than Since by more than this ends the scan.
const sinceSlack = time.Hour

// scanChunk is how much of the history is read at a time, from the end.
const scanChunk = 256 << 10

// QueryHistory returns matching entries, newest first. A torn last line is
// skipped and reported in Warnings.
//
// It reads the file backwards, so "the last 50" or "the last hour" costs
// what it returns, not the size of the history; each line is checked
// against the filter's strings before it is decoded.
func (s *Store) QueryHistory(f HistoryFilter) ([]HistoryEntry, error) {
	if s.st == nil {
		return nil, errors.New("profiles: use profiles.Open to get a Store")
	}
	p := s.path(historyFile)
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the send history %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the send history %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	m := newMatcher(f)
	var out []HistoryEntry
	// An entry older than Since by more than sinceSlack ends the scan.
	stopBefore := f.Since.Add(-sinceSlack)
	err = scanLinesBackward(file, fi.Size(), scanChunk, func(line []byte, off int64, last bool) bool {
		if len(bytes.TrimSpace(line)) == 0 {
			return true
		}
		ok, at := m.prefilter(line)
		if !ok {
			return at.IsZero() || !at.Before(stopBefore)
		}
		var e HistoryEntry
		if err := json.Unmarshal(line, &e); err != nil {
			if last {
				s.warnf("%s: the last line is incomplete (pushdeck was stopped while writing it); it was skipped", p)
			} else {
				s.warnf("%s: line %d is not valid JSON; it was skipped (%v)", p, lineNumber(file, off), err)
			}
			return true
		}
		if !m.match(&e) {
			return f.Since.IsZero() || !e.At.Before(stopBefore)
		}
		out = append(out, e)
		return f.Limit <= 0 || len(out) < f.Limit
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the send history %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	// File order is arrival order; sort by time for entries that arrived out
	// of order, keeping arrival order among equal times.
	slices.SortStableFunc(out, func(a, b HistoryEntry) int { return b.At.Compare(a.At) })
	return out, nil
}

// scanLinesBackward calls fn for each line of the first size bytes of r,
// last line first, with the line's offset; last is true for a final line
// with no newline (a torn write). fn returns false to stop. The line slice
// is only valid during the call.
func scanLinesBackward(r io.ReaderAt, size int64, chunk int, fn func(line []byte, off int64, last bool) bool) error {
	buf := make([]byte, 0, 2*chunk)
	var nls []int
	pos := size
	// buf holds bytes [pos, pos+len(buf)) of the file: a new chunk, then
	// what is left of the previous one (the start of a line it cut).
	first := true
	for {
		n := min(int64(chunk), pos)
		if n > 0 {
			carry := len(buf)
			if need := int(n) + carry; need > cap(buf) {
				grown := make([]byte, need, 2*need)
				copy(grown[n:], buf)
				buf = grown
			} else {
				buf = buf[:need]
				copy(buf[n:], buf[:carry])
			}
			if _, err := r.ReadAt(buf[:n], pos-n); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			pos -= n
		}
		end := len(buf)
		if first {
			first = false
			if end > 0 && buf[end-1] != '\n' {
				i := bytes.LastIndexByte(buf, '\n')
				if i < 0 && pos > 0 {
					first = true // the torn line is longer than a chunk: read more
					continue
				}
				if !fn(buf[i+1:end], pos+int64(i+1), true) {
					return nil
				}
				end = i + 1
			}
		}
		// Every line in buf[:end] that has a newline before it is whole;
		// buf[end-1] is always a newline here. The newlines are found going
		// forward (IndexByte is vectorised, LastIndexByte is not), then the
		// lines are handed out going backward.
		nls = nls[:0]
		for i := 0; i < end; {
			j := bytes.IndexByte(buf[i:end], '\n')
			if j < 0 {
				break
			}
			nls = append(nls, i+j)
			i += j + 1
		}
		for k := len(nls) - 1; k > 0; k-- {
			if !fn(buf[nls[k-1]+1:nls[k]], pos+int64(nls[k-1]+1), false) {
				return nil
			}
		}
		if len(nls) > 0 {
			end = nls[0] + 1
		}
		buf = buf[:end]
		if pos == 0 {
			if end > 0 {
				fn(buf[:end-1], 0, false)
			}
			return nil
		}
	}
}

// matcher holds a filter prepared for many lines.
type matcher struct {
	f      HistoryFilter
	tokPfx []byte // Device as a token prefix, when it reads as hex
	label  []byte // Device, Reason, ApnsID and Batch as they appear
	reason []byte // inside a JSON string written by json.Marshal
	apnsID []byte
	batch  []byte
}

func newMatcher(f HistoryFilter) *matcher {
	m := &matcher{f: f, label: jsonText(strings.TrimSpace(f.Device)), reason: jsonText(f.Reason),
		apnsID: jsonText(f.ApnsID), batch: jsonText(f.Batch)}
	if f.Device != "" {
		if p := tokenPrefix(f.Device); p != "" {
			m.tokPfx = []byte(p)
		}
	}
	return m
}

// jsonText is s as json.Marshal writes it between the quotes.
func jsonText(s string) []byte {
	if s == "" {
		return nil
	}
	b, _ := json.Marshal(s)
	return b[1 : len(b)-1]
}

// Keys as json.Marshal writes them for HistoryEntry. A '"' inside a string
// value is always escaped, so these byte sequences only occur as keys.
var (
	keyAt     = []byte(`"at":"`)
	keyBatch  = []byte(`"batch":"`)
	keyToken  = []byte(`"token":"`)
	keyLabel  = []byte(`"label":"`)
	keyReason = []byte(`"reason":"`)
	keyApnsID = []byte(`"apns_id":"`)
)

// rawField returns the undecoded text of a string field of a history line,
// or nil when the key is absent (json.Marshal omits empty fields).
func rawField(line, key []byte) []byte {
	i := bytes.Index(line, key)
	if i < 0 {
		return nil
	}
	v := line[i+len(key):]
	for j := 0; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '"':
			return v[:j]
		}
	}
	return nil
}

// prefilter rejects lines without decoding them, by looking at the few
// fields a filter names. It may only say no to lines that cannot match:
// match has the last word on the decoded entry. at is the line's time when
// Since is set and it could be read, so an old line ends the scan cheaply.
func (m *matcher) prefilter(line []byte) (ok bool, at time.Time) {
	if !m.f.Since.IsZero() {
		if v := rawField(line, keyAt); v != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(v)); err == nil {
				at = t
				if t.Before(m.f.Since) {
					return false, at
				}
			}
		}
	}
	if m.apnsID != nil && !bytes.EqualFold(rawField(line, keyApnsID), m.apnsID) {
		return false, at
	}
	if m.reason != nil && !bytes.EqualFold(rawField(line, keyReason), m.reason) {
		return false, at
	}
	if m.batch != nil && !bytes.Equal(rawField(line, keyBatch), m.batch) {
		return false, at
	}
	if m.label != nil && !bytes.EqualFold(rawField(line, keyLabel), m.label) &&
		(m.tokPfx == nil || !bytes.HasPrefix(rawField(line, keyToken), m.tokPfx)) {
		return false, at
	}
	return true, at
}

func (m *matcher) match(e *HistoryEntry) bool {
	f := m.f
	if !f.Since.IsZero() && e.At.Before(f.Since) {
		return false
	}
	if f.Device != "" {
		byLabel := strings.EqualFold(e.Label, strings.TrimSpace(f.Device))
		byToken := m.tokPfx != nil && strings.HasPrefix(e.Token, string(m.tokPfx))
		if !byLabel && !byToken {
			return false
		}
	}
	return (f.Reason == "" || strings.EqualFold(e.Reason, f.Reason)) &&
		(f.ApnsID == "" || strings.EqualFold(e.ApnsID, f.ApnsID)) &&
		(f.Batch == "" || e.Batch == f.Batch)
}

// tokenPrefix reads s as the start of a device token, written the way a
// token is pasted (spaces, <>, upper case); "" if it is not hex or is too
// short to mean a token rather than a label like "beef".
func tokenPrefix(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '<' || r == '>' || r == '-':
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			b.WriteRune(r)
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + 'a' - 'A')
		default:
			return ""
		}
	}
	if b.Len() < 8 {
		return ""
	}
	if t, err := certs.NormalizeToken(b.String()); err == nil {
		return t
	}
	return b.String()
}
