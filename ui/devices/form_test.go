package devices

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Editing a device can remove a group (the store's add merged them, so a
// removed group came back).
func TestEditRemovesAGroup(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("ab", 32)
	if _, _, err := store.AddDevice(profiles.Device{Label: "Anna", Token: tok, Environment: certs.Development, Groups: []string{"qa", "beta"}}); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, 100, 20, store)
	m.Update(m.Init()())
	press(m, "e")
	if m.mode != modeForm || m.form.field != fLabel {
		t.Fatal("e should open the form on the label")
	}
	press(m, "tab", "tab") // label → token → groups: the order shown
	if m.form.field != fGroups {
		t.Fatalf("field %d after two tabs", m.form.field)
	}
	m.form.groups.SetValue("qa")
	msgs := press(m, "enter")
	if len(msgs) != 1 {
		t.Fatalf("save: %v", msgs)
	}
	if s, ok := msgs[0].(savedMsg); !ok || s.err != nil {
		t.Fatalf("%#v", msgs[0])
	}
	ds, _ := store.Devices()
	if len(ds) != 1 || strings.Join(ds[0].Groups, ",") != "qa" || ds[0].Label != "Anna" {
		t.Fatalf("book = %+v", ds)
	}
}

// C clears the selection, from the list and from the group picker.
func TestClearSelection(t *testing.T) {
	m := loaded(t, 100, 20)
	press(m, "A")
	if len(m.Selected()) == 0 {
		t.Fatal("A selected nothing")
	}
	sel := lastSelection(t, press(m, "C"))
	if len(sel.Devices) != 0 || len(m.Selected()) != 0 {
		t.Fatal("C did not clear the selection")
	}
	press(m, "+", "enter")
	if len(m.Selected()) == 0 {
		t.Fatal("the group picker selected nothing")
	}
	press(m, "+", "C")
	if len(m.Selected()) != 0 {
		t.Fatal("C in the group picker did not clear")
	}
	var hasClear bool
	for _, b := range m.ShortHelp() {
		hasClear = hasClear || b.Help().Key == "C"
	}
	if hasClear {
		t.Fatal("C offered with nothing selected")
	}
	_ = common.Count
}
