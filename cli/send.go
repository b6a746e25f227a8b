package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
)

// SendOptions are the flags of pushdeck send.
type SendOptions struct {
	Credential  session.Request
	Tokens      []string
	TokensFile  string
	Devices     []string
	Groups      []string
	PayloadFile string
	Alert       string
	PushType    string
	Priority    int
	Expiration  string
	CollapseID  string
	ApnsID      string
	Concurrency int
	Connections int
	Attempts    int
	Timeout     time.Duration
	JSON        bool
	Force       bool
	// Channel broadcasts to a channel (label or ID) instead of devices.
	Channel string
	// Kind is the token kind of --token and --tokens-file tokens (device,
	// liveactivity-start, liveactivity-update); the device book has its own.
	Kind string
	// NoHistory records nothing: no history entry, no device book update.
	NoHistory bool
}

const sendLong = `Sends a notification to one or more devices and prints a line per device as
APNs answers (--json: one JSON object per line, then a summary). Every
result is kept in history and the device book (--no-history: none is).

Credential: --cert F [--key F] | --p8 F --key-id K --team-id T | --profile NAME
Devices:    --token T (repeatable; "<ab12 cd34 ...>" as iOS prints it is fine)
            --tokens-file F (a token per line, optional label after it, # comments)
            --device LABEL, --group G (from the device book: pushdeck devices)
Channel:    --channel LABEL|ID broadcasts a Live Activity update or end to every
            subscriber of the channel (pushdeck channels)
Payload:    --payload FILE (or - for standard input) | --alert TEXT

The password of a .p12 or an encrypted key never goes on the command line:
PUSHDECK_PASSWORD, --password-file FILE, --password-stdin, or asked on a
terminal (a profile may name its own variable or file).

Exit codes: 0 all sent, 1 some failed, 2 usage or credential error (nothing sent).`

func newSendCmd(e env) *cobra.Command {
	var o SendOptions
	c := &cobra.Command{
		Use:   "send",
		Short: "Send a notification to one or more devices",
		Long:  sendLong,
		Example: `  pushdeck send --cert dev.p12 --env development --token 740f4707... --alert 'Hello'
  pushdeck send --profile myapp-dev --group qa --payload payload.json
  pushdeck send --profile myapp-dev --channel "Cup final" --payload update.json --priority 5
  pushdeck send --p8 AuthKey_ABCDE12345.p8 --team-id TEAM123456 --topic com.example.app \
      --env production --tokens-file tokens.txt --payload - --json < payload.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "send", args, "tokens go after --token") {
				return codeErr(exitUsage)
			}
			return codeErr(runSend(c.Context(), e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	registerCredential(fs, &o.Credential)
	fs.StringArrayVar(&o.Tokens, "token", nil, "device `TOKEN` (repeatable)")
	fs.StringVar(&o.TokensFile, "tokens-file", "", "read device tokens from `FILE`: one per line, optional label after it, # comments")
	fs.StringArrayVar(&o.Devices, "device", nil, "send to the device book's device `LABEL` (repeatable)")
	fs.StringArrayVar(&o.Groups, "group", nil, "send to every device of group `G` in the environment (repeatable)")
	fs.StringVar(&o.Kind, "kind", "", "what --token tokens are: device (default), liveactivity-start or liveactivity-update")
	fs.StringVar(&o.Channel, "channel", "", "broadcast to the channel `LABEL` or ID instead of devices (iOS 18 Live Activities)")
	fs.StringVar(&o.PayloadFile, "payload", "", "payload JSON `FILE`, or - for standard input")
	fs.StringVar(&o.Alert, "alert", "", "send a plain alert with this `TEXT` instead of a payload file")
	fs.StringVar(&o.PushType, "push-type", "", "the apns-push-type: "+pushTypeNames()+" (default alert)")
	fs.IntVar(&o.Priority, "priority", 0, "the apns-priority: 10, 5 or 1 (default: APNs's, 10)")
	fs.StringVar(&o.Expiration, "expiration", "", "the apns-expiration: now (0: deliver once, do not store), a UNIX time, an RFC 3339 time or a duration from now (1h)")
	fs.StringVar(&o.CollapseID, "collapse-id", "", "the apns-collapse-id (64 bytes at most)")
	fs.StringVar(&o.ApnsID, "apns-id", "", "the apns-id `UUID` (default: APNs assigns one)")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "the most pushes in flight at once (default 0: the server's stream limit, which APNs sets at up to 1,000 per connection and lowers after errors)")
	fs.IntVar(&o.Connections, "connections", 1, "how many HTTP/2 connections to APNs (1 to 64)")
	fs.IntVar(&o.Attempts, "attempts", push.DefaultMaxAttempts, "tries per device, counting the first (retries only on 429, 500, 503, lost connections)")
	fs.DurationVar(&o.Timeout, "timeout", push.DefaultTimeout, "time limit for one push")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per device, then a summary")
	fs.BoolVar(&o.Force, "force", false, "send even if the payload has lint errors")
	fs.BoolVar(&o.NoHistory, "no-history", false, "record nothing: no history entries, no device book results (the output is the same)")
	return c
}

// runSend sends until every device has a result or ctx (or Ctrl+C) ends it.
func runSend(ctx context.Context, e env, o *SendOptions) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	code, err := send(ctx, e, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck send: %s\n", textsafe.Clean(err.Error()))
	}
	return code
}

// newBatchID is the random ID that groups one send's results in history.
func newBatchID() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
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
	setup   *session.Session
	targets *targetPlan
	headers payload.Headers
	body    []byte
	// store, when set, is the config folder still opening (see
	// openStoreLater); setup.Store is nil until it is taken.
	store *storeOpening
}

// maxAttempts caps --attempts: retries follow 429/500/503 and lost
// connections, and each backs off; past 10 tries a batch only waits longer.
const maxAttempts = 10

func send(ctx context.Context, e env, f *SendOptions) (int, error) {
	// Limits first: nothing is read or loaded for a command that cannot run.
	if f.Timeout <= 0 {
		return exitUsage, session.Usagef("--timeout %v: give a positive time limit for one push, such as 10s (the default is %v)", f.Timeout, push.DefaultTimeout)
	}
	if f.Attempts > maxAttempts {
		return exitUsage, session.Usagef("--attempts %d: at most %d tries per device (retries back off; more only makes a batch wait longer)", f.Attempts, maxAttempts)
	}
	// Ctrl+C stops the credential load too (a hostile file must not hold
	// the command: the signal is caught from here on).
	f.Credential.Context = ctx
	if f.Channel != "" {
		return sendChannel(ctx, e, f)
	}
	plan, err := planSend(e, f)
	if err != nil {
		return exitUsage, err
	}
	defer plan.close()
	s := plan.setup
	for _, n := range s.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	s.Config.Connections, s.Config.Timeout = f.Connections, f.Timeout
	client, err := push.NewClient(s.Config)
	if err != nil {
		return exitUsage, err
	}
	defer client.Close()
	// Header values are checked once, before anything goes out.
	first, fromFile, err := plan.targets.first()
	if err != nil {
		return exitUsage, err
	}
	firstHeaders := plan.targets.headersOf(first, plan.headers, fromFile)
	if err := client.Check(push.Job{Token: first.token, Payload: plan.body, Headers: firstHeaders}); err != nil {
		return exitUsage, err
	}
	if f.Concurrency < 0 {
		return exitUsage, session.Usagef("--concurrency %d: use 1 or more, or 0 for the server's stream limit", f.Concurrency)
	}
	if f.Attempts < 1 {
		// 0 would silently mean the default (3) to the engine.
		return exitUsage, session.Usagef("--attempts %d: use 1 (no retries) or more", f.Attempts)
	}
	// The pipe prints each result once the recorder has committed it. The
	// recorder needs the config folder, which may still be opening while
	// the first pushes go out: the pipe makes it for the first result.
	pipe := newResultPipe(e.stdout, func(w io.Writer) *resultWriter { return newResultWriter(w, f.JSON, s.Env) })
	newRec := func() *session.Recorder {
		if f.NoHistory {
			return session.Unrecorded(pipe.show)
		}
		warn := func(msg string) { fmt.Fprintf(e.stderr, "warning: %s\n", msg) }
		plan.takeStore(e, warn)
		return session.NewRecorder(s.Store, session.NewSend(newBatchID(), s.ProfileName(), s.Env, plan.headers, plan.body, plan.targets.count), warn, pipe.show)
	}
	if !f.JSON {
		about := ""
		if !plan.targets.exact() {
			about = "about "
		}
		fmt.Fprintf(e.stderr, "sending to %s%d device(s) via %s, topic %s\n", about, plan.targets.count, s.Where(), topicOf(client, plan.headers))
	}
	start := time.Now()
	sum := summary{Reasons: map[string]int{}}
	// Results are recorded and printed by the pipe, off this loop.
	pipe.start(newRec)
	results := client.Stream(ctx, plan.targets.jobs(ctx, plan.body, plan.headers), push.BatchOptions{
		Concurrency: f.Concurrency,
		MaxAttempts: f.Attempts,
		// The CLI prints no wire headers: no per-push copies of them.
		OmitExchanges: true,
	})
	for r := range results {
		sum.add(r)
		pipe.add(r)
	}
	pipe.close()
	rec := pipe.recorder()
	rec.Close() // the pipe flushed every group: NotRecorded is final after this
	elapsed := time.Since(start)
	sum.ElapsedMS = float64(elapsed.Microseconds()) / 1000
	if elapsed > 0 {
		sum.PerSecond = float64(sum.Total) / elapsed.Seconds()
	}
	sum.Connections = client.Connections()
	pipe.summary(sum)
	if n := rec.NotRecorded(); n > 0 {
		// A full disk must not look like success: the history is incomplete.
		fmt.Fprintf(e.stderr, "pushdeck send: %d of %d results are not recorded in history (see the warning above); free some space or fix the config folder\n", n, sum.Total)
		return exitFailed, nil
	}
	if plan.targets.err != nil {
		fmt.Fprintf(e.stderr, "pushdeck send: %v\n", plan.targets.err)
		return exitFailed, nil
	}
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
func planSend(e env, f *SendOptions) (plan *sendPlan, err error) {
	plan = &sendPlan{}
	defer func() {
		if err != nil {
			plan.close()
		}
	}()
	var s *session.Session
	if f.Credential.Profile != "" || len(f.Devices) > 0 || len(f.Groups) > 0 {
		s, err = resolve(e, f.Credential)
	} else {
		// Nothing before the first push needs the config folder: it
		// opens alongside (TLS handshake, first pushes), if anything is
		// to be recorded at all.
		if !f.NoHistory {
			plan.store = openStoreLater()
		}
		s, err = session.Resolve(e.session(), nil, nil, f.Credential)
	}
	if err != nil {
		return plan, err
	}
	plan.setup = s
	h, err := headersFrom(f, s)
	if err != nil {
		return plan, err
	}
	body, err := readPayload(e, f)
	if err != nil {
		return plan, err
	}
	targets, err := planTargets(f, s)
	if err != nil {
		return plan, err
	}
	plan.targets = targets
	// Token kinds (Live Activity or device): --kind for every --token and
	// tokens-file token alike (one of the file's stands for all of them),
	// the device book's own kind for --device and --group.
	kinds, err := liveActivityTargets(f, s, &h, targets.kindSample(), targets.book)
	if err != nil {
		return plan, err
	}
	rep := payload.Validate(body, payload.Options{Headers: h, AppTopic: s.Config.Topic, Auth: string(s.Config.Credential.Kind)})
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "payload warning: %s\n", findingLine(w))
	}
	if len(rep.Errors) > 0 {
		for _, x := range rep.Errors {
			fmt.Fprintf(e.stderr, "payload error: %s\n", findingLine(x))
		}
		if !f.Force {
			return plan, session.Usagef("the payload has %d error(s): APNs or the device would refuse it; fix it, or pass --force to send it anyway", len(rep.Errors))
		}
	}
	// Each target's headers as its kind needs them, checked now: the file's
	// tokens share --kind, so they share one set.
	who := func(t target) string {
		if t.label != "" {
			return t.label
		}
		return humanize.ShortToken(t.token)
	}
	targets.headers = map[string]payload.Headers{}
	for _, t := range append(append([]target{}, targets.before...), targets.after...) {
		k := kinds[t.token]
		th, err := push.CheckLiveActivity(k.kind, k.activityType, h, body)
		if err != nil {
			return plan, session.Usagef("%s: %v", who(t), err)
		}
		targets.headers[t.token] = th
	}
	if targets.file != nil {
		kind, _ := push.ParseTokenKind(f.Kind) // checked by liveActivityTargets
		th, err := push.CheckLiveActivity(kind, "", h, body)
		if err != nil {
			return plan, session.Usagef("%s: %v", targets.file.shownName(), err)
		}
		targets.fileHeaders = th
	}
	plan.headers, plan.body = h, body
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

func headersFrom(f *SendOptions, s *session.Session) (payload.Headers, error) {
	h := payload.Headers{
		PushType:   payload.PushType(strings.ToLower(f.PushType)),
		Priority:   f.Priority,
		CollapseID: f.CollapseID,
		ApnsID:     f.ApnsID,
	}
	if p := s.Profile; p != nil {
		if h.PushType == "" {
			h.PushType = payload.PushType(p.PushType)
		}
		if h.Priority == 0 {
			h.Priority = p.Priority
		}
	}
	if h.PushType == "" {
		h.PushType = payload.Alert
	}
	exp, err := parseExpiration(f.Expiration, time.Now())
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
		return payload.Expiration{Mode: payload.ExpireNow}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return payload.Expiration{Mode: payload.ExpireAt, At: time.Unix(n, 0)}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return payload.Expiration{Mode: payload.ExpireAt, At: t}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return payload.Expiration{Mode: payload.ExpireAt, At: now.Add(d)}, nil
	}
	return payload.Expiration{}, session.Usagef("--expiration %q: use now (0), a UNIX time, an RFC 3339 time (2026-12-01T10:00:00Z) or a duration (1h)", v)
}

func readPayload(e env, f *SendOptions) ([]byte, error) {
	switch {
	case f.PayloadFile != "" && f.Alert != "":
		return nil, session.Usagef("give either --payload or --alert, not both")
	case f.Alert != "":
		return json.Marshal(map[string]any{"aps": map[string]any{"alert": f.Alert}})
	case f.PayloadFile == "-":
		b, err := io.ReadAll(io.LimitReader(e.stdin, fsafe.LimitPayload+1))
		if err != nil {
			return nil, session.Usagef("reading the payload from standard input: %v", err)
		}
		if int64(len(b)) > fsafe.LimitPayload {
			return nil, session.Usagef("the payload on standard input is more than %s; the limit for a payload is %s (APNs takes 4 KB, 5 KB for VoIP)", fsafe.Size(fsafe.LimitPayload), fsafe.Size(fsafe.LimitPayload))
		}
		return b, nil
	case f.PayloadFile != "":
		b, err := fsafe.ReadFile(f.PayloadFile, fsafe.LimitPayload, "payload")
		if err != nil {
			return nil, session.Usagef("cannot read the payload: %v", err)
		}
		return b, nil
	}
	return nil, session.Usagef("no payload: give --payload FILE (- for standard input) or --alert TEXT")
}

type target struct{ token, label string }

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
