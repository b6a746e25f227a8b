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
	"github.com/pushdeck/pushdeck/push/internal/h2conn"
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
// by all their requests (a batch's jobs normally share one): no header is
// encoded per push but :path and content-length (h2conn.Request).
type headerSet struct {
	key    payload.Headers
	fields [][2]string       // pseudo-headers and headers as sent, without authorization
	block  []byte            // fields HPACK-encoded (h2conn.EncodeHeader)
	shown  map[string]string // lower-case, for Result.Request
	// auth is block plus the current bearer (token auth), encoded again
	// when the token is re-signed.
	auth atomic.Pointer[authBlock]
}

type authBlock struct {
	bearer string
	block  []byte
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

// requestBlock is the encoded header block for a request of hs, with the
// current bearer under token auth.
func (c *Client) requestBlock(hs *headerSet) []byte {
	b := c.bearer()
	if b == "" {
		return hs.block
	}
	a := hs.auth.Load()
	if a == nil || a.bearer != b {
		fs := append(hs.fields[:len(hs.fields):len(hs.fields)], [2]string{"authorization", "bearer " + b})
		a = &authBlock{bearer: b, block: h2conn.EncodeHeader(fs...)}
		hs.auth.Store(a)
	}
	return a.block
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
	fields := []([2]string){{":method", http.MethodPost}, {":scheme", "https"}, {":authority", c.target.hostport}}
	for _, k := range []string{"content-type", "apns-push-type", "apns-priority", "apns-expiration", "apns-collapse-id", "apns-id", "apns-topic"} {
		if v := hd.Get(k); v != "" {
			fields = append(fields, [2]string{k, v})
		}
	}
	return &headerSet{key: h, fields: fields, block: h2conn.EncodeHeader(fields...), shown: flatten(hd, "", "")}, nil
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

// maxResends bounds how often one attempt is sent again after the server
// refused it unprocessed (a stream beyond a GOAWAY's last one,
// REFUSED_STREAM, a connection that ended before the request went out).
const maxResends = 6

// attempt sends a job once. retry says whether APNs allows another try.
// lean leaves out the per-push header maps (BatchOptions.OmitExchanges).
func (c *Client) attempt(ctx context.Context, w wire, job Job, r *Result, lean bool) (retry bool) {
	start := time.Now()
	req := h2conn.Request{
		Header:      c.requestBlock(w.hs),
		Path:        "/3/device/" + w.token,
		Body:        job.Payload,
		Deadline:    start.Add(c.timeout),
		WantHeaders: !lean,
	}
	var reqHeaders map[string]string
	switch {
	case c.mutate != nil:
		reqHeaders = c.mutated(&req, w.hs)
	case lean:
		reqHeaders = w.hs.shown
	default:
		reqHeaders = make(map[string]string, len(w.hs.shown)+2)
		for k, v := range w.hs.shown {
			reqHeaders[k] = v
		}
		reqHeaders[":method"], reqHeaders[":path"] = http.MethodPost, req.Path
	}
	r.Request = Exchange{Headers: reqHeaders, Body: req.Body}
	resp, err := c.roundTrip(ctx, &req)
	r.Latency = time.Since(start)
	if err != nil {
		r.Status, r.Reason = 0, ""
		r.Err = err
		r.Class = classify(ctx, ctx, err)
		switch r.Class {
		case ClassTimeout:
			r.Err = fmt.Errorf("no response within %s: %w", c.timeout, err)
		case ClassGoAway:
			desc, reason := describeGoAway(err)
			r.Err, r.Reason = fmt.Errorf("%s: %w", desc, err), reason
		}
		return r.Class == ClassConnectionReset || r.Class == ClassGoAway
	}
	r.Status = resp.Status
	r.ApnsID = resp.ApnsID
	r.ApnsUniqueID = resp.ApnsUniqueID
	r.Response = Exchange{Body: resp.Body, Headers: resp.Header}
	r.Reason, r.UnregisteredAt, r.Err, r.Class = "", time.Time{}, nil, ClassNone
	if len(bytes.TrimSpace(resp.Body)) > 0 {
		var ab apnsBody
		if json.Unmarshal(resp.Body, &ab) == nil {
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

// roundTrip sends req on a connection of the pool and waits for its
// answer. A request the server refused unprocessed is sent again, within
// its deadline and at most maxResends times: APNs never handled it, so it
// is not an attempt (Attempts stays within MaxAttempts and equals the
// tries APNs saw).
func (c *Client) roundTrip(ctx context.Context, req *h2conn.Request) (h2conn.Response, error) {
	for tries := 0; ; tries++ {
		cc, err := c.pool.get(ctx, req.Deadline)
		if err != nil {
			return h2conn.Response{}, err
		}
		resp, err := cc.RoundTrip(ctx, req)
		if err == nil || !h2conn.IsNotProcessed(err) || tries >= maxResends || ctx.Err() != nil || !time.Now().Before(req.Deadline) {
			return resp, err
		}
	}
}

// mutated applies the test hook to req, as an http.Request, and encodes
// the header block it leaves; it returns the request's headers for
// Result.Request.
func (c *Client) mutated(req *h2conn.Request, hs *headerSet) map[string]string {
	hr := &http.Request{
		Method: http.MethodPost,
		URL:    &url.URL{Scheme: "https", Host: c.target.hostport, Path: req.Path},
		Host:   c.target.hostport,
		Header: http.Header{},
		Body:   io.NopCloser(bytes.NewReader(req.Body)),
	}
	for _, f := range hs.fields {
		if !strings.HasPrefix(f[0], ":") {
			hr.Header.Set(f[0], f[1])
		}
	}
	if b := c.bearer(); b != "" {
		hr.Header.Set("authorization", "bearer "+b)
	}
	c.mutate(hr)
	want := req.WantHeaders
	*req = h2RequestOf(hr, req.Deadline)
	req.WantHeaders = want
	shown := flatten(hr.Header, ":path", req.Path)
	shown[":method"] = hr.Method
	return shown
}

// h2RequestOf encodes an http.Request (a broadcast, or a push altered by
// the test hook) for h2conn, reading its body; every response header is
// asked for.
func h2RequestOf(hr *http.Request, deadline time.Time) h2conn.Request {
	var body []byte
	if hr.Body != nil {
		body, _ = io.ReadAll(hr.Body) // a bytes.Reader: cannot fail
	}
	host := hr.Host
	if host == "" {
		host = hr.URL.Host
	}
	fields := [][2]string{{":method", hr.Method}, {":scheme", "https"}, {":authority", host}}
	for k, vs := range hr.Header {
		for _, v := range vs {
			fields = append(fields, [2]string{strings.ToLower(k), v})
		}
	}
	return h2conn.Request{Header: h2conn.EncodeHeader(fields...), Path: hr.URL.Path, Body: body, Deadline: deadline, WantHeaders: true}
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
