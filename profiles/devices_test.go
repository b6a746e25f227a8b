package profiles

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// tok is a distinct, valid device token for each i.
func tok(i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(i)))
	return hex.EncodeToString(sum[:])
}

func TestDeviceAddedTwiceUpdates(t *testing.T) {
	s := openTemp(t)
	raw := "<" + strings.ToUpper(tok(1)[:8]) + " " + tok(1)[8:] + ">"
	d, isNew, err := s.AddDevice(Device{Token: raw, Label: "Anna iPhone", Environment: "sandbox", Groups: []string{"QA"}})
	if err != nil || !isNew {
		t.Fatalf("first add: %v new=%v", err, isNew)
	}
	if d.Token != tok(1) || d.Environment != certs.Development || d.AddedAt.IsZero() {
		t.Fatalf("stored %+v", d)
	}
	d2, isNew, err := s.AddDevice(Device{Token: tok(1), Label: "Anna 15 Pro", Environment: certs.Development, Groups: []string{"Beta", "QA"}})
	if err != nil || isNew {
		t.Fatalf("second add: %v new=%v", err, isNew)
	}
	if d2.Label != "Anna 15 Pro" || strings.Join(d2.Groups, ",") != "QA,Beta" || !d2.AddedAt.Equal(d.AddedAt) {
		t.Errorf("updated device %+v", d2)
	}
	ds, _ := s.Devices()
	if len(ds) != 1 {
		t.Fatalf("device added twice gives %d entries", len(ds))
	}
	// The same token in the other environment is another device.
	if _, isNew, err := s.AddDevice(Device{Token: tok(1), Label: "Anna 15 Pro", Environment: certs.Production}); err != nil || !isNew {
		t.Fatalf("same token in production: %v new=%v", err, isNew)
	}
	// A label of another token in the same environment is refused.
	_, _, err = s.AddDevice(Device{Token: tok(2), Label: "anna 15 pro", Environment: certs.Development})
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("duplicate label: %v", err)
	}
	if _, _, err := s.AddDevice(Device{Token: "abc", Label: "short", Environment: certs.Development}); err == nil {
		t.Fatal("short token accepted")
	}
	if _, _, err := s.AddDevice(Device{Token: tok(3), Label: "noenv"}); err == nil {
		t.Fatal("device without environment accepted")
	}
}

func TestRemoveDevice(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(1), Label: "Anna", Environment: certs.Development})
	s.AddDevice(Device{Token: tok(2), Label: "Anna", Environment: certs.Production})
	s.AddDevice(Device{Token: tok(3), Label: "Ben", Environment: certs.Development})
	if err := s.RemoveDevice("Anna"); err == nil || !strings.Contains(err.Error(), "2 devices") {
		t.Fatalf("ambiguous label: %v", err)
	}
	if err := s.RemoveDevice(strings.ToUpper(tok(2))); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDevice("anna"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDevice("Zed"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown label: %v", err)
	}
	ds, _ := s.Devices()
	if len(ds) != 1 || ds[0].Label != "Ben" {
		t.Fatalf("left %+v", ds)
	}
}

func TestRecordResults(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(1), Label: "A", Environment: certs.Development})
	s.AddDevice(Device{Token: tok(2), Label: "B", Environment: certs.Development})
	s.AddDevice(Device{Token: tok(2), Label: "B", Environment: certs.Production})
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	dead := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	err := s.RecordResults(certs.Development, []DeviceResult{
		{Token: tok(1), Status: 200, ApnsID: "ID-1", At: t0},
		{Token: tok(2), Status: 410, Reason: "Unregistered", At: t0, UnregisteredAt: dead},
		{Token: tok(9), Status: 200, At: t0}, // not in the book
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := s.Devices()
	if len(ds) != 3 {
		t.Fatalf("RecordResults added devices: %+v", ds)
	}
	byKey := map[string]Device{}
	for _, d := range ds {
		byKey[string(d.Environment)+d.Label] = d
	}
	if a := byKey["developmentA"]; a.Last == nil || a.Last.Status != 200 || a.Last.ApnsID != "ID-1" || !a.UnregisteredAt.IsZero() {
		t.Errorf("A = %+v", a)
	}
	if b := byKey["developmentB"]; b.Last == nil || b.Last.Reason != "Unregistered" || !b.UnregisteredAt.Equal(dead) {
		t.Errorf("B = %+v", b)
	}
	if b := byKey["productionB"]; b.Last != nil {
		t.Errorf("the production entry got a development result: %+v", b)
	}
	// An older result arriving late changes nothing; a newer success revives.
	s.RecordResults(certs.Development, []DeviceResult{{Token: tok(2), Status: 200, At: t0.Add(-time.Minute)}})
	ds, _ = s.Devices()
	if ds[1].UnregisteredAt.IsZero() {
		t.Errorf("an older result cleared the Unregistered mark: %+v", ds[1])
	}
	s.RecordResults(certs.Development, []DeviceResult{{Token: tok(2), Status: 200, At: t0.Add(time.Minute)}})
	ds, _ = s.Devices()
	if !ds[1].UnregisteredAt.IsZero() || ds[1].Last.Status != 200 {
		t.Errorf("a later success did not clear the mark: %+v", ds[1])
	}
}

func TestSelectDevices(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(1), Label: "A", Environment: certs.Development, Groups: []string{"QA"}})
	s.AddDevice(Device{Token: tok(2), Label: "B", Environment: certs.Development, Groups: []string{"QA"}})
	s.AddDevice(Device{Token: tok(3), Label: "C", Environment: certs.Development})
	s.AddDevice(Device{Token: tok(4), Label: "C", Environment: certs.Production, Groups: []string{"QA"}})
	got, err := s.SelectDevices(certs.Development, []string{"c", "A"}, []string{"qa"})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, d := range got {
		labels = append(labels, d.Label+":"+string(d.Environment))
	}
	if strings.Join(labels, ",") != "A:development,B:development,C:development" {
		t.Errorf("selected %v", labels)
	}
	if _, err := s.SelectDevices(certs.Development, []string{"Z"}, nil); err == nil || !strings.Contains(err.Error(), "A, B, C") {
		t.Errorf("unknown label: %v", err)
	}
	if _, err := s.SelectDevices(certs.Production, nil, []string{"Nobody"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty group: %v", err)
	}
}

func TestImportTextWithBadLines(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(5), Label: "Old", Environment: certs.Development})
	in := "# QA phones\n" +
		tok(1) + " Anna iPhone\n" +
		"\n" +
		"Ben's iPad: <" + strings.ToUpper(tok(2)[:8]) + " " + tok(2)[8:] + ">\n" +
		"not-a-token Carl\n" +
		tok(3) + "\n" +
		tok(4)[:40] + " Cut off\n" +
		tok(5) + ",Renamed\r\n" +
		tok(6) + " Anna iPhone\n"
	rep, err := s.ImportDevices([]byte(in), "sandbox", []string{"QA"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 3 || rep.Updated != 1 {
		t.Errorf("added %d updated %d, want 3 and 1", rep.Added, rep.Updated)
	}
	var lines []int
	for _, b := range rep.Bad {
		lines = append(lines, b.Line)
		if b.Reason == "" || b.Text == "" {
			t.Errorf("bad line without text or reason: %+v", b)
		}
	}
	if fmt.Sprint(lines) != "[5 7 9]" {
		t.Errorf("bad lines %v, want [5 7 9] (%+v)", lines, rep.Bad)
	}
	ds, _ := s.Devices()
	got := map[string]string{}
	for _, d := range ds {
		got[d.Token] = d.Label + "|" + strings.Join(d.Groups, ",")
	}
	want := map[string]string{
		tok(1): "Anna iPhone|QA", tok(2): "Ben's iPad|QA", tok(3): "device-" + tok(3)[:8] + "|QA", tok(5): "Renamed|QA",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("book after import:\n got %v\nwant %v", got, want)
	}
	r, err := s.ImportDevices([]byte(tok(7)+" X\n"), "", nil)
	if err != nil || r.Added != 0 || len(r.Bad) != 1 || !strings.Contains(r.Bad[0].Reason, "--env") {
		t.Errorf("line without environment: %+v, %v", r, err)
	}
}

func TestExportImportJSONRoundTrip(t *testing.T) {
	s := openTemp(t)
	s.AddDevice(Device{Token: tok(1), Label: "A", Environment: certs.Development, Groups: []string{"QA"}, Topic: "com.example.app"})
	s.AddDevice(Device{Token: tok(2), Label: "B", Environment: certs.Production})
	s.RecordResults(certs.Production, []DeviceResult{{Token: tok(2), Status: 410, Reason: "Unregistered", At: time.Now()}})
	data, err := s.ExportDevices()
	if err != nil {
		t.Fatal(err)
	}
	s2 := openTemp(t)
	rep, err := s2.ImportDevices(data, "", nil)
	if err != nil || rep.Added != 2 || len(rep.Bad) != 0 {
		t.Fatalf("import of an export: %+v, %v", rep, err)
	}
	a, _ := s.Devices()
	b, _ := s2.Devices()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) || !strings.Contains(string(ja), "Unregistered") {
		t.Errorf("round trip changed the book:\n%+v\n%+v", a, b)
	}
	// A bad entry is reported by the line it starts on; the rest are kept.
	arr := "[\n  {\"token\": \"" + tok(3) + "\", \"label\": \"C\", \"environment\": \"development\"},\n" +
		"  {\"token\": \"zz\", \"label\": \"D\"},\n" +
		"  {\"label\": \"E\"}\n]"
	rep, err = s2.ImportDevices([]byte(arr), certs.Development, nil)
	if err != nil || rep.Added != 1 || len(rep.Bad) != 2 || rep.Bad[0].Line != 3 || rep.Bad[1].Line != 4 {
		t.Fatalf("array import: %+v, %v", rep, err)
	}
	_, err = s2.ImportDevices([]byte("{\n \"devices\": [\n {\"token\": }\n]}"), certs.Development, nil)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("broken JSON import: %v", err)
	}
}

// TestImportInChunks: a big import goes in a chunk at a time, and gives
// the same results as one device at a time: repeats update, a label in use
// is refused by its line only, a re-import changes nothing.
func TestImportInChunks(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.AddDevice(Device{Token: tok(999_999), Label: "taken", Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range 1000 {
		switch i {
		case 450:
			fmt.Fprintf(&b, "%s taken\n", tok(i)) // label of another token
		case 700:
			fmt.Fprintf(&b, "%s again-%d\n", tok(10), i) // a repeat: relabels token 10
		default:
			fmt.Fprintf(&b, "%s phone-%d\n", tok(i), i)
		}
	}
	rep, err := s.ImportDevices([]byte(b.String()), certs.Development, []string{"qa"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 998 || rep.Updated != 1 || len(rep.Bad) != 1 || rep.Bad[0].Line != 451 || !strings.Contains(rep.Bad[0].Reason, "already used") {
		t.Fatalf("report %+v", rep)
	}
	all, _ := s.Devices()
	var ds []Device
	for _, d := range all {
		if d.Label == "again-700" {
			ds = append(ds, d)
		}
	}
	if len(ds) != 1 || ds[0].Token != tok(10) || strings.Join(ds[0].Groups, ",") != "qa" {
		t.Errorf("the repeat: %+v", ds)
	}
	rep, err = s.ImportDevices([]byte(b.String()), certs.Development, []string{"qa"})
	if err != nil || rep.Added != 0 || rep.Updated != 999 || len(rep.Bad) != 1 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	if n, _ := s.DeviceCount(); n != 999 {
		t.Errorf("%d devices, want 999", n)
	}
	ds, err = s.SelectDevices(certs.Development, nil, []string{"QA"})
	if err != nil || len(ds) != 998 {
		t.Errorf("group qa: %d, %v", len(ds), err)
	}
}
