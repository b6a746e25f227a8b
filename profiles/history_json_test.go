package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// hostileStrings are what a label, a reason or an error may hold: JSON's
// and HTML's special characters, escape codes, NUL, invalid UTF-8, the
// JavaScript line separators, and the packed row's own separators.
var hostileStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\x1b[31mred\x1b[0m\x07",
	"tab\tnew\nline\rcr\bbs\fff", "nul\x00byte", "bad utf8 \xff\xfe\xc3", "\u2028 and \u2029", "emoji 📱 ünïcödé",
	"\u009b31m C1 CSI", ",;,;12,34;", strings.Repeat("long ", 400), "\x7f del",
}

// StreamHistoryJSON must write exactly what encoding/json writes for each
// entry StreamHistory reads, for any string, number and time in a row.
func TestStreamHistoryJSONMatchesEncodingJSON(t *testing.T) {
	s := openTemp(t)
	var recs []Record
	lat := []float64{0, 12.5, 1e-7, 3e21, 0.1, 1234567.891011, 1.0 / 3, 5e-324, math.MaxFloat64, 250}
	for i := range 60 {
		e := entry(i)
		h := hostileStrings[i%len(hostileStrings)]
		switch i % 5 {
		case 0:
			e.Label, e.Reason, e.Error = h, h, h
		case 1:
			e.Batch, e.Profile, e.Topic, e.PushType = h, h, h, h
		case 2:
			e.CollapseID, e.Expiration, e.ApnsID, e.ApnsUniqueID, e.Channel = h, h, h, h, h
		case 3:
			e = HistoryEntry{At: t0, Environment: certs.Production} // every omitempty field empty
		case 4:
			e.UnregisteredAt = t0.Add(-time.Duration(i) * time.Hour)
			e.Status, e.Reason = 410, "Unregistered"
		}
		e.LatencyMS = lat[i%len(lat)]
		e.At = e.At.Add(time.Duration(i*1_234_567) * time.Nanosecond)
		if i == 7 {
			e.At = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC) // 0 ns
		}
		if i == 8 {
			e.At = time.Date(1960, 1, 1, 0, 0, 0, 5, time.UTC) // before 1970: negative
		}
		if i == 9 {
			e.Priority, e.Attempts, e.PayloadSize, e.Status = -1, 99, 1<<40, 599
		}
		recs = append(recs, Record{Entry: e})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	// Bytes that are not UTF-8 and NULs straight into the TEXT columns,
	// past whatever Record does with them.
	db, err := s.db()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range historyJSONStrings {
		if _, err := db.Exec("UPDATE history SET "+c+" = CAST(? AS TEXT) WHERE id % 13 = 1", []byte("x\x00\xff\"<"+c)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []HistoryFilter{{}, {Limit: 7}, {Failed: true}, {Environment: certs.Production}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		nWant := 0
		if err := s.StreamHistory(context.Background(), f, func(e *HistoryEntry) error { nWant++; return enc.Encode(e) }); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		n, err := s.StreamHistoryJSON(context.Background(), f, &got)
		if err != nil {
			t.Fatal(err)
		}
		if n != nWant || nWant == 0 {
			t.Fatalf("filter %+v: %d lines, want %d (> 0)", f, n, nWant)
		}
		if got.String() != want.String() {
			gl, wl := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("filter %+v, line %d:\n got %s\nwant %s", f, i, gl[i], wl[i])
				}
			}
			t.Fatalf("filter %+v: %d lines, want %d", f, len(gl), len(wl))
		}
		for line := range strings.SplitSeq(strings.TrimSuffix(got.String(), "\n"), "\n") {
			if !json.Valid([]byte(line)) || strings.ContainsAny(line, "\x1b\x00\x07") {
				t.Fatalf("not valid JSON or a raw control character: %q", line)
			}
		}
	}
}

// A row the packed form cannot describe is an error, not a wrong line.
func TestAppendHistoryJSONRejectsDamagedRows(t *testing.T) {
	good := "1,10,42,200,1,-,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0;x"
	if _, err := appendHistoryJSON(nil, []byte(good), 1); err != nil {
		t.Fatalf("good row: %v", err)
	}
	for _, p := range []string{"", "1,2", good + "y", strings.Replace(good, ",1,0", ",9,0", 1), strings.Replace(good, "1,10", "x,10", 1), strings.Replace(good, ";x", ",x", 1)} {
		if _, err := appendHistoryJSON(nil, []byte(p), 1); err == nil {
			t.Errorf("%q: no error", p)
		}
	}
	if _, err := appendHistoryJSON(nil, []byte(good), math.NaN()); err == nil {
		t.Error("NaN latency: no error")
	}
}
