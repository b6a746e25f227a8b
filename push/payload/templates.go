package payload

import (
	"strconv"
	"strings"
	"time"
)

// Templates returns the built-in gallery; each lints clean under its headers.
// Live Activity timestamps are the current time, because iOS ignores an
// update older than the last one it applied; use TemplatesAt for a fixed
// clock (golden tests).
func Templates() []Template {
	return TemplatesAt(time.Now())
}

// TemplatesAt is Templates with the clock given: Live Activity timestamps
// are now, stale and dismissal dates a little later.
func TemplatesAt(now time.Time) []Template {
	ts := strconv.FormatInt(now.Unix(), 10)
	later := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	dates := strings.NewReplacer("$NOW", ts, "$STALE", later(30*time.Minute), "$DISMISS", later(15*time.Minute))

	alert := func(prio int) Headers { return Headers{PushType: Alert, Priority: prio} }
	list := []Template{
		{Name: "Simple alert", Description: "One line of text with the default sound.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": "Hello from pushdeck",
    "sound": "default"
  }
}`},
		{Name: "Title, subtitle and body", Description: "The three lines of a rich alert.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title": "Order shipped",
      "subtitle": "Order #1042",
      "body": "Your parcel is on its way and arrives on Thursday."
    },
    "sound": "default"
  }
}`},
		{Name: "Badge only", Description: "Sets the number on the app icon without showing anything; 0 clears it.",
			Headers: alert(5), Body: `{
  "aps": {
    "badge": 3
  }
}`},
		{Name: "Sound", Description: "An alert with a custom sound from the app bundle (or \"default\").",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": "You have a new message",
    "sound": "chime.caf"
  }
}`},
		{Name: "Critical sound", Description: "Plays even when muted or in Focus; needs Apple's critical alerts entitlement.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title": "Water leak detected",
      "body": "Sensor in the basement reports water."
    },
    "sound": {
      "critical": 1,
      "name": "default",
      "volume": 1.0
    },
    "interruption-level": "critical"
  }
}`},
		{Name: "Silent background refresh", Description: "Wakes the app to fetch data; nothing is shown. Priority 5, no alert, sound or badge; iOS throttles these.",
			Headers: Headers{PushType: Background, Priority: 5}, Body: `{
  "aps": {
    "content-available": 1
  },
  "sync": "inbox"
}`},
		{Name: "Rich notification", Description: "mutable-content lets the notification service extension download the image named by the custom key; the category picks the actions.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title": "New photo",
      "body": "Jenna shared a photo with you."
    },
    "mutable-content": 1,
    "category": "PHOTO_SHARE"
  },
  "image-url": "https://example.com/photos/42.jpg"
}`},
		{Name: "Localized alert", Description: "Text comes from the app's Localizable.strings; the args fill %@ in order.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title-loc-key": "GAME_INVITE_TITLE",
      "loc-key": "GAME_INVITE_BODY",
      "loc-args": [
        "Jenna",
        "Frank"
      ]
    },
    "sound": "default"
  }
}`},
		{Name: "Thread and category grouping", Description: "thread-id groups notifications of one conversation; category picks the actions.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title": "Frank",
      "body": "Are we still on for lunch?"
    },
    "thread-id": "chat-42",
    "category": "MESSAGE",
    "sound": "default"
  },
  "conversation-id": "42"
}`},
		{Name: "Time-sensitive", Description: "Breaks through Focus and scheduled summaries; needs the Time Sensitive capability.",
			Headers: alert(10), Body: `{
  "aps": {
    "alert": {
      "title": "Your ride is here",
      "body": "Grey sedan, plate 4KX-221."
    },
    "interruption-level": "time-sensitive",
    "relevance-score": 1.0,
    "sound": "default"
  }
}`},
		{Name: "Live Activity start", Description: "Starts a Live Activity with a push-to-start token (iOS 17.2+); attributes-type names your ActivityAttributes struct and an alert is required. Add \"input-push-token\": 1 for a new update token, or \"input-push-channel\" to follow a channel (iOS 18).",
			Headers: Headers{PushType: LiveActivity, Priority: 10}, Body: `{
  "aps": {
    "event": "start",
    "timestamp": $NOW,
    "attributes-type": "DeliveryAttributes",
    "attributes": {
      "orderNumber": "1042"
    },
    "content-state": {
      "status": "preparing",
      "minutesLeft": 25
    },
    "alert": {
      "title": "Order 1042",
      "body": "Your order is being prepared."
    }
  }
}`},
		{Name: "Live Activity update", Description: "Updates a running Live Activity through its update token; the timestamp must be newer than the last update. Priority 5 stays outside the hourly budget; use 10 (with an alert) only for what needs attention now.",
			Headers: Headers{PushType: LiveActivity, Priority: 5}, Body: `{
  "aps": {
    "event": "update",
    "timestamp": $NOW,
    "content-state": {
      "status": "on the way",
      "minutesLeft": 10
    },
    "stale-date": $STALE
  }
}`},
		{Name: "Live Activity end", Description: "Ends a Live Activity with its final state; it stays on the Lock Screen until the dismissal date.",
			Headers: Headers{PushType: LiveActivity, Priority: 10}, Body: `{
  "aps": {
    "event": "end",
    "timestamp": $NOW,
    "content-state": {
      "status": "delivered",
      "minutesLeft": 0
    },
    "dismissal-date": $DISMISS
  }
}`},
		{Name: "VoIP call", Description: "A PushKit VoIP push: the app must report a CallKit call at once. Goes to the .voip topic; limit 5120 bytes.",
			Headers: Headers{PushType: VoIP, Priority: 10}, Body: `{
  "call-id": "8c1d6a5e-3f2b-4c71-9a44-2f0e5b7d1c93",
  "caller": {
    "name": "Jenna Appleseed",
    "handle": "+14155550123"
  },
  "video": false
}`},
		{Name: "Widgets reload", Description: "Asks WidgetKit to reload the app's widget timelines; WidgetKit budgets these.",
			Headers: Headers{PushType: Widgets, Priority: 5}, Body: `{
  "aps": {
    "content-changed": true
  }
}`},
	}
	for i := range list {
		list[i].Body = dates.Replace(list[i].Body)
		list[i].TopicSuffix = TopicSuffix(list[i].Headers.PushType)
	}
	return list
}

// Template is one entry of the built-in gallery.
type Template struct {
	Name        string
	Description string
	Body        string
	Headers     Headers
	// TopicSuffix is what the push type appends to the app's bundle ID in
	// apns-topic (".voip", ".push-type.liveactivity"; "" for alert).
	TopicSuffix string
}
