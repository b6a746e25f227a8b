package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type sendFlags struct {
	cred        credFlags
	tokens      multiFlag
	tokensFile  string
	devices     multiFlag
	groups      multiFlag
	payloadFile string
	alert       string
	pushType    string
	priority    int
	expiration  string
	collapseID  string
	apnsID      string
	concurrency int
	connections int
	attempts    int
	timeout     time.Duration
	json        bool
	force       bool
}

const sendUsage = `Usage: pushdeck send [credential flags] [devices] [payload] [headers] [flags]

Sends a notification to one or more devices and prints a line per device as
APNs answers (--json: one JSON object per line, then a summary).

Credential: --cert F [--key F] | --p8 F --key-id K --team-id T | --profile NAME
Devices:    --token T (repeatable; "<ab12 cd34 ...>" as iOS prints it is fine)
            --tokens-file F (a token per line, optional label after it, # comments)
            --device LABEL, --group G (from the device book: pushdeck devices)
Payload:    --payload FILE (or - for standard input) | --alert TEXT

Exit codes: 0 all sent, 1 some failed, 2 usage or credential error (nothing sent).

Flags:
`

func runSend(e env, args []string) int {
	var f sendFlags
	fs := cmdFlags(e, "send", sendUsage, "")
	f.cred.register(fs)
	fs.Var(&f.tokens, "token", "device `TOKEN` (repeatable)")
	fs.StringVar(&f.tokensFile, "tokens-file", "", "read device tokens from `FILE`: one per line, optional label after it, # comments")
	fs.Var(&f.devices, "device", "send to the device book's device `LABEL` (repeatable)")
	fs.Var(&f.groups, "group", "send to every device of group `G` in the environment (repeatable)")
	fs.StringVar(&f.payloadFile, "payload", "", "payload JSON `FILE`, or - for standard input")
	fs.StringVar(&f.alert, "alert", "", "send a plain alert with this `TEXT` instead of a payload file")
	fs.StringVar(&f.pushType, "push-type", "", "apns-push-type: "+pushTypeNames()+" (default alert)")
	fs.IntVar(&f.priority, "priority", 0, "apns-priority: 10, 5 or 1 (default: APNs's, 10)")
	fs.StringVar(&f.expiration, "expiration", "", "apns-expiration: now (0: deliver once, do not store), a UNIX time, an RFC 3339 time or a duration from now (1h)")
	fs.StringVar(&f.collapseID, "collapse-id", "", "apns-collapse-id (64 bytes at most)")
	fs.StringVar(&f.apnsID, "apns-id", "", "apns-id `UUID` (default: APNs assigns one)")
	fs.IntVar(&f.concurrency, "concurrency", push.DefaultConcurrency, "pushes in flight at once")
	fs.IntVar(&f.connections, "connections", 1, "HTTP/2 connections to APNs (1 to 64)")
	fs.IntVar(&f.attempts, "attempts", push.DefaultMaxAttempts, "tries per device, counting the first (retries only on 429, 500, 503, lost connections)")
	fs.DurationVar(&f.timeout, "timeout", push.DefaultTimeout, "time limit for one push")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per device, then a summary")
	fs.BoolVar(&f.force, "force", false, "send even if the payload has lint errors")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pushdeck send: unexpected argument %q (tokens go after --token)\n", fs.Arg(0))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := send(ctx, e, &f)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck send: %v\n", err)
	}
	return code
}

func pushTypeNames() string {
	s := make([]string, len(payload.PushTypes))
	for i, t := range payload.PushTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// sendPlan is everything decided before the first push.
type sendPlan struct {
	setup   *setup
	jobs    []push.Job
	headers payload.Headers
	body    []byte
}

func send(ctx context.Context, e env, f *sendFlags) (int, error) {
	plan, err := planSend(e, f)
	if err != nil {
		return exitUsage, err
	}
	s := plan.setup
	for _, n := range s.notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	s.cfg.Connections, s.cfg.Timeout = f.connections, f.timeout
	client, err := push.NewClient(s.cfg)
	if err != nil {
		return exitUsage, err
	}
	defer client.Close()
	// Header values are checked once, before anything goes out.
	if err := client.Check(plan.jobs[0]); err != nil {
		return exitUsage, err
	}
	if f.concurrency < 1 {
		return exitUsage, usagef("--concurrency %d: use 1 or more", f.concurrency)
	}
	if f.attempts < 1 {
		// 0 would silently mean the default (3) to the engine.
		return exitUsage, usagef("--attempts %d: use 1 (no retries) or more", f.attempts)
	}
	rec := newRecorder(e, s, plan)
	defer rec.close()
	if !f.json {
		fmt.Fprintf(e.stderr, "sending to %d device(s) via %s, topic %s\n", len(plan.jobs), s.where(), topicOf(client, plan.headers))
	}
	start := time.Now()
	sum := summary{Reasons: map[string]int{}}
	out := newResultWriter(e.stdout, f.json, s.env)
	results := client.Batch(ctx, plan.jobs, push.BatchOptions{
		Concurrency: f.concurrency,
		MaxAttempts: f.attempts,
	})
	for r := range results {
		sum.add(r)
		out.write(r)
		rec.add(r)
	}
	rec.flush()
	elapsed := time.Since(start)
	sum.ElapsedMS = float64(elapsed.Microseconds()) / 1000
	if elapsed > 0 {
		sum.PerSecond = float64(sum.Total) / elapsed.Seconds()
	}
	sum.Connections = client.Connections()
	out.summary(sum)
	if sum.Failed > 0 {
		return exitFailed, nil
	}
	return exitOK, nil
}

func topicOf(c *push.Client, h payload.Headers) string {
	if h.Topic != "" {
		return h.Topic
	}
	t := c.Topic()
	if s := payload.TopicSuffix(h.PushType); s != "" && !strings.HasSuffix(t, s) {
		t += s
	}
	return t
}

// planSend turns the flags into jobs; every error here is a usage error.
func planSend(e env, f *sendFlags) (*sendPlan, error) {
	store, storeErr := openStore()
	s, err := f.cred.load(e, store, storeErr)
	if err != nil {
		return nil, err
	}
	h, err := headersFrom(f, s)
	if err != nil {
		return nil, err
	}
	body, err := readPayload(e, f)
	if err != nil {
		return nil, err
	}
	targets, err := collectTargets(f, s)
	if err != nil {
		return nil, err
	}
	rep := payload.Validate(body, payload.Options{Headers: h, AppTopic: s.cfg.Topic})
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "payload warning: %s\n", findingLine(w))
	}
	if len(rep.Errors) > 0 {
		for _, x := range rep.Errors {
			fmt.Fprintf(e.stderr, "payload error: %s\n", findingLine(x))
		}
		if !f.force {
			return nil, usagef("the payload has %d error(s): APNs or the device would refuse it; fix it, or pass --force to send it anyway", len(rep.Errors))
		}
	}
	plan := &sendPlan{setup: s, headers: h, body: body}
	for _, t := range targets {
		plan.jobs = append(plan.jobs, push.Job{Token: t.token, Label: t.label, Payload: body, Headers: h})
	}
	return plan, nil
}

func findingLine(f payload.Finding) string {
	s := f.Message
	if f.Path != "" {
		s = f.Path + ": " + s
	}
	if f.Line > 0 {
		s = fmt.Sprintf("line %d, column %d: %s", f.Line, f.Column, s)
	}
	if f.Fix != "" {
		s += " (" + f.Fix + ")"
	}
	return s
}

func headersFrom(f *sendFlags, s *setup) (payload.Headers, error) {
	h := payload.Headers{
		PushType:   payload.PushType(strings.ToLower(f.pushType)),
		Priority:   f.priority,
		CollapseID: f.collapseID,
		ApnsID:     f.apnsID,
	}
	if s.profile != "" && s.store != nil {
		if p, err := s.store.Profile(s.profile); err == nil {
			if h.PushType == "" {
				h.PushType = payload.PushType(p.PushType)
			}
			if h.Priority == 0 {
				h.Priority = p.Priority
			}
		}
	}
	if h.PushType == "" {
		h.PushType = payload.Alert
	}
	exp, err := parseExpiration(f.expiration, time.Now())
	if err != nil {
		return h, err
	}
	h.Expiration = exp
	return h, nil
}

// parseExpiration reads --expiration: now/0, a UNIX time, RFC 3339, or a
// duration from now.
func parseExpiration(v string, now time.Time) (payload.Expiration, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "":
		return payload.Expiration{}, nil
	case "now", "0":
		return payload.Expiration{Mode: "now"}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return payload.Expiration{Mode: "at", At: time.Unix(n, 0)}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return payload.Expiration{Mode: "at", At: t}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return payload.Expiration{Mode: "at", At: now.Add(d)}, nil
	}
	return payload.Expiration{}, usagef("--expiration %q: use now (0), a UNIX time, an RFC 3339 time (2026-12-01T10:00:00Z) or a duration (1h)", v)
}

func readPayload(e env, f *sendFlags) ([]byte, error) {
	switch {
	case f.payloadFile != "" && f.alert != "":
		return nil, usagef("give either --payload or --alert, not both")
	case f.alert != "":
		return json.Marshal(map[string]any{"aps": map[string]any{"alert": f.alert}})
	case f.payloadFile == "-":
		b, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
		if err != nil {
			return nil, usagef("reading the payload from standard input: %v", err)
		}
		return b, nil
	case f.payloadFile != "":
		b, err := os.ReadFile(f.payloadFile)
		if err != nil {
			return nil, usagef("cannot read the payload: %v", err)
		}
		return b, nil
	}
	return nil, usagef("no payload: give --payload FILE (- for standard input) or --alert TEXT")
}

type target struct{ token, label string }

// collectTargets gathers --token, --tokens-file, --device and --group, once
// per token, in that order.
func collectTargets(f *sendFlags, s *setup) ([]target, error) {
	var out []target
	seen := map[string]bool{}
	addT := func(t target) {
		if !seen[t.token] {
			seen[t.token] = true
			out = append(out, t)
		}
	}
	for _, raw := range f.tokens {
		tok, err := certs.NormalizeToken(raw)
		if err != nil {
			return nil, usagef("--token %q: %v", raw, err)
		}
		addT(target{token: tok})
	}
	if f.tokensFile != "" {
		b, err := os.ReadFile(f.tokensFile)
		if err != nil {
			return nil, usagef("cannot read the tokens file: %v", err)
		}
		ts, err := parseTokens(f.tokensFile, string(b))
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			addT(t)
		}
	}
	if len(f.devices) > 0 || len(f.groups) > 0 {
		if s.store == nil {
			return nil, usagef("cannot open the config folder for --device/--group")
		}
		ds, err := s.store.SelectDevices(s.env, f.devices, f.groups)
		if err != nil {
			return nil, usagef("%v", err)
		}
		for _, d := range ds {
			if !d.UnregisteredAt.IsZero() {
				// Sent anyway: the app may have registered again.
				s.notes = append(s.notes, fmt.Sprintf("%s was Unregistered on %s", d.Label, d.UnregisteredAt.Format(time.DateOnly)))
			}
			addT(target{token: d.Token, label: d.Label})
		}
	}
	if len(out) == 0 {
		return nil, usagef("no devices: give --token T, --tokens-file F, --device LABEL or --group G")
	}
	return out, nil
}

// parseTokens reads a tokens file: a token per line, as iOS prints it or as
// plain hex, then an optional label (after a tab, a comma, or the token's
// 64th digit); blank lines and # comments are skipped.
func parseTokens(name, text string) ([]target, error) {
	var out []target
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		tokText, label := splitTokenLine(line)
		tok, err := certs.NormalizeToken(tokText)
		if err != nil {
			return nil, usagef("%s:%d: %v", name, i+1, err)
		}
		out = append(out, target{token: tok, label: label})
	}
	return out, nil
}

func splitTokenLine(line string) (tok, label string) {
	if i := strings.IndexAny(line, "\t,"); i >= 0 {
		return line[:i], strings.TrimSpace(line[i+1:])
	}
	if strings.HasPrefix(line, "<") {
		if i := strings.Index(line, ">"); i >= 0 {
			return line[:i+1], strings.TrimSpace(line[i+1:])
		}
	}
	fields := strings.Fields(line)
	n, digits := 0, 0
	for n < len(fields) && digits < certs.DeviceTokenHexLen && isHex(fields[n]) {
		digits += len(fields[n])
		n++
	}
	if n == 0 {
		n = 1
	}
	return strings.Join(fields[:n], ""), strings.Join(fields[n:], " ")
}

func isHex(s string) bool {
	_, err := hex.DecodeString(strings.ToLower(s) + strings.Repeat("0", len(s)%2))
	return err == nil
}
