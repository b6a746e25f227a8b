package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/push"
)

// summary is the last line of a send.
type summary struct {
	Total       int            `json:"total"`
	Sent        int            `json:"sent"`
	Failed      int            `json:"failed"`
	Reasons     map[string]int `json:"reasons"`
	ElapsedMS   float64        `json:"elapsed_ms"`
	PerSecond   float64        `json:"per_second"`
	Connections int            `json:"connections"`
	// Window is the in-flight window at the end of the send (it follows
	// the server's stream limit and backs off after errors); WindowMax is
	// the largest it was.
	Window    int `json:"window"`
	WindowMax int `json:"window_max"`
}

func (s *summary) add(r push.Result) {
	s.Total++
	if r.Window > 0 {
		s.Window, s.WindowMax = r.Window, max(s.WindowMax, r.Window)
	}
	if r.OK() {
		s.Sent++
		return
	}
	s.Failed++
	key := r.Reason
	if key == "" {
		key = string(r.Class)
	}
	s.Reasons[key]++
}

// resultLine is one device in --json output.
type resultLine struct {
	Token          string  `json:"token"`
	Label          string  `json:"label"`
	Status         int     `json:"status"`
	Reason         string  `json:"reason"`
	ApnsID         string  `json:"apns_id"`
	ApnsUniqueID   string  `json:"apns_unique_id"`
	UnregisteredAt string  `json:"unregistered_at"`
	LatencyMS      float64 `json:"latency_ms"`
	Attempts       int     `json:"attempts"`
	Error          string  `json:"error"`
	Class          string  `json:"class,omitempty"`
}

type resultWriter struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
	env  certs.Environment
}

func newResultWriter(w io.Writer, asJSON bool, env certs.Environment) *resultWriter {
	return &resultWriter{w: w, json: asJSON, enc: jsonEncoder(w), env: env}
}

func (o *resultWriter) write(r push.Result) {
	if o.json {
		l := resultLine{Token: r.Token, Label: r.Label, Status: r.Status, Reason: r.Reason, ApnsID: r.ApnsID,
			ApnsUniqueID: r.ApnsUniqueID, LatencyMS: float64(r.Latency.Microseconds()) / 1000, Attempts: r.Attempts, Class: string(r.Class)}
		if !r.UnregisteredAt.IsZero() {
			l.UnregisteredAt = r.UnregisteredAt.UTC().Format(time.RFC3339)
		}
		if r.Err != nil {
			l.Error = r.Err.Error()
		}
		_ = o.enc.Encode(l)
		return
	}
	who := textsafe.Clean(r.Label) // labels come from files and the book
	if who == "" {
		who = humanize.ShortToken(r.Token)
	} else {
		who += " (" + humanize.ShortToken(r.Token) + ")"
	}
	if r.OK() {
		fmt.Fprintf(o.w, "sent    %s  apns-id %s  %s\n", who, textsafe.Clean(r.ApnsID), latency(r))
		return
	}
	// The reason and error text come from the server or the network.
	fmt.Fprintf(o.w, "FAILED  %s  %s  %s\n", who, textsafe.Clean(push.Describe(r, o.env)), latency(r))
}

func latency(r push.Result) string {
	s := fmt.Sprintf("%.0fms", float64(r.Latency.Microseconds())/1000)
	if r.Attempts > 1 {
		s += fmt.Sprintf(", %d attempts", r.Attempts)
	}
	return s
}

func (o *resultWriter) summary(s summary) {
	if o.json {
		_ = o.enc.Encode(map[string]summary{"summary": s})
		return
	}
	line := fmt.Sprintf("%d sent, %d failed of %d in %.2fs (%.0f/s) over %d connection(s), window %d",
		s.Sent, s.Failed, s.Total, s.ElapsedMS/1000, s.PerSecond, s.Connections, s.Window)
	if len(s.Reasons) > 0 {
		keys := make([]string, 0, len(s.Reasons))
		for k := range s.Reasons {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, s.Reasons[k])
		}
		line += ": " + strings.Join(parts, ", ")
	}
	fmt.Fprintln(o.w, line)
}
