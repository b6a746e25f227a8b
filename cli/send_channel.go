package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
)

// broadcastLine is a broadcast in --json output: the fields of a device's
// result line, with the channel ID as token, plus the channel.
type broadcastLine struct {
	resultLine
	Channel      string `json:"channel"`
	ChannelLabel string `json:"channel_label"`
	Fix          string `json:"fix,omitempty"`
}

// sendChannel broadcasts the payload to a channel (send --channel): Apple's
// /4/broadcasts/apps/<bundle> with apns-channel-id, push type liveactivity,
// priority and expiration. The result goes to History like any send.
func sendChannel(ctx context.Context, e env, f *SendOptions) (int, error) {
	switch {
	case len(f.Tokens) > 0 || f.TokensFile != "" || len(f.Devices) > 0 || len(f.Groups) > 0:
		return exitUsage, session.Usagef("--channel broadcasts to the channel's subscribers: drop --token, --tokens-file, --device and --group, or send those separately")
	case f.CollapseID != "":
		return exitUsage, session.Usagef("--collapse-id does not apply to a broadcast: drop it")
	case f.ApnsID != "":
		return exitUsage, session.Usagef("--apns-id does not apply to a broadcast (pushdeck sends an apns-request-id): drop it")
	case f.Alert != "":
		return exitUsage, session.Usagef("--alert makes a plain alert; a channel carries Live Activity updates: give --payload with event, timestamp and content-state")
	}
	s, err := resolve(e, f.Credential)
	if err != nil {
		return exitUsage, err
	}
	for _, n := range s.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	pt := payload.PushType(strings.ToLower(f.PushType))
	if pt != "" && pt != payload.LiveActivity {
		return exitUsage, session.Usagef("--push-type %s: channels carry Live Activity pushes only (liveactivity)", pt)
	}
	h := payload.Headers{PushType: payload.LiveActivity, Priority: f.Priority}
	if h.Expiration, err = parseExpiration(f.Expiration, time.Now()); err != nil {
		return exitUsage, err
	}
	body, err := readPayload(e, f)
	if err != nil {
		return exitUsage, err
	}
	rep := payload.Validate(body, payload.Options{Headers: h, Channel: true, Auth: string(s.Config.Credential.Kind)})
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "payload warning: %s\n", findingLine(w))
	}
	if len(rep.Errors) > 0 {
		for _, x := range rep.Errors {
			fmt.Fprintf(e.stderr, "payload error: %s\n", findingLine(x))
		}
		if !f.Force {
			return exitUsage, session.Usagef("the payload has %d error(s): APNs or the devices would refuse it; fix it, or pass --force to send it anyway", len(rep.Errors))
		}
	}
	ch, inStore, err := channelID(s, f.Channel)
	if err != nil {
		return exitUsage, session.Usagef("--channel: %v", err)
	}
	job := push.BroadcastJob{ChannelID: ch.ID, Payload: body, Priority: h.Priority, Expiration: h.Expiration}
	label := ch.Label
	if label == "" {
		label = humanize.ShortToken(ch.ID)
	}
	job.Label = "channel " + label
	if inStore {
		job.Policy, job.PolicyKnown = push.StoragePolicy(ch.StoragePolicy), true
	}
	s.Config.Timeout = f.Timeout
	client, err := push.NewClient(s.Config)
	if err != nil {
		return exitUsage, err
	}
	defer client.Close()
	if !f.JSON {
		fmt.Fprintf(e.stderr, "broadcasting to channel %s via %s\n", printable(label), s.Where())
	}
	r := client.Broadcast(ctx, job)
	if r.Class == "invalid" {
		return exitUsage, r.Err
	}
	if !f.NoHistory {
		recordBroadcast(e, s, h, body, r)
	}
	writeBroadcast(e, f.JSON, s.Env, ch.ID, ch.Label, r)
	if !r.OK() {
		return exitFailed, nil
	}
	return exitOK, nil
}

// recordBroadcast keeps the broadcast in History through the one recorder;
// a channel is not a device, so the device book is left alone.
func recordBroadcast(e env, s *session.Session, h payload.Headers, body []byte, r push.Result) {
	if s.Store == nil {
		return
	}
	h.Topic = strings.TrimPrefix(r.Request.Headers[":path"], "/4/broadcasts/apps/")
	send := session.NewSend(newBatchID(), s.ProfileName(), s.Env, h, body, 1)
	rec := send.Record(r, s.Env, time.Now())
	rec.Entry.Channel = r.Token
	rec.Book = false
	hist, err := s.Store.OpenHistory()
	if err == nil {
		_, err = session.Write(s.Store, hist, []session.Record{rec})
		if cerr := hist.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "warning: the broadcast went out but History could not keep it: %v\n", err)
	}
}

func writeBroadcast(e env, asJSON bool, env certs.Environment, id, label string, r push.Result) {
	if asJSON {
		l := broadcastLine{resultLine: resultLine{Token: r.Token, Label: r.Label, Status: r.Status, Reason: r.Reason, ApnsID: r.ApnsID,
			ApnsUniqueID: r.ApnsUniqueID, LatencyMS: float64(r.Latency.Microseconds()) / 1000, Attempts: r.Attempts, Class: string(r.Class)},
			Channel: id, ChannelLabel: label}
		if r.Err != nil {
			l.Error = r.Err.Error()
		}
		if r.Reason != "" {
			l.Fix = push.ExplainChannel(r.Reason).Fix
		}
		_ = jsonEncoder(e.stdout).Encode(l)
		return
	}
	who := "channel " + humanize.ShortToken(id)
	if label != "" {
		who = "channel " + label + " (" + humanize.ShortToken(id) + ")"
	}
	if r.OK() {
		fmt.Fprintf(e.stdout, "sent    %s  apns-request-id %s  apns-unique-id %s  %s\n", printable(who), r.ApnsID, r.ApnsUniqueID, latency(r))
		return
	}
	fmt.Fprintf(e.stdout, "FAILED  %s  %s  %s\n", printable(who), push.DescribeBroadcast(r, env), latency(r))
	if r.Reason != "" {
		fmt.Fprintf(e.stdout, "  fix: %s\n", push.ExplainChannel(r.Reason).Fix)
	}
}

// tokenKind is what a target token is for.
type tokenKind struct {
	kind         push.TokenKind
	activityType string
}

// liveActivityTargets finds each target's token kind: --kind for --token
// and --tokens-file, the device book's for --device and --group (once the
// book keeps kinds: bookKinds). When no
// push type was asked for and every target is a Live Activity token, the
// send becomes a Live Activity push, so lint checks it as one; each job's
// headers are then fitted to its token by push.CheckLiveActivity.
func liveActivityTargets(f *SendOptions, s *session.Session, h *payload.Headers, ts []target, book map[string]tokenKind) (map[string]tokenKind, error) {
	kind, err := push.ParseTokenKind(f.Kind)
	if err != nil {
		return nil, session.Usagef("--kind: %v", err)
	}
	kinds := make(map[string]tokenKind, len(ts))
	for _, t := range ts {
		kinds[t.token] = tokenKind{kind: kind}
	}
	for tok, k := range book {
		kinds[tok] = k
	}
	all := len(ts) > 0
	for _, t := range ts {
		if !kinds[t.token].kind.IsLiveActivity() {
			all = false
		}
	}
	explicit := f.PushType != "" || (s.Profile != nil && s.Profile.PushType != "")
	if all && !explicit {
		h.PushType = payload.LiveActivity
	}
	return kinds, nil
}
