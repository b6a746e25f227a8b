package channels_test

import (
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui"
)

// The demo's device book holds the Live Activity tokens with their kinds,
// and the store its channels with their labels and policies.
func TestDemoWorldHasLiveActivities(t *testing.T) {
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	devs, err := w.Store.Devices()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[profiles.TokenKind]int{}
	for _, d := range devs {
		if d.Kind != "" && d.Kind != profiles.KindDevice {
			kinds[d.Kind]++
			if d.ActivityType != "DeliveryAttributes" || d.Environment != certs.Development {
				t.Errorf("activity %s: %+v", d.Label, d)
			}
		}
	}
	if kinds[profiles.KindLiveActivityStart] != 1 || kinds[profiles.KindLiveActivityUpdate] != 4 {
		t.Errorf("kinds %v: want one push-to-start token and four update tokens", kinds)
	}
	cs, err := w.Store.Channels(certs.Development, "")
	if err != nil || len(cs) != 2 {
		t.Fatalf("channels %+v %v", cs, err)
	}
	if c, err := w.Store.Channel(certs.Development, "cup final"); err != nil || c.StoragePolicy != 1 {
		t.Errorf("Cup final: %+v %v", c, err)
	}
}
