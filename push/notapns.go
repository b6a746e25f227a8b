package push

import (
	"encoding/json"
	"fmt"
	"strings"
)

// NotAPNs reports whether r's answer lacks what APNs always sends, and
// says so in one sentence for a probe's verdict, a result's detail and the
// CLI summary. APNs puts an apns-id header on every response and a JSON
// body with a "reason" on every error; a proxy, a wrong port or another
// HTTP/2 service (nghttpd answering 404) does not. A result without a
// response (a transport error) is not judged here: ok is false.
func NotAPNs(r Result) (why string, ok bool) {
	if r.Status == 0 {
		return "", false
	}
	var missing []string
	if r.ApnsID == "" && r.Response.Headers["apns-id"] == "" {
		missing = append(missing, "no apns-id")
	}
	if r.Status != 200 && !hasReasonBody(r.Response.Body) {
		missing = append(missing, "no JSON reason")
	}
	if len(missing) == 0 {
		return "", false
	}
	return fmt.Sprintf("this server does not answer like APNs (%d for %s, %s): check the host and port, or a proxy in between",
		r.Status, shortPath(r.Request.Headers[":path"]), strings.Join(missing, ", ")), true
}

// hasReasonBody is true for APNs' error body: JSON with a reason.
func hasReasonBody(body []byte) bool {
	var b apnsBody
	return json.Unmarshal(body, &b) == nil && b.Reason != ""
}

// shortPath keeps a request path readable: "/3/device/…" for a token.
func shortPath(p string) string {
	if p == "" {
		return "/3/device/…"
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 && len(p)-i > 12 {
		return p[:i+1] + "…"
	}
	return p
}
