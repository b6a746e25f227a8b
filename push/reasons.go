package push

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// catalogue is every reason APNs documents, with what it means and what to
// do, in words a QA engineer can act on.
var catalogue = map[string]ReasonInfo{
	"BadCollapseId": {Status: 400,
		Meaning: "The apns-collapse-id is longer than 64 bytes.",
		Fix:     "Shorten the collapse ID to 64 bytes or less."},
	"BadDeviceToken": {Status: 400,
		Meaning: "APNs does not know this device token here: token from the other environment? A token from a debug build (Xcode) works only with development, a TestFlight or App Store build's only with production. It may also be mistyped or cut off.",
		Fix:     "Send to the environment the app was built for, or copy the token again from the app's log (64 hex digits)."},
	"BadExpirationDate": {Status: 400,
		Meaning: "The apns-expiration value is not a valid UNIX time.",
		Fix:     "Use a UNIX time in seconds, or 0 to deliver once without storing."},
	"BadMessageId": {Status: 400,
		Meaning: "The apns-id is not a canonical UUID.",
		Fix:     "Use the 8-4-4-4-12 hex form, or leave apns-id empty so APNs assigns one."},
	"BadPriority": {Status: 400,
		Meaning: "The apns-priority is not 10, 5 or 1.",
		Fix:     "Use 10 (deliver now), 5 (power-considerate; required for background pushes) or 1 (lowest)."},
	"BadTopic": {Status: 400,
		Meaning: "The apns-topic is not valid.",
		Fix:     "Use the app's bundle ID, plus the suffix of the push type (.voip, .complication, .push-type.liveactivity, ...)."},
	"DeviceTokenNotForTopic": {Status: 400,
		Meaning: "The device token belongs to a different app (topic) than the one pushed to.",
		Fix:     "Check the topic (bundle ID) matches the app that logged the token, including its push type suffix."},
	"DuplicateHeaders": {Status: 400,
		Meaning: "A header appears more than once in the request.",
		Fix:     "Send each apns-* header once."},
	"IdleTimeout": {Status: 400,
		Meaning: "The connection sat idle too long and APNs closed it.",
		Fix:     "Nothing to change: pushdeck reconnects on the next send."},
	"InvalidPushType": {Status: 400,
		Meaning: "The apns-push-type is not one APNs knows.",
		Fix:     "Use alert, background, location, voip, complication, fileprovider, mdm, liveactivity, pushtotalk or widgets."},
	"MissingDeviceToken": {Status: 400,
		Meaning: "The request path has no device token.",
		Fix:     "Give a device token (64 hex digits)."},
	"MissingTopic": {Status: 400,
		Meaning: "No apns-topic was sent, and the certificate covers several topics (or token auth is used), so APNs cannot pick one.",
		Fix:     "Pass the topic: the app's bundle ID (--topic)."},
	"PayloadEmpty": {Status: 400,
		Meaning: "The request had no payload.",
		Fix:     "Send a JSON payload, at least {\"aps\":{}}."},
	"TopicDisallowed": {Status: 400,
		Meaning: "This credential may not push to the topic sent.",
		Fix:     "Use one of the certificate's topics (pushdeck inspect lists them) or the bundle ID of an app in the token key's team."},
	"BadCertificate": {Status: 403,
		Meaning: "APNs does not accept the client certificate.",
		Fix:     "Use an Apple Push Notification service certificate with its private key (pushdeck inspect checks both); make a new one in the developer portal if it was revoked."},
	"BadCertificateEnvironment": {Status: 403,
		Meaning: "The certificate is for the other environment: a development (sandbox) certificate sent to production, or a production certificate sent to development.",
		Fix:     "Send to the environment the certificate is for (pushdeck inspect shows it), or use a universal \"Apple Push Services\" certificate."},
	"ExpiredProviderToken": {Status: 403,
		Meaning: "The provider token (JWT) is more than an hour old, or the clock of this machine is off.",
		Fix:     "pushdeck signs a new token after 50 minutes; check this machine's clock (it must be right within minutes)."},
	"Forbidden": {Status: 403,
		Meaning: "APNs does not allow this action.",
		Fix:     "Check the credential belongs to the app's team and is not revoked."},
	"InvalidProviderToken": {Status: 403,
		Meaning: "The provider token's signature does not verify: wrong key ID, wrong team ID, or a revoked key.",
		Fix:     "Check --key-id is the ID of this .p8 key and --team-id is the team that owns it (Apple Developer account, Keys)."},
	"MissingProviderToken": {Status: 403,
		Meaning: "No client certificate and no authorization header: APNs cannot tell who is sending.",
		Fix:     "Give a certificate (--cert) or a token key (--p8 --key-id --team-id)."},
	"UnrelatedKeyIdInToken": {Status: 403,
		Meaning: "The key ID of this token differs from the one used first on this connection.",
		Fix:     "Use one key per connection: start a new send with the other key."},
	"BadEnvironmentKeyIdInToken": {Status: 403,
		Meaning: "The token key is restricted to the other environment (development or production).",
		Fix:     "Send to the environment the key is enabled for, or change the key's environment in the developer portal."},
	"BadPath": {Status: 404,
		Meaning: "The request path is not /3/device/<token>.",
		Fix:     "Check the host URL has no path of its own."},
	"MethodNotAllowed": {Status: 405,
		Meaning: "The request method was not POST.",
		Fix:     "Push with POST."},
	"ExpiredToken": {Status: 410,
		Meaning: "The device token has expired.",
		Fix:     "Stop sending to it; the app must register again and send its new token."},
	"Unregistered": {Status: 410,
		Meaning: "The device token is no longer active for the topic: the app was uninstalled, or the device gave the app a new token (APNs gives the date it knew). Turning notifications off does not cause this: APNs still accepts those pushes.",
		Fix:     "Stop sending to this token; use the new one the app registers with."},
	"PayloadTooLarge": {Status: 413,
		Meaning: "The payload is bigger than APNs allows: 4096 bytes (5120 for voip).",
		Fix:     "Shorten the payload (pushdeck lint shows its size)."},
	"TooManyProviderTokenUpdates": {Status: 429,
		Meaning: "The provider token was replaced too often (more than once in 20 minutes).",
		Fix:     "Reuse one token for 20 to 60 minutes; do not run many senders that each sign their own."},
	"TooManyRequests": {Status: 429,
		Meaning: "Too many pushes to the same device token in a short time.",
		Fix:     "Wait and send less often to this device; pushdeck retries with backoff."},
	"InternalServerError": {Status: 500,
		Meaning: "APNs had an internal error.",
		Fix:     "Try again later; pushdeck retries with backoff."},
	"ServiceUnavailable": {Status: 503,
		Meaning: "APNs is unavailable right now.",
		Fix:     "Try again later; pushdeck retries with backoff."},
	"Shutdown": {Status: 503,
		Meaning: "The APNs server is shutting down this connection.",
		Fix:     "Nothing to change: pushdeck reconnects and resends."},
}

// classes explains the transport failure classes (Result.Class) the way
// the catalogue explains APNs' reasons: a result without a reason is shown
// with Explain(r.Class), so each needs a meaning and a fix of its own.
var classes = map[Class]ReasonInfo{
	ClassTimeout: {
		Meaning: "No answer came within the time limit for one push (--timeout). APNs may still have delivered it, so pushdeck did not send it again.",
		Fix:     "Run pushdeck probe to check the path to APNs; on a slow link raise --timeout. Resend only to devices that did not get it."},
	ClassConnectionReset: {
		Meaning: "The connection was lost before APNs answered (the server closed it, or a proxy or firewall cut it); pushdeck retried up to its attempt limit.",
		Fix:     "Run pushdeck probe to check the path; a proxy or firewall must let long-lived HTTP/2 connections through. Resend to the failed devices (they may have received it)."},
	ClassGoAway: {
		Meaning: "APNs closed the connection (GOAWAY) and the push could not be moved to a new connection within the attempt limit.",
		Fix:     "Resend to the failed devices; if it keeps happening, send with fewer connections or less concurrency."},
	ClassTLS: {
		Meaning: "The TLS handshake failed: the server's certificate is not trusted (a wrong --server-ca, or a proxy that intercepts TLS), or the server refused the client certificate.",
		Fix:     "Run pushdeck probe for the exact TLS error; for a local server give its CA with --server-ca; check the credential with pushdeck inspect."},
	ClassDNS: {
		Meaning: "The server's host name could not be resolved.",
		Fix:     "Check the network and DNS, or the host given; pushdeck probe shows the lookup."},
	ClassRefused: {
		Meaning: "Nothing accepted the connection on the server's port (connection refused).",
		Fix:     "Check the host and port (443 or 2197 for Apple); a firewall may block outgoing 443 and 2197; start the local server if it is one."},
	ClassCancelled: {
		Meaning: "The send was stopped before APNs answered for this device.",
		Fix:     "Send again to the cancelled devices."},
	ClassInvalid: {
		Meaning: "pushdeck refused the push before sending it: the device token or a header is malformed.",
		Fix:     "The error names the field: correct it and send again."},
}

func explain(reason string) ReasonInfo {
	if info, ok := catalogue[reason]; ok {
		info.Reason = reason
		return info
	}
	if info, ok := classes[Class(reason)]; ok {
		info.Reason = reason
		return info
	}
	if reason == "" {
		return ReasonInfo{Meaning: "No reason given.", Fix: "See the status code."}
	}
	return ReasonInfo{Reason: reason,
		Meaning: fmt.Sprintf("APNs answered %q, a reason pushdeck does not know.", reason),
		Fix:     "Look it up in Apple's \"Handling notification responses from APNs\"."}
}

// Reasons lists every reason of the catalogue, sorted by status then name.
func Reasons() []ReasonInfo {
	out := make([]ReasonInfo, 0, len(catalogue))
	for r := range catalogue {
		out = append(out, explain(r))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Status != out[j].Status {
			return out[i].Status < out[j].Status
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// Describe is one short line saying what happened to a result (Explain has
// the full meaning and the fix),
// with the Unregistered date and the environments where they matter; env is
// where the push went ("" when unknown).
func Describe(r Result, env certs.Environment) string {
	switch {
	case r.OK():
		return "sent"
	case r.Class == ClassInvalid:
		return "not sent: " + r.Err.Error()
	case r.Class == ClassCancelled:
		return "cancelled before APNs answered"
	case r.Status == 0 && r.Err != nil:
		return fmt.Sprintf("%s: %v", r.Class, r.Err)
	}
	info := explain(r.Reason)
	meaning := firstSentence(info.Meaning)
	s := fmt.Sprintf("%d %s: %s", r.Status, r.Reason, meaning)
	switch r.Reason {
	case "Unregistered", "ExpiredToken":
		if !r.UnregisteredAt.IsZero() {
			s = fmt.Sprintf("%d %s since %s: %s", r.Status, r.Reason, r.UnregisteredAt.UTC().Format(time.DateOnly), meaning)
		}
	case "BadDeviceToken":
		if env != "" {
			s += fmt.Sprintf(" (sent to %s; try %s)", env, env.Other())
		}
	case "BadCertificateEnvironment":
		if env != "" {
			s += fmt.Sprintf(" (sent to %s; the certificate is probably for %s)", env, env.Other())
		}
	}
	return s
}

// firstSentence keeps a one-line description short; Explain has the rest.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
