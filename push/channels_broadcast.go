package push

// Broadcast sends, following Apple's "Sending broadcast push notification
// requests to APNs": POST /4/broadcasts/apps/<bundleID> on the ordinary push
// host (api.sandbox.push.apple.com / api.push.apple.com), with
// apns-channel-id, apns-push-type liveactivity, apns-priority and
// apns-expiration required, and a payload of at most 5120 bytes. A
// successful answer is 200 with apns-request-id and apns-unique-id.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/push/payload"
)

// BroadcastJob is one notification to every subscriber of a channel.
type BroadcastJob struct {
	ChannelID string
	Label     string // the channel's label, for results
	Payload   []byte
	// Priority is 10, 5 or 1; 0 means 10. Apple's Live Activity budget
	// counts priority 10 only.
	Priority int
	// Expiration: "" or "now" send 0 (deliver once, do not store); "at" a
	// time, allowed only on a MostRecentMessage channel.
	Expiration payload.Expiration
	// Policy is the channel's storage policy when known (from the store or
	// a Read); PolicyKnown false skips the local expiration check and lets
	// APNs decide.
	Policy      StoragePolicy
	PolicyKnown bool
	// RequestID is an apns-request-id to send (a UUID); empty makes one.
	RequestID string
}

// Broadcast sends a job to the channel over the client's connections and
// returns its result: Token holds the channel ID, ApnsID the apns-request-id
// and ApnsUniqueID the apns-unique-id. It retries as Send does (429, 500,
// 503, a connection lost before an answer).
func (c *Client) Broadcast(ctx context.Context, job BroadcastJob) Result {
	r := Result{Token: job.ChannelID, Label: job.Label}
	if ctx.Err() != nil {
		return cancelled(r, ctx)
	}
	req, err := c.prepareBroadcast(job)
	if err != nil {
		r.Err, r.Class = err, "invalid"
		return r
	}
	for {
		r.Attempts++
		retry := c.attemptBroadcast(ctx, req, job.Payload, &r)
		if r.Class == "cancelled" || !retry || r.Attempts >= DefaultMaxAttempts {
			return r
		}
		t := time.NewTimer(backoff(DefaultBackoff, r.Attempts))
		select {
		case <-ctx.Done():
			t.Stop()
			return cancelled(r, ctx)
		case <-t.C:
		}
	}
}

// broadcastWire is a checked broadcast's path and headers.
type broadcastWire struct {
	path   string
	header http.Header
}

// prepareBroadcast checks a job as APNs would and builds its headers;
// errors are *InvalidError.
func (c *Client) prepareBroadcast(job BroadcastJob) (broadcastWire, error) {
	if err := CheckChannelID(job.ChannelID); err != nil {
		return broadcastWire{}, &InvalidError{"apns-channel-id", err.Error()}
	}
	bundle, err := channelBundle(Config{Topic: c.topic})
	if err != nil {
		return broadcastWire{}, &InvalidError{"bundle", err.Error()}
	}
	if len(job.Payload) == 0 {
		return broadcastWire{}, &InvalidError{"payload", "empty: send a Live Activity update, e.g. {\"aps\":{\"event\":\"update\",\"timestamp\":…,\"content-state\":{…}}}"}
	}
	if len(job.Payload) > MaxBroadcastPayload {
		return broadcastWire{}, &InvalidError{"payload", fmt.Sprintf("%d bytes; a broadcast may carry at most %d", len(job.Payload), MaxBroadcastPayload)}
	}
	if ev := liveActivityEvent(job.Payload); ev == "start" {
		return broadcastWire{}, &InvalidError{"payload", "event start: a broadcast cannot start a Live Activity; start it with a push-to-start token (input-push-channel subscribes it to this channel), then broadcast update or end"}
	}
	hd := http.Header{}
	hd.Set("content-type", "application/json")
	hd.Set("apns-channel-id", job.ChannelID)
	hd.Set("apns-push-type", string(payload.LiveActivity))
	switch job.Priority {
	case 0:
		hd.Set("apns-priority", "10")
	case 10, 5, 1:
		hd.Set("apns-priority", strconv.Itoa(job.Priority))
	default:
		return broadcastWire{}, &InvalidError{"apns-priority", fmt.Sprintf("%d is not a priority: use 10 (now, counts against the budget), 5 (power-considerate) or 1 (lowest)", job.Priority)}
	}
	switch job.Expiration.Mode {
	case "", "now":
		hd.Set("apns-expiration", "0")
	case "at":
		if job.Expiration.At.Unix() <= 0 {
			return broadcastWire{}, &InvalidError{"apns-expiration", "no time given: use a date, or \"now\" (0)"}
		}
		if job.PolicyKnown && job.Policy == NoStorage {
			return broadcastWire{}, &InvalidError{"apns-expiration", "the channel stores no messages (no-storage), so APNs accepts only expiration 0: drop the expiration, or create a most-recent channel"}
		}
		hd.Set("apns-expiration", strconv.FormatInt(job.Expiration.At.Unix(), 10))
	default:
		return broadcastWire{}, &InvalidError{"apns-expiration", fmt.Sprintf("mode %q is unknown: use \"now\" (0) or \"at\" with a time", job.Expiration.Mode)}
	}
	id := job.RequestID
	if id == "" {
		id = newRequestID()
	} else if !isUUID(id) {
		return broadcastWire{}, &InvalidError{"apns-request-id", fmt.Sprintf("%q is not a UUID: use the 8-4-4-4-12 hex form or leave it empty", id)}
	}
	hd.Set("apns-request-id", strings.ToLower(id))
	return broadcastWire{path: "/4/broadcasts/apps/" + bundle, header: hd}, nil
}

func (c *Client) attemptBroadcast(ctx context.Context, w broadcastWire, body []byte, r *Result) (retry bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.target.base+w.path, bytes.NewReader(body))
	if err != nil {
		r.Err, r.Class = err, "invalid"
		return false
	}
	for k, v := range w.header {
		req.Header[k] = v
	}
	if b := c.bearer(); b != "" {
		req.Header.Set("authorization", "bearer "+b)
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	r.Request = Exchange{Headers: flatten(req.Header, ":path", req.URL.Path), Body: body}
	r.Request.Headers[":method"] = req.Method
	start := time.Now()
	// Broadcasts ride the client's device push connections.
	hreq := h2RequestOf(req, start.Add(c.timeout))
	resp, err := c.roundTrip(ctx, &hreq)
	r.Latency = time.Since(start)
	if err != nil {
		r.Status, r.Reason, r.Err = 0, "", err
		r.Class = classify(ctx, ctx, err)
		if r.Class == "timeout" {
			r.Err = fmt.Errorf("no response within %s: %w", c.timeout, err)
		}
		return r.Class == "connection-reset" || r.Class == "goaway"
	}
	rb := resp.Body
	r.Status = resp.Status
	r.ApnsID = resp.Header["apns-request-id"]
	r.ApnsUniqueID = resp.Header["apns-unique-id"]
	r.Response = Exchange{Headers: resp.Header, Body: rb}
	r.Reason, r.Err, r.Class = "", nil, ""
	if resp.Status != http.StatusOK {
		var ab apnsBody
		if json.Unmarshal(rb, &ab) == nil {
			r.Reason = ab.Reason
		}
	}
	if r.Reason == "ExpiredProviderToken" {
		c.refreshAfterExpired(time.Now())
	}
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
		return r.Reason != "TooManyProviderTokenUpdates"
	}
	return false
}

// liveActivityEvent reads aps.event from a payload ("" if there is none or
// the payload is not JSON: lint and APNs report that).
func liveActivityEvent(body []byte) string {
	var p struct {
		Aps struct {
			Event string `json:"event"`
		} `json:"aps"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return p.Aps.Event
}

// newRequestID is a random version 4 UUID, lower case as Apple writes
// apns-request-id.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
