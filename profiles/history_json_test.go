package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// hostileStrings are what a label, a reason or an error may hold: JSON's
// and HTML's special characters, escape codes, NUL, invalid UTF-8, the
// JavaScript line separators, and the packed row's own separators.
var hostileStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\x1b[31mred\x1b[0m\x07",
	"tab\tnew\nline\rcr\bbs\fff", "nul\x00byte", "bad utf8 \xff\xfe\xc3", "\u2028 and \u2029", "emoji 📱 ünïcödé",
	"\u009b31m C1 CSI \u0085", "bidi \u202eevil\u202c \u200f\u061c\u2066x\u2069", ",;,;12,34;", strings.Repeat("long ", 400), "\x7f del",
}

// StreamHistoryJSON must write exactly what encoding/json writes for each
// entry database/sql reads (streamHistorySQL), through the CLI's --json writer
// (textsafe.JSONWriter), for any string, number and time in a row.
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
		enc := json.NewEncoder(textsafe.JSONWriter(&want))
		nWant := 0
		if err := s.streamHistorySQL(context.Background(), f, func(e *HistoryEntry) error { nWant++; return enc.Encode(e) }); err != nil {
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
			if !json.Valid([]byte(line)) || strings.ContainsAny(line, "\x1b\x00\x07\u009b\u0085\u202e\u200f\u061c\u2066") {
				t.Fatalf("not valid JSON or a raw control character: %q", line)
			}
		}
	}
}

// encodingJSONLines is what json.Encoder writes for each entry
// streamHistorySQL reads (through database/sql): the lines
// StreamHistoryJSON must write.
func encodingJSONLines(t *testing.T, s *Store, f HistoryFilter) (string, int) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(textsafe.JSONWriter(&want))
	n := 0
	if err := s.streamHistorySQL(context.Background(), f, func(e *HistoryEntry) error { n++; return enc.Encode(e) }); err != nil {
		t.Fatal(err)
	}
	return want.String(), n
}

// Many batches between the reader and the encoder (by row count and by
// bytes), out-of-order and equal times: the same lines, in the same order.
func TestStreamHistoryJSONManyBatches(t *testing.T) {
	s := openTemp(t)
	var recs []Record
	for i := range 3*hjBatchRows + 17 {
		e := entry(i)
		e.At = t0.Add(time.Duration(i%700) * time.Second) // out of order, ties
		if i%97 == 0 {
			e.Error = strings.Repeat("x", 40_000) // a batch full by bytes
		}
		recs = append(recs, Record{Entry: e})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []HistoryFilter{{}, {Limit: hjBatchRows}, {Since: t0.Add(100 * time.Second), Until: t0.Add(650 * time.Second)}} {
		want, nWant := encodingJSONLines(t, s, f)
		var got bytes.Buffer
		n, err := s.StreamHistoryJSON(context.Background(), f, &got)
		if err != nil || n != nWant || got.String() != want {
			t.Fatalf("filter %+v: %d lines (%v), want %d; same bytes: %v", f, n, err, nWant, got.String() == want)
		}
	}
}

// failingWriter fails once it has taken limit bytes.
type failingWriter struct{ n, limit int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		return 0, errors.New("disk full")
	}
	w.n += len(p)
	return len(p), nil
}

// A write error or a cancelled context stops the stream with that error,
// and the reading connection is closed (no goroutine left behind).
func TestStreamHistoryJSONStops(t *testing.T) {
	s := openTemp(t)
	var recs []Record
	for i := range 4 * hjBatchRows {
		recs = append(recs, Record{Entry: entry(i)})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	n, err := s.StreamHistoryJSON(context.Background(), HistoryFilter{}, &failingWriter{limit: 1000})
	if err == nil || !strings.Contains(err.Error(), "disk full") || n > hjBatchRows {
		t.Fatalf("%d lines, %v; want the writer's error", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.StreamHistoryJSON(ctx, HistoryFilter{}, io.Discard); err == nil {
		t.Fatal("cancelled context: no error")
	}
	// The database is still usable, for writes too.
	if err := s.AppendHistory(entry(9999)); err != nil {
		t.Fatal(err)
	}
}

// A row whose columns are not what the schema says (a damaged or
// hand-edited database) is an error that names the entry, not a wrong
// line; the lines before it are written.
func TestStreamHistoryJSONRejectsDamagedRows(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"status = 'abc'", "its status is not a whole number"},
		{"at = 'soon'", "its at is not a whole number"},
		{"unregistered_at = x'00'", "its unregistered_at is not a whole number"},
		{"latency_ms = 'fast'", "its latency_ms is not a number"},
	} {
		s := openTemp(t)
		var recs []Record
		for i := range 10 {
			recs = append(recs, Record{Entry: entry(i)})
		}
		if err := s.Record(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		db, _ := s.db()
		var id int64
		if err := db.QueryRow("SELECT id FROM history ORDER BY at DESC, id DESC LIMIT 1 OFFSET 3").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("UPDATE history SET "+c.set+" WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		n, err := s.StreamHistoryJSON(context.Background(), HistoryFilter{}, &got)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("entry %d cannot be read (%s)", id, c.want)) {
			t.Fatalf("%s: %v", c.set, err)
		}
		if c.set != "at = 'soon'" && (n != 3 || strings.Count(got.String(), "\n") != 3) {
			t.Fatalf("%s: %d lines before the damaged one, want 3:\n%s", c.set, n, got.String())
		}
	}
	if _, err := appendHistoryJSON(nil, &HistoryRow{r: &hjRow{latency: math.NaN()}}); err == nil {
		t.Error("NaN latency: no error")
	}
}

// A filter on time alone reads the rows by id from a scan of the table
// (mergedRows): whatever the table's order (ids with time, against it,
// entries recorded late with an earlier time, a shuffle, gaps, equal
// times), the lines are StreamHistory's, in its order.
func TestStreamHistoryJSONAnyTableOrder(t *testing.T) {
	const n = 1200
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(n)
	layouts := map[string]func(i int) time.Duration{
		"in order": func(i int) time.Duration { return time.Duration(i) * time.Second },
		"reversed": func(i int) time.Duration { return time.Duration(n-i) * time.Second },
		"some late": func(i int) time.Duration {
			if i%50 == 49 {
				return time.Duration(i-600) * time.Second
			}
			return time.Duration(i) * time.Second
		},
		"shuffled": func(i int) time.Duration { return time.Duration(perm[i]) * time.Second },
		"ties":     func(i int) time.Duration { return time.Duration(i/100) * time.Second },
		"gaps":     func(i int) time.Duration { return time.Duration(i) * time.Second },
	}
	for name, at := range layouts {
		s := openTemp(t)
		var recs []Record
		for i := range n {
			e := entry(i)
			e.At = t0.Add(at(i))
			recs = append(recs, Record{Entry: e})
		}
		if err := s.Record(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		if name == "gaps" {
			db, _ := s.db()
			if _, err := db.Exec("DELETE FROM history WHERE id % 97 < 30 OR id BETWEEN 400 AND 700"); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []HistoryFilter{{}, {Limit: 10}, {Limit: 777}, {Since: t0.Add(300 * time.Second)}, {Until: t0.Add(900 * time.Second)},
			{Since: t0.Add(-100 * time.Second), Until: t0.Add(500 * time.Second), Limit: 600}} {
			if src, err := historySource(f); err != nil || !src.byID {
				t.Fatalf("%+v: %+v %v, want the rows by id", f, src, err)
			}
			want, nWant := encodingJSONLines(t, s, f)
			var got bytes.Buffer
			n, err := s.StreamHistoryJSON(context.Background(), f, &got)
			if err != nil || n != nWant || got.String() != want {
				t.Fatalf("%s, filter %+v: %d lines (%v), want %d; same bytes: %v", name, f, n, err, nWant, got.String() == want)
			}
		}
		s.Close()
	}
}

// The plan of a time filter: the order from history_at alone (no table
// look-up per entry), the rows from one scan of the table by id.
func TestStreamHistoryJSONPlan(t *testing.T) {
	s := openTemp(t)
	db, _ := s.db()
	src, err := historySource(HistoryFilter{Since: t0, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	srcP, err := historySource(HistoryFilter{Payloads: true})
	if err != nil || !srcP.byID {
		t.Fatal(srcP, err)
	}
	for _, c := range []struct {
		q    string
		args []any
		want string
	}{
		{src.q, src.args, "COVERING INDEX history_at"},
		{src.table, []any{1}, "USING INTEGER PRIMARY KEY (rowid<?)"},
		{src.point, []any{1}, "USING INTEGER PRIMARY KEY (rowid=?)"},
		{srcP.table, []any{1}, "USING INTEGER PRIMARY KEY (rowid<?)"},
		{srcP.point, []any{1}, "USING INTEGER PRIMARY KEY (rowid=?)"},
	} {
		var plan []string
		rows, err := db.Query("EXPLAIN QUERY PLAN "+c.q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, u int
			var d string
			rows.Scan(&a, &b, &u, &d)
			plan = append(plan, d)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, c.want) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s:\n%s\nwant %s, no sort", c.q, p, c.want)
		}
	}
	// Any other filter reads its own index's rows.
	if src, _ := historySource(HistoryFilter{Reason: "x", Since: t0}); src.byID {
		t.Error("a reason filter read by id")
	}
}

// writeDuring records entries through the store the first time the
// stream writes: a send recording while `history --json` runs.
type writeDuring struct {
	bytes.Buffer
	s    *Store
	done bool
	err  error
}

func (w *writeDuring) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		var recs []Record
		for i := range 700 {
			e := entry(100_000 + i)
			e.At = t0.Add(time.Duration(i) * time.Millisecond) // inside the listed time range
			recs = append(recs, Record{Entry: e})
		}
		w.err = w.s.Record(context.Background(), recs)
	}
	return w.Buffer.Write(p)
}

// The stream is one snapshot: entries recorded while it runs (here after
// its first batch) are not in it, and none listed is missed or doubled.
func TestStreamHistoryJSONOneSnapshot(t *testing.T) {
	s := openTemp(t)
	var recs []Record
	for i := range 3 * hjBatchRows {
		recs = append(recs, Record{Entry: entry(i)})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	want, nWant := encodingJSONLines(t, s, HistoryFilter{})
	for _, f := range []HistoryFilter{{}, {Reason: "BadDeviceToken"}} {
		before, err := s.HistoryCount(f)
		if err != nil {
			t.Fatal(err)
		}
		w := &writeDuring{s: s}
		n, err := s.StreamHistoryJSON(context.Background(), f, w)
		if err != nil || w.err != nil || !w.done {
			t.Fatalf("%+v: %v; the write during it: %v", f, err, w.err)
		}
		if f.Reason == "" && (n != nWant || w.String() != want) {
			t.Fatalf("%d lines, want the %d of before the write", n, nWant)
		}
		if n != before {
			t.Fatalf("%+v: %d lines, want the %d of before the write", f, n, before)
		}
		if c, _ := s.HistoryCount(HistoryFilter{}); c <= nWant {
			t.Fatalf("the write during the stream was not recorded: %d entries", c)
		}
		want, nWant = encodingJSONLines(t, s, HistoryFilter{})
	}
}

// StreamHistory reads the same entries on its own connection (Limit 0 or
// large) as through database/sql (a small Limit): every field, payloads
// included, hostile strings too, in the same order.
func TestStreamHistoryRawMatchesSQL(t *testing.T) {
	s := openTemp(t)
	var recs []Record
	for i := range 2*hjBatchRows + 50 {
		e := entry(i)
		e.At = t0.Add(time.Duration(i%300) * time.Second)
		h := hostileStrings[i%len(hostileStrings)]
		switch i % 4 {
		case 0:
			e.Label, e.Reason, e.Error, e.Payload = h, h, h, `{"aps":{"alert":"`+strings.ReplaceAll(h, `"`, "")+`"}}`
		case 1:
			e.Payload, e.UnregisteredAt = "", t0.Add(-time.Duration(i)*time.Minute)
		case 2:
			e.CollapseID, e.Expiration, e.Channel, e.ApnsUniqueID, e.PushType = h, "1700000000", "ch", "u", "background"
		}
		recs = append(recs, Record{Entry: e})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for _, f := range []HistoryFilter{{}, {Payloads: true}, {Payloads: true, Failed: true}, {Payloads: true, Since: t0.Add(time.Minute), Limit: 1000},
		{Reason: "BadDeviceToken", Payloads: true}} {
		var raw, viaSQL []HistoryEntry
		if err := s.StreamHistory(context.Background(), f, func(e *HistoryEntry) error { raw = append(raw, *e); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.streamHistorySQL(context.Background(), f, func(e *HistoryEntry) error { viaSQL = append(viaSQL, *e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(raw) != len(viaSQL) || len(raw) == 0 {
			t.Fatalf("%+v: %d entries, want %d (> 0)", f, len(raw), len(viaSQL))
		}
		for i := range raw {
			if !reflect.DeepEqual(raw[i], viaSQL[i]) {
				t.Fatalf("%+v, entry %d:\n got %+v\nwant %+v", f, i, raw[i], viaSQL[i])
			}
		}
		if f.Payloads && raw[0].Payload == "" && raw[1].Payload == "" && raw[4].Payload == "" {
			t.Fatalf("%+v: no payloads read", f)
		}
	}
	// fn's errStop ends it early, without an error; another error is
	// returned as it is.
	n := 0
	if err := s.StreamHistory(context.Background(), HistoryFilter{}, func(*HistoryEntry) error { n++; return errStop }); err != nil || n != 1 {
		t.Fatalf("errStop: %d entries, %v", n, err)
	}
	boom := errors.New("boom")
	if err := s.StreamHistory(context.Background(), HistoryFilter{}, func(*HistoryEntry) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
}
