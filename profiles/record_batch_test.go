package profiles

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// TestBatchedDeviceResultsMatchOneByOne: a group's device results are
// written a chunk of devices per statement; the device book must end up
// exactly as if each result had been applied alone, in order: a device
// with several results in one group (a 410 then a 400 keeps the 410's
// time, a 200 then a 400 keeps when it was last valid), a late result
// older than the device's last, tokens in another case or with spaces,
// tokens not in the book, an environment with no device at all.
func TestBatchedDeviceResultsMatchOneByOne(t *testing.T) {
	batched, single := openTemp(t), openTemp(t)
	const devices = 40
	for _, s := range []*Store{batched, single} {
		for i := range devices {
			if _, _, err := s.AddDevice(Device{Token: tok(i), Label: "d" + tok(i)[:6], Environment: certs.Development}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 14))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	statuses := []int{200, 200, 200, 410, 400, 429, 500}
	reasons := map[int]string{410: "Unregistered", 400: "BadDeviceToken", 429: "TooManyRequests", 500: "InternalServerError"}
	for group := range 6 {
		var recs []Record
		for i := range 150 {
			d := rng.IntN(devices + 10) // 10 tokens not in the book
			st := statuses[rng.IntN(len(statuses))]
			e := HistoryEntry{
				// Mostly in order, some late (older than what came before).
				At:    base.Add(time.Duration(group*1000+i-rng.IntN(40)) * time.Millisecond),
				Batch: "b", Environment: certs.Development,
				Token:  tok(d),
				Status: st, Reason: reasons[st], ApnsID: tok(group*1000 + i)[:36],
			}
			if st == 410 && rng.IntN(2) == 0 {
				e.UnregisteredAt = e.At.Add(-time.Hour)
			}
			switch rng.IntN(5) {
			case 0:
				e.Token = strings.ToUpper(e.Token)
			case 1:
				e.Token = "<" + e.Token[:8] + " " + e.Token[8:] + ">"
			case 2:
				e.Environment = certs.Production // no device there
			}
			if rng.IntN(10) == 0 {
				e.At = time.Time{} // recorded "now"
			}
			recs = append(recs, Record{Entry: e, Book: rng.IntN(8) != 0})
		}
		if err := batched.Record(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		// The same results, one statement each.
		now := time.Now().UTC()
		for _, r := range recs {
			e := r.Entry
			if !r.Book || e.Status == 0 {
				continue
			}
			at := e.At
			if at.IsZero() {
				at = now
			}
			if err := single.RecordResults(e.Environment, []DeviceResult{{Token: e.Token, Status: e.Status, Reason: e.Reason, ApnsID: e.ApnsID, At: at, UnregisteredAt: e.UnregisteredAt}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := batched.Devices()
	if err != nil {
		t.Fatal(err)
	}
	want, err := single.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != devices || len(want) != devices {
		t.Fatalf("%d and %d devices, want %d", len(got), len(want), devices)
	}
	withResult := 0
	for i := range got {
		g, w := got[i], want[i]
		// "now" differs between the two stores by the time between
		// their writes: compare which results hold, not that instant.
		if g.Token != w.Token || (g.Last == nil) != (w.Last == nil) || g.UnregisteredAt.IsZero() != w.UnregisteredAt.IsZero() || g.LastSeenValid.IsZero() != w.LastSeenValid.IsZero() {
			t.Errorf("device %s: batched %+v %+v, one by one %+v %+v", g.Token[:8], g.Last, g, w.Last, w)
			continue
		}
		if g.Last == nil {
			continue
		}
		withResult++
		if g.Last.ApnsID != w.Last.ApnsID || g.Last.Status != w.Last.Status || g.Last.Reason != w.Last.Reason {
			t.Errorf("device %s: last result batched %+v, one by one %+v", g.Token[:8], g.Last, w.Last)
		}
		if g.Last.At.Year() != 1 && g.Last.At.Before(base.Add(time.Hour)) && !g.Last.At.Equal(w.Last.At) {
			t.Errorf("device %s: last at %v, one by one %v", g.Token[:8], g.Last.At, w.Last.At)
		}
		if g.UnregisteredAt.Before(base) && !g.UnregisteredAt.Equal(w.UnregisteredAt) {
			t.Errorf("device %s: unregistered at %v, one by one %v", g.Token[:8], g.UnregisteredAt, w.UnregisteredAt)
		}
	}
	if withResult < devices/2 {
		t.Errorf("only %d of %d devices got a result: the test does not test much", withResult, devices)
	}
}

// TestMigration2FailedIndex: a database of schema 1 (history_status on
// every row) opens at the latest schema with history_failed in its place
// and its history intact, and a look-up by a failing status uses it.
func TestMigration2FailedIndex(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	p := filepath.Join(dir, dbFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0] + `; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO history (at, token, status, reason) VALUES (1, 'aa', 200, ''), (2, 'bb', 410, 'Unregistered'), (3, 'cc', 500, 'InternalServerError')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sdb, _ := s.db()
	var v int
	sdb.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != SchemaLatest || SchemaLatest < 2 {
		t.Fatalf("schema %d, want %d", v, SchemaLatest)
	}
	var names []string
	rows, err := sdb.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'history' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	got := strings.Join(names, " ")
	if strings.Contains(got, "history_status") || !strings.Contains(got, "history_failed") {
		t.Errorf("history's indexes: %s", got)
	}
	for _, c := range []struct {
		f    HistoryFilter
		want string
	}{
		{HistoryFilter{Status: 410}, "bb"},
		{HistoryFilter{Status: 500}, "cc"},
		{HistoryFilter{Status: 200}, "aa"},
		{HistoryFilter{Failed: true}, "cc bb"},
	} {
		es, err := s.QueryHistory(c.f)
		if err != nil {
			t.Fatal(err)
		}
		var toks []string
		for _, e := range es {
			toks = append(toks, e.Token)
		}
		if strings.Join(toks, " ") != c.want {
			t.Errorf("%+v: %v, want %s", c.f, toks, c.want)
		}
	}
	// The plan of a look-up by a failing status names the partial index.
	where, args, err := historyWhere(HistoryFilter{Status: 410})
	if err != nil {
		t.Fatal(err)
	}
	plan := ""
	prow, err := sdb.Query(`EXPLAIN QUERY PLAN SELECT h.id FROM history h`+where+` ORDER BY h.at DESC LIMIT 50`, args...)
	if err != nil {
		t.Fatal(err)
	}
	for prow.Next() {
		var a, b, c int
		var d string
		prow.Scan(&a, &b, &c, &d)
		plan += d + "; "
	}
	prow.Close()
	if !strings.Contains(plan, "history_failed") {
		t.Errorf("a look-up by status 410 does not use history_failed: %s", plan)
	}
}

// TestRecordGroupsOfEverySize: a group of any size is written in 32-row
// statements and a few smaller ones (cached once prepared); every row
// lands once, with its own values, in order.
func TestRecordGroupsOfEverySize(t *testing.T) {
	s := openTemp(t)
	total := 0
	for _, n := range []int{1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 100, 127, 3} {
		recs := make([]Record, n)
		for i := range recs {
			e := entry(total + i)
			e.ApnsID = fmt.Sprintf("id-%d", total+i)
			e.Token = tok(total + i)
			e.Status = 200 + (total+i)%3
			recs[i] = Record{Entry: e}
		}
		if err := s.Record(context.Background(), recs); err != nil {
			t.Fatalf("group of %d: %v", n, err)
		}
		total += n
	}
	var got []HistoryEntry
	err := s.StreamHistory(context.Background(), HistoryFilter{}, func(e *HistoryEntry) error {
		got = append(got, *e)
		return nil
	})
	if err != nil || len(got) != total {
		t.Fatalf("%d entries (%v), want %d", len(got), err, total)
	}
	for k, e := range got { // newest first
		i := total - 1 - k
		if e.ApnsID != fmt.Sprintf("id-%d", i) || e.Token != tok(i) || e.Status != 200+i%3 || !e.At.Equal(entry(i).At) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 31: 16, 32: 32, 100: 32} {
		if got := chunkSize(n, 32); got != want {
			t.Errorf("chunkSize(%d, 32) = %d, want %d", n, got, want)
		}
	}
}
