package apnstest

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Token-auth timing, as Apple documents it.
const (
	// TokenLifetime: a provider token older than this (by its iat) is
	// refused with ExpiredProviderToken.
	TokenLifetime = time.Hour
	// TokenRefreshMin: a connection that switches to a new token whose iat is
	// less than this away from the previous one gets TooManyProviderTokenUpdates.
	TokenRefreshMin = 20 * time.Minute
)

// appSuffixes are the topic suffixes of push types that ride on the app's own
// topic: a universal certificate for the app may push them too.
var appSuffixes = []string{
	".push-type.liveactivity", ".push-type.widgets", ".pushkit.fileprovider",
	".location-query", ".voip-ptt", ".push-type.controls",
}

// certTopics is what a client certificate may push to.
type certTopics struct {
	listed  []string // the topics the certificate names
	allowed map[string]bool
}

func topicsOfCert(cs *connState) certTopics {
	cs.topicsOnce.Do(func() {
		ts := certs.TopicsOf(cs.leaf)
		universal := false
		for _, ext := range cs.leaf.Extensions {
			if ext.Id.Equal(certs.OIDTopics) {
				universal = true
			}
		}
		ct := certTopics{allowed: map[string]bool{}}
		for _, t := range ts {
			ct.listed = append(ct.listed, t.Topic)
			ct.allowed[t.Topic] = true
			// Apple's extension names the suffixed topic ("app.voip", kind
			// "voip"); accept a bare bundle with a kind as meaning the same.
			switch t.Kind {
			case "voip", "complication":
				if !strings.HasSuffix(t.Topic, "."+t.Kind) {
					ct.allowed[t.Topic+"."+t.Kind] = true
				}
			case "app", "":
				if universal {
					for _, suf := range appSuffixes {
						ct.allowed[t.Topic+suf] = true
					}
				}
			}
		}
		cs.topics = ct
	})
	return cs.topics
}

// certAuth checks a certificate-authenticated request and returns the
// effective topic.
func (s *Server) certAuth(cs *connState, topic string) (string, *outcome) {
	envs := certs.EnvironmentsOf(cs.leaf)
	if len(envs) == 0 {
		return "", fail(ReasonBadCertificate)
	}
	if !slices.Contains(envs, s.cfg.Environment) {
		return "", fail(ReasonBadCertificateEnvironment)
	}
	ct := topicsOfCert(cs)
	if topic == "" {
		switch len(ct.listed) {
		case 0:
			return "", fail(ReasonBadCertificate)
		case 1:
			return ct.listed[0], nil
		default:
			return "", fail(ReasonMissingTopic)
		}
	}
	if !ct.allowed[topic] {
		return "", fail(ReasonTopicDisallowed)
	}
	return topic, nil
}

// tokenAuth checks `authorization: bearer <JWT>` and returns the topic.
func (s *Server) tokenAuth(cs *connState, auth, topic string) (string, *outcome) {
	if auth == "" {
		return "", fail(ReasonMissingProviderToken)
	}
	jwt, ok := cutPrefixFold(auth, "bearer ")
	if !ok {
		return "", fail(ReasonInvalidProviderToken)
	}
	jwt = strings.TrimSpace(jwt)
	// The token this connection already proved is not verified again: an
	// ECDSA verification per push would halve the server's throughput.
	claims, ok := cs.verified(jwt)
	if !ok {
		var err error
		if claims, err = parseJWT(jwt, s.cfg.AuthKeys); err != nil {
			return "", fail(ReasonInvalidProviderToken)
		}
	}
	iat := time.Unix(claims.iat, 0)
	if s.cfg.Now().Sub(iat) > TokenLifetime {
		return "", fail(ReasonExpiredProviderToken)
	}
	if o := cs.useToken(jwt, claims); o != nil {
		return "", o
	}
	if topic == "" {
		return "", fail(ReasonMissingTopic)
	}
	if len(claims.key.Topics) > 0 && !topicUnder(topic, claims.key.Topics) {
		return "", fail(ReasonTopicDisallowed)
	}
	return topic, nil
}

// useToken records the token a connection uses. Reusing it is always fine;
// so is switching to a token minted at least TokenRefreshMin apart. Tokens
// are tracked per connection, so separate clients that mint their own tokens
// never trip it: only a client that re-mints on a live connection does.
func (cs *connState) useToken(jwt string, c jwtClaims) *outcome {
	cs.tokMu.Lock()
	defer cs.tokMu.Unlock()
	if cs.token == jwt {
		return nil
	}
	if cs.token != "" {
		d := c.iat - cs.claims.iat
		if d < 0 {
			d = -d
		}
		if time.Duration(d)*time.Second < TokenRefreshMin {
			return fail(ReasonTooManyProviderTokenUpdates)
		}
	}
	cs.token, cs.claims = jwt, c
	return nil
}

// verified returns the claims of jwt if it is the token this connection
// already verified.
func (cs *connState) verified(jwt string) (jwtClaims, bool) {
	cs.tokMu.Lock()
	defer cs.tokMu.Unlock()
	if cs.token != "" && cs.token == jwt {
		return cs.claims, true
	}
	return jwtClaims{}, false
}

func topicUnder(topic string, bases []string) bool {
	for _, b := range bases {
		if topic == b || strings.HasPrefix(topic, b+".") {
			return true
		}
	}
	return false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

type jwtClaims struct {
	iat int64
	key AuthKey
}

var b64 = base64.RawURLEncoding

// parseJWT verifies an ES256 provider token against the registered keys:
// the kid must name a key, the iss must be that key's team, the signature
// must verify, and iat must be present.
func parseJWT(tok string, keys []AuthKey) (jwtClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return jwtClaims{}, errors.New("not a JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var cl struct {
		Iss string          `json:"iss"`
		Iat json.RawMessage `json:"iat"`
	}
	if err := decodePart(parts[0], &hdr); err != nil {
		return jwtClaims{}, err
	}
	if err := decodePart(parts[1], &cl); err != nil {
		return jwtClaims{}, err
	}
	if hdr.Alg != "ES256" {
		return jwtClaims{}, errors.New("alg is not ES256")
	}
	var key *AuthKey
	for i := range keys {
		if keys[i].KeyID == hdr.Kid {
			key = &keys[i]
			break
		}
	}
	if key == nil || cl.Iss != key.TeamID {
		return jwtClaims{}, errors.New("unknown key or team")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return jwtClaims{}, errors.New("bad signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(key.Public, sum[:], r, sv) {
		return jwtClaims{}, errors.New("signature does not verify")
	}
	var iat json.Number
	if err := json.Unmarshal(cl.Iat, &iat); err != nil {
		return jwtClaims{}, errors.New("no iat")
	}
	n, err := iat.Int64()
	if err != nil {
		f, ferr := iat.Float64()
		if ferr != nil {
			return jwtClaims{}, errors.New("bad iat")
		}
		n = int64(f)
	}
	return jwtClaims{iat: n, key: *key}, nil
}

func decodePart(p string, v any) error {
	b, err := b64.DecodeString(strings.TrimRight(p, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
