package creds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/filepicker"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// debounce is how long typing must pause before the credential is read
// again: a check per keystroke would read (and decrypt) a file per key.
const debounce = 300 * time.Millisecond

type fieldID int

const (
	fName fieldID = iota
	fPath
	fPassword
	fKeyPath
	fKeyID
	fTeamID
	fEnv
	fTopic
	fHost
	fPort
	fCA
	nFields
)

// field is one row of the form: a text input, or a choice when choices is
// set (the topic is either, depending on the credential).
type field struct {
	label   string
	hint    string
	input   textinput.Model
	choices []string
	values  []string // what each choice saves; nil means choices
	choice  int
	path    bool
}

func (f *field) isChoice() bool { return len(f.choices) > 0 }

func (f *field) value() string {
	if f.isChoice() {
		if f.values != nil {
			return f.values[f.choice]
		}
		return f.choices[f.choice]
	}
	return strings.TrimSpace(f.input.Value())
}

// Msgs of the form.
type (
	// checkTickMsg fires when typing paused; seq drops ticks of older edits.
	checkTickMsg struct{ seq int }
	// checkResultMsg is the health of the credential as the form stands.
	checkResultMsg struct {
		seq     int
		path    string // the path as checked
		needsPw bool
		report  *certs.Report
		err     error
		// split is set when the path typed is an existing credential file
		// followed by more text (a password typed into the path field):
		// file is the file, rest what was typed after it.
		split      bool
		file, rest string
	}
	// completeMsg is a path completion for the field as it was typed.
	completeMsg struct {
		id         fieldID
		input      string
		value      string
		candidates []string
	}
)

type actionKind int

const (
	actNone actionKind = iota
	actCancel
	actSave
)

// action is what the form asks of its screen.
type action struct {
	kind     actionKind
	profile  profiles.Profile
	password string
	needsPw  bool
}

// Form adds or edits a profile. The credential's health is re-read (in a
// Cmd, debounced, tagged with seq) as the path and password change.
type Form struct {
	keys  FormKeyMap
	st    common.Styles
	orig  *profiles.Profile
	names []string
	f     [nFields]*field
	focus fieldID

	seq, checked int
	// stopCheck cancels the credential check in flight: a newer check or
	// esc stops it, so a hostile file cannot keep a core busy (issue 12).
	stopCheck context.CancelFunc
	needsPw   bool
	// pwFile is a credential file known to exist and to need a password
	// (picked in the browser, or checked): what is typed after it in the
	// path field goes to the masked password field instead.
	pwFile  string
	report  *certs.Report
	loadErr error
	touched map[fieldID]bool

	completions []string
	browser     *filepicker.Model
	browseFor   fieldID
	jump        string // letters typed in a row in the browser
	confirm     []string
	reviewed    profiles.Profile
	pendingSave bool
	err         string

	width, height int
}

// NewForm builds the form; orig is the profile being edited (nil to add).
// names are the saved profiles, so a new name cannot replace one.
func NewForm(st common.Styles, orig *profiles.Profile, names []string) *Form {
	m := &Form{keys: DefaultFormKeyMap(), st: st, orig: orig, names: names, touched: map[fieldID]bool{}}
	mk := func(label, placeholder, hint string) *field {
		return &field{label: label, hint: hint, input: common.NewInput(st, "", placeholder)}
	}
	m.f[fName] = mk("Name", "e.g. myapp-dev", "a short name, used on the command line: pushdeck send --profile NAME")
	m.f[fPath] = mk("Credential", ".p12, .pem, ck.pem, .cer or AuthKey_XXXXXXXXXX.p8", "tab completes the path · ctrl+o opens a file browser")
	m.f[fPath].path = true
	m.f[fPassword] = mk("Password", "", "kept in memory for this session only; never written to disk")
	m.f[fPassword].input.EchoMode = textinput.EchoPassword
	m.f[fPassword].input.EchoCharacter = '•'
	m.f[fKeyPath] = mk("Key file", "the private key of this certificate", "this certificate came without its key: give the key file (tab completes · ctrl+o browses)")
	m.f[fKeyPath].path = true
	m.f[fKeyID] = mk("Key ID", "10 characters, e.g. ABC123DEFG", "the key ID of the token key: the XXXXXXXXXX of AuthKey_XXXXXXXXXX.p8")
	m.f[fTeamID] = mk("Team ID", "10 characters, e.g. DEF123GHIJ", "the team ID, shown in the Apple developer account (Membership)")
	m.f[fEnv] = mk("Environment", "", "")
	m.f[fEnv].choices = []string{"development", "production"}
	m.f[fTopic] = mk("Topic", "e.g. com.example.app", "the app's bundle ID: a token key works for every app of the team")
	m.f[fHost] = mk("Host", "empty: Apple's host for the environment", "leave empty for Apple; a URL such as https://127.0.0.1:2197 for a local server")
	m.f[fPort] = mk("Port", "", "2197 is Apple's alternative port, for networks that block 443")
	m.f[fPort].choices = []string{"443", "2197"}
	m.f[fCA] = mk("Server CA", "empty: not needed for Apple", "the CA file that signed a local server's certificate (tab completes · ctrl+o browses)")
	m.f[fCA].path = true
	m.f[fEnv].hint = "where the profile sends: only the environments the credential allows are offered"

	if orig != nil {
		m.f[fName].input.SetValue(orig.Name)
		m.f[fPath].input.SetValue(orig.CertPath)
		m.f[fKeyPath].input.SetValue(orig.KeyPath)
		m.f[fKeyID].input.SetValue(orig.KeyID)
		m.f[fTeamID].input.SetValue(orig.TeamID)
		m.f[fTopic].input.SetValue(orig.Topic)
		m.f[fHost].input.SetValue(orig.Host)
		m.f[fCA].input.SetValue(orig.ServerCA)
		if orig.Environment == certs.Production {
			m.f[fEnv].choice = 1
		}
		if orig.Port == 2197 {
			m.f[fPort].choice = 1
		}
		m.touched[fKeyID], m.touched[fTeamID] = orig.KeyID != "", orig.TeamID != ""
	}
	m.f[fName].input.Focus()
	return m
}

// Init starts the first health check when editing.
func (m *Form) Init() tea.Cmd {
	if m.orig == nil {
		return nil
	}
	m.focusOn(fPath)
	m.seq++
	return m.checkNow()
}

// Checking reports whether a health check is pending.
func (m *Form) Checking() bool { return m.seq != m.checked }

// SetSize sets the form's area.
func (m *Form) SetSize(w, h int) {
	m.width, m.height = w, h
	iw := max(w-17, 10)
	for _, f := range m.f {
		f.input.SetWidth(iw)
	}
	if m.browser != nil {
		m.browser.SetHeight(max(h-4, 3))
	}
}

// SetStyles restyles the form (the terminal's background changed).
func (m *Form) SetStyles(st common.Styles) {
	m.st = st
	for _, f := range m.f {
		if f.isChoice() && f.input.Value() == "" {
			continue
		}
		v, pos, focused, echo := f.input.Value(), f.input.Position(), f.input.Focused(), f.input.EchoMode
		ph := f.input.Placeholder
		f.input = common.NewInput(st, "", ph)
		f.input.EchoMode, f.input.EchoCharacter = echo, '•'
		f.input.SetValue(v)
		f.input.SetCursor(pos)
		f.input.SetWidth(max(m.width-17, 10))
		if focused {
			f.input.Focus()
		}
	}
}

func (m *Form) isToken() bool {
	if m.report != nil {
		return m.report.TokenKey != nil
	}
	return strings.HasSuffix(strings.ToLower(m.f[fPath].value()), ".p8")
}

func (m *Form) hasProblem(c certs.Code) bool {
	if m.report == nil {
		return false
	}
	for _, p := range m.report.Problems {
		if p.Code == c {
			return true
		}
	}
	return false
}

// visible reports whether a field applies to the credential as known now.
func (m *Form) visible(id fieldID) bool {
	switch id {
	case fPassword:
		return m.needsPw || m.f[fPassword].input.Value() != ""
	case fKeyPath:
		return m.hasProblem(certs.CodeNoPrivateKey) || m.f[fKeyPath].value() != ""
	case fKeyID, fTeamID:
		return m.isToken()
	}
	return true
}

func (m *Form) visibleFields() []fieldID {
	var out []fieldID
	for id := range nFields {
		if m.visible(id) {
			out = append(out, id)
		}
	}
	return out
}

func (m *Form) focusOn(id fieldID) {
	for i, f := range m.f {
		if fieldID(i) == id {
			f.input.Focus()
		} else {
			f.input.Blur()
		}
	}
	m.focus = id
	m.completions = nil
}

func (m *Form) move(d int) {
	vis := m.visibleFields()
	i := slices.Index(vis, m.focus)
	if i < 0 {
		i = 0
	}
	i = max(0, min(len(vis)-1, i+d))
	m.focusOn(vis[i])
}

// changed schedules a health check once typing pauses.
func (m *Form) changed() tea.Cmd {
	m.seq++
	seq := m.seq
	return tea.Tick(debounce, func(time.Time) tea.Msg { return checkTickMsg{seq: seq} })
}

func (m *Form) checkNow() tea.Cmd {
	m.cancelCheck()
	ctx, cancel := context.WithCancel(context.Background())
	m.stopCheck = cancel
	return checkCmd(ctx, m.seq, m.f[fPath].value(), m.f[fPassword].input.Value(), m.f[fKeyPath].value(), m.f[fKeyID].value(), m.f[fTeamID].value())
}

// cancelCheck stops the check in flight, if any.
func (m *Form) cancelCheck() {
	if m.stopCheck != nil {
		m.stopCheck()
		m.stopCheck = nil
	}
}

// checkCmd reads the credential as the form describes it.
func checkCmd(ctx context.Context, seq int, path, pw, keyPath, keyID, teamID string) tea.Cmd {
	return func() tea.Msg {
		if path == "" {
			return checkResultMsg{seq: seq}
		}
		typed := path
		path = expandHome(path)
		if file, rest, ok := splitAfterCredExt(path); ok && !exists(path) && exists(file) {
			if needs, err := certs.NeedsPassword(file); err == nil && needs {
				return checkResultMsg{seq: seq, path: typed, split: true, file: file, rest: rest}
			}
		}
		needs, nerr := certs.NeedsPassword(path)
		cred, err := certs.LoadContext(ctx, path, certs.Options{Password: pw, KeyPath: expandHome(keyPath), KeyID: keyID, TeamID: teamID})
		var rep *certs.Report
		if cred != nil {
			r := cred.Report
			rep = &r
		}
		return checkResultMsg{seq: seq, path: typed, needsPw: needs && nerr == nil, report: rep, err: err}
	}
}

// exists is true for a path that names something (in a Cmd only: IO).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pwExts are the extensions of credential files that can be protected by
// a password.
var pwExts = []string{".p12", ".pfx", ".pem", ".key"}

// splitAfterCredExt splits a path whose last element runs on past a
// credential extension ("…/prod.p12Winter 2026!") into the file and the
// rest. A dot or a path separator after the extension ("x.pem.bak") is a
// longer name, not a password. It does no IO.
func splitAfterCredExt(v string) (file, rest string, ok bool) {
	base := strings.LastIndexAny(v, `/\`) + 1
	lower := strings.ToLower(v[base:])
	for _, ext := range pwExts {
		i := strings.Index(lower, ext)
		if i < 0 {
			continue
		}
		end := base + i + len(ext)
		if end >= len(v) || v[end] == '.' {
			continue
		}
		return v[:end], v[end:], true
	}
	return "", "", false
}

// apply takes a health check's result into the form: which fields apply,
// the key ID from the file name, the environments and topics allowed.
func (m *Form) apply(r checkResultMsg) {
	m.checked = r.seq
	m.needsPw, m.report, m.loadErr = r.needsPw, r.report, r.err
	if r.needsPw && m.f[fPath].value() == strings.TrimSpace(r.path) {
		m.pwFile = m.f[fPath].input.Value()
		if m.focus == fPath && m.f[fPassword].input.Value() == "" {
			m.focusOn(fPassword) // the report asks for it: type it where it is masked
		}
	}
	if m.f[fPath].value() == "" {
		m.report, m.loadErr = nil, nil
	}
	if tk := m.tokenKey(); tk != nil {
		if !m.touched[fKeyID] && tk.KeyID != "" {
			m.f[fKeyID].input.SetValue(tk.KeyID)
		}
		if !m.touched[fTeamID] && tk.TeamID != "" {
			m.f[fTeamID].input.SetValue(tk.TeamID)
		}
	}
	m.applyEnvironments()
	m.applyTopics()
	if !m.visible(m.focus) {
		m.move(-1)
	}
}

func (m *Form) tokenKey() *certs.TokenKeyInfo {
	if m.report == nil {
		return nil
	}
	return m.report.TokenKey
}

func (m *Form) applyEnvironments() {
	f := m.f[fEnv]
	cur := certs.Environment(f.value())
	allowed := common.AllowedEnvironments(m.report)
	if len(allowed) == 0 {
		allowed = []certs.Environment{certs.Development, certs.Production}
	}
	f.choices = f.choices[:0]
	for _, e := range allowed {
		f.choices = append(f.choices, string(e))
	}
	f.choice = max(0, slices.Index(f.choices, string(cur)))
	switch {
	case m.report == nil:
		f.hint = "where the profile sends: only the environments the credential allows are offered"
	case len(allowed) == 1:
		f.hint = fmt.Sprintf("this certificate is for %s only: APNs refuses it in %s", allowed[0], allowed[0].Other())
	case m.report.TokenKey != nil:
		f.hint = "a token key works in both environments: ←/→ chooses"
	default:
		f.hint = "a universal certificate: both environments work; ←/→ chooses"
	}
}

func (m *Form) applyTopics() {
	f := m.f[fTopic]
	cur := f.value()
	if m.report == nil || m.report.Certificate == nil || len(m.report.Certificate.Topics) == 0 {
		if f.isChoice() {
			f.input.SetValue(cur)
		}
		f.choices, f.values = nil, nil
		f.hint = "the app's bundle ID: a token key works for every app of the team"
		return
	}
	c := m.report.Certificate
	f.choices, f.values = nil, nil
	for _, t := range c.Topics {
		label := t.Topic
		if t.Kind != "" && t.Kind != "app" {
			label += " (" + t.Kind + ")"
		}
		f.choices = append(f.choices, label)
		f.values = append(f.values, t.Topic)
	}
	if cur == "" {
		cur = c.Topic
	}
	f.choice = max(0, slices.Index(f.values, cur))
	f.hint = fmt.Sprintf("the certificate covers %s: ←/→ chooses", common.Count(len(f.values), "topic"))
}

// Update handles a message; the returned action says whether the form is
// done (saved or cancelled).
func (m *Form) Update(msg tea.Msg) (tea.Cmd, action) {
	switch msg := msg.(type) {
	case checkTickMsg:
		if msg.seq == m.seq {
			return m.checkNow(), action{}
		}
		return nil, action{}
	case checkResultMsg:
		if msg.seq != m.seq {
			return nil, action{}
		}
		if msg.split {
			return m.takeTypedPassword(msg), action{}
		}
		wasPending := m.pendingSave
		m.pendingSave = false
		m.apply(msg)
		if wasPending {
			return nil, m.trySave()
		}
		return nil, action{}
	case completeMsg:
		return m.completed(msg), action{}
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		if m.browser != nil || m.f[m.focus].isChoice() {
			return nil, action{}
		}
		return m.typed(msg), action{}
	}
	if m.browser != nil {
		fp, cmd := m.browser.Update(msg)
		m.browser = &fp
		return cmd, action{}
	}
	return nil, action{}
}

func (m *Form) key(msg tea.KeyPressMsg) (tea.Cmd, action) {
	if m.browser != nil {
		return m.browseKey(msg), action{}
	}
	if m.confirm != nil {
		switch {
		case key.Matches(msg, m.keys.Yes):
			p := m.reviewed
			m.confirm = nil
			return nil, m.saveAction(p)
		case key.Matches(msg, m.keys.No):
			m.confirm = nil
		}
		return nil, action{}
	}
	f := m.f[m.focus]
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.cancelCheck()
		return nil, action{kind: actCancel}
	case key.Matches(msg, m.keys.Save):
		return m.save()
	case key.Matches(msg, m.keys.Browse) && f.path:
		return m.openBrowser(), action{}
	case key.Matches(msg, m.keys.Complete):
		if f.path && f.value() != "" {
			return completeCmd(m.focus, f.input.Value()), action{}
		}
		m.move(1)
		return nil, action{}
	case key.Matches(msg, m.keys.SaveLast) && m.focus == m.visibleFields()[len(m.visibleFields())-1]:
		return m.save()
	case key.Matches(msg, m.keys.Next):
		m.move(1)
		return nil, action{}
	case key.Matches(msg, m.keys.Prev):
		m.move(-1)
		return nil, action{}
	}
	if f.isChoice() {
		switch {
		case key.Matches(msg, m.keys.Left):
			f.choice = (f.choice + len(f.choices) - 1) % len(f.choices)
		case key.Matches(msg, m.keys.Right):
			f.choice = (f.choice + 1) % len(f.choices)
		}
		return nil, action{}
	}
	return m.typed(msg), action{}
}

// takeTypedPassword moves what was typed after a password-protected file
// in the path field into the masked password field, and checks again.
func (m *Form) takeTypedPassword(r checkResultMsg) tea.Cmd {
	p := m.f[fPath].input.Value()
	if strings.TrimSpace(p) != strings.TrimSpace(r.path) || !strings.HasSuffix(p, r.rest) {
		return nil
	}
	file := strings.TrimSuffix(p, r.rest)
	m.f[fPath].input.SetValue(file)
	m.f[fPath].input.CursorEnd()
	m.pwFile = file
	pw := m.f[fPassword].input
	pw.SetValue(pw.Value() + r.rest)
	pw.CursorEnd()
	m.f[fPassword].input = pw
	m.needsPw = true
	m.touched[fPassword] = true
	m.focusOn(fPassword)
	m.seq++
	return m.checkNow()
}

// intoPassword is true when a key typed in the path field belongs in the
// password field: the path is a file that needs one and the text would
// run on past its name.
func (m *Form) intoPassword(msg tea.Msg) bool {
	f := m.f[fPath]
	if m.focus != fPath || m.pwFile == "" || f.input.Value() != m.pwFile || f.input.Position() != len([]rune(m.pwFile)) {
		return false
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		return msg.Content != ""
	case tea.KeyPressMsg:
		return msg.Text != ""
	}
	return false
}

// typed gives a key or paste to the focused text field and schedules a
// check when what the check reads changed.
func (m *Form) typed(msg tea.Msg) tea.Cmd {
	if m.intoPassword(msg) {
		m.needsPw = true
		m.focusOn(fPassword)
	}
	f := m.f[m.focus]
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if f.input.Value() == before {
		return cmd
	}
	m.err = ""
	m.completions = nil
	m.touched[m.focus] = true
	switch m.focus {
	case fPath, fPassword, fKeyPath, fKeyID, fTeamID:
		return tea.Batch(cmd, m.changed())
	}
	return cmd
}

func (m *Form) completed(msg completeMsg) tea.Cmd {
	f := m.f[msg.id]
	if f.input.Value() != msg.input {
		return nil // typed on since
	}
	m.completions = msg.candidates
	if len(msg.candidates) == 0 && msg.value == msg.input {
		m.completions = []string{"(nothing matches)"}
	}
	if msg.value == msg.input {
		return nil
	}
	f.input.SetValue(msg.value)
	f.input.CursorEnd()
	if msg.id == fPath || msg.id == fKeyPath {
		return m.changed()
	}
	return nil
}

func (m *Form) openBrowser() tea.Cmd {
	fp := filepicker.New()
	fp.CurrentDirectory = browseDir(m.f[m.focus].value())
	fp.AutoHeight = false
	fp.ShowPermissions = false
	fp.ShowSize = false // the size column did not line up with the cursor row
	// Arrows only: letters jump to the first name that starts with what
	// was typed (browseJump).
	fp.KeyMap.Back = key.NewBinding(key.WithKeys("backspace", "left"), key.WithHelp("←", "parent folder"))
	fp.KeyMap.Open = key.NewBinding(key.WithKeys("right", "enter"), key.WithHelp("→/enter", "open"))
	fp.KeyMap.Up = key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up"))
	fp.KeyMap.Down = key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down"))
	fp.KeyMap.GoToTop = key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first"))
	fp.KeyMap.GoToLast = key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last"))
	fp.KeyMap.PageUp = key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up"))
	fp.KeyMap.PageDown = key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down"))
	fp.KeyMap.Select = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pick"))
	m.jump = ""
	st := m.st
	fs := filepicker.DefaultStyles()
	fs.Cursor, fs.Selected, fs.Directory = st.Selected, st.Selected, st.Title
	fs.Symlink, fs.FileSize, fs.Permission = st.Subtle, st.Subtle.Width(7), st.Subtle
	fs.DisabledCursor, fs.DisabledFile, fs.DisabledSelected = st.Subtle, st.Subtle, st.Subtle
	fs.EmptyDirectory = st.Subtle.PaddingLeft(2).SetString("This folder is empty.")
	fp.Styles = fs
	fp.SetHeight(max(m.height-4, 3))
	m.browser = &fp
	m.browseFor = m.focus
	return fp.Init()
}

// browseJump moves the browser to the first name that starts with what
// was typed so far (the letters typed in a row), else with this letter;
// nothing matching leaves the cursor where it was. The picker's list is
// its own, so the search walks it with its keys (no IO: the folder is
// read already).
func (m *Form) browseJump(text string) {
	find := func(prefix string) bool {
		fp := *m.browser
		fp, _ = fp.Update(tea.KeyPressMsg{Code: tea.KeyHome})
		for range 100000 {
			if strings.HasPrefix(strings.ToLower(filepath.Base(fp.HighlightedPath())), prefix) {
				*m.browser = fp
				return true
			}
			prev := fp.HighlightedPath()
			fp, _ = fp.Update(tea.KeyPressMsg{Code: tea.KeyDown})
			if fp.HighlightedPath() == prev {
				return false
			}
		}
		return false
	}
	m.jump += strings.ToLower(text)
	if find(m.jump) {
		return
	}
	m.jump = strings.ToLower(text)
	if !find(m.jump) {
		m.jump = ""
	}
}

// mayNeedPassword is true for the kinds of file that usually carry a
// password (PKCS#12).
func mayNeedPassword(path string) bool {
	l := strings.ToLower(path)
	return strings.HasSuffix(l, ".p12") || strings.HasSuffix(l, ".pfx")
}

func (m *Form) browseKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Close) {
		m.browser = nil
		return nil
	}
	if r := []rune(msg.Text); len(r) == 1 && r[0] != ' ' {
		m.browseJump(msg.Text)
		return nil
	}
	m.jump = ""
	fp, cmd := m.browser.Update(msg)
	m.browser = &fp
	if ok, path := fp.DidSelectFile(msg); ok {
		m.browser = nil
		m.focusOn(m.browseFor)
		m.f[m.browseFor].input.SetValue(path)
		m.f[m.browseFor].input.CursorEnd()
		m.err = ""
		if m.browseFor == fPath && m.f[fPassword].input.Value() == "" && mayNeedPassword(path) {
			// A .p12 almost always has a password: be in its masked field
			// before the user starts typing it (the check says for sure).
			m.pwFile = path
			m.needsPw = true
			m.focusOn(fPassword)
		}
		if m.browseFor == fPath || m.browseFor == fKeyPath {
			m.seq++
			return tea.Batch(cmd, m.checkNow()) // picked, not typed: no need to wait
		}
	}
	return cmd
}
