package profiles

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func entry(i int) HistoryEntry {
	e := HistoryEntry{
		At: t0.Add(time.Duration(i) * time.Second), Batch: fmt.Sprintf("b%d", i/10), Profile: "myapp-dev",
		Environment: certs.Development, Topic: "com.example.app", PushType: "alert", Priority: 10,
		PayloadHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", PayloadSize: 42,
		Payload: `{"aps":{"alert":"hi"}}`, Token: tok(i % 20), Label: fmt.Sprintf("Phone %d", i%20),
		Status: 200, ApnsID: fmt.Sprintf("%08X-0000-0000-0000-%012X", i, i), LatencyMS: 12.5, Attempts: 1,
	}
	if i%7 == 0 {
		e.Status, e.Reason = 400, "BadDeviceToken"
	}
	return e
}

func appendN(t testing.TB, s *Store, from, n int) {
	t.Helper()
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	batch := make([]HistoryEntry, 0, 500)
	for i := from; i < from+n; i++ {
		batch = append(batch, entry(i))
		if len(batch) == cap(batch) || i == from+n-1 {
			if err := h.Append(batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func TestHistoryRoundTripAndFilters(t *testing.T) {
	s := openTemp(t)
	if got, err := s.QueryHistory(HistoryFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("query of no history = %v, %v", got, err)
	}
	appendN(t, s, 0, 100)
	all, err := s.QueryHistory(HistoryFilter{})
	if err != nil || len(all) != 100 {
		t.Fatalf("all: %d entries, %v", len(all), err)
	}
	if all[0].At != entry(99).At || all[99].ApnsID != entry(0).ApnsID {
		t.Errorf("not newest first: first %v, last %v", all[0].At, all[99].At)
	}
	if fmt.Sprintf("%+v", all[99]) != fmt.Sprintf("%+v", entry(0)) {
		t.Errorf("round trip changed the entry:\n%+v\n%+v", all[99], entry(0))
	}
	count := func(f HistoryFilter, want int, check func(HistoryEntry) bool) {
		t.Helper()
		got, err := s.QueryHistory(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%+v: %d entries, want %d", f, len(got), want)
		}
		for _, e := range got {
			if !check(e) {
				t.Errorf("%+v matched %+v", f, e)
			}
		}
	}
	count(HistoryFilter{Limit: 5}, 5, func(e HistoryEntry) bool { return !e.At.Before(entry(95).At) })
	count(HistoryFilter{Since: entry(90).At}, 10, func(e HistoryEntry) bool { return !e.At.Before(entry(90).At) })
	count(HistoryFilter{Device: "phone 3"}, 5, func(e HistoryEntry) bool { return e.Label == "Phone 3" })
	count(HistoryFilter{Device: "<" + strings.ToUpper(tok(4)[:20]) + ">"}, 5, func(e HistoryEntry) bool { return e.Token == tok(4) })
	count(HistoryFilter{Reason: "baddevicetoken"}, 15, func(e HistoryEntry) bool { return e.Status == 400 })
	count(HistoryFilter{ApnsID: strings.ToLower(entry(42).ApnsID)}, 1, func(e HistoryEntry) bool { return e.ApnsID == entry(42).ApnsID })
	count(HistoryFilter{Batch: "b3"}, 10, func(e HistoryEntry) bool { return e.Batch == "b3" })
	count(HistoryFilter{Batch: "b3", Reason: "BadDeviceToken"}, 1, func(e HistoryEntry) bool { return e.ApnsID == entry(35).ApnsID })
	count(HistoryFilter{Device: "nobody"}, 0, nil)
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("clean history gave warnings %q", w)
	}
}

func TestHistoryTornLastLine(t *testing.T) {
	s := openTemp(t)
	appendN(t, s, 0, 3)
	p := filepath.Join(s.Dir, historyFile)
	f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"at":"2026-11-01T12:00:09Z","batch":"b9","tok`)
	f.Close()
	got, err := s.QueryHistory(HistoryFilter{})
	if err != nil || len(got) != 3 {
		t.Fatalf("with a torn last line: %d entries, %v", len(got), err)
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "last line is incomplete") || !strings.Contains(w, p) {
		t.Errorf("no warning naming the torn line: %q", w)
	}
	// The next append starts on a fresh line, so it is not lost with the fragment.
	appendN(t, s, 3, 1)
	got, err = s.QueryHistory(HistoryFilter{})
	if err != nil || len(got) != 4 || got[0].ApnsID != entry(3).ApnsID {
		t.Fatalf("after appending past a torn line: %d entries, %v", len(got), err)
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "line 4 is not valid JSON") {
		t.Errorf("the fragment, now line 4, was not reported: %q", w)
	}
}

func TestHistoryLongLinesAcrossChunks(t *testing.T) {
	s := openTemp(t)
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	big := entry(1)
	big.Payload = strings.Repeat("x", scanChunk*2+123)
	if err := h.Append(entry(0), big, entry(2)); err != nil {
		t.Fatal(err)
	}
	h.Close()
	if err := h.Append(entry(3)); err == nil {
		t.Error("Append after Close succeeded")
	}
	got, err := s.QueryHistory(HistoryFilter{})
	if err != nil || len(got) != 3 || got[1].Payload != big.Payload {
		t.Fatalf("%d entries, %v", len(got), err)
	}
	if m := mode(t, filepath.Join(s.Dir, historyFile)); m != 0o600 {
		t.Errorf("history mode %04o", m)
	}
}

// TestScanLinesBackward checks the backward reader against a plain split
// for many shapes of input and chunk sizes, including lines longer than a
// chunk and files with and without a final newline.
func TestScanLinesBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		var b bytes.Buffer
		n := r.IntN(12)
		for i := 0; i < n; i++ {
			b.WriteString(strings.Repeat(string(rune('a'+i)), r.IntN(30)))
			if i < n-1 || r.IntN(2) == 0 {
				b.WriteByte('\n')
			}
		}
		data := b.Bytes()
		var want []string
		var wantOff []int64
		off := 0
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if l == "" {
				continue
			}
			want = append(want, strings.TrimSuffix(l, "\n"))
			wantOff = append(wantOff, int64(off))
			off += len(l)
		}
		slices.Reverse(want)
		slices.Reverse(wantOff)
		chunk := 1 + r.IntN(20)
		var got []string
		var gotOff []int64
		tornSeen := false
		err := scanLinesBackward(bytes.NewReader(data), int64(len(data)), chunk, func(line []byte, off int64, last bool) bool {
			got = append(got, string(line))
			gotOff = append(gotOff, off)
			if last {
				tornSeen = true
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		torn := len(data) > 0 && data[len(data)-1] != '\n'
		if !slices.Equal(got, want) || !slices.Equal(gotOff, wantOff) || tornSeen != torn {
			t.Fatalf("chunk %d, data %q:\n got %q %v torn=%v\nwant %q %v torn=%v", chunk, data, got, gotOff, tornSeen, want, wantOff, torn)
		}
	}
}
