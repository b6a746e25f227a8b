package push

import (
	"fmt"
	"sort"

	"github.com/pushdeck/pushdeck/certs"
)

// channelCatalogue is every reason Apple's "Handling error responses from
// Apple Push Notification service" lists for channel management and
// broadcast requests, with what it means there and what to do. Several
// share a name with a device-push reason but mean something else here
// (InvalidPushType, TopicDisallowed, BadExpirationDate), so channel results
// are explained from this table first.
var channelCatalogue = map[string]ReasonInfo{
	"FeatureNotEnabled": {Status: 400,
		Meaning: "Broadcast is not enabled for this app (bundle ID).",
		Fix:     "Enable the Broadcast capability for the App ID at developer.apple.com (Certificates, IDs & Profiles > Identifiers > Push Notifications); Xcode cannot do it."},
	"MissingChannelId": {Status: 400,
		Meaning: "The apns-channel-id header is missing.",
		Fix:     "Give the channel ID (pushdeck channels list shows them)."},
	"BadChannelId": {Status: 400,
		Meaning: "The apns-channel-id is not properly base64-encoded, or is longer than allowed.",
		Fix:     "Copy the channel ID exactly as APNs returned it at creation."},
	"ChannelNotRegistered": {Status: 400,
		Meaning: "No channel with this ID exists for the app in this environment: it was deleted, or it belongs to the other environment.",
		Fix:     "Channels are per environment: use one created there (pushdeck channels list), or create a new one."},
	"BadRequestParams": {Status: 400,
		Meaning: "The JSON request body has an attribute APNs does not recognise.",
		Fix:     "Send only message-storage-policy (0 or 1) and push-type (LiveActivity)."},
	"BadRequestPayload": {Status: 400,
		Meaning: "The JSON request body cannot be parsed.",
		Fix:     "Send valid JSON (pushdeck lint checks it)."},
	"PayloadEmpty": {Status: 400,
		Meaning: "The request had no payload.",
		Fix:     "Send a Live Activity payload: aps with event, timestamp and content-state."},
	"BadMessageId": {Status: 400,
		Meaning: "The apns-request-id (or apns-id) is not a canonical UUID.",
		Fix:     "Use the 8-4-4-4-12 lowercase hex form, or leave it out and APNs makes one."},
	"MissingPushType": {Status: 400,
		Meaning: "The push type is missing (the apns-push-type header of a broadcast, or push-type in a channel's creation body).",
		Fix:     "Use liveactivity (LiveActivity in the creation body)."},
	"InvalidPushType": {Status: 400,
		Meaning: "The push type is not the one channels allow: only LiveActivity.",
		Fix:     "Send broadcasts with apns-push-type liveactivity and create channels with push-type LiveActivity."},
	"CannotCreateChannelConfig": {Status: 400,
		Meaning: "The app has reached its channel limit (Apple allows 10,000 per environment).",
		Fix:     "Delete channels of finished events (pushdeck channels delete ID), then create again."},
	"BadExpirationDate": {Status: 400,
		Meaning: "The apns-expiration is not a valid UNIX time, or is non-zero on a channel created with no message storage.",
		Fix:     "Use 0 on a no-storage channel; a later expiration needs a most-recent-message channel."},
	"TopicDisallowed": {Status: 400,
		Meaning: "The bundle ID in the path carries a push-type suffix.",
		Fix:     "Use the bare bundle ID (com.example.app, not com.example.app.push-type.liveactivity)."},
	"BadPriority": {Status: 400,
		Meaning: "The apns-priority is not 10, 5 or 1.",
		Fix:     "Use 10 (now; counts against the Live Activity budget) or 5 (outside the budget)."},
	"BadCertificate": {Status: 403,
		Meaning: "APNs does not accept the client certificate.",
		Fix:     "Use an Apple Push Notification service certificate with its private key, or a token key (.p8)."},
	"BadCertificateEnvironment": {Status: 403,
		Meaning: "The client certificate is for the other environment.",
		Fix:     "Use the environment the certificate is for, or a universal certificate."},
	"TopicMismatch": {Status: 403,
		Meaning: "The bundle IDs of the certificate or token key do not include the bundle ID in the path.",
		Fix:     "Use the credential of this app (or its team's key), or manage the channels of the app it covers."},
	"MissingProviderToken": {Status: 403,
		Meaning: "Neither a client certificate nor a JWT was given.",
		Fix:     "Give a certificate (--cert) or a token key (--p8 --key-id --team-id)."},
	"ExpiredProviderToken": {Status: 403,
		Meaning: "The JWT is more than an hour old, or this machine's clock is off.",
		Fix:     "pushdeck signs a new token after 50 minutes; check the clock."},
	"InvalidProviderToken": {Status: 403,
		Meaning: "The JWT does not verify: wrong key ID, wrong team ID, or a revoked key.",
		Fix:     "Check --key-id and --team-id belong to this .p8 key."},
	"BadPath": {Status: 404,
		Meaning: "The URL is wrong: the method or path does not match a channel or broadcast endpoint.",
		Fix:     "Check the host URL has no path of its own; management is /1/apps/<bundle>/channels, broadcast /4/broadcasts/apps/<bundle>."},
	"MethodNotAllowed": {Status: 405,
		Meaning: "The :method is not allowed on this path.",
		Fix:     "Create with POST, read and list with GET, delete with DELETE, broadcast with POST."},
	"PayloadTooLarge": {Status: 413,
		Meaning: "The broadcast payload is bigger than 5120 bytes.",
		Fix:     "Shorten the content-state or alert (pushdeck lint shows the size)."},
	"TooManyRequests": {Status: 429,
		Meaning: "APNs throttled the requests: too many in a short time.",
		Fix:     "Send less often; pushdeck retries with backoff. A no-storage channel has a higher publishing budget."},
	"TooManyProviderTokenUpdates": {Status: 429,
		Meaning: "The provider token was replaced more than once in 20 minutes.",
		Fix:     "Reuse one token for 20 to 60 minutes."},
	"InternalServerError": {Status: 500,
		Meaning: "APNs had an unexpected error.",
		Fix:     "Try again later; pushdeck retries with backoff."},
	"ServiceUnavailable": {Status: 503,
		Meaning: "The service is unavailable (Apple's table spells it \"Service Unavailable\").",
		Fix:     "Try again later; pushdeck retries with backoff."},
	"Shutdown": {Status: 503,
		Meaning: "The server is shutting down.",
		Fix:     "Nothing to change: pushdeck reconnects and retries."},
}

// ExplainChannel explains a reason from a channel-management or broadcast
// answer; reasons Apple lists only for device pushes fall back to Explain.
func ExplainChannel(reason string) ReasonInfo {
	if reason == "Service Unavailable" {
		reason = "ServiceUnavailable"
	}
	if info, ok := channelCatalogue[reason]; ok {
		info.Reason = reason
		return info
	}
	return explain(reason)
}

// ChannelReasons lists every channel and broadcast reason, sorted by status
// then name.
func ChannelReasons() []ReasonInfo {
	out := make([]ReasonInfo, 0, len(channelCatalogue))
	for r := range channelCatalogue {
		out = append(out, ExplainChannel(r))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Status != out[j].Status {
			return out[i].Status < out[j].Status
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// DescribeChannel is one short line for a channel-management result.
func DescribeChannel(r ChannelResult, env certs.Environment) string {
	switch {
	case r.OK():
		switch r.Op {
		case "create":
			return fmt.Sprintf("created %s (%s)", r.Channel.ID, r.Channel.Policy)
		case "read":
			return fmt.Sprintf("%s: %s, %s", r.Channel.ID, r.Channel.Policy, r.Channel.PushType)
		case "delete":
			return "deleted " + r.Channel.ID
		case "list":
			return fmt.Sprintf("%d channels", len(r.Channels))
		}
		return "done"
	case r.Class == "invalid":
		return "not sent: " + r.Err.Error()
	case r.Class == "cancelled":
		return "cancelled before APNs answered"
	case r.Status == 0 && r.Err != nil:
		return fmt.Sprintf("%s: %v", r.Class, r.Err)
	}
	return describeChannelReason(r.Status, r.Reason, env)
}

// DescribeBroadcast is one short line for a broadcast's Result.
func DescribeBroadcast(r Result, env certs.Environment) string {
	switch {
	case r.OK():
		return "broadcast to the channel's subscribers"
	case r.Class == "invalid":
		return "not sent: " + r.Err.Error()
	case r.Class == "cancelled":
		return "cancelled before APNs answered"
	case r.Status == 0 && r.Err != nil:
		return fmt.Sprintf("%s: %v", r.Class, r.Err)
	}
	return describeChannelReason(r.Status, r.Reason, env)
}

func describeChannelReason(status int, reason string, env certs.Environment) string {
	info := ExplainChannel(reason)
	s := fmt.Sprintf("%d %s: %s", status, reason, firstSentence(info.Meaning))
	if reason == "ChannelNotRegistered" && env != "" {
		s += fmt.Sprintf(" (sent to %s; a channel from %s does not work here)", env, env.Other())
	}
	return s
}
