package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
)

// TestRecord: a big send keeps its body once, and only APNs' answers
// update the device book.
func TestRecord(t *testing.T) {
	t.Parallel()
	h := payload.Headers{PushType: payload.Alert, Expiration: payload.Expiration{Mode: payload.ExpireNow}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	small := NewSend("b1", "dev", certs.Development, h, []byte(`{"aps":{}}`), 2)
	big := NewSend("b2", "dev", certs.Development, h, []byte(`{"aps":{}}`), KeepBodyUpTo+1)
	for i := 0; i < 2; i++ {
		if r := small.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload == "" {
			t.Error("a small send keeps the body on every entry")
		}
	}
	if r := big.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload == "" || r.Entry.Expiration != "0" {
		t.Errorf("first entry of a big send: %+v", r.Entry)
	}
	if r := big.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload != "" || r.Entry.PayloadHash != big.Hash {
		t.Errorf("second entry of a big send: %+v", r.Entry)
	}
	lost := small.Record(push.Result{Token: "t", Class: "cancelled", Err: errors.New("context canceled")}, certs.Development, at)
	if lost.Book || lost.Entry.Reason != "cancelled" || lost.Entry.Error == "" {
		t.Errorf("cancelled: %+v", lost)
	}
	if r := small.Record(push.Result{Token: "t", Status: 410, Reason: "Unregistered"}, certs.Development, at); !r.Book {
		t.Error("an APNs answer goes to the device book")
	}
}

// TestRecorderWritesHistoryAndBook runs the CLI's recorder against a real
// store.
func TestRecorderWritesHistoryAndBook(t *testing.T) {
	t.Parallel()
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("ab", 32)
	if _, _, err := store.AddDevice(profiles.Device{Token: tok, Label: "phone", Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	var shown []string
	rec := NewRecorder(store, NewSend("b1", "", certs.Development, payload.Headers{}, []byte(`{}`), 2), func(s string) { warnings = append(warnings, s) },
		func(r push.Result) {
			// Shown only once committed: it is in the store already.
			if es, err := store.QueryHistory(profiles.HistoryFilter{Device: r.Token}); err != nil || len(es) != 1 {
				t.Errorf("result %s shown before it was recorded: %v %v", r.Token, es, err)
			}
			shown = append(shown, r.Token)
		})
	gone := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	rec.Add(push.Result{Token: tok, Label: "phone", Status: 410, Reason: "Unregistered", UnregisteredAt: gone})
	rec.Add(push.Result{Token: strings.Repeat("cd", 32), Class: "cancelled", Err: errors.New("cancelled")})
	rec.Close()
	if len(warnings) > 0 {
		t.Fatal(warnings)
	}
	if len(shown) != 2 || shown[0] != tok {
		t.Errorf("shown %v, want both results in order", shown)
	}
	if n := rec.NotRecorded(); n != 0 {
		t.Errorf("NotRecorded: %d", n)
	}
	hist, err := store.QueryHistory(profiles.HistoryFilter{Batch: "b1"})
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %d entries, %v", len(hist), err)
	}
	ds, err := store.Devices()
	if err != nil || len(ds) != 1 || !ds[0].UnregisteredAt.Equal(gone) || ds[0].Last == nil || ds[0].Last.Status != 410 {
		t.Fatalf("device book: %+v, %v", ds, err)
	}
}
