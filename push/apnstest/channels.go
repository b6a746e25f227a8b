package apnstest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Reasons only the channel-management and broadcast endpoints answer with,
// as Apple's "Handling error responses from Apple Push Notification
// service" spells them.
const (
	ReasonFeatureNotEnabled         = apnsreason.FeatureNotEnabled
	ReasonMissingChannelID          = apnsreason.MissingChannelID
	ReasonBadChannelID              = apnsreason.BadChannelID
	ReasonChannelNotRegistered      = apnsreason.ChannelNotRegistered
	ReasonBadRequestParams          = apnsreason.BadRequestParams
	ReasonBadRequestPayload         = apnsreason.BadRequestPayload
	ReasonMissingPushType           = apnsreason.MissingPushType
	ReasonCannotCreateChannelConfig = apnsreason.CannotCreateChannelConfig
	ReasonTopicMismatch             = apnsreason.TopicMismatch
)

// channelStatusOf is the status of every reason the channel endpoints give.
var channelStatusOf = map[string]int{
	ReasonFeatureNotEnabled:           http.StatusBadRequest,
	ReasonMissingChannelID:            http.StatusBadRequest,
	ReasonBadChannelID:                http.StatusBadRequest,
	ReasonChannelNotRegistered:        http.StatusBadRequest,
	ReasonBadRequestParams:            http.StatusBadRequest,
	ReasonBadRequestPayload:           http.StatusBadRequest,
	ReasonPayloadEmpty:                http.StatusBadRequest,
	ReasonBadMessageID:                http.StatusBadRequest,
	ReasonMissingPushType:             http.StatusBadRequest,
	ReasonInvalidPushType:             http.StatusBadRequest,
	ReasonCannotCreateChannelConfig:   http.StatusBadRequest,
	ReasonBadExpirationDate:           http.StatusBadRequest,
	ReasonTopicDisallowed:             http.StatusBadRequest,
	ReasonBadPriority:                 http.StatusBadRequest,
	ReasonBadCertificate:              http.StatusForbidden,
	ReasonBadCertificateEnvironment:   http.StatusForbidden,
	ReasonTopicMismatch:               http.StatusForbidden,
	ReasonMissingProviderToken:        http.StatusForbidden,
	ReasonExpiredProviderToken:        http.StatusForbidden,
	ReasonInvalidProviderToken:        http.StatusForbidden,
	ReasonBadPath:                     http.StatusNotFound,
	ReasonMethodNotAllowed:            http.StatusMethodNotAllowed,
	ReasonPayloadTooLarge:             http.StatusRequestEntityTooLarge,
	ReasonTooManyRequests:             http.StatusTooManyRequests,
	ReasonTooManyProviderTokenUpdates: http.StatusTooManyRequests,
	ReasonInternalServerError:         http.StatusInternalServerError,
	ReasonServiceUnavailable:          http.StatusServiceUnavailable,
}

// ChannelReasons lists every reason the channel and broadcast endpoints can
// answer with.
func ChannelReasons() []string {
	out := make([]string, 0, len(channelStatusOf))
	for r := range channelStatusOf {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// ChannelStatusOf is the HTTP status a channel or broadcast reason comes with.
func ChannelStatusOf(reason string) int { return channelStatusOf[reason] }

// Channel limits and sizes, as Apple documents them.
const (
	// DefaultChannelLimit: Apple allows 10,000 channels per app and environment.
	DefaultChannelLimit = 10000
	// MaxBroadcastPayload: a broadcast payload is at most 5 KB.
	MaxBroadcastPayload = 5120
	// maxChannelID bounds apns-channel-id (Apple publishes no size).
	maxChannelID = 1024
)

// Storage policies a channel is created with.
const (
	PolicyNoStorage  = 0
	PolicyMostRecent = 1
)

// ChannelStore holds broadcast channels per app; safe for concurrent use.
// One store belongs to one environment (channels are not shared across
// environments).
type ChannelStore struct {
	mu    sync.Mutex
	limit int
	apps  map[string]map[string]*channelState
	// OnBroadcast, if set, is called with each accepted broadcast after its
	// fan-out; it must be safe for concurrent use.
	OnBroadcast func(Broadcast)
}

type channelState struct {
	policy      int
	created     time.Time
	subscribers []string
	broadcasts  []Broadcast
}

// ChannelInfo is a channel as the store holds it.
type ChannelInfo struct {
	ID          string
	Bundle      string
	Policy      int
	Created     time.Time
	Subscribers []string
	Broadcasts  int
}

// Broadcast is one accepted broadcast and what each subscriber did with it.
type Broadcast struct {
	Bundle     string
	ChannelID  string
	RequestID  string
	Priority   string
	Expiration string
	Payload    []byte
	Deliveries []Delivery
}

// Delivery is one subscriber's view of a broadcast (or of a direct Live
// Activity push): applied, or ignored by the device with why.
type Delivery struct {
	Token   string
	Applied bool
	Note    string
}

// NewChannelStore makes an empty store; limit 0 means Apple's 10,000.
func NewChannelStore(limit int) *ChannelStore {
	if limit <= 0 {
		limit = DefaultChannelLimit
	}
	return &ChannelStore{limit: limit, apps: map[string]map[string]*channelState{}}
}

// errChannelLimit is CannotCreateChannelConfig.
var errChannelLimit = errors.New("channel limit reached")

// Create makes a channel with a random ID, as APNs does.
func (cs *ChannelStore) Create(bundle string, policy int, now time.Time) (string, error) {
	var b [16]byte
	rand.Read(b[:])
	id := base64.StdEncoding.EncodeToString(b[:])
	return id, cs.Add(bundle, id, policy, now)
}

// Add registers a channel with a given ID (the demo's are fixed).
func (cs *ChannelStore) Add(bundle, id string, policy int, now time.Time) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	app := cs.apps[bundle]
	if app == nil {
		app = map[string]*channelState{}
		cs.apps[bundle] = app
	}
	if len(app) >= cs.limit {
		return errChannelLimit
	}
	app[id] = &channelState{policy: policy, created: now}
	return nil
}

// Subscribe adds a Live Activity token as a subscriber of a channel, as a
// device does when an activity starts with pushType .channel(id). It
// reports whether the channel exists.
func (cs *ChannelStore) Subscribe(bundle, id, token string) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	ch := cs.apps[bundle][id]
	if ch == nil {
		return false
	}
	tok := normalize(token)
	if !slices.Contains(ch.subscribers, tok) {
		ch.subscribers = append(ch.subscribers, tok)
	}
	return true
}

// Get returns a channel.
func (cs *ChannelStore) Get(bundle, id string) (ChannelInfo, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	ch := cs.apps[bundle][id]
	if ch == nil {
		return ChannelInfo{}, false
	}
	return ChannelInfo{ID: id, Bundle: bundle, Policy: ch.policy, Created: ch.created,
		Subscribers: slices.Clone(ch.subscribers), Broadcasts: len(ch.broadcasts)}, true
}

// List returns an app's channel IDs, sorted.
func (cs *ChannelStore) List(bundle string) []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]string, 0, len(cs.apps[bundle]))
	for id := range cs.apps[bundle] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Delete removes a channel for good; it reports whether it existed.
func (cs *ChannelStore) Delete(bundle, id string) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.apps[bundle][id] == nil {
		return false
	}
	delete(cs.apps[bundle], id)
	return true
}

// Broadcasts returns the broadcasts a channel accepted, oldest first.
func (cs *ChannelStore) Broadcasts(bundle, id string) []Broadcast {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	ch := cs.apps[bundle][id]
	if ch == nil {
		return nil
	}
	return slices.Clone(ch.broadcasts)
}

// Channels is the server's channel store.
func (s *Server) Channels() *ChannelStore { return s.channels }

// isChannelPath reports whether a request is for the channel-management
// or broadcast API, which handleChannels answers.
func isChannelPath(p string) bool {
	return strings.HasPrefix(p, "/1/apps/") || strings.HasPrefix(p, "/4/broadcasts/")
}

// handleChannels answers a channel-management or broadcast request, in
// Apple's order: path and method, authentication, then the channel.
func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request, cs *connState) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBroadcastPayload+1))
	reqID := r.Header.Get("apns-request-id")
	resp := Response{Remote: r.RemoteAddr, PushType: r.Header.Get("apns-push-type"), PayloadBytes: len(body)}
	note := ""
	answer := func(status int, reason string, hdr map[string]string, out any) {
		if reqID == "" || !isUUID(reqID) {
			reqID = strings.ToLower(newUUID())
		}
		h := w.Header()
		h.Set("apns-request-id", reqID)
		for k, v := range hdr {
			h.Set(k, v)
		}
		var b []byte
		if reason != "" {
			b, _ = json.Marshal(map[string]string{"reason": reason})
		} else if out != nil {
			b, _ = json.Marshal(out)
		}
		if b != nil {
			h.Set("content-type", "application/json")
			h.Set("content-length", strconv.Itoa(len(b)))
		}
		s.count(status, reason)
		w.WriteHeader(status)
		w.Write(b)
		resp.Status, resp.Reason, resp.ApnsID, resp.Note = status, reason, reqID, note
		if s.cfg.OnResponse != nil {
			s.cfg.OnResponse(resp)
		}
	}
	fail := func(reason string) { answer(channelStatusOf[reason], reason, nil, nil) }

	bundle, op, ok := parseChannelPath(r.URL.Path)
	if !ok {
		fail(ReasonBadPath)
		return
	}
	resp.Topic = bundle
	allowed := map[string][]string{
		"channels": {http.MethodPost, http.MethodGet, http.MethodDelete}, "all-channels": {http.MethodGet},
		"broadcast": {http.MethodPost},
	}[op]
	if !slices.Contains(allowed, r.Method) {
		fail(ReasonMethodNotAllowed)
		return
	}
	if reqID != "" && !isUUID(reqID) {
		reqID = ""
		fail(ReasonBadMessageID)
		return
	}
	if hasPushTypeSuffix(bundle) || !validTopic(bundle) {
		fail(ReasonTopicDisallowed)
		return
	}
	var o *outcome
	if auth := r.Header.Get("authorization"); auth != "" || cs.leaf == nil {
		resp.Auth = certs.AuthToken
		_, o = s.tokenAuth(cs, auth, bundle)
	} else {
		resp.Auth = certs.AuthCertificate
		_, o = s.certAuth(cs, bundle)
	}
	if o != nil {
		if o.reason == ReasonTopicDisallowed || o.reason == ReasonMissingTopic {
			o.reason = ReasonTopicMismatch
		}
		fail(o.reason)
		return
	}
	if len(s.cfg.BroadcastApps) > 0 && !slices.Contains(s.cfg.BroadcastApps, bundle) {
		fail(ReasonFeatureNotEnabled)
		return
	}

	// Server trouble (Faults.Error500, Error503) hits management and
	// broadcasts alike, drawn per channel (or per app for create and list).
	key := r.Header.Get("apns-channel-id")
	if key == "" {
		key = op + ":" + bundle
	}
	if f := s.faults.server(s.faults.draw(key)); f != nil {
		fail(f.reason)
		return
	}
	switch {
	case op == "channels" && r.Method == http.MethodPost:
		s.createChannel(bundle, body, &note, fail, answer)
	case op == "all-channels":
		ids := s.channels.List(bundle)
		note = fmt.Sprintf("listed %d channels", len(ids))
		answer(http.StatusOK, "", nil, map[string][]string{"channels": ids})
	default:
		id, reason := s.channelOf(bundle, r)
		resp.Token = id
		if reason != "" {
			fail(reason)
			return
		}
		switch {
		case op == "broadcast":
			s.broadcast(bundle, id, r, body, reqID, &note, fail, answer)
		case r.Method == http.MethodGet:
			ch, _ := s.channels.Get(bundle, id)
			note = fmt.Sprintf("read channel: policy %d, %d subscribers", ch.Policy, len(ch.Subscribers))
			answer(http.StatusOK, "", nil, map[string]any{"message-storage-policy": ch.Policy, "push-type": "LiveActivity"})
		default:
			if !s.channels.Delete(bundle, id) {
				fail(ReasonChannelNotRegistered)
				return
			}
			note = "channel deleted"
			answer(http.StatusNoContent, "", nil, nil)
		}
	}
}

// parseChannelPath splits /1/apps/<bundle>/channels, /1/apps/<bundle>/all-channels
// and /4/broadcasts/apps/<bundle>.
func parseChannelPath(p string) (bundle, op string, ok bool) {
	if rest, found := strings.CutPrefix(p, "/4/broadcasts/apps/"); found {
		if rest == "" || strings.Contains(rest, "/") {
			return "", "", false
		}
		return rest, "broadcast", true
	}
	rest, found := strings.CutPrefix(p, "/1/apps/")
	if !found {
		return "", "", false
	}
	bundle, op, found = strings.Cut(rest, "/")
	if !found || bundle == "" || (op != "channels" && op != "all-channels") {
		return "", "", false
	}
	return bundle, op, true
}

func hasPushTypeSuffix(bundle string) bool {
	for _, s := range appSuffixes {
		if strings.HasSuffix(bundle, s) {
			return true
		}
	}
	return strings.HasSuffix(bundle, ".voip") || strings.HasSuffix(bundle, ".complication")
}

// channelOf reads apns-channel-id and finds the channel.
func (s *Server) channelOf(bundle string, r *http.Request) (string, string) {
	id := r.Header.Get("apns-channel-id")
	if id == "" {
		return "", ReasonMissingChannelID
	}
	if len(id) > maxChannelID {
		return id, ReasonBadChannelID
	}
	if _, err := base64.StdEncoding.DecodeString(id); err != nil {
		return id, ReasonBadChannelID
	}
	if _, ok := s.channels.Get(bundle, id); !ok {
		return id, ReasonChannelNotRegistered
	}
	return id, ""
}

func (s *Server) createChannel(bundle string, body []byte, note *string, fail func(string), answer func(int, string, map[string]string, any)) {
	if len(strings.TrimSpace(string(body))) == 0 {
		fail(ReasonPayloadEmpty)
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		fail(ReasonBadRequestPayload)
		return
	}
	for k := range req {
		if k != "message-storage-policy" && k != "push-type" {
			fail(ReasonBadRequestParams)
			return
		}
	}
	pt, ok := req["push-type"]
	if !ok {
		fail(ReasonMissingPushType)
		return
	}
	var pts string
	if json.Unmarshal(pt, &pts) != nil || !strings.EqualFold(pts, "LiveActivity") {
		fail(ReasonInvalidPushType)
		return
	}
	// Apple names no reason for a missing or unknown policy; the closest
	// of its reasons is BadRequestParams.
	var policy int
	if raw, ok := req["message-storage-policy"]; !ok || json.Unmarshal(raw, &policy) != nil || (policy != PolicyNoStorage && policy != PolicyMostRecent) {
		fail(ReasonBadRequestParams)
		return
	}
	id, err := s.channels.Create(bundle, policy, s.cfg.Now())
	if err != nil {
		fail(ReasonCannotCreateChannelConfig)
		return
	}
	*note = fmt.Sprintf("channel %s created, policy %d", id, policy)
	answer(http.StatusCreated, "", map[string]string{"apns-channel-id": id}, nil)
}

// broadcast checks a broadcast's headers and body and fans it out to the
// channel's subscribers.
func (s *Server) broadcast(bundle, id string, r *http.Request, body []byte, reqID string, note *string, fail func(string), answer func(int, string, map[string]string, any)) {
	pt := r.Header.Get("apns-push-type")
	if pt == "" {
		fail(ReasonMissingPushType)
		return
	}
	if !strings.EqualFold(pt, "liveactivity") {
		fail(ReasonInvalidPushType)
		return
	}
	prio := r.Header.Get("apns-priority")
	if prio != "" && prio != "10" && prio != "5" && prio != "1" {
		fail(ReasonBadPriority)
		return
	}
	ch, _ := s.channels.Get(bundle, id)
	exp := r.Header.Get("apns-expiration")
	if exp != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(exp), 10, 64)
		if err != nil || n < 0 || (n != 0 && ch.Policy == PolicyNoStorage) {
			fail(ReasonBadExpirationDate)
			return
		}
	}
	if len(body) == 0 {
		fail(ReasonPayloadEmpty)
		return
	}
	if len(body) > MaxBroadcastPayload {
		fail(ReasonPayloadTooLarge)
		return
	}
	if s.faults.rateLimited("channel:"+id, s.cfg.Now()) {
		fail(ReasonTooManyRequests)
		return
	}
	b := Broadcast{Bundle: bundle, ChannelID: id, RequestID: reqID, Priority: prio, Expiration: exp, Payload: body}
	for _, tok := range ch.Subscribers {
		b.Deliveries = append(b.Deliveries, s.deliverLiveActivity(tok, body, true))
	}
	s.channels.mu.Lock()
	if c := s.channels.apps[bundle][id]; c != nil {
		c.broadcasts = append(c.broadcasts, b)
	}
	s.channels.mu.Unlock()
	*note = describeBroadcast(b)
	if s.channels.OnBroadcast != nil {
		s.channels.OnBroadcast(b)
	}
	hdr := map[string]string{}
	if s.cfg.Environment == certs.Development {
		hdr["apns-unique-id"] = strings.ToLower(newUUID())
	}
	answer(http.StatusOK, "", hdr, nil)
}

// describeBroadcast is a one-line summary of a fan-out for logs.
func describeBroadcast(b Broadcast) string {
	applied := 0
	for _, d := range b.Deliveries {
		if d.Applied {
			applied++
		}
	}
	return fmt.Sprintf("fan-out to %d subscribers, %d applied", len(b.Deliveries), applied)
}
