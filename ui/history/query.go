package history

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// The filter's language: words match the device, token, reason, apns-id
// or send; these terms narrow by a field:
//
//	410, status:410          the HTTP status
//	prod, dev, env:production the environment ("sandbox" is development)
//	failed, ok, cancelled    the outcome
//	device:NAME reason:R apns:ID send:ID
type filterQuery struct {
	device, reason, apns, batch string
	status                      int
	env                         certs.Environment
	outcome                     string // "failed", "ok", "cancelled"
	words                       []string
}

func parseQuery(s string) filterQuery {
	var q filterQuery
	for _, f := range strings.Fields(strings.ToLower(s)) {
		k, v, hasColon := strings.Cut(f, ":")
		switch {
		case hasColon && k == "device":
			q.device = v
		case hasColon && k == "reason":
			q.reason = v
		case hasColon && (k == "apns" || k == "apns-id"):
			q.apns = v
		case hasColon && (k == "send" || k == "batch"):
			q.batch = v
		case hasColon && k == "status":
			q.status, _ = strconv.Atoi(v)
		case hasColon && k == "env":
			q.env = envOf(v)
		case envOf(f) != "":
			q.env = envOf(f)
		case f == "failed" || f == "fail" || f == "failures":
			q.outcome = "failed"
		case f == "ok" || f == "accepted" || f == "200ok":
			q.outcome = "ok"
		case f == "cancelled" || f == "canceled":
			q.outcome = "cancelled"
		case len(f) == 3 && isStatus(f):
			q.status, _ = strconv.Atoi(f)
		default:
			q.words = append(q.words, f)
		}
	}
	return q
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
	case q.batch != "" && !strings.HasPrefix(strings.ToLower(e.Batch), q.batch):
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
	first          int // index into entries of its newest result
	n, ok, failed  int
	reasons        map[string]int
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
	if len(g.reasons) > 1 {
		return fmt.Sprintf("%s %d +%d more", best, n, len(g.reasons)-1)
	}
	return fmt.Sprintf("%s %d", best, n)
}

// groupBySend groups the shown entries by send, newest send first.
func groupBySend(entries []profiles.HistoryEntry, shown []int) []sendGroup {
	at := map[string]int{}
	var out []sendGroup
	for _, i := range shown {
		e := &entries[i]
		k := e.Batch
		if k == "" {
			k = "(no send id) " + e.At.Format("2006-01-02 15:04:05")
		}
		j, ok := at[k]
		if !ok {
			j = len(out)
			at[k] = j
			out = append(out, sendGroup{batch: k, profile: e.Profile, env: e.Environment, first: i, reasons: map[string]int{}})
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
	slices.SortStableFunc(out, func(a, b sendGroup) int { return entries[b.first].At.Compare(entries[a.first].At) })
	return out
}
