package editor

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
)

// headersOf reads the headers a saved payload keeps (the library and the
// draft store expiration as "", "0" or RFC 3339).
func headersOf(p profiles.SavedPayload) (payload.Headers, error) {
	h := payload.Headers{
		PushType:   payload.PushType(p.PushType),
		Priority:   p.Priority,
		CollapseID: p.CollapseID,
		Topic:      p.Topic,
	}
	switch p.Expiration {
	case "":
	case "0":
		h.Expiration.Mode = "now"
	default:
		t, err := time.Parse(time.RFC3339, p.Expiration)
		if err != nil {
			return h, fmt.Errorf("saved expiration %q is not a time; it was dropped", p.Expiration)
		}
		h.Expiration = payload.Expiration{Mode: "at", At: t}
	}
	return h, nil
}

// savedOf is the inverse of headersOf.
func savedOf(name, body string, h payload.Headers, at time.Time) profiles.SavedPayload {
	p := profiles.SavedPayload{
		Name:       name,
		Body:       body,
		PushType:   string(h.PushType),
		Priority:   h.Priority,
		CollapseID: h.CollapseID,
		Topic:      h.Topic,
		SavedAt:    at,
	}
	switch h.Expiration.Mode {
	case "now":
		p.Expiration = "0"
	case "at":
		if !h.Expiration.At.IsZero() {
			p.Expiration = h.Expiration.At.UTC().Format(time.RFC3339)
		}
	}
	return p
}

// formatJSON indents JSON by two spaces, keeping key order and spelling.
func formatJSON(s string) (string, error) {
	b, err := payload.Format([]byte(s))
	return string(b), err
}

// minifyJSON removes insignificant space, keeping key order and spelling.
func minifyJSON(s string) (string, error) {
	b, err := payload.Minify([]byte(s))
	return string(b), err
}

// position turns a byte offset in s into a 0-based line and a 0-based rune
// column, the coordinates the textarea moves in.
func position(s string, off int) (line, col int) {
	off = max(0, min(off, len(s)))
	before := s[:off]
	line = strings.Count(before, "\n")
	start := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[start:])
}

// offsetOf turns a 1-based line and 1-based byte column into a byte offset.
func offsetOf(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	end := strings.IndexByte(s[off:], '\n')
	if end < 0 {
		end = len(s) - off
	}
	return off + max(0, min(col-1, end))
}
