package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
)

// summary is the last line of a send.
type summary struct {
	Total       int            `json:"total"`
	Sent        int            `json:"sent"`
	Failed      int            `json:"failed"`
	Reasons     map[string]int `json:"reasons"`
	ElapsedMS   float64        `json:"elapsed_ms"`
	PerSecond   float64        `json:"per_second"`
	Connections int            `json:"connections"`
}

func (s *summary) add(r push.Result) {
	s.Total++
	if r.OK() {
		s.Sent++
		return
	}
	s.Failed++
	key := r.Reason
	if key == "" {
		key = r.Class
	}
	s.Reasons[key]++
}

// resultLine is one device in --json output.
type resultLine struct {
	Token          string  `json:"token"`
	Label          string  `json:"label"`
	Status         int     `json:"status"`
	Reason         string  `json:"reason"`
	ApnsID         string  `json:"apns_id"`
	ApnsUniqueID   string  `json:"apns_unique_id"`
	UnregisteredAt string  `json:"unregistered_at"`
	LatencyMS      float64 `json:"latency_ms"`
	Attempts       int     `json:"attempts"`
	Error          string  `json:"error"`
	Class          string  `json:"class,omitempty"`
}

type resultWriter struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
	env  certs.Environment
}

func newResultWriter(w io.Writer, asJSON bool, env certs.Environment) *resultWriter {
	return &resultWriter{w: w, json: asJSON, enc: json.NewEncoder(w), env: env}
}

func (o *resultWriter) write(r push.Result) {
	if o.json {
		l := resultLine{Token: r.Token, Label: r.Label, Status: r.Status, Reason: r.Reason, ApnsID: r.ApnsID,
			ApnsUniqueID: r.ApnsUniqueID, LatencyMS: float64(r.Latency.Microseconds()) / 1000, Attempts: r.Attempts, Class: r.Class}
		if !r.UnregisteredAt.IsZero() {
			l.UnregisteredAt = r.UnregisteredAt.UTC().Format(time.RFC3339)
		}
		if r.Err != nil {
			l.Error = r.Err.Error()
		}
		o.enc.Encode(l)
		return
	}
	who := r.Label
	if who == "" {
		who = shortToken(r.Token)
	} else {
		who += " (" + shortToken(r.Token) + ")"
	}
	if r.OK() {
		fmt.Fprintf(o.w, "sent    %s  apns-id %s  %s\n", who, r.ApnsID, latency(r))
		return
	}
	fmt.Fprintf(o.w, "FAILED  %s  %s  %s\n", who, push.Describe(r, o.env), latency(r))
}

func latency(r push.Result) string {
	s := fmt.Sprintf("%.0fms", float64(r.Latency.Microseconds())/1000)
	if r.Attempts > 1 {
		s += fmt.Sprintf(", %d attempts", r.Attempts)
	}
	return s
}

func shortToken(t string) string {
	if len(t) <= 16 {
		return t
	}
	return t[:8] + "…" + t[len(t)-8:]
}

func (o *resultWriter) summary(s summary) {
	if o.json {
		o.enc.Encode(map[string]summary{"summary": s})
		return
	}
	line := fmt.Sprintf("%d sent, %d failed of %d in %.2fs (%.0f/s) over %d connection(s)",
		s.Sent, s.Failed, s.Total, s.ElapsedMS/1000, s.PerSecond, s.Connections)
	if len(s.Reasons) > 0 {
		keys := make([]string, 0, len(s.Reasons))
		for k := range s.Reasons {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, s.Reasons[k])
		}
		line += ": " + strings.Join(parts, ", ")
	}
	fmt.Fprintln(o.w, line)
}

// recorder writes results to history and the device book in small batches,
// so a send of thousands does one fsync per batch, not per device.
type recorder struct {
	e        env
	s        *setup
	plan     *sendPlan
	hist     *profiles.History
	batch    string
	hash     string
	entries  []profiles.HistoryEntry
	devs     []profiles.DeviceResult
	last     time.Time
	failed   bool
	bodyKept bool
}

const recordEvery = 200

func newRecorder(e env, s *setup, plan *sendPlan) *recorder {
	r := &recorder{e: e, s: s, plan: plan, last: time.Now()}
	sum := sha256.Sum256(plan.body)
	r.hash = hex.EncodeToString(sum[:])
	var id [8]byte
	rand.Read(id[:])
	r.batch = hex.EncodeToString(id[:])
	if s.store == nil {
		fmt.Fprintln(e.stderr, "warning: the config folder cannot be opened; this send is not recorded in history")
		return r
	}
	h, err := s.store.OpenHistory()
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: history is not recorded: %v\n", err)
	} else {
		r.hist = h
	}
	return r
}

func (r *recorder) add(res push.Result) {
	h := r.plan.headers
	exp := ""
	switch h.Expiration.Mode {
	case "now":
		exp = "0"
	case "at":
		exp = h.Expiration.At.UTC().Format(time.RFC3339)
	}
	ent := profiles.HistoryEntry{
		At: time.Now().UTC(), Batch: r.batch, Profile: r.s.profile, Environment: r.s.env,
		Topic: res.Request.Headers["apns-topic"], PushType: string(h.PushType), Priority: h.Priority,
		CollapseID: h.CollapseID, Expiration: exp, PayloadHash: r.hash, PayloadSize: len(r.plan.body),
		Token: res.Token, Label: res.Label, Status: res.Status,
		Reason: res.Reason, ApnsID: res.ApnsID, ApnsUniqueID: res.ApnsUniqueID,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000, Attempts: res.Attempts,
		UnregisteredAt: res.UnregisteredAt,
	}
	if res.Err != nil {
		ent.Error = res.Err.Error()
	}
	// The body is kept so a past send can be reloaded; for a big batch
	// only its first entry carries it (the others have its hash).
	if !r.bodyKept || len(r.plan.jobs) <= 100 {
		ent.Payload, r.bodyKept = string(r.plan.body), true
	}
	r.entries = append(r.entries, ent)
	if res.Status != 0 {
		r.devs = append(r.devs, profiles.DeviceResult{Token: res.Token, Status: res.Status, Reason: res.Reason,
			ApnsID: res.ApnsID, At: ent.At, UnregisteredAt: res.UnregisteredAt})
	}
	if len(r.entries) >= recordEvery || time.Since(r.last) > time.Second {
		r.flush()
	}
}

func (r *recorder) flush() {
	r.last = time.Now()
	if r.hist != nil && len(r.entries) > 0 {
		if err := r.hist.Append(r.entries...); err != nil && !r.failed {
			r.failed = true
			fmt.Fprintf(r.e.stderr, "warning: writing history: %v\n", err)
		}
	}
	if r.s.store != nil && len(r.devs) > 0 {
		if err := r.s.store.RecordResults(r.s.env, r.devs); err != nil && !r.failed {
			r.failed = true
			fmt.Fprintf(r.e.stderr, "warning: updating the device book: %v\n", err)
		}
	}
	r.entries, r.devs = r.entries[:0], r.devs[:0]
}

func (r *recorder) close() {
	r.flush()
	if r.hist != nil {
		if err := r.hist.Close(); err != nil {
			fmt.Fprintf(r.e.stderr, "warning: closing history: %v\n", err)
		}
	}
}
