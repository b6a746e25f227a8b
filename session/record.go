package session

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// Write appends the records to h (one write and fsync; h may be nil) and
// sets each device's last result in the store's device book, a 410
// Unregistered marking it dead. inHistory says whether h took them; err is
// the first failure.
func Write(store *profiles.Store, h *profiles.History, recs []Record) (inHistory bool, err error) {
	var errs []error
	if h != nil && len(recs) > 0 {
		entries := make([]profiles.HistoryEntry, len(recs))
		for i, r := range recs {
			entries[i] = r.Entry
		}
		if err := h.Append(entries...); err != nil {
			errs = append(errs, fmt.Errorf("writing %d results to history: %w", len(recs), err))
		} else {
			inHistory = true
		}
	}
	if store != nil {
		byEnv := map[certs.Environment][]profiles.DeviceResult{}
		var order []certs.Environment
		for _, r := range recs {
			if !r.Book {
				continue
			}
			e := r.Entry
			if _, seen := byEnv[e.Environment]; !seen {
				order = append(order, e.Environment)
			}
			byEnv[e.Environment] = append(byEnv[e.Environment], profiles.DeviceResult{Token: e.Token, Status: e.Status,
				Reason: e.Reason, ApnsID: e.ApnsID, At: e.At, UnregisteredAt: e.UnregisteredAt})
		}
		for _, env := range order {
			if err := store.RecordResults(env, byEnv[env]); err != nil {
				errs = append(errs, fmt.Errorf("updating the device book: %w", err))
			}
		}
	}
	if len(errs) > 0 {
		return inHistory, errs[0]
	}
	return inHistory, nil
}

// RecordEvery is how many results the Recorder gathers before a write (it
// also writes when a second has passed), so a send of thousands does one
// fsync per group, not per device.
const RecordEvery = 200

// Recorder writes a send's results to History and the device book in small
// groups, synchronously: the CLI calls it as results arrive and prints a
// result only after Flush. The console uses Send.Record and Write from its
// own Cmds.
type Recorder struct {
	store  *profiles.Store
	send   *Send
	hist   *profiles.History
	warn   func(string)
	recs   []Record
	last   time.Time
	failed bool
	// lost counts results History did not take (a full disk, an
	// unwritable file); expected says History was meant to take them.
	lost     int
	expected bool
}

// NewRecorder opens History in store for send. warn receives what could
// not be kept (once per kind of failure); store may be nil.
func NewRecorder(store *profiles.Store, send *Send, warn func(string)) *Recorder {
	r := &Recorder{store: store, send: send, warn: warn, last: time.Now()}
	if store == nil {
		warn("the config folder cannot be opened; this send is not recorded in history")
		return r
	}
	r.expected = true
	h, err := store.OpenHistory()
	if err != nil {
		warn(fmt.Sprintf("history is not recorded: %v", err))
	} else {
		r.hist = h
	}
	return r
}

// Add queues one result, and writes the queue when it is full or a second
// old.
func (r *Recorder) Add(res push.Result) {
	r.recs = append(r.recs, r.send.Record(res, r.send.Env, time.Now()))
	if len(r.recs) >= RecordEvery || time.Since(r.last) > time.Second {
		r.Flush()
	}
}

// Flush writes what is queued.
func (r *Recorder) Flush() {
	r.last = time.Now()
	if len(r.recs) == 0 {
		return
	}
	inHistory, err := Write(r.store, r.hist, r.recs)
	if !inHistory && r.expected {
		r.lost += len(r.recs)
	}
	if err != nil && !r.failed {
		r.failed = true
		r.warn(err.Error())
	}
	r.recs = r.recs[:0]
}

// NotRecorded is how many results History did not take although the
// config folder was open (a full disk, an unwritable history): the CLI then
// exits 1 and says how many, as the console does.
func (r *Recorder) NotRecorded() int { return r.lost }

// Close writes what is queued and closes History.
func (r *Recorder) Close() {
	r.Flush()
	if r.hist != nil {
		if err := r.hist.Close(); err != nil {
			r.warn(fmt.Sprintf("closing history: %v", err))
		}
		r.hist = nil
	}
}
