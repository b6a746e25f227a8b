package push

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func TestNotAPNsJudgesTheAnswer(t *testing.T) {
	apns := Result{Status: 400, ApnsID: "5A1C0E7E-0000-4000-8000-000000000003",
		Response: Exchange{Headers: map[string]string{"apns-id": "5A1C0E7E-0000-4000-8000-000000000003"}, Body: []byte(`{"reason":"BadDeviceToken"}`)}}
	if why, ok := NotAPNs(apns); ok {
		t.Fatalf("APNs' own answer judged not APNs: %s", why)
	}
	if _, ok := NotAPNs(Result{Status: 200, ApnsID: "x"}); ok {
		t.Fatal("a 200 with apns-id judged not APNs")
	}
	if _, ok := NotAPNs(Result{}); ok {
		t.Fatal("no answer at all is a transport error, not judged here")
	}
	nginx := Result{Status: 404, Request: Exchange{Headers: map[string]string{":path": "/3/device/" + strings.Repeat("ab", 32)}}, Response: Exchange{Body: []byte("<html>404</html>")}}
	why, ok := NotAPNs(nginx)
	if !ok || why != "this server does not answer like APNs (404 for /3/device/…, no apns-id, no JSON reason): check the host and port, or a proxy in between" {
		t.Fatalf("%v %q", ok, why)
	}
}

// A real HTTP/2 server over TLS that is not APNs (as nghttpd was in the
// issue): a send gets 404 without apns-id or reason, and NotAPNs says so.
func TestNotAPNsOverRealHTTP2(t *testing.T) {
	setup(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	c, err := NewClient(Config{Credential: tokenCred(fixture.key), Environment: certs.Development, Host: srv.URL, ServerCA: ca, Topic: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := c.Send(context.Background(), Job{Token: strings.Repeat("ab", 32), Payload: []byte(`{"aps":{}}`)})
	if r.Status != 404 {
		t.Fatalf("status %d (%v)", r.Status, r.Err)
	}
	why, ok := NotAPNs(r)
	if !ok || !strings.Contains(why, "404 for /3/device/…, no apns-id, no JSON reason") {
		t.Fatalf("%v %q", ok, why)
	}
	// apnstest answers as APNs does.
	s := startServer(t, apnstest.Config{})
	a, err := NewClient(Config{Credential: tokenCred(fixture.key), Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM(), Topic: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r = a.Send(context.Background(), Job{Token: strings.Repeat("0", 64), Payload: []byte(`{"aps":{}}`)})
	if why, ok := NotAPNs(r); ok || r.Status == 0 {
		t.Fatalf("apnstest judged not APNs (%d): %s", r.Status, why)
	}
}

// The probe's verdict says it plainly instead of "404 : No reason given".
func TestProbeSaysNotAPNs(t *testing.T) {
	setup(t)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	_, v := runProbe(t, context.Background(), Config{Credential: tokenCred(fixture.key), Environment: certs.Development, Host: srv.URL, ServerCA: ca, Topic: testTopic})
	if v.OK || !strings.HasPrefix(v.Reason, "this server does not answer like APNs (404 for /3/device/…") {
		t.Fatalf("verdict %+v", v)
	}
}
