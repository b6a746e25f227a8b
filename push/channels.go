package push

// Broadcast channels (iOS 18): channel management against Apple's separate
// management hosts, following Apple's "Sending channel management requests
// to APNs":
//
//	development  api-manage-broadcast.sandbox.push.apple.com:2195
//	production   api-manage-broadcast.push.apple.com:2196
//
//	create  POST   /1/apps/<bundleID>/channels      body {"message-storage-policy": 0|1, "push-type": "LiveActivity"} -> 201, apns-channel-id
//	read    GET    /1/apps/<bundleID>/channels      apns-channel-id -> 200 {"message-storage-policy", "push-type"}
//	delete  DELETE /1/apps/<bundleID>/channels      apns-channel-id -> 204
//	list    GET    /1/apps/<bundleID>/all-channels  -> 200 {"channels": [...]}
//
// Every request may carry apns-request-id (a UUID); APNs echoes it, or makes
// one, in every response.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2"
)

// StoragePolicy is a channel's message storage policy, fixed at creation.
type StoragePolicy int

// Apple's two storage policies, with Apple's numbers.
const (
	// NoStorage: messages are not kept for offline devices; a higher
	// publishing budget, for frequent updates (sports scores). Broadcasts
	// on such a channel must use apns-expiration 0.
	NoStorage StoragePolicy = 0
	// MostRecentMessage: the latest message is kept up to 8 hours for
	// offline devices; for infrequent updates (flights, deliveries).
	MostRecentMessage StoragePolicy = 1
)

// String is the policy's name as pushdeck shows and parses it.
func (p StoragePolicy) String() string {
	switch p {
	case NoStorage:
		return "no-storage"
	case MostRecentMessage:
		return "most-recent"
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// ParseStoragePolicy reads "no-storage" (or "none", "0") and "most-recent"
// (or "most-recent-message", "1").
func ParseStoragePolicy(s string) (StoragePolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "no-storage", "none", "no", "0":
		return NoStorage, nil
	case "most-recent", "most-recent-message", "recent", "1":
		return MostRecentMessage, nil
	}
	return 0, fmt.Errorf("storage policy %q is unknown: use no-storage (frequent updates, expiration 0) or most-recent (keeps the last message up to 8 hours)", s)
}

// ChannelPushType is the one push type Apple allows for a channel.
const ChannelPushType = "LiveActivity"

// MaxBroadcastPayload is Apple's limit for a broadcast payload (5 KB).
const MaxBroadcastPayload = 5120

// MaxChannels is how many channels Apple lets an app keep per environment.
const MaxChannels = 10000

// maxChannelIDLen bounds a channel ID before it goes into a header. Apple
// says not to assume a size; this only stops pasted garbage.
const maxChannelIDLen = 1024

// ManagementHost is Apple's channel-management URL for an environment.
func ManagementHost(env certs.Environment) string {
	if env == certs.Production {
		return "https://api-manage-broadcast.push.apple.com:2196"
	}
	return "https://api-manage-broadcast.sandbox.push.apple.com:2195"
}

// CheckChannelID says what is wrong with a channel ID (Apple's are base64),
// or returns nil.
func CheckChannelID(id string) error {
	if id == "" {
		return errors.New("no channel ID: give the ID `pushdeck channels create` printed (base64, e.g. dHN0LXNyY2gtY2hubA==)")
	}
	if len(id) > maxChannelIDLen {
		return fmt.Errorf("the channel ID is %d characters long: that is not an ID APNs issued", len(id))
	}
	if bad := badHeaderChar(id); bad != "" {
		return errors.New("channel ID: " + bad)
	}
	if _, err := base64.StdEncoding.DecodeString(id); err != nil {
		return fmt.Errorf("channel ID %q is not base64: copy it exactly as APNs returned it (letters, digits, + / and = padding)", id)
	}
	return nil
}

// Channel is a channel's configuration as APNs reports it.
type Channel struct {
	ID       string        `json:"id"`
	Policy   StoragePolicy `json:"message_storage_policy"`
	PushType string        `json:"push_type"`
}

// ChannelResult is the outcome of one channel-management request.
type ChannelResult struct {
	Op        string // "create", "read", "delete", "list"
	Status    int    // HTTP status; 0 when no response came
	Reason    string
	RequestID string // apns-request-id of the response
	// Channel is the created or read channel; Channels the IDs listed.
	Channel  Channel
	Channels []string
	Latency  time.Duration
	Attempts int
	// Err and Class as in Result ("invalid", "timeout", "tls", ...).
	Err      error
	Class    string
	Request  Exchange
	Response Exchange
}

// OK reports whether APNs did what was asked (201, 200 or 204).
func (r ChannelResult) OK() bool {
	return r.Err == nil && (r.Status == http.StatusCreated || r.Status == http.StatusOK || r.Status == http.StatusNoContent)
}

// ChannelClient manages an app's broadcast channels. It reuses a push
// Config: the credential, environment, server CA and timeout; Host, when
// set to a non-Apple server (a local push/apnstest), serves management too.
type ChannelClient struct {
	bundle    string
	target    target
	timeout   time.Duration
	token     *token.Token
	transport *http2.Transport
	// mutate, set only by tests, alters a request after validation so the
	// server's checks of bad requests can be reached.
	mutate func(*http.Request)
}

// NewChannelClient builds a channel-management client for cfg's app (Topic,
// else the certificate's topic); it connects on first use.
func NewChannelClient(cfg Config) (*ChannelClient, error) {
	if err := checkCredential(cfg.Credential); err != nil {
		return nil, err
	}
	bundle, err := channelBundle(cfg)
	if err != nil {
		return nil, err
	}
	t, err := managementTarget(cfg)
	if err != nil {
		return nil, err
	}
	tc, err := tlsConfig(cfg, t)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &ChannelClient{bundle: bundle, target: t, timeout: timeout}
	if cfg.Credential.Kind == certs.AuthToken {
		c.token = &token.Token{AuthKey: cfg.Credential.Signer, KeyID: cfg.Credential.KeyID, TeamID: cfg.Credential.TeamID}
	}
	// Management traffic is a handful of requests: one connection, the
	// transport's own pool, h2 only.
	c.transport = &http2.Transport{
		TLSClientConfig: tc,
		ReadIdleTimeout: 15 * time.Second,
		PingTimeout:     10 * time.Second,
		DialTLSContext: func(ctx context.Context, network, addr string, tc *tls.Config) (net.Conn, error) {
			d := &net.Dialer{Timeout: dialTimeout}
			raw, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			conn := tls.Client(raw, tc)
			if err := conn.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, &tlsError{err: err}
			}
			if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
				conn.Close()
				return nil, &tlsError{err: fmt.Errorf("the server at %s did not offer HTTP/2 (ALPN %q)", addr, p)}
			}
			return conn, nil
		},
	}
	return c, nil
}

// channelBundle is the bare bundle ID channels belong to: Apple refuses a
// push-type suffix there (TopicDisallowed).
func channelBundle(cfg Config) (string, error) {
	b := appTopic(cfg)
	if b == "" {
		return "", errors.New("no bundle ID: channels belong to an app; pass its bundle ID (--topic com.example.app)")
	}
	for _, s := range []string{".push-type.liveactivity", ".voip", ".complication", ".push-type.widgets"} {
		if strings.HasSuffix(b, s) {
			return "", fmt.Errorf("topic %s has a push-type suffix: channels and broadcasts use the bare bundle ID (%s)", b, strings.TrimSuffix(b, s))
		}
	}
	if bad := badHeaderChar(b); bad != "" || strings.ContainsAny(b, " /?#%") {
		return "", fmt.Errorf("%q is not a bundle ID: letters, digits, dots and dashes only", b)
	}
	return b, nil
}

// managementTarget is Apple's management host for the environment, or the
// configured host when it is not Apple's (a local server serves both APIs).
// A Host naming Apple's push host maps to the management host of its
// environment.
func managementTarget(cfg Config) (target, error) {
	env := cfg.Environment
	if cfg.Host != "" {
		t, err := resolveTarget(cfg)
		if err != nil {
			return target{}, err
		}
		if !t.apple {
			return t, nil
		}
		env = certs.Production
		if strings.Contains(t.hostname, "sandbox") || strings.Contains(t.hostname, "development") {
			env = certs.Development
		}
	} else if env != certs.Development && env != certs.Production {
		return target{}, fmt.Errorf("unknown environment %q: use development (sandbox) or production", env)
	}
	u, _ := url.Parse(ManagementHost(env))
	return target{base: ManagementHost(env), hostname: u.Hostname(), port: u.Port(), apple: true}, nil
}

// URL is the management base URL, e.g. https://api-manage-broadcast.push.apple.com:2196.
func (c *ChannelClient) URL() string { return c.target.base }

// Bundle is the app the client manages channels of.
func (c *ChannelClient) Bundle() string { return c.bundle }

// Close closes the client's connection.
func (c *ChannelClient) Close() { c.transport.CloseIdleConnections() }

// Create asks APNs for a new channel with the storage policy; the ID is in
// Result.Channel.ID. It is never retried once sent: a lost answer could
// otherwise leave two channels.
func (c *ChannelClient) Create(ctx context.Context, policy StoragePolicy) ChannelResult {
	if policy != NoStorage && policy != MostRecentMessage {
		return invalidChannel("create", "message-storage-policy", fmt.Sprintf("%d is not a storage policy: use 0 (no storage) or 1 (most recent message)", policy))
	}
	body, _ := json.Marshal(map[string]any{"message-storage-policy": int(policy), "push-type": ChannelPushType})
	r := c.do(ctx, "create", http.MethodPost, "/channels", "", body, 1)
	if r.Status == http.StatusCreated {
		r.Channel = Channel{ID: r.Response.Headers["apns-channel-id"], Policy: policy, PushType: ChannelPushType}
		if r.Channel.ID == "" {
			r.Err, r.Class = errors.New("APNs answered 201 without an apns-channel-id header"), "invalid"
		}
	}
	return r
}

// Read fetches a channel's configuration.
func (c *ChannelClient) Read(ctx context.Context, id string) ChannelResult {
	if err := CheckChannelID(id); err != nil {
		return invalidChannel("read", "apns-channel-id", err.Error())
	}
	r := c.do(ctx, "read", http.MethodGet, "/channels", id, nil, DefaultMaxAttempts)
	if r.Status == http.StatusOK {
		var b struct {
			Policy   *int   `json:"message-storage-policy"`
			PushType string `json:"push-type"`
		}
		if err := json.Unmarshal(r.Response.Body, &b); err != nil || b.Policy == nil {
			r.Err, r.Class = fmt.Errorf("APNs answered 200 with a body pushdeck cannot read: %q", truncate(r.Response.Body, 120)), "invalid"
			return r
		}
		r.Channel = Channel{ID: id, Policy: StoragePolicy(*b.Policy), PushType: b.PushType}
	}
	return r
}

// Delete deletes a channel for good: its ID can never come back, and APNs
// may still deliver messages it stored.
func (c *ChannelClient) Delete(ctx context.Context, id string) ChannelResult {
	if err := CheckChannelID(id); err != nil {
		return invalidChannel("delete", "apns-channel-id", err.Error())
	}
	// One attempt: a delete whose answer was lost and that is sent again
	// would come back ChannelNotRegistered, hiding that it worked.
	r := c.do(ctx, "delete", http.MethodDelete, "/channels", id, nil, 1)
	if r.OK() {
		r.Channel.ID = id
	}
	return r
}

// List lists the IDs of every channel the app has in this environment.
func (c *ChannelClient) List(ctx context.Context) ChannelResult {
	r := c.do(ctx, "list", http.MethodGet, "/all-channels", "", nil, DefaultMaxAttempts)
	if r.Status == http.StatusOK {
		var b struct {
			Channels []string `json:"channels"`
		}
		if err := json.Unmarshal(r.Response.Body, &b); err != nil {
			r.Err, r.Class = fmt.Errorf("APNs answered 200 with a body pushdeck cannot read: %q", truncate(r.Response.Body, 120)), "invalid"
			return r
		}
		r.Channels = b.Channels
		if r.Channels == nil {
			r.Channels = []string{}
		}
	}
	return r
}

func invalidChannel(op, field, reason string) ChannelResult {
	return ChannelResult{Op: op, Err: &InvalidError{Field: field, Reason: reason}, Class: "invalid"}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// do sends one management request with up to attempts tries (only where a
// retry is safe: 429, 500, 503 and a connection lost before an answer);
// create and delete make one attempt, read and list up to three.
func (c *ChannelClient) do(ctx context.Context, op, method, suffix, channelID string, body []byte, attempts int) ChannelResult {
	r := ChannelResult{Op: op}
	path := "/1/apps/" + c.bundle + suffix
	for {
		r.Attempts++
		retry := c.attempt(ctx, method, path, channelID, body, &r)
		if !retry || r.Attempts >= attempts || ctx.Err() != nil {
			return r
		}
		t := time.NewTimer(backoff(DefaultBackoff, r.Attempts))
		select {
		case <-ctx.Done():
			t.Stop()
			r.Err, r.Class = fmt.Errorf("cancelled: %w", context.Cause(ctx)), "cancelled"
			return r
		case <-t.C:
		}
	}
}

func (c *ChannelClient) attempt(ctx context.Context, method, path, channelID string, body []byte, r *ChannelResult) bool {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, c.target.base+path, rd)
	if err != nil {
		r.Err, r.Class = err, "invalid"
		return false
	}
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	req.Header.Set("apns-request-id", newRequestID())
	if channelID != "" {
		req.Header.Set("apns-channel-id", channelID)
	}
	if c.token != nil {
		req.Header.Set("authorization", "bearer "+c.token.GenerateIfExpired())
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	r.Request = Exchange{Headers: flatten(req.Header, ":path", req.URL.Path), Body: body}
	r.Request.Headers[":method"] = req.Method
	start := time.Now()
	resp, err := c.transport.RoundTrip(req)
	r.Latency = time.Since(start)
	if err != nil {
		r.Status, r.Reason, r.Err = 0, "", err
		r.Class = string(classify(ctx, actx, err))
		if r.Class == "timeout" {
			r.Err = fmt.Errorf("no response within %s: %w", c.timeout, err)
		}
		return r.Class == "connection-reset" || r.Class == "goaway"
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	r.Status = resp.StatusCode
	r.RequestID = resp.Header.Get("apns-request-id")
	r.Response = Exchange{Headers: flatten(resp.Header, ":status", strconv.Itoa(resp.StatusCode)), Body: rb}
	r.Err, r.Class, r.Reason = nil, "", ""
	if resp.StatusCode >= 400 {
		var ab apnsBody
		if json.Unmarshal(rb, &ab) == nil {
			r.Reason = ab.Reason
		}
	}
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
		return r.Reason != "TooManyProviderTokenUpdates"
	}
	return false
}

// ProbeChannels checks the channel-management host for cfg: it lists the
// app's channels (which changes nothing) and says whether the credential
// may manage channels there, with Apple's reason and the fix when not.
func ProbeChannels(ctx context.Context, cfg Config) Verdict {
	cc, err := NewChannelClient(cfg)
	if err != nil {
		return Verdict{Reason: err.Error(), Advice: "Fix the profile, then probe again."}
	}
	defer cc.Close()
	r := cc.List(ctx)
	if r.OK() {
		return Verdict{OK: true, Reason: fmt.Sprintf("%s answers: %s has %d broadcast channels", cc.URL(), cc.Bundle(), len(r.Channels)),
			Advice: "Channel management works: pushdeck channels create makes one."}
	}
	advice := "Check the network path to " + cc.URL() + " (Apple serves channel management on 2195 for development and 2196 for production)."
	if r.Reason != "" {
		advice = ExplainChannel(r.Reason).Fix
	}
	return Verdict{Reason: DescribeChannel(r, cfg.Environment), Advice: advice}
}
