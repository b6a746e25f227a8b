package payload

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// BumpTimestamp sets aps.timestamp to now (UNIX seconds), the editor's
// "bump timestamp" key: iOS applies a Live Activity push only if its
// timestamp is newer than the last one applied. The rest of the text is
// kept byte for byte; a missing timestamp is inserted as the first key of
// aps, indented like its neighbours. A stale-date or dismissal-date after
// the old timestamp moves by the same amount. off is the byte offset of the new
// value, for the cursor. The body must be valid JSON with an aps object.
func BumpTimestamp(body []byte, now time.Time) (out []byte, off int, err error) {
	aps, p, err := apsOf(body)
	if err != nil {
		return nil, 0, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	if v := aps.get("timestamp"); v != nil {
		// Dates after the old timestamp move with it, so a bumped
		// payload keeps its stale and dismissal times in step.
		type edit struct {
			start, end int
			text       string
		}
		edits := []edit{{v.start, v.end, ts}}
		if p.isWhole(v) {
			delta := now.Unix() - int64(p.num(v))
			for _, k := range []string{"stale-date", "dismissal-date"} {
				if d := aps.get(k); d != nil && p.isWhole(d) && p.num(d) > p.num(v) {
					edits = append(edits, edit{d.start, d.end, strconv.FormatInt(int64(p.num(d))+delta, 10)})
				}
			}
		}
		slices.SortFunc(edits, func(a, b edit) int { return b.start - a.start })
		out = append([]byte{}, body...)
		off = v.start
		for _, e := range edits {
			out = append(out[:e.start], append([]byte(e.text), body[e.end:]...)...)
			body = out
			if e.start < off {
				off += len(e.text) - (e.end - e.start)
			}
		}
		return out, off, nil
	}
	if len(aps.members) == 0 {
		ins := `"timestamp": ` + ts
		at := aps.start + 1
		out = append(append(append([]byte{}, body[:at]...), ins...), body[at:]...)
		return out, at + len(`"timestamp": `), nil
	}
	// Reuse the whitespace before the first key, so the new line is
	// indented like the others.
	first := aps.members[0].keyStart
	ws := body[aps.start+1 : first]
	ins := `"timestamp": ` + ts + `,` + string(ws)
	out = append(append(append([]byte{}, body[:first]...), ins...), body[first:]...)
	return out, first + len(`"timestamp": `), nil
}

// ContentState returns the byte range of aps.content-state's value, the
// part of a Live Activity payload people edit: the editor puts the cursor
// there. ok is false when there is none (or the JSON does not parse).
func ContentState(body []byte) (start, end int, ok bool) {
	aps, _, err := apsOf(body)
	if err != nil {
		return 0, 0, false
	}
	v := aps.get("content-state")
	if v == nil {
		return 0, 0, false
	}
	return v.start, v.end, true
}

// apsOf parses a body and returns its aps object.
func apsOf(body []byte) (*value, *parser, error) {
	root, p := parse(body)
	if p.err != nil {
		line, col := position(body, p.err.off)
		return nil, nil, fmt.Errorf("fix the JSON first: %s at line %d, column %d", p.err.msg, line, col)
	}
	if root.kind != kindObject {
		return nil, nil, errors.New(`the payload is not a JSON object: wrap it, {"aps": {...}}`)
	}
	aps := root.get("aps")
	if aps == nil || aps.kind != kindObject {
		return nil, nil, errors.New(`the payload has no aps object: a Live Activity push keeps timestamp and content-state in "aps": {...}`)
	}
	return aps, p, nil
}
