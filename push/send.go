package push

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
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
	token string
	hs    *headerSet
}

// headerSet is the request headers of every job with the same
// payload.Headers, worked out and checked once and then shared, read-only,
// by all their requests (a batch's jobs normally share one): no header map
// is built, canonicalised or flattened per push.
type headerSet struct {
	key    payload.Headers
	header http.Header       // as sent, without authorization
	shown  map[string]string // lower-case, for Result.Request
	// auth is header plus the current bearer (token auth), rebuilt when
	// the token is re-signed.
	auth atomic.Pointer[authHeader]
}

type authHeader struct {
	bearer string
	header http.Header
}

// prepare checks a job and works out its headers; errors are *InvalidError.
func (c *Client) prepare(job Job) (wire, error) {
	tok := job.Token
	if !normalToken(tok) {
		var err error
		if tok, err = certs.NormalizeToken(job.Token); err != nil {
			return wire{}, &InvalidError{"token", err.Error()}
		}
	}
	if hs := c.headers.Load(); hs != nil && hs.key == job.Headers {
		return wire{token: tok, hs: hs}, nil
	}
	hs, err := c.headerSetFor(job.Headers)
	if err != nil {
		return wire{}, err
	}
	c.headers.Store(hs)
	return wire{token: tok, hs: hs}, nil
}

// requestHeader is the header map for one request: shared unless a test
// alters requests.
func (c *Client) requestHeader(hs *headerSet) http.Header {
	h := hs.header
	if b := c.bearer(); b != "" {
		a := hs.auth.Load()
		if a == nil || a.bearer != b {
			a = &authHeader{bearer: b, header: h.Clone()}
			a.header["Authorization"] = []string{"bearer " + b}
			hs.auth.Store(a)
		}
		h = a.header
	}
	if c.mutate != nil {
		h = h.Clone()
	}
	return h
}

// headerSetFor checks job headers and builds their wire form.
func (c *Client) headerSetFor(h payload.Headers) (*headerSet, error) {
	hd := http.Header{}
	hd.Set("content-type", "application/json")
	pt := h.PushType
	if pt == "" {
		pt = payload.Alert
	}
	if !knownPushType(pt) {
		return nil, &InvalidError{"apns-push-type", fmt.Sprintf("%q is not a push type: use one of %s", pt, pushTypeList())}
	}
	hd.Set("apns-push-type", string(pt))
	switch h.Priority {
	case 0:
	case 10, 5, 1:
		hd.Set("apns-priority", strconv.Itoa(h.Priority))
	default:
		return nil, &InvalidError{"apns-priority", fmt.Sprintf("%d is not a priority: use 10 (now), 5 (power-considerate) or 1 (lowest)", h.Priority)}
	}
	switch h.Expiration.Mode {
	case "":
	case "now":
		// 0 means "deliver once, do not store": apns2 drops a zero
		// expiration, so pushdeck writes the header itself.
		hd.Set("apns-expiration", "0")
	case "at":
		if h.Expiration.At.Unix() <= 0 {
			return nil, &InvalidError{"apns-expiration", "no time given: use a date, or \"now\" (0) to deliver once without storing"}
		}
		hd.Set("apns-expiration", strconv.FormatInt(h.Expiration.At.Unix(), 10))
	default:
		return nil, &InvalidError{"apns-expiration", fmt.Sprintf("mode %q is unknown: use \"\" (APNs decides), \"now\" (0) or \"at\" with a time", h.Expiration.Mode)}
	}
	if h.CollapseID != "" {
		if len(h.CollapseID) > 64 {
			return nil, &InvalidError{"apns-collapse-id", fmt.Sprintf("%d bytes long; APNs allows at most 64", len(h.CollapseID))}
		}
		if bad := badHeaderChar(h.CollapseID); bad != "" {
			return nil, &InvalidError{"apns-collapse-id", bad}
		}
		hd.Set("apns-collapse-id", h.CollapseID)
	}
	if h.ApnsID != "" {
		if !isUUID(h.ApnsID) {
			return nil, &InvalidError{"apns-id", fmt.Sprintf("%q is not a UUID: use the 8-4-4-4-12 hex form (e.g. 123e4567-e89b-12d3-a456-4266554400a0) or leave it empty for APNs to assign one", h.ApnsID)}
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
			return nil, &InvalidError{"apns-topic", "token auth needs a topic: pass the app's bundle ID (--topic com.example.app)"}
		}
		return nil, &InvalidError{"apns-topic", "no topic: the certificate names none; pass the app's bundle ID (--topic com.example.app)"}
	}
	if bad := badHeaderChar(topic); bad != "" || strings.ContainsAny(topic, " /") {
		return nil, &InvalidError{"apns-topic", fmt.Sprintf("%q is not a bundle ID: letters, digits, dots and dashes only", topic)}
	}
	hd.Set("apns-topic", topic)
	return &headerSet{key: h, header: hd, shown: flatten(hd, "", "")}, nil
}

// normalToken reports whether t is already in the form NormalizeToken
// gives (lower-case hex, even length, 64 to 200 digits): a token list read
// and checked once is not rebuilt rune by rune for every push.
func normalToken(t string) bool {
	if len(t) < certs.DeviceTokenHexLen || len(t) > 200 || len(t)%2 != 0 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
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
// lean leaves out the per-push header maps (BatchOptions.OmitExchanges).
func (c *Client) attempt(ctx context.Context, w wire, job Job, r *Result, lean bool) (retry bool) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	path := "/3/device/" + w.token
	// WithContext copies the request: built as a value, the original
	// need not live on the heap too.
	base := http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Scheme: "https", Host: c.target.hostport, Path: path},
		Host:          c.target.hostport,
		Header:        c.requestHeader(w.hs),
		ContentLength: int64(len(job.Payload)),
	}
	req := base.WithContext(actx)
	if len(job.Payload) > 0 {
		b := &payloadBody{payload: job.Payload}
		b.Reset(job.Payload)
		// GetBody lets the transport re-send a request the server
		// refused unprocessed (GOAWAY, REFUSED_STREAM).
		req.Body, req.GetBody = b, b.again
	} else {
		req.Body = http.NoBody
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	var reqHeaders map[string]string
	switch {
	case lean && c.mutate == nil:
		reqHeaders = w.hs.shown
	case c.mutate == nil:
		reqHeaders = make(map[string]string, len(w.hs.shown)+2)
		for k, v := range w.hs.shown {
			reqHeaders[k] = v
		}
		reqHeaders[":method"], reqHeaders[":path"] = http.MethodPost, path
	default:
		reqHeaders = flatten(req.Header, ":path", path)
		reqHeaders[":method"] = http.MethodPost
	}
	r.Request = Exchange{Headers: reqHeaders, Body: job.Payload}
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
	var body []byte
	if resp.ContentLength != 0 { // a 200 has no body: nothing to read or keep
		body, err = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	}
	r.Latency = time.Since(start)
	r.Status = resp.StatusCode
	// Indexed by their canonical keys: Get canonicalises on every call.
	r.ApnsID = headerValue(resp.Header, "Apns-Id")
	r.ApnsUniqueID = headerValue(resp.Header, "Apns-Unique-Id")
	r.Response = Exchange{Body: body}
	if !lean {
		r.Response.Headers = flatten(resp.Header, ":status", strconv.Itoa(resp.StatusCode))
	}
	r.Reason, r.UnregisteredAt, r.Err, r.Class = "", time.Time{}, nil, ClassNone
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

// headerValue is h.Get(key) for a key already in canonical form.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// payloadBody is a request body over the job's payload, shared by every
// push of the batch (never copied).
type payloadBody struct {
	bytes.Reader
	payload []byte
}

func (b *payloadBody) Close() error { return nil }

func (b *payloadBody) again() (io.ReadCloser, error) {
	n := &payloadBody{payload: b.payload}
	n.Reset(b.payload)
	return n, nil
}

// flatten copies headers into a lower-case map, leaving out authorization;
// pseudo, when set, is added with value.
func flatten(h http.Header, pseudo, value string) map[string]string {
	m := make(map[string]string, len(h)+1)
	if pseudo != "" {
		m[pseudo] = value
	}
	for k, v := range h {
		k = lowerHeader(k)
		if k == "authorization" || len(v) == 0 {
			continue
		}
		if len(v) == 1 {
			m[k] = v[0]
		} else {
			m[k] = strings.Join(v, ", ")
		}
	}
	return m
}

// lowerHeader lower-cases a canonical header key without allocating for
// the ones APNs sends.
func lowerHeader(k string) string {
	switch k {
	case "Apns-Id":
		return "apns-id"
	case "Apns-Unique-Id":
		return "apns-unique-id"
	case "Content-Type":
		return "content-type"
	case "Content-Length":
		return "content-length"
	case "Date":
		return "date"
	}
	return strings.ToLower(k)
}

// run sends a job with retries and returns its final result. With a window
// (a batch), the first attempt's slot was taken by the caller; each retry
// takes a slot of its own after its back-off, and every attempt gives its
// slot back with what the answer says about the server's load.
func (c *Client) run(ctx context.Context, index int, job Job, opts BatchOptions, win *window) Result {
	held := win != nil
	defer func() {
		if held {
			win.release(signalNone, 0)
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
		retry := c.attempt(ctx, w, job, &r, opts.OmitExchanges)
		if held {
			held = false
			win.release(signalOf(&r), r.Latency)
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
