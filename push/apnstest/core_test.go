package apnstest

import (
	"net/http"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

func TestCertificateAuthAccepted(t *testing.T) {
	s := start(t, nil)
	c := client(t, s, &fx.dev)
	r := do(t, c, s, req{})
	if r.status != http.StatusOK || r.body != "" {
		t.Fatalf("got %d %q, want 200 with no body", r.status, r.body)
	}
	if !isUUID(r.apnsID) || !isUUID(r.uniqueID) {
		t.Fatalf("apns-id %q / apns-unique-id %q are not UUIDs", r.apnsID, r.uniqueID)
	}
	id := "123e4567-e89b-12d3-a456-426614174000"
	if r := do(t, c, s, req{header: map[string]string{"apns-id": id}}); r.apnsID != id {
		t.Fatalf("apns-id not echoed: got %q", r.apnsID)
	}
	cn := s.Counters()
	if cn.Connections != 1 || cn.Requests != 2 || cn.ByStatus[200] != 2 {
		t.Fatalf("counters %+v", cn)
	}
}

func TestProductionHasNoUniqueID(t *testing.T) {
	s := start(t, func(c *Config) { c.Environment = certs.Production })
	r := do(t, client(t, s, &fx.prod), s, req{})
	if r.status != 200 || r.uniqueID != "" || r.apnsID == "" {
		t.Fatalf("production: %d apns-id %q apns-unique-id %q", r.status, r.apnsID, r.uniqueID)
	}
}

func TestObservers(t *testing.T) {
	var mu sync.Mutex
	var pushes []Push
	var resps []Response
	s := start(t, func(c *Config) {
		c.OnPush = func(p Push) { mu.Lock(); pushes = append(pushes, p); mu.Unlock() }
		c.OnResponse = func(r Response) { mu.Lock(); resps = append(resps, r); mu.Unlock() }
	})
	cl := client(t, s, &fx.universal)
	ok := do(t, cl, s, req{payload: `{"aps":{}}`, header: h("apns-topic", bundle+".voip", "apns-push-type", "voip", "apns-expiration", "0")})
	do(t, cl, s, req{token: "abc", header: h("apns-topic", bundle)})
	mu.Lock()
	defer mu.Unlock()
	if len(pushes) != 1 || len(resps) != 2 {
		t.Fatalf("%d pushes, %d responses", len(pushes), len(resps))
	}
	p := pushes[0]
	if p.Token != okToken || p.Topic != bundle+".voip" || string(p.Payload) != `{"aps":{}}` || p.Header.Get("apns-expiration") != "0" ||
		p.Auth != certs.AuthCertificate || p.ApnsID != ok.apnsID {
		t.Fatalf("push seen as %+v", p)
	}
	if r := resps[1]; r.Status != 400 || r.Reason != ReasonBadDeviceToken || r.Token != "abc" || r.Remote == "" {
		t.Fatalf("response seen as %+v", r)
	}
}
