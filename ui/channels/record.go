package channels

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

// historyEntry is what History keeps of a broadcast: the channel ID as the
// token, "channel <label>" as the label, the bare bundle ID as the topic.
func historyEntry(profile string, cfg push.Config, out common.Outgoing, r push.Result, now time.Time) profiles.HistoryEntry {
	sum := sha256.Sum256([]byte(out.Body))
	topic := strings.TrimPrefix(r.Request.Headers[":path"], "/4/broadcasts/apps/")
	if topic == "" {
		topic = cfg.Topic
	}
	e := profiles.HistoryEntry{
		At:           now,
		Batch:        "channel-" + now.UTC().Format("20060102T150405Z"),
		Profile:      profile,
		Environment:  cfg.Environment,
		Topic:        topic,
		PushType:     "liveactivity",
		Priority:     out.Headers.Priority,
		Expiration:   r.Request.Headers["apns-expiration"],
		PayloadHash:  hex.EncodeToString(sum[:]),
		PayloadSize:  len(out.Body),
		Payload:      out.Body,
		Token:        r.Token,
		Label:        r.Label,
		Status:       r.Status,
		Reason:       r.Reason,
		ApnsID:       r.ApnsID,
		ApnsUniqueID: r.ApnsUniqueID,
		LatencyMS:    float64(r.Latency) / float64(time.Millisecond),
		Attempts:     r.Attempts,
	}
	if r.Err != nil {
		e.Error = r.Err.Error()
		if e.Reason == "" {
			e.Reason = string(r.Class)
		}
	}
	return e
}

// clean keeps a label to printable text on one line: no escape codes reach
// the terminal, and at most 64 characters.
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if !unicode.IsPrint(r) {
			continue
		}
		if n == 64 {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
