package profiles

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// importBoth imports the same lines into two books made by setup (nil:
// empty), once through a memBook and once row by row (as into a book
// larger than the import), at the same time, and fails unless both give
// the same report and the same book. It returns the memBook's store and
// report.
func importBoth(t *testing.T, setup func(*Store), data string, env certs.Environment, groups []string) (*Store, ImportReport) {
	t.Helper()
	now := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC).UnixNano()
	var items []importItem
	if tr := strings.TrimSpace(data); tr != "" && (tr[0] == '{' || tr[0] == '[') {
		var err error
		if items, err = parseJSONImport([]byte(data)); err != nil {
			t.Fatal(err)
		}
	} else {
		items = parseTextImport([]byte(data))
	}
	ms, rs := openTemp(t), openTemp(t)
	if setup != nil {
		setup(ms)
		setup(rs)
		if bookJSON(t, ms) != bookJSON(t, rs) {
			t.Fatal("setup made two different books")
		}
	}
	var mem, rowMem bool
	mrep, err := ms.importItems(items, env, groups, importOptions{now: now, inMemory: &mem})
	if err != nil {
		t.Fatal(err)
	}
	rrep, err := rs.importItems(items, env, groups, importOptions{now: now, rowByRow: true, inMemory: &rowMem})
	if err != nil {
		t.Fatal(err)
	}
	if !mem || rowMem {
		t.Fatalf("written through a memBook: %v and %v, want true and false", mem, rowMem)
	}
	if fmt.Sprintf("%+v", mrep) != fmt.Sprintf("%+v", rrep) {
		t.Errorf("reports differ:\n memBook    %+v\n row by row %+v", mrep, rrep)
	}
	mb, rb := bookJSON(t, ms), bookJSON(t, rs)
	if mb != rb {
		t.Errorf("books differ:\n memBook    %s\n row by row %s", mb, rb)
	}
	checkDeviceSchema(t, ms)
	return ms, mrep
}

func bookJSON(t *testing.T, s *Store) string {
	t.Helper()
	ds, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ds)
	return string(b)
}

// deviceIndexes lists the SQL of the device tables' indexes.
func deviceIndexes(t *testing.T, s *Store) string {
	t.Helper()
	db, _ := s.db()
	rows, err := db.Query(`SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('devices', 'device_groups') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var qs []string
	for rows.Next() {
		var q string
		rows.Scan(&q)
		qs = append(qs, q)
	}
	return strings.Join(qs, "\n")
}

// checkDeviceSchema: the device tables have the indexes of a new
// database, and the database is sound.
func checkDeviceSchema(t *testing.T, s *Store) {
	t.Helper()
	if got, want := deviceIndexes(t, s), deviceIndexes(t, openTemp(t)); got != want || strings.Count(want, "INDEX") < 6 {
		t.Errorf("device indexes after the import:\n%s\nwant:\n%s", got, want)
	}
	db, _ := s.db()
	if msgs, err := integrity(db, "integrity_check"); err != nil || len(msgs) != 1 || msgs[0] != "ok" {
		t.Errorf("integrity: %v %v", msgs, err)
	}
}

// TestImportInMemoryMatchesRowByRow: into an empty book the import is
// resolved in Go and written in bulk; every rule of upserting the lines
// one by one must hold all the same.
func TestImportInMemoryMatchesRowByRow(t *testing.T) {
	twin := tok(1)[:8] + tok(2)[8:] // same first 8 digits: same default label
	text := strings.Join([]string{
		"# QA phones",
		tok(1) + " Anna iPhone",
		tok(2) + " anna IPHONE",             // 3: label in use (any case)
		tok(3),                              // default label
		twin,                                // 5: tok(1)'s default label is free, but...
		tok(1),                              // a repeat without a label keeps "Anna iPhone"
		tok(2) + " Ben",                     // the token refused on line 3 goes in now
		"<" + strings.ToUpper(tok(4)) + ">", // 8
		tok(4) + " Ben",                     // 9: an update to a label in use: refused
		tok(4) + " Carl",                    // relabel
		tok(5) + " Anna iPhone",             // 11: in use
		tok(3) + " anna iphone",             // 12: in use by tok(1)
		tok(1) + " ANNA IPHONE",             // 13: same device, new case: kept
		tok(6) + " Anna iPhone",             // 14: in use (the new case too)
		tok(7) + " Carl's old",
		tok(7) + " Dora",       // frees "Carl's old"
		tok(8) + " carl's OLD", // 17: free again
		"zz not a token",       // 18
		tok(9)[:40] + " cut",   // 19
		tok(10) + " \tEve ; ",
		tok(1)[:8] + strings.Repeat("0", 56),    // 21: default label of line 5's token: in use
		tok(3)[:8] + strings.Repeat("1", 56),    // 22: default label of tok(3): in use
		tok(11) + " " + strings.Repeat("x", 81), // 23: label too long
	}, "\n")
	t.Run("text", func(t *testing.T) {
		_, rep := importBoth(t, nil, text, certs.Development, []string{"QA", " qa ", "Night"})
		if rep.Added == 0 || rep.Updated == 0 || len(rep.Bad) == 0 {
			t.Errorf("the test should add, update and refuse: %+v", rep)
		}
		// A repeated label is reported where it repeats, in file order.
		var lines []int
		for _, b := range rep.Bad {
			lines = append(lines, b.Line)
		}
		if got := fmt.Sprint(lines); got != "[3 9 11 12 14 18 19 21 22 23]" {
			t.Errorf("bad lines %s (%+v)", got, rep.Bad)
		}
	})
	t.Run("no env", func(t *testing.T) {
		importBoth(t, nil, text, "", nil)
	})
	t.Run("json", func(t *testing.T) {
		at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		ds := []map[string]any{
			{"token": tok(1), "label": "A", "environment": "development", "groups": []string{"x", "X", "y"}},
			{"token": tok(1), "label": "A", "environment": "production", "kind": "liveactivity-start", "activity_type": "Pizza", "topic": "com.example.app"},
			{"token": tok(2), "label": "a", "environment": "production"}, // in use in production
			{"token": tok(2), "environment": "development", "last": map[string]any{"status": 410, "reason": "Unregistered", "apns_id": "ID", "at": at},
				"unregistered_at": at, "added_at": at.Add(-time.Hour)},
			{"token": tok(3), "environment": "development", "last": map[string]any{"status": 200}, "last_seen_valid": at},
			{"token": tok(2), "environment": "development", "label": "B", "kind": "update", "groups": []string{"Y"},
				"last": map[string]any{"status": 200, "at": at}}, // an update: the last result stays
			{"token": tok(1), "environment": "production", "topic": "com.example.other", "kind": "device"},
			{"token": tok(4), "kind": "nonsense"},
			{"token": tok(5), "label": "E", "groups": []string{"z"}},
			{"token": tok(6), "label": "F", "groups": []string{"z"}},
			{"token": tok(7), "label": "G"},
		}
		b, _ := json.MarshalIndent(map[string]any{"schema": 1, "devices": ds}, "", "  ")
		s, rep := importBoth(t, nil, string(b), certs.Development, []string{"all"})
		if rep.Added != 7 || rep.Updated != 2 || len(rep.Bad) != 2 {
			t.Errorf("report %+v", rep)
		}
		book := bookJSON(t, s)
		for _, want := range []string{`"Unregistered"`, `"liveactivity-start"`, `"com.example.other"`, `"groups":["x","y","all"]`, `"groups":["all","Y"]`} {
			if !strings.Contains(book, want) {
				t.Errorf("book has no %s: %s", want, book)
			}
		}
	})
}

// TestImportInMemoryLarge: a big import into an empty book, with a group,
// repeated labels and tokens, gives the report upserting line by line
// gives, and a book the indexes answer.
func TestImportInMemoryLarge(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1200
	}
	var b strings.Builder
	for i := range n {
		switch {
		case i == 450:
			fmt.Fprintf(&b, "%s phone-3\n", tok(i)) // 451: the label of line 4
		case i == 700:
			fmt.Fprintf(&b, "%s again-%d\n", tok(10), i) // a repeat: relabels token 10
		case i%97 == 0:
			fmt.Fprintf(&b, "%s\n", tok(i)) // no label
		default:
			fmt.Fprintf(&b, "%s phone-%d\n", tok(i), i)
		}
	}
	s, rep := importBoth(t, nil, b.String(), certs.Development, []string{"qa"})
	if rep.Added != n-2 || rep.Updated != 1 || len(rep.Bad) != 1 || rep.Bad[0].Line != 451 || !strings.Contains(rep.Bad[0].Reason, "already used") {
		t.Fatalf("report %+v", rep)
	}
	ds, err := s.SelectDevices(certs.Development, []string{"again-700", "PHONE-3"}, []string{"QA"})
	if err != nil || len(ds) != n-2 {
		t.Fatalf("select: %d, %v", len(ds), err)
	}
	// The same file again: every line is an update and nothing changes.
	before := bookJSON(t, s)
	rep2, err := s.ImportDevices([]byte(b.String()), certs.Development, []string{"qa"})
	if err != nil || rep2.Added != 0 || rep2.Updated != n-1 || len(rep2.Bad) != 1 || rep2.Bad[0].Line != 451 {
		t.Fatalf("re-import: %+v %v", rep2, err)
	}
	if bookJSON(t, s) != before {
		t.Error("the re-import changed the book")
	}
}

// TestImportIntoBookWithDevices: an import into a book that has devices
// (some of the file's tokens, labels the file uses, groups, results)
// follows the same rules through a memBook (a book no larger than the
// import) as row by row (a larger book).
func TestImportIntoBookWithDevices(t *testing.T) {
	setup := func(s *Store) {
		for _, d := range []Device{
			{Token: tok(1), Label: "One", Environment: certs.Development, Groups: []string{"old", "QA"}},
			{Token: tok(2), Label: "Two", Environment: certs.Development, Topic: "com.example.app"},
			{Token: tok(3), Label: "Three", Environment: certs.Production, Kind: KindLiveActivityStart, ActivityType: "Pizza"},
			{Token: tok(4), Label: "Four", Environment: certs.Development},
			{Token: tok(1), Label: "One", Environment: certs.Production},
		} {
			d.AddedAt = time.Unix(1e9, 0)
			if _, _, err := s.AddDevice(d); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordResults(certs.Development, []DeviceResult{{Token: tok(4), Status: 410, Reason: "Unregistered", At: time.Unix(1e9, 0)}}); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveDevice(tok(2)); err != nil { // the largest id is not the count
			t.Fatal(err)
		}
		if _, _, err := s.AddDevice(Device{Token: tok(2), Label: "Two", Environment: certs.Development, Groups: []string{"qa"}, AddedAt: time.Unix(2e9, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	text := strings.Join([]string{
		tok(1) + " Uno",       // relabel, groups merged
		tok(5) + " one",       // 2: the old label of tok(1) is free now
		tok(6) + " TWO",       // 3: in use by a device of the book
		tok(4) + " Two",       // 4: an update to a label in use: refused
		tok(4),                // a repeat without a label: no change, an update
		tok(2) + " Quattro",   // relabel
		tok(7) + " Four",      // 7: in use
		tok(4) + " Dos",       // frees "Four"
		tok(8) + " four",      // now free
		tok(3) + " Three",     // a development token that is also in production
		tok(9) + " One",       // "One" is a production label: free here
		tok(10) + " Ten",      // new
		tok(11) + " Eleven",   // new
		tok(12) + " Twelve",   // new
		tok(13) + " Thirteen", // new
	}, "\n")
	_, rep := importBoth(t, setup, text, certs.Development, []string{"qa", "Night"})
	var lines []int
	for _, b := range rep.Bad {
		lines = append(lines, b.Line)
	}
	if rep.Added != 7 || rep.Updated != 4 || fmt.Sprint(lines) != "[3 4 7 11]" {
		t.Errorf("report %+v", rep)
	}
	// Every line already in the book: nothing to write.
	again := func(s *Store) {
		for i, l := range []string{"One", "Two"} {
			d := Device{Token: tok(i + 1), Label: l, Environment: certs.Development, Groups: []string{"QA"}, AddedAt: time.Unix(1e9, 0)}
			if _, _, err := s.AddDevice(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, rep = importBoth(t, again, tok(1)+" One\n"+tok(2)+"\n", certs.Development, []string{"qa"})
	if rep.Added != 0 || rep.Updated != 2 || len(rep.Bad) != 0 {
		t.Errorf("report of a no-op %+v", rep)
	}

	// A book larger than the import goes row by row.
	s := openTemp(t)
	setup(s)
	var mem bool
	rep, err := s.importItems(parseTextImport([]byte(tok(20)+" Twenty\n"+tok(1)+" Uno\n")), certs.Development, nil, importOptions{inMemory: &mem})
	if err != nil || mem || rep.Added != 1 || rep.Updated != 1 {
		t.Fatalf("into a larger book: memBook %v, %+v, %v", mem, rep, err)
	}
}

// TestImportInMemoryRollsBack: an import into an empty book that cannot be
// written (a full disk, a failed commit) leaves the book empty and its
// indexes as they were; the next import works.
func TestImportInMemoryRollsBack(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "%s phone-%d\n", tok(i), i)
	}
	data := []byte(b.String())
	check := func(s *Store) {
		t.Helper()
		if n, err := s.DeviceCount(); err != nil || n != 0 {
			t.Errorf("%d devices after a failed import (%v)", n, err)
		}
		checkDeviceSchema(t, s)
	}

	t.Run("disk full", func(t *testing.T) {
		dir := t.TempDir()
		s, err := OpenWith(dir, Options{pragmas: []string{"max_page_count(120)"}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.ImportDevices(data, certs.Development, []string{"qa"})
		if !errors.Is(err, ErrDiskFull) {
			t.Fatalf("import into a full database: %v", err)
		}
		check(s)
		ten := strings.Join(strings.SplitAfter(string(data), "\n")[:10], "")
		if rep, err := s.ImportDevices([]byte(ten), certs.Development, nil); err != nil || rep.Added != 10 {
			t.Fatalf("a small import after: %+v %v", rep, err)
		}
	})
	t.Run("commit fails", func(t *testing.T) {
		s := openTemp(t)
		s.st.beforeCommit = func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM devices`).Scan(&n); err != nil || n != 3000 {
				return fmt.Errorf("before the commit: %d devices, %v", n, err)
			}
			return errors.New("refused by the test")
		}
		if _, err := s.ImportDevices(data, certs.Development, []string{"qa"}); err == nil || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("import: %v", err)
		}
		s.st.beforeCommit = nil
		check(s)
		if rep, err := s.ImportDevices(data, certs.Development, nil); err != nil || rep.Added != 3000 {
			t.Fatalf("the import again: %+v %v", rep, err)
		}
	})
}

// FuzzSplitTokenLine: the quick path for the usual line gives what the
// general rules give, for any line.
func FuzzSplitTokenLine(f *testing.F) {
	for _, s := range []string{
		tok(1) + " Anna", tok(1), tok(1) + ",Anna;", tok(1) + "=Anna", tok(1) + "\tAnna's \"iPad\" ",
		tok(1) + tok(2) + " long", tok(1)[:63] + " odd", strings.ToUpper(tok(1)) + " upper",
		tok(1) + "<" + tok(2) + ">", "Anna: " + tok(1), tok(1) + "-x Anna", tok(1) + "\u00a0Anna", ";" + tok(1),
		tok(1) + strings.Repeat("ab", 70) + " too long", "zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		tq, lq, eq := splitTokenLine(line)
		tg, lg, eg := splitLineGeneral(line)
		if tq != tg || lq != lg || fmt.Sprint(eq) != fmt.Sprint(eg) {
			t.Errorf("%q: quick (%q, %q, %v), general (%q, %q, %v)", line, tq, lq, eq, tg, lg, eg)
		}
	})
}
