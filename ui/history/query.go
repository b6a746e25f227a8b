package history

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnsreason"
)

// The filter's language: words match the device, token, reason, apns-id
// or send; these terms narrow by a field:
//
//	410, status:410          the HTTP status
//	prod, dev, env:production the environment ("sandbox" is development)
//	failed, ok, cancelled    the outcome
//	device:NAME reason:R apns:ID send:ID profile:NAME
//
// The terms become the store's indexed filters (storeFilter), so they are
// answered from an index at any history size; only free words (and a
// partial reason or apns-id) are matched row by row, on the stream.
type filterQuery struct {
	device, reason, apns, batch, profile string
	status                               int
	env                                  certs.Environment
	outcome                              string // "failed", "ok", "cancelled"
	words                                []string
}

func parseQuery(s string) filterQuery {
	var q filterQuery
	for _, f := range strings.Fields(s) {
		lf := strings.ToLower(f)
		k, v, hasColon := strings.Cut(lf, ":")
		_, orig, _ := strings.Cut(f, ":") // a send ID or profile keeps its case
		switch {
		case hasColon && k == "device":
			q.device = v
		case hasColon && k == "reason":
			q.reason = v
		case hasColon && (k == "apns" || k == "apns-id"):
			q.apns = v
		case hasColon && (k == "send" || k == "batch"):
			q.batch = orig
		case hasColon && k == "profile":
			q.profile = orig
		case hasColon && k == "status":
			q.status, _ = strconv.Atoi(v)
		case hasColon && k == "env":
			q.env = envOf(v)
		case envOf(lf) != "":
			q.env = envOf(lf)
		case lf == "failed" || lf == "fail" || lf == "failures":
			q.outcome = "failed"
		case lf == "ok" || lf == "accepted" || lf == "200ok":
			q.outcome = "ok"
		case lf == "cancelled" || lf == "canceled":
			q.outcome = "cancelled"
		case len(lf) == 3 && isStatus(lf):
			q.status, _ = strconv.Atoi(lf)
		default:
			q.words = append(q.words, lf)
		}
	}
	return q
}

// knownReasons are the reasons a result can carry: APNs' and the engine's
// transport classes. A reason: term that names one (or starts only one)
// is an indexed look-up.
var knownReasons = []string{
	apnsreason.BadCollapseID, apnsreason.BadDeviceToken, apnsreason.BadExpirationDate, apnsreason.BadMessageID,
	apnsreason.BadPriority, apnsreason.BadTopic, apnsreason.DeviceTokenNotForTopic, apnsreason.MissingTopic,
	apnsreason.PayloadEmpty, apnsreason.TopicDisallowed, apnsreason.InvalidPushType, apnsreason.BadCertificate,
	apnsreason.BadCertificateEnvironment, apnsreason.ExpiredProviderToken, apnsreason.InvalidProviderToken,
	apnsreason.MissingProviderToken, apnsreason.BadPath, apnsreason.MethodNotAllowed, apnsreason.Unregistered,
	apnsreason.ExpiredToken, apnsreason.PayloadTooLarge, apnsreason.TooManyProviderTokenUpdates,
	apnsreason.TooManyRequests, apnsreason.InternalServerError, apnsreason.ServiceUnavailable,
	apnsreason.FeatureNotEnabled, apnsreason.MissingChannelID, apnsreason.BadChannelID,
	apnsreason.ChannelNotRegistered, apnsreason.BadRequestParams, apnsreason.BadRequestPayload,
	apnsreason.MissingPushType, apnsreason.CannotCreateChannelConfig, apnsreason.TopicMismatch,
	string(push.ClassTimeout), string(push.ClassConnectionReset), string(push.ClassGoAway), string(push.ClassTLS),
	string(push.ClassDNS), string(push.ClassRefused), string(push.ClassCancelled), string(push.ClassInvalid),
}

// reasonNamed is the reason r (any case) names or is the start of, if
// exactly one; "" otherwise.
func reasonNamed(r string) string {
	found := ""
	for _, k := range knownReasons {
		lk := strings.ToLower(k)
		if lk == r {
			return k
		}
		if strings.HasPrefix(lk, r) {
			if found != "" {
				return ""
			}
			found = k
		}
	}
	return found
}

// storeFilter is the query as the store's indexed filter, and what is
// left to match row by row (nil when nothing is).
func (q filterQuery) storeFilter() (profiles.HistoryFilter, func(*profiles.HistoryEntry) bool) {
	f := profiles.HistoryFilter{Batch: q.batch, Profile: q.profile, Environment: q.env, Device: q.device, Payloads: true}
	if q.status != 0 {
		f.Status, f.StatusSet = q.status, true
	}
	switch q.outcome {
	case "failed":
		f.Failed = true
	case "ok":
		f.Succeeded = true
	case "cancelled":
		f.Reason = string(push.ClassCancelled)
	}
	rest := q
	rest.device, rest.batch, rest.profile, rest.env, rest.status, rest.outcome = "", "", "", "", 0, ""
	if q.reason != "" && f.Reason == "" {
		if r := reasonNamed(q.reason); r != "" {
			f.Reason, rest.reason = r, ""
		}
	}
	if len(q.apns) == 36 { // a whole apns-id: its index
		f.ApnsID, rest.apns = q.apns, ""
	}
	if rest.reason == "" && rest.apns == "" && len(rest.words) == 0 {
		return f, nil
	}
	return f, rest.match
}

// sendsOnly is true when the query is one the sends table answers (by
// environment, profile, send, with a failure): the grouped view then
// lists whole sends with their totals.
func (q filterQuery) sendsOnly() bool {
	return q.device == "" && q.reason == "" && q.apns == "" && q.status == 0 && len(q.words) == 0 &&
		(q.outcome == "" || q.outcome == "failed")
}

func envOf(s string) certs.Environment {
	switch s {
	case "prod", "production":
		return certs.Production
	case "dev", "development", "sandbox":
		return certs.Development
	}
	return ""
}

func isStatus(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 100 && n <= 599
}

func (q filterQuery) match(e *profiles.HistoryEntry) bool {
	label := strings.ToLower(e.Label)
	r := strings.ToLower(e.Reason)
	id := strings.ToLower(e.ApnsID)
	switch {
	case q.device != "" && !strings.Contains(label, q.device) && !strings.HasPrefix(e.Token, q.device):
		return false
	case q.reason != "" && !strings.Contains(r, q.reason):
		return false
	case q.apns != "" && !strings.HasPrefix(id, q.apns):
		return false
	case q.batch != "" && !strings.HasPrefix(strings.ToLower(e.Batch), strings.ToLower(q.batch)):
		return false
	case q.profile != "" && e.Profile != q.profile:
		return false
	case q.status != 0 && e.Status != q.status:
		return false
	case q.env != "" && e.Environment != q.env:
		return false
	}
	switch q.outcome {
	case "failed":
		if e.Status == 200 {
			return false
		}
	case "ok":
		if e.Status != 200 {
			return false
		}
	case "cancelled":
		if e.Reason != "cancelled" {
			return false
		}
	}
	for _, w := range q.words {
		if !strings.Contains(label, w) && !strings.Contains(e.Token, w) && !strings.Contains(r, w) && !strings.Contains(id, w) && !strings.Contains(strings.ToLower(e.Batch), w) {
			return false
		}
	}
	return true
}

// sendGroup is one send (a batch) of the entries shown: the grouped view.
type sendGroup struct {
	batch, profile string
	env            certs.Environment
	at             time.Time // its newest result (its start, from the sends table)
	n, ok, failed  int
	reasons        map[string]int
	// sampled: reasons counts only the newest of its failures, so the top
	// reason is named without a count.
	sampled bool
}

// topReason is the group's most frequent failure, with its count.
func (g sendGroup) topReason() string {
	best, n := "", 0
	for r, c := range g.reasons {
		if c > n || (c == n && r < best) {
			best, n = r, c
		}
	}
	if best == "" {
		return ""
	}
	if g.sampled {
		if len(g.reasons) > 1 {
			return fmt.Sprintf("%s +%d more", best, len(g.reasons)-1)
		}
		return best
	}
	if len(g.reasons) > 1 {
		return fmt.Sprintf("%s %d +%d more", best, n, len(g.reasons)-1)
	}
	return fmt.Sprintf("%s %d", best, n)
}

// groupBySend groups entries by send, newest send first.
func groupBySend(entries []profiles.HistoryEntry) []sendGroup {
	at := map[string]int{}
	var out []sendGroup
	for i := range entries {
		e := &entries[i]
		k := e.Batch
		if k == "" {
			k = "(no send id) " + e.At.Format("2006-01-02 15:04:05")
		}
		j, ok := at[k]
		if !ok {
			j = len(out)
			at[k] = j
			out = append(out, sendGroup{batch: k, profile: e.Profile, env: e.Environment, at: e.At, reasons: map[string]int{}})
		}
		g := &out[j]
		g.n++
		if e.Status == 200 {
			g.ok++
		} else {
			g.failed++
			r := e.Reason
			if r == "" {
				r = fmt.Sprintf("HTTP %d", e.Status)
			}
			g.reasons[r]++
		}
	}
	slices.SortStableFunc(out, func(a, b sendGroup) int { return b.at.Compare(a.at) })
	return out
}
