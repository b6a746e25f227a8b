package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
)

// KeepBodyUpTo is the largest send whose every history entry carries the
// payload; a bigger send keeps it on its first entry only (the others have
// its hash), so 100,000 results do not store 100,000 copies.
const KeepBodyUpTo = 100

// Send describes one send (one batch ID) for the records of its results.
// Make it with NewSend.
type Send struct {
	Batch   string
	Profile string
	Env     certs.Environment
	Headers payload.Headers
	Body    []byte
	Hash    string // sha256 of Body, hex
	Devices int    // devices the send targets

	bodyKept bool
}

// NewSend describes a send of body with headers h to devices devices.
func NewSend(batch, profile string, env certs.Environment, h payload.Headers, body []byte, devices int) *Send {
	return &Send{Batch: batch, Profile: profile, Env: env, Headers: h, Body: body, Hash: PayloadHash(body), Devices: devices}
}

// PayloadHash is the sha256 History keeps to tell payloads apart.
func PayloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// ExpirationString is how History keeps apns-expiration: "0" for now, RFC
// 3339 for a time, "" for none.
func ExpirationString(e payload.Expiration) string {
	switch e.Mode {
	case payload.ExpireNow:
		return "0"
	case payload.ExpireAt:
		return e.At.UTC().Format(time.RFC3339)
	}
	return ""
}

// Record is one result on its way to History and the device book.
type Record struct {
	Entry profiles.HistoryEntry
	// Book says whether the result goes to the device book: only an answer
	// from APNs says something about the device; a cancelled push or a lost
	// connection does not, so the device's last real result stays.
	Book bool
}

// Record turns one result of the send into what History and the device
// book keep; env is where it was sent (the send's, or another one tried).
func (s *Send) Record(r push.Result, env certs.Environment, at time.Time) Record {
	topic := r.Request.Headers["apns-topic"]
	if topic == "" {
		topic = s.Headers.Topic
	}
	e := profiles.HistoryEntry{
		At: at.UTC(), Batch: s.Batch, Profile: s.Profile, Environment: env,
		Topic: topic, PushType: string(s.Headers.PushType), Priority: s.Headers.Priority,
		CollapseID: s.Headers.CollapseID, Expiration: ExpirationString(s.Headers.Expiration),
		PayloadHash: s.Hash, PayloadSize: len(s.Body),
		Token: r.Token, Label: r.Label, Status: r.Status, Reason: r.Reason,
		ApnsID: r.ApnsID, ApnsUniqueID: r.ApnsUniqueID,
		LatencyMS: float64(r.Latency) / float64(time.Millisecond), Attempts: r.Attempts,
		UnregisteredAt: r.UnregisteredAt,
	}
	if r.Err != nil {
		e.Error = r.Err.Error()
		if e.Reason == "" {
			e.Reason = string(r.Class)
		}
	}
	if !s.bodyKept || s.Devices <= KeepBodyUpTo {
		e.Payload, s.bodyKept = string(s.Body), true
	}
	return Record{Entry: e, Book: r.Status != 0}
}

// Write records recs in one transaction: each entry in History, each Book
// result as its device's last result (a 410 Unregistered marking it dead).
// All of it is committed, or none of it. inHistory says whether it was; h
// is kept for callers of the JSON store's API and may be nil. store nil
// records nothing.
func Write(store *profiles.Store, h *profiles.History, recs []Record) (inHistory bool, err error) {
	if store == nil || len(recs) == 0 {
		return false, nil
	}
	if err := store.Record(context.Background(), toStore(recs, nil)); err != nil {
		return false, fmt.Errorf("writing %d results to history: %w", len(recs), err)
	}
	return true, nil
}

// toStore converts records for the store, each with its tag.
func toStore(recs []Record, tags []any) []profiles.Record {
	out := make([]profiles.Record, len(recs))
	for i, r := range recs {
		out[i] = profiles.Record{Entry: r.Entry, Book: r.Book}
		if tags != nil {
			out[i].Tag = tags[i]
		}
	}
	return out
}

// Recorder records a send's results with group commits (at most 50 ms or
// 500 results per commit) and hands each result back through its shown
// callback only once it is committed: a CLI that prints in shown has
// "printed ⇒ recorded", even under kill -9. A slow disk slows the send
// (Add blocks) rather than piling results up.
type Recorder struct {
	send  *Send
	rec   *profiles.Recorder
	shown func(push.Result)
	warn  func(string)

	mu       sync.Mutex
	failed   int   // results whose write was refused
	firstErr error // why
}

// NewRecorder starts recording send's results in store. shown is called
// for each result, in order, once it is committed (or its write failed:
// the result is still shown, and NotRecorded counts it). warn receives
// what could not be kept; store may be nil (nothing is recorded and
// results are shown at once).
func NewRecorder(store *profiles.Store, send *Send, warn func(string), shown func(push.Result)) *Recorder {
	r := &Recorder{send: send, shown: shown, warn: warn}
	if store == nil {
		warn("the config folder cannot be opened; this send is not recorded in history")
		return r
	}
	r.rec = store.NewRecorder(profiles.RecorderOptions{OnCommit: r.committed})
	return r
}

// Unrecorded is a Recorder that records nothing and says nothing about it:
// a send the user asked not to record (pushdeck send --no-history). shown
// sees each result at once.
func Unrecorded(shown func(push.Result)) *Recorder {
	return &Recorder{shown: shown}
}

// committed runs on the store's recorder goroutine after each group.
func (r *Recorder) committed(c profiles.Commit) {
	if c.Err != nil {
		r.mu.Lock()
		if r.firstErr == nil {
			r.firstErr = c.Err
			r.warn(c.Err.Error())
		}
		r.failed += len(c.Tags)
		r.mu.Unlock()
	}
	if r.shown != nil {
		for _, tag := range c.Tags {
			r.shown(tag.(push.Result))
		}
	}
}

// Add records one result (its env is the send's); shown sees it once it is
// committed. It blocks while the disk is behind.
func (r *Recorder) Add(res push.Result) {
	if r.rec == nil {
		if r.shown != nil {
			r.shown(res)
		}
		return
	}
	rec := r.send.Record(res, r.send.Env, time.Now())
	if err := r.rec.Add(profiles.Record{Entry: rec.Entry, Book: rec.Book, Tag: res}); err != nil {
		r.mu.Lock()
		r.failed++
		r.mu.Unlock()
		if r.shown != nil {
			r.shown(res)
		}
	}
}

// Flush commits what is queued and returns once every result added so far
// has been shown.
func (r *Recorder) Flush() {
	if r.rec != nil {
		r.rec.Flush()
	}
}

// Close commits what is queued and stops the recorder; every result added
// has been shown when it returns.
func (r *Recorder) Close() {
	if r.rec != nil {
		r.rec.Close()
	}
}

// NotRecorded is how many results are not in History although the config
// folder was open (a full disk, a damaged database): the CLI then exits 1
// and says how many, as the console does. The warning said why.
func (r *Recorder) NotRecorded() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
