package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/payload"
)

// InvalidError is a job refused before sending (Result.Class ClassInvalid).
type InvalidError struct {
	Field  string // "token", "apns-priority", ...
	Reason string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Reason }

// wire is a job's headers as they will be sent.
type wire struct {
	token  string
	header http.Header
}

// prepare checks a job and works out its headers; errors are *InvalidError.
func (c *Client) prepare(job Job) (wire, error) {
	tok, err := certs.NormalizeToken(job.Token)
	if err != nil {
		return wire{}, &InvalidError{"token", err.Error()}
	}
	h := job.Headers
	hd := http.Header{}
	hd.Set("content-type", "application/json")
	pt := h.PushType
	if pt == "" {
		pt = payload.Alert
	}
	if !knownPushType(pt) {
		return wire{}, &InvalidError{"apns-push-type", fmt.Sprintf("%q is not a push type: use one of %s", pt, pushTypeList())}
	}
	hd.Set("apns-push-type", string(pt))
	switch h.Priority {
	case 0:
	case 10, 5, 1:
		hd.Set("apns-priority", strconv.Itoa(h.Priority))
	default:
		return wire{}, &InvalidError{"apns-priority", fmt.Sprintf("%d is not a priority: use 10 (now), 5 (power-considerate) or 1 (lowest)", h.Priority)}
	}
	switch h.Expiration.Mode {
	case "":
	case "now":
		// 0 means "deliver once, do not store": apns2 drops a zero
		// expiration, so pushdeck writes the header itself.
		hd.Set("apns-expiration", "0")
	case "at":
		if h.Expiration.At.Unix() <= 0 {
			return wire{}, &InvalidError{"apns-expiration", "no time given: use a date, or \"now\" (0) to deliver once without storing"}
		}
		hd.Set("apns-expiration", strconv.FormatInt(h.Expiration.At.Unix(), 10))
	default:
		return wire{}, &InvalidError{"apns-expiration", fmt.Sprintf("mode %q is unknown: use \"\" (APNs decides), \"now\" (0) or \"at\" with a time", h.Expiration.Mode)}
	}
	if h.CollapseID != "" {
		if len(h.CollapseID) > 64 {
			return wire{}, &InvalidError{"apns-collapse-id", fmt.Sprintf("%d bytes long; APNs allows at most 64", len(h.CollapseID))}
		}
		if bad := badHeaderChar(h.CollapseID); bad != "" {
			return wire{}, &InvalidError{"apns-collapse-id", bad}
		}
		hd.Set("apns-collapse-id", h.CollapseID)
	}
	if h.ApnsID != "" {
		if !isUUID(h.ApnsID) {
			return wire{}, &InvalidError{"apns-id", fmt.Sprintf("%q is not a UUID: use the 8-4-4-4-12 hex form (e.g. 123e4567-e89b-12d3-a456-4266554400a0) or leave it empty for APNs to assign one", h.ApnsID)}
		}
		hd.Set("apns-id", strings.ToLower(h.ApnsID))
	}
	topic := h.Topic
	if topic == "" {
		topic = c.topic
		if topic != "" {
			if s := payload.TopicSuffix(pt); s != "" && !strings.HasSuffix(topic, s) {
				topic += s
			}
		}
	}
	if topic == "" {
		if c.token != nil {
			return wire{}, &InvalidError{"apns-topic", "token auth needs a topic: pass the app's bundle ID (--topic com.example.app)"}
		}
		return wire{}, &InvalidError{"apns-topic", "no topic: the certificate names none; pass the app's bundle ID (--topic com.example.app)"}
	}
	if bad := badHeaderChar(topic); bad != "" || strings.ContainsAny(topic, " /") {
		return wire{}, &InvalidError{"apns-topic", fmt.Sprintf("%q is not a bundle ID: letters, digits, dots and dashes only", topic)}
	}
	hd.Set("apns-topic", topic)
	return wire{token: tok, header: hd}, nil
}

func knownPushType(t payload.PushType) bool {
	for _, k := range payload.PushTypes {
		if k == t {
			return true
		}
	}
	return false
}

func pushTypeList() string {
	s := make([]string, len(payload.PushTypes))
	for i, t := range payload.PushTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func badHeaderChar(s string) string {
	for i, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("control character at byte %d: header values cannot hold it", i+1)
		}
	}
	return ""
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// apnsBody is what APNs puts in an error response.
type apnsBody struct {
	Reason    string `json:"reason"`
	Timestamp int64  `json:"timestamp"` // milliseconds since 1970, for 410
}

// attempt sends a job once. retry says whether APNs allows another try.
func (c *Client) attempt(ctx context.Context, w wire, job Job, r *Result) (retry bool) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.target.base+"/3/device/"+w.token, bytes.NewReader(job.Payload))
	if err != nil {
		r.Err, r.Class = err, ClassInvalid
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
	r.Request = Exchange{Headers: flatten(req.Header, ":path", req.URL.Path), Body: job.Payload}
	r.Request.Headers[":method"] = req.Method
	start := time.Now()
	// The transport may re-send a request the server refused unprocessed
	// (a stream beyond a GOAWAY's last one, REFUSED_STREAM, a connection
	// that died before the request went out). APNs never handled those, so
	// they are not attempts: Attempts stays within MaxAttempts and equals
	// the tries APNs saw.
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		r.Latency = time.Since(start)
		r.Status, r.Reason = 0, ""
		r.Err = err
		r.Class = classify(ctx, actx, err)
		switch r.Class {
		case ClassTimeout:
			r.Err = fmt.Errorf("no response within %s: %w", c.timeout, err)
		case ClassGoAway:
			desc, reason := describeGoAway(err)
			r.Err, r.Reason = fmt.Errorf("%s: %w", desc, err), reason
		}
		return r.Class == ClassConnectionReset || r.Class == ClassGoAway
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	r.Latency = time.Since(start)
	r.Status = resp.StatusCode
	r.ApnsID = resp.Header.Get("apns-id")
	r.ApnsUniqueID = resp.Header.Get("apns-unique-id")
	r.Response = Exchange{Headers: flatten(resp.Header, ":status", strconv.Itoa(resp.StatusCode)), Body: body}
	r.Reason, r.UnregisteredAt, r.Err, r.Class = "", time.Time{}, nil, ""
	if err != nil && resp.StatusCode != http.StatusOK {
		r.Err = fmt.Errorf("reading the response: %w", err)
		r.Class = classify(ctx, actx, err)
	}
	if len(bytes.TrimSpace(body)) > 0 {
		var ab apnsBody
		if json.Unmarshal(body, &ab) == nil {
			r.Reason = ab.Reason
			if ab.Timestamp > 0 {
				r.UnregisteredAt = time.UnixMilli(ab.Timestamp).UTC()
			}
		}
	}
	if r.Reason == "ExpiredProviderToken" {
		c.refreshAfterExpired(time.Now())
	}
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
		// TooManyProviderTokenUpdates is a 429 too, but another try
		// with the same token only makes it worse.
		return r.Reason != "TooManyProviderTokenUpdates"
	}
	return false
}

// flatten copies headers into a lower-case map, leaving out authorization.
func flatten(h http.Header, pseudo, value string) map[string]string {
	m := make(map[string]string, len(h)+1)
	m[pseudo] = value
	for k, v := range h {
		k = strings.ToLower(k)
		if k == "authorization" {
			continue
		}
		m[k] = strings.Join(v, ", ")
	}
	return m
}

// run sends a job with retries and returns its final result. With a window
// (a batch), the first attempt's slot was taken by the caller; each retry
// takes a slot of its own after its back-off, and every attempt gives its
// slot back with what the answer says about the server's load.
func (c *Client) run(ctx context.Context, index int, job Job, opts BatchOptions, win *window) Result {
	held := win != nil
	defer func() {
		if held {
			win.release(signalNone)
		}
	}()
	r := Result{Index: index, Token: job.Token, Label: job.Label}
	if ctx.Err() != nil {
		return cancelled(r, ctx)
	}
	w, err := c.prepare(job)
	if err != nil {
		r.Err, r.Class = err, ClassInvalid
		return r
	}
	r.Token = w.token
	maxAttempts := opts.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	base := opts.Backoff
	if base <= 0 {
		base = DefaultBackoff
	}
	for {
		r.Attempts++
		retry := c.attempt(ctx, w, job, &r)
		if held {
			held = false
			win.release(signalOf(&r))
		}
		if r.Class == ClassCancelled {
			return r
		}
		if !retry || r.Attempts >= maxAttempts {
			return r
		}
		why := r.Reason
		if why == "" {
			why = string(r.Class)
		}
		if opts.OnRetry != nil {
			opts.OnRetry(index, r.Attempts+1, why)
		}
		t := time.NewTimer(backoff(base, r.Attempts))
		select {
		case <-ctx.Done():
			t.Stop()
			return cancelled(r, ctx)
		case <-t.C:
		}
		if win != nil {
			if win.acquire(ctx) != nil {
				return cancelled(r, ctx)
			}
			held = true
		}
	}
}

// signalOf is what an attempt's outcome tells the window.
func signalOf(r *Result) signal {
	switch {
	case r.Status == http.StatusOK:
		return signalAccepted
	case r.Status == http.StatusTooManyRequests && r.Reason != "TooManyProviderTokenUpdates",
		r.Status == http.StatusInternalServerError, r.Status == http.StatusServiceUnavailable,
		r.Class == ClassGoAway:
		return signalOverload
	case r.Status != 0:
		return signalRejected
	}
	return signalNone
}

func cancelled(r Result, ctx context.Context) Result {
	r.Err, r.Class = fmt.Errorf("cancelled: %w", context.Cause(ctx)), ClassCancelled
	return r
}

// backoff is exponential with equal jitter: half the step fixed, half random,
// so retries of many jobs spread out instead of arriving together.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 16)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
