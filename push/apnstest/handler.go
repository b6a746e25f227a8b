package apnstest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Payload limits in bytes, as Apple documents them.
const (
	MaxPayload     = 4096
	MaxVoIPPayload = 5120
)

// pushTypes are the apns-push-type values APNs accepts.
var pushTypes = map[string]bool{
	"alert": true, "background": true, "location": true, "voip": true,
	"complication": true, "fileprovider": true, "mdm": true,
	"liveactivity": true, "pushtotalk": true, "widgets": true, "controls": true,
}

type connKey struct{}

// connState is what the server remembers about one connection.
type connState struct {
	conn    net.Conn
	hs      *http.Server
	leaf    *x509.Certificate
	streams atomic.Int64

	goAwayOnce sync.Once
	goAway     *goAwayConn // nil unless Faults.GoAwayAfter
	limit      *limitConn  // nil unless StreamLimitDrop
	topicsOnce sync.Once
	topics     certTopics

	// The provider token this connection authenticated with, for
	// TooManyProviderTokenUpdates.
	tokMu  sync.Mutex
	token  string
	claims jwtClaims
}

// outcome is how the server answers one request.
type outcome struct {
	status    int
	reason    string
	timestamp time.Time // 410 only
	drop      bool
}

func fail(reason string) *outcome { return &outcome{status: statusOf[reason], reason: reason} }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		panic(http.ErrAbortHandler) // closing: no answer, not an empty 200
	}
	defer s.wg.Done()
	s.requests.Add(1)
	cs, _ := r.Context().Value(connKey{}).(*connState)
	n := cs.streams.Add(1)
	if isChannelPath(r.URL.Path) {
		s.handleChannels(w, r, cs)
		return
	}

	apnsID := r.Header.Get("apns-id")
	out, push, rl := s.decide(r, cs, &apnsID)
	if apnsID == "" {
		apnsID = newUUID()
	}

	if d := s.faults.delay(rl); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			// The client gave up or the server is closing: reset the stream
			// rather than let a normal return send an empty 200.
			t.Stop()
			panic(http.ErrAbortHandler)
		}
	}
	if cs.goAway != nil && n == int64(s.cfg.Faults.GoAwayAfter) {
		s.goAway(r, cs)
	}
	if out != nil && out.drop {
		s.dropped.Add(1)
		cs.conn.Close()
		panic(http.ErrAbortHandler)
	}

	if cs.limit != nil {
		cs.limit.answered(out == nil)
	}
	h := w.Header()
	h.Set("apns-id", apnsID)
	if s.cfg.Environment == certs.Development {
		h.Set("apns-unique-id", newUUID())
	}
	if out == nil {
		if s.cfg.OnPush != nil {
			push.ApnsID = apnsID
			s.cfg.OnPush(push)
		}
		s.count(http.StatusOK, "")
		w.WriteHeader(http.StatusOK)
		s.observe(r, push, apnsID, http.StatusOK, "")
		return
	}
	s.count(out.status, out.reason)
	defer s.observe(r, push, apnsID, out.status, out.reason)
	body := map[string]any{"reason": out.reason}
	if out.status == http.StatusGone {
		ts := out.timestamp
		if ts.IsZero() {
			ts = s.cfg.Now()
		}
		body["timestamp"] = ts.UnixMilli()
	}
	b, _ := json.Marshal(body)
	h.Set("content-type", "application/json")
	h.Set("content-length", strconv.Itoa(len(b)))
	w.WriteHeader(out.status)
	w.Write(b)
}

func (s *Server) observe(r *http.Request, p Push, apnsID string, status int, reason string) {
	if s.cfg.OnResponse == nil {
		return
	}
	s.cfg.OnResponse(Response{
		Remote: r.RemoteAddr, Token: p.Token, Topic: p.Topic, PushType: r.Header.Get("apns-push-type"),
		Auth: p.Auth, Status: status, Reason: reason, ApnsID: apnsID, PayloadBytes: len(p.Payload), Note: p.Note,
	})
}

// goAway starts a graceful GOAWAY on the connection (streams already open,
// this one included, still finish) and waits until the frame is written, so
// the client learns of it before this stream's response.
func (s *Server) goAway(r *http.Request, cs *connState) {
	cs.goAwayOnce.Do(func() {
		s.goAways.Add(1)
		// Shutting down this connection's own http.Server is how x/net/http2
		// lets us send a graceful GOAWAY on one connection.
		cs.hs.Shutdown(s.ctx)
	})
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-cs.goAway.sent:
	case <-r.Context().Done():
	case <-t.C:
	}
}

// decide runs Apple's checks in order and returns the first failure (nil
// for 200) with the push as understood so far. It may clear *apnsID when
// the client's one is malformed, so the response carries a fresh one.
func (s *Server) decide(r *http.Request, cs *connState, apnsID *string) (*outcome, Push, roll) {
	var rl roll
	out, push := s.check(r, cs, apnsID, &rl)
	return out, push, rl
}

func (s *Server) check(r *http.Request, cs *connState, apnsID *string, rl *roll) (*outcome, Push) {
	// Read the body up front: HTTP/2 flow control wants it consumed, and the
	// size check needs it anyway.
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxVoIPPayload+1))
	push := Push{Header: r.Header, Payload: body, Topic: r.Header.Get("apns-topic")}

	if r.Method != http.MethodPost {
		return fail(ReasonMethodNotAllowed), push
	}
	tok, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok || tok == "" || strings.Contains(tok, "/") {
		return fail(ReasonBadPath), push
	}
	push.Token = strings.ToLower(tok)

	// Server trouble does not care whether the request was any good.
	*rl = s.faults.draw(push.Token)
	if f := s.faults.server(*rl); f != nil {
		return f, push
	}

	if *apnsID != "" && !isUUID(*apnsID) {
		*apnsID = ""
		return fail(ReasonBadMessageID), push
	}

	topic := r.Header.Get("apns-topic")
	if topic != "" && !validTopic(topic) {
		return fail(ReasonBadTopic), push
	}
	var o *outcome
	if auth := r.Header.Get("authorization"); auth != "" || cs.leaf == nil {
		push.Auth = certs.AuthToken
		topic, o = s.tokenAuth(cs, auth, topic)
	} else {
		push.Auth = certs.AuthCertificate
		topic, o = s.certAuth(cs, topic)
	}
	if o != nil {
		return o, push
	}
	push.Topic = topic

	if p := r.Header.Get("apns-priority"); p != "" && p != "10" && p != "5" && p != "1" {
		return fail(ReasonBadPriority), push
	}
	pt := r.Header.Get("apns-push-type")
	if pt != "" && !pushTypes[pt] {
		return fail(ReasonInvalidPushType), push
	}
	if len(r.Header.Get("apns-collapse-id")) > 64 {
		return fail(ReasonBadCollapseID), push
	}
	if e, ok := r.Header["Apns-Expiration"]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(e[0]), 10, 64); err != nil || n < 0 {
			return fail(ReasonBadExpirationDate), push
		}
	}

	if !wellFormedToken(push.Token) {
		return fail(ReasonBadDeviceToken), push
	}
	dev, known := Device{}, false
	if s.cfg.Registry != nil {
		dev, known = s.cfg.Registry.Lookup(push.Token)
		if !known || (dev.Environment != "" && dev.Environment != s.cfg.Environment) {
			return fail(ReasonBadDeviceToken), push
		}
		if dev.Topic != "" && topic != dev.Topic && !strings.HasPrefix(topic, dev.Topic+".") {
			return fail(ReasonDeviceTokenNotForTopic), push
		}
		if o := liveActivityTopic(dev, topic); o != nil {
			return o, push
		}
	}

	limit := MaxPayload
	if pt == "voip" {
		limit = MaxVoIPPayload
	}
	if len(body) == 0 {
		return fail(ReasonPayloadEmpty), push
	}
	if len(body) > limit {
		return fail(ReasonPayloadTooLarge), push
	}

	if known {
		switch dev.State {
		case StateUnregistered:
			o := fail(ReasonUnregistered)
			o.timestamp = dev.UnregisteredAt
			return o, push
		case StateExpired:
			return fail(ReasonExpiredToken), push
		}
	}
	if s.faults.rateLimited(push.Token, s.cfg.Now()) {
		return fail(ReasonTooManyRequests), push
	}
	if known && isLiveActivityKind(dev.Kind) {
		push.Note = s.deliverLiveActivity(push.Token, body, false).Note
	}
	return nil, push
}

// wellFormedToken accepts what APNs could have issued: even-length hex of
// 64 to 200 digits, not all zeros. The all-zero token is how a connectivity
// probe asks "is my credential accepted?" without reaching a device, so it
// must never be accepted.
func wellFormedToken(t string) bool {
	if len(t) < certs.DeviceTokenHexLen || len(t) > 200 || len(t)%2 != 0 {
		return false
	}
	if _, err := hex.DecodeString(t); err != nil {
		return false
	}
	return strings.Trim(t, "0") != ""
}

// validTopic: a bundle ID with optional suffixes; letters, digits, '-', '_'
// and dots between non-empty parts.
func validTopic(t string) bool {
	if len(t) > 255 {
		return false
	}
	for _, part := range strings.Split(t, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// isUUID accepts the canonical 8-4-4-4-12 hex form, either case.
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
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// newUUID is a random (version 4) UUID in upper case, as APNs writes them.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}
