package profiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// TestHistoryFilters: each filter the CLI and the console offer, alone and
// combined, against a history of known shape.
func TestHistoryFilters(t *testing.T) {
	s := openTemp(t)
	var es []HistoryEntry
	for i := range 200 {
		e := entry(i)
		if i%2 == 1 {
			e.Environment, e.Profile = certs.Production, "myapp-prod"
		}
		if i%50 == 49 {
			e.Status, e.Reason, e.ApnsID = 0, "timeout", ""
		}
		e.ApnsUniqueID = fmt.Sprintf("u-%d", i)
		es = append(es, e)
	}
	if err := s.AppendHistory(es...); err != nil {
		t.Fatal(err)
	}
	want := func(f HistoryFilter, keep func(HistoryEntry) bool) {
		t.Helper()
		n := 0
		for _, e := range es {
			if keep(e) {
				n++
			}
		}
		if f.Limit > 0 {
			n = min(n, f.Limit)
		}
		got, err := s.QueryHistory(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n || n == 0 {
			t.Errorf("%+v: %d entries, want %d (> 0)", f, len(got), n)
		}
		for i, e := range got {
			if !keep(e) {
				t.Errorf("%+v matched %+v", f, e)
			}
			if i > 0 && e.At.After(got[i-1].At) {
				t.Errorf("%+v: not newest first", f)
			}
		}
		if c, err := s.HistoryCount(f); f.Limit == 0 && (err != nil || c != n) {
			t.Errorf("HistoryCount(%+v) = %d, %v; want %d", f, c, err, n)
		}
	}
	want(HistoryFilter{Status: 400}, func(e HistoryEntry) bool { return e.Status == 400 })
	want(HistoryFilter{Status: 0, StatusSet: true}, func(e HistoryEntry) bool { return e.Status == 0 })
	want(HistoryFilter{Failed: true}, func(e HistoryEntry) bool { return e.Status != 200 })
	want(HistoryFilter{Succeeded: true, Limit: 7}, func(e HistoryEntry) bool { return e.Status == 200 })
	want(HistoryFilter{Environment: "sandbox"}, func(e HistoryEntry) bool { return e.Environment == certs.Development })
	want(HistoryFilter{Profile: "myapp-prod", Failed: true}, func(e HistoryEntry) bool { return e.Profile == "myapp-prod" && e.Status != 200 })
	want(HistoryFilter{Reason: "TIMEOUT"}, func(e HistoryEntry) bool { return e.Reason == "timeout" })
	want(HistoryFilter{Since: entry(50).At, Until: entry(60).At}, func(e HistoryEntry) bool {
		return !e.At.Before(entry(50).At) && e.At.Before(entry(60).At)
	})
	want(HistoryFilter{ApnsUniqueID: "U-77"}, func(e HistoryEntry) bool { return e.ApnsUniqueID == "u-77" })
	want(HistoryFilter{Device: tok(3)[:10], Environment: certs.Production}, func(e HistoryEntry) bool {
		return e.Token == tok(3) && e.Environment == certs.Production
	})
	if _, err := s.QueryHistory(HistoryFilter{Environment: "mars"}); err == nil {
		t.Error("an unknown environment was accepted")
	}
	// A stream stops when its callback says so, with that error.
	stop := errors.New("enough")
	n := 0
	err := s.StreamHistory(context.Background(), HistoryFilter{}, func(*HistoryEntry) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("stream went on after its callback stopped it: %d, %v", n, err)
	}
}

// TestSendsSummary: the sends list has one row per batch with its totals,
// kept as results arrive in several commits.
func TestSendsSummary(t *testing.T) {
	s := openTemp(t)
	for i := range 10 { // ten commits of 10: batches b0..b9
		var es []HistoryEntry
		for k := range 10 {
			e := entry(i*10 + k)
			if i == 5 { // one send without a failure
				e.Status, e.Reason = 200, ""
			}
			es = append(es, e)
		}
		if err := s.AppendHistory(es...); err != nil {
			t.Fatal(err)
		}
	}
	var got []SendSummary
	if err := s.Sends(context.Background(), HistoryFilter{}, func(b SendSummary) error { got = append(got, b); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].Batch != "b9" || got[9].Batch != "b0" {
		t.Fatalf("sends: %+v", got)
	}
	withFail := 0
	for _, b := range got {
		var i int
		fmt.Sscanf(b.Batch, "b%d", &i)
		failed := 0
		for k := range 10 {
			if (i*10+k)%7 == 0 && i != 5 { // entry() makes every 7th a BadDeviceToken
				failed++
			}
		}
		if failed > 0 {
			withFail++
		}
		if b.Devices != 10 || b.Failed != failed || b.Accepted != 10-failed || b.Profile != "myapp-dev" || !b.Last.After(b.Started) {
			t.Errorf("send %+v: want 10 devices, %d failed", b, failed)
		}
	}
	var failedOnly int
	s.Sends(context.Background(), HistoryFilter{Failed: true}, func(SendSummary) error { failedOnly++; return nil })
	if failedOnly != withFail || withFail == 0 || withFail == 10 {
		t.Errorf("sends with a failure: %d, want %d", failedOnly, withFail)
	}
}

// TestRecorderCommitsInOrder: every record added comes back in exactly one
// Commit, in order, after it is in the database; the device book gets the
// results of Book records only.
func TestRecorderCommitsInOrder(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(1), Label: "one", Environment: certs.Development})
	s.AddDevice(Device{Token: tok(2), Label: "two", Environment: certs.Development})
	var mu sync.Mutex
	var seen []int
	commits := 0
	r := s.NewRecorder(RecorderOptions{MaxBatch: 64, OnCommit: func(c Commit) {
		if c.Err != nil {
			t.Errorf("commit failed: %v", c.Err)
		}
		// What OnCommit hands back is in the database already.
		last := fmt.Sprintf("id-%d", c.Tags[len(c.Tags)-1].(int))
		if got, err := s.QueryHistory(HistoryFilter{ApnsID: last}); err != nil || len(got) != 1 {
			t.Errorf("record %s handed back before it was committed: %v %v", last, got, err)
		}
		mu.Lock()
		defer mu.Unlock()
		commits++
		for _, tag := range c.Tags {
			seen = append(seen, tag.(int))
		}
	}})
	const n = 1000
	for i := range n {
		e := entry(i)
		e.ApnsID = fmt.Sprintf("id-%d", i)
		e.Token = tok(1 + i%2)
		e.Status = 200
		if i == n-1 {
			e.Status, e.Reason = 410, "Unregistered"
		}
		if err := r.Add(Record{Entry: e, Book: i != n-2, Tag: i}); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Close()
	if st.Recorded != n || st.NotRecorded != 0 || st.Err != nil {
		t.Fatalf("stats %+v", st)
	}
	if len(seen) != n {
		t.Fatalf("%d records handed back, want %d", len(seen), n)
	}
	for i, v := range seen {
		if v != i {
			t.Fatalf("record %d handed back at %d: out of order", v, i)
		}
	}
	if commits < n/(4*64) || commits != st.Commits {
		t.Errorf("%d commits for %d records in groups of at most 4 x 64 (stats say %d)", commits, n, st.Commits)
	}
	if c, _ := s.HistoryCount(HistoryFilter{}); c != n {
		t.Errorf("history has %d, want %d", c, n)
	}
	ds, _ := s.Devices()
	for _, d := range ds {
		switch d.Token {
		case tok(1): // i = 998 is tok(1) but not Book; 996 is its last
			if d.Last == nil || d.Last.ApnsID != "id-996" {
				t.Errorf("device one: %+v", d.Last)
			}
		case tok(2):
			if d.Last == nil || d.Last.Status != 410 || d.UnregisteredAt.IsZero() {
				t.Errorf("device two: %+v", d)
			}
		}
	}
	if err := r.Add(Record{}); !errors.Is(err, ErrRecorderClosed) {
		t.Errorf("Add after Close: %v", err)
	}
}

// TestRecorderFlush: Flush returns once what was queued is committed,
// without waiting for MaxDelay.
func TestRecorderFlush(t *testing.T) {
	s := openTemp(t)
	r := s.NewRecorder(RecorderOptions{MaxDelay: time.Hour})
	defer r.Close()
	for i := range 3 {
		r.Add(Record{Entry: entry(i)})
	}
	r.Flush()
	if st := r.Stats(); st.Recorded != 3 {
		t.Fatalf("after Flush: %+v", st)
	}
	if c, _ := s.HistoryCount(HistoryFilter{}); c != 3 {
		t.Fatalf("history has %d after Flush", c)
	}
	r.Flush() // nothing queued: returns
}

// TestDiskFullRefusesWholeGroup fills the database (max_page_count, the
// way SQLite reports a full disk): the group that does not fit is refused
// whole, the Recorder says how many records are not recorded, everything
// committed before is intact, and the database is healthy.
func TestDiskFullRefusesWholeGroup(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenWith(dir, Options{pragmas: []string{"max_page_count(400)"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	var ok, failed []int
	var lastErr error
	r := s.NewRecorder(RecorderOptions{MaxBatch: 100, OnCommit: func(c Commit) {
		mu.Lock()
		defer mu.Unlock()
		for _, tag := range c.Tags {
			if c.Err != nil {
				failed = append(failed, tag.(int))
			} else {
				ok = append(ok, tag.(int))
			}
		}
		if c.Err != nil {
			lastErr = c.Err
		}
	}})
	const n = 5000
	for i := range n {
		e := entry(i)
		e.Payload = fmt.Sprintf(`{"aps":{"alert":"%d %s"}}`, i, strings.Repeat("x", 200)) // a body per entry: fills fast
		r.Add(Record{Entry: e, Tag: i})
	}
	st := r.Close()
	if len(failed) == 0 || !errors.Is(lastErr, ErrDiskFull) || !strings.Contains(lastErr.Error(), s.DBPath()) {
		t.Fatalf("the database never filled: %d failed, %v", len(failed), lastErr)
	}
	if st.NotRecorded != len(failed) || st.Recorded != len(ok) || st.Recorded+st.NotRecorded != n {
		t.Errorf("stats %+v, handed back %d ok and %d failed", st, len(ok), len(failed))
	}
	// The committed groups are pending (packed, not yet indexed): with the
	// disk still full they cannot move into history. A read still works,
	// says why it may miss them, and loses nothing.
	if _, err := s.HistoryCount(HistoryFilter{}); err != nil {
		t.Fatalf("a read with the disk full: %v", err)
	}
	db, _ := s.db()
	if msgs, err := integrity(db, "integrity_check"); err != nil || len(msgs) != 1 || msgs[0] != "ok" {
		t.Errorf("integrity after a full disk: %v %v", msgs, err)
	}
	if c, _ := s.HistoryCount(HistoryFilter{}); c < len(ok) && !strings.Contains(strings.Join(s.Warnings(), "\n"), "could not be moved into history yet") {
		t.Errorf("history shows %d of %d recorded with no warning: %q", c, len(ok), s.Warnings())
	}
	s.Close()
	// Room again (here: the same folder without the page limit): every
	// result reported recorded is in history, and no refused one is.
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c, err := s2.HistoryCount(HistoryFilter{})
	if err != nil || c != len(ok) {
		t.Fatalf("history has %d entries, %d were reported recorded (%v)", c, len(ok), err)
	}
	for _, i := range ok[:min(len(ok), 20)] {
		if got, _ := s2.QueryHistory(HistoryFilter{ApnsID: entry(i).ApnsID}); len(got) == 0 {
			t.Errorf("committed entry %d is missing", i)
		}
	}
	for _, i := range failed[:min(len(failed), 20)] {
		if got, _ := s2.QueryHistory(HistoryFilter{ApnsID: entry(i).ApnsID}); len(got) != 0 {
			t.Errorf("refused entry %d is in history", i)
		}
	}
	t.Logf("%d recorded, %d refused (%d groups)", len(ok), len(failed), st.Commits)
}
