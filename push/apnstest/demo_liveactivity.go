package apnstest

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// DemoActivityType is the ActivityAttributes type of the demo's Live
// Activity app (the same as the payload gallery's Live Activity templates).
const DemoActivityType = "DeliveryAttributes"

// DemoActivity is a demo Live Activity token: a push-to-start token or a
// running (or ended) activity's update token, in the development world.
type DemoActivity struct {
	Label        string
	Token        string
	Kind         string // KindLiveActivityStart or KindLiveActivityUpdate
	ActivityType string
	Environment  certs.Environment
	Note         string
	// Expect is the reason a push to it gets ("" for 200).
	Expect string
	// Channel is the label of the demo channel it is subscribed to, if any.
	Channel string
}

// DemoChannel is a demo broadcast channel on the development server.
type DemoChannel struct {
	Label       string
	ID          string
	Policy      int
	Environment certs.Environment
	Note        string
	// Subscribers are the labels of the DemoActivity tokens subscribed.
	Subscribers []string
}

// demoActivities is the Live Activity cast: one push-to-start token, two
// update tokens of delivery activities (one ended), and two activities
// following the "Cup final" channel.
func demoActivities() []DemoActivity {
	dev := certs.Development
	return []DemoActivity{
		{Label: "iPhone 15 (QA) · push-to-start", Kind: KindLiveActivityStart, ActivityType: DemoActivityType, Environment: dev,
			Note: "push-to-start token for DeliveryAttributes: send the Live Activity start template"},
		{Label: "Order 1042 activity", Kind: KindLiveActivityUpdate, ActivityType: DemoActivityType, Environment: dev,
			Note: "a running delivery activity: send update, then end"},
		{Label: "Order 0977 activity (ended)", Kind: KindLiveActivityUpdate, ActivityType: DemoActivityType, Environment: dev, Expect: ReasonExpiredToken,
			Note: "its activity ended: 410 ExpiredToken, drop the token"},
		{Label: "Cup final · iPhone 15 (QA)", Kind: KindLiveActivityUpdate, ActivityType: DemoActivityType, Environment: dev, Channel: "Cup final",
			Note: "follows the Cup final channel: a broadcast updates it"},
		{Label: "Cup final · iPad Air", Kind: KindLiveActivityUpdate, ActivityType: DemoActivityType, Environment: dev, Channel: "Cup final",
			Note: "follows the Cup final channel: a broadcast updates it"},
	}
}

// demoChannels are the development server's channels. IDs are derived from
// the labels, so they are the same on every run.
func demoChannels() []DemoChannel {
	dev := certs.Development
	return []DemoChannel{
		{Label: "Cup final", Policy: PolicyMostRecent, Environment: dev,
			Note: "most-recent-message channel with two subscribers: broadcast an update or end"},
		{Label: "Live scores", Policy: PolicyNoStorage, Environment: dev,
			Note: "no-storage channel without subscribers: any expiration but 0 gets BadExpirationDate"},
	}
}

// Registry is the device registry both demo servers share: it shows what
// the simulated devices did with Live Activity pushes (Activity).
func (d *Demo) Registry() *Registry { return d.reg }

func demoActivityToken(label string) string {
	sum := sha512.Sum512([]byte("pushdeck demo activity: " + label))
	return hex.EncodeToString(sum[:])
}

func demoChannelID(label string) string {
	sum := sha512.Sum512([]byte("pushdeck demo channel: " + label))
	return base64.StdEncoding.EncodeToString(sum[:16])
}

// buildLiveActivities registers the Live Activity tokens and the channels
// (the development server's store), and subscribes the channel followers.
func (d *Demo) buildLiveActivities(reg *Registry) error {
	d.reg = reg
	for _, a := range demoActivities() {
		a.Token = demoActivityToken(a.Label)
		d.Activities = append(d.Activities, a)
		rd := Device{Token: a.Token, Environment: a.Environment, Topic: DemoTopic, Label: a.Label, Kind: a.Kind, ActivityType: a.ActivityType}
		if a.Expect == ReasonExpiredToken {
			rd.State = StateExpired
		}
		reg.Put(rd)
	}
	store := d.Development.Channels()
	created := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range demoChannels() {
		c.ID = demoChannelID(c.Label)
		if err := store.Add(DemoTopic, c.ID, c.Policy, created); err != nil {
			return err
		}
		for _, a := range d.Activities {
			if a.Channel == c.Label {
				store.Subscribe(DemoTopic, c.ID, a.Token)
				c.Subscribers = append(c.Subscribers, a.Label)
			}
		}
		d.Channels = append(d.Channels, c)
	}
	return nil
}
