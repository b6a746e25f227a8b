package channels

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// world is the demo world with a token-auth profile on its development
// server, a store and a Channels screen.
type world struct {
	demo  *apnstest.Demo
	store *profiles.Store
	m     *Model
	// other is every message the screen's Cmds produced for the shell.
	other []tea.Msg
}

func newWorld(t *testing.T, env certs.Environment) *world {
	t.Helper()
	d, err := apnstest.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cred, err := certs.Load(d.P8Path, certs.Options{KeyID: d.KeyID, TeamID: d.TeamID})
	if err != nil {
		t.Fatal(err)
	}
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := &profiles.Profile{Name: "demo-token", CertPath: d.P8Path, Auth: certs.AuthToken, KeyID: d.KeyID, TeamID: d.TeamID,
		Environment: env, Topic: d.Topic, Host: d.Server(env).URL(), ServerCA: d.ServerCAPath}
	c := common.Common{Styles: common.DefaultStyles(true, true), Store: store, Active: p, Cred: cred}
	m := New(c)
	m.SetSize(100, 20)
	return &world{demo: d, store: store, m: m}
}

// do runs a Cmd (and the Cmds its messages lead to) the way the shell
// would, feeding the screen its own messages.
func (w *world) do(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			w.do(c)
		}
	case listedMsg, createdMsg, deletedMsg, sentMsg:
		_, next := w.m.Update(msg)
		w.do(next)
	default:
		w.other = append(w.other, msg)
	}
}

func (w *world) key(s string) {
	_, cmd := w.m.Update(common.KeyPress(s))
	w.do(cmd)
}

func (w *world) lastError() error {
	for i := len(w.other) - 1; i >= 0; i-- {
		if e, ok := w.other[i].(common.ErrorMsg); ok {
			return e.Err
		}
	}
	return nil
}

func TestListCreateDeleteAgainstDemo(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.do(w.m.Shown())
	if len(w.m.Rows()) != 2 {
		t.Fatalf("rows %+v (err %v)", w.m.Rows(), w.m.loadErr)
	}
	for _, r := range w.m.Rows() {
		if !r.Known {
			t.Errorf("policy of %s not read", r.ID)
		}
	}
	// Create, with a label and the no-storage policy.
	w.key("n")
	if !w.m.Capturing() {
		t.Fatal("n should open the form with the label field focused")
	}
	for _, r := range "Match 9\x1b[31m" {
		w.key(string(r))
	}
	w.key("tab")
	if w.m.policy != push.NoStorage {
		t.Fatalf("tab should switch the policy, got %s", w.m.policy)
	}
	w.key("enter")
	if len(w.m.Rows()) != 3 {
		t.Fatalf("after create: %+v (last error %v)", w.m.Rows(), w.lastError())
	}
	var created row
	for _, r := range w.m.Rows() {
		if r.Label != "" {
			created = r
		}
	}
	if !strings.HasPrefix(created.Label, "Match 9") || strings.ContainsRune(created.Label, 0x1b) || created.Policy != push.NoStorage {
		t.Fatalf("created row %+v", created)
	}
	// Delete asks first; anything but y keeps it.
	for i, r := range w.m.Rows() {
		if r.ID == created.ID {
			w.m.table.SetCursor(i)
		}
	}
	w.key("d")
	if w.m.mode != modeConfirmDelete || !strings.Contains(w.m.View(), "for good") {
		t.Fatalf("delete must ask: mode %v\n%s", w.m.mode, w.m.View())
	}
	w.key("n")
	if len(w.m.Rows()) != 3 || w.m.mode != modeBrowse {
		t.Fatal("n must keep the channel")
	}
	w.key("d")
	w.key("y")
	if len(w.m.Rows()) != 2 {
		t.Fatalf("after delete: %+v (last error %v)", w.m.Rows(), w.lastError())
	}
	for _, r := range w.m.Rows() {
		if r.ID == created.ID {
			t.Fatal("the deleted channel is still listed")
		}
	}
}

func liveUpdate(t *testing.T) common.Outgoing {
	t.Helper()
	for _, tpl := range payload.Templates() {
		if tpl.Name == "Live Activity update" {
			return common.Outgoing{Name: tpl.Name, Body: tpl.Body, Headers: tpl.Headers,
				Report: payload.Validate([]byte(tpl.Body), payload.Options{Headers: tpl.Headers, Channel: true})}
		}
	}
	t.Fatal("no Live Activity update template")
	return common.Outgoing{}
}

func TestBroadcastRecordsHistory(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.do(w.m.Shown())
	w.key("s")
	if err := w.lastError(); err == nil || !strings.Contains(err.Error(), "nothing to broadcast") {
		t.Fatalf("s without a payload: %v", err)
	}
	w.m.Update(common.PayloadChangedMsg{Out: common.Outgoing{Body: `{"aps":{"alert":"x"}}`, Headers: payload.Headers{PushType: payload.Alert},
		Report: payload.Report{Valid: true}}, Seq: 1})
	w.key("s")
	if err := w.lastError(); err == nil || !strings.Contains(err.Error(), "Live Activity updates only") {
		t.Fatalf("alert payload: %v", err)
	}
	w.m.Update(common.PayloadChangedMsg{Out: liveUpdate(t), Seq: 2})
	cup := -1
	for i, r := range w.m.Rows() {
		if r.ID == w.demo.Channels[0].ID {
			cup = i
		}
	}
	w.m.table.SetCursor(cup)
	w.key("s")
	res := w.m.Results()
	if len(res) != 1 || !res[0].Result.OK() || res[0].RecordErr != nil {
		t.Fatalf("broadcast: %+v", res)
	}
	if bs := w.demo.Development.Channels().Broadcasts(w.demo.Topic, w.demo.Channels[0].ID); len(bs) != 1 || len(bs[0].Deliveries) != 2 {
		t.Fatalf("fan-out: %+v", bs)
	}
	hist, err := w.store.QueryHistory(profiles.HistoryFilter{Channel: w.demo.Channels[0].ID, Payloads: true})
	if err != nil || len(hist) != 1 {
		t.Fatalf("history %v %v", hist, err)
	}
	h := hist[0]
	if h.Token != w.demo.Channels[0].ID || h.Channel != w.demo.Channels[0].ID || h.Status != 200 || h.PushType != "liveactivity" || h.Topic != w.demo.Topic || h.ApnsUniqueID == "" || h.Payload == "" {
		t.Errorf("history entry %+v", h)
	}
	if !strings.Contains(ansi.Strip(w.m.View()), "✓ → ") {
		t.Errorf("view shows no result:\n%s", w.m.View())
	}
}

func TestProductionBroadcastAsksFirst(t *testing.T) {
	w := newWorld(t, certs.Production)
	w.do(w.m.Shown())
	if len(w.m.Rows()) != 0 || w.m.loadErr != nil {
		t.Fatalf("production has no demo channels: %+v %v", w.m.Rows(), w.m.loadErr)
	}
	w.m.rows = []row{{ID: "dHN0LXNyY2gtY2hubA==", Label: "x"}}
	w.m.table.SetRows(1)
	w.m.Update(common.PayloadChangedMsg{Out: liveUpdate(t), Seq: 1})
	w.key("s")
	if w.m.mode != modeConfirmSend || !strings.Contains(ansi.Strip(w.m.View()), "PRODUCTION") {
		t.Fatalf("production must ask: %v\n%s", w.m.mode, w.m.View())
	}
	w.key("esc")
	if len(w.m.Results()) != 0 {
		t.Fatal("esc must not send")
	}
	w.key("s")
	w.key("y")
	r := w.m.Results()
	if len(r) != 1 || r[0].Result.Reason != "ChannelNotRegistered" {
		t.Fatalf("result %+v", r)
	}
	if v := ansi.Strip(w.m.View()); !strings.Contains(v, "ChannelNotRegistered") || !strings.Contains(v, "fix: Channels are per environment") {
		t.Errorf("view:\n%s", v)
	}
}

func TestViewFitsAndStaleListDropped(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.do(w.m.Shown())
	for _, width := range []int{40, 80, 120} {
		w.m.SetSize(width, 12)
		v := w.m.View()
		lines := strings.Split(v, "\n")
		if len(lines) != 12 {
			t.Errorf("width %d: %d lines", width, len(lines))
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > width {
				t.Errorf("width %d: line too wide: %q", width, ansi.Strip(l))
			}
		}
	}
	before := len(w.m.Rows())
	w.m.Update(listedMsg{run: w.m.run - 1, rows: nil})
	if len(w.m.Rows()) != before {
		t.Error("a stale list must be dropped")
	}
	// A hostile label never reaches the terminal with its escape codes.
	if got := clean("a\x1b]0;evil\x07b\nc"); strings.ContainsAny(got, "\x1b\x07\n") {
		t.Errorf("clean: %q", got)
	}
}

func TestNoStorageChannelRefusesExpiration(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.do(w.m.Shown())
	out := liveUpdate(t)
	out.Headers.Expiration = payload.Expiration{Mode: "at", At: time.Now().Add(time.Hour)}
	w.m.Update(common.PayloadChangedMsg{Out: out, Seq: 1})
	for i, r := range w.m.Rows() {
		if r.ID == w.demo.Channels[1].ID {
			w.m.table.SetCursor(i)
		}
	}
	w.key("s")
	r := w.m.Results()
	// The policy was read from APNs, so pushdeck refuses it before sending.
	if len(r) != 1 || r[0].Result.Class != "invalid" || !strings.Contains(r[0].Result.Err.Error(), "no-storage") {
		t.Fatalf("result %+v", r)
	}
	// Unknown policy: APNs answers BadExpirationDate and the fix is shown.
	w.m.rows[w.m.table.Cursor()].Known = false
	w.key("s")
	r = w.m.Results()
	if len(r) != 2 || r[1].Result.Reason != "BadExpirationDate" || !strings.Contains(ansi.Strip(w.m.View()), "fix: Use 0 on a no-storage channel") {
		t.Fatalf("result %+v\n%s", r, ansi.Strip(w.m.View()))
	}
}

func TestServerTextIsCleaned(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.m.results = []outcome{{Label: "x", Result: push.Result{Status: 400, Reason: "Evil\x1b]0;pwned\x07\x1b[2J"}}}
	if v := w.m.View(); strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") {
		t.Errorf("escape codes from the server reached the view: %q", v)
	}
}

func TestLabelsKeptInTheStore(t *testing.T) {
	w := newWorld(t, certs.Development)
	w.do(w.m.Shown())
	w.key("n")
	for _, r := range "Final" {
		w.key(string(r))
	}
	w.key("enter")
	// A new screen on the same store (the console restarted) knows it.
	m2 := New(w.m.c)
	m2.SetSize(100, 20)
	w.m = m2
	w.do(w.m.Shown())
	found := false
	for _, r := range w.m.Rows() {
		if r.Label == "Final" && r.Known {
			found = true
		}
	}
	if !found {
		t.Fatalf("label not kept: %+v", w.m.Rows())
	}
	cs, err := w.store.Channels(certs.Development, w.demo.Topic)
	if err != nil || len(cs) != 3 {
		t.Fatalf("store channels %+v %v (every listed channel is kept with its policy)", cs, err)
	}
	// The same label again is refused before APNs makes a channel.
	w.key("n")
	for _, r := range "final" {
		w.key(string(r))
	}
	w.key("enter")
	if err := w.lastError(); err == nil || !strings.Contains(err.Error(), "already channel") {
		t.Fatalf("duplicate label: %v", err)
	}
	if n := len(w.demo.Development.Channels().List(w.demo.Topic)); n != 3 {
		t.Errorf("APNs has %d channels", n)
	}
	// Delete forgets it in the store too.
	for i, r := range w.m.Rows() {
		if r.Label == "Final" {
			w.m.table.SetCursor(i)
		}
	}
	w.key("d")
	w.key("y")
	if _, err := w.store.Channel(certs.Development, "Final"); err == nil {
		t.Error("the store still has the deleted channel")
	}
}
