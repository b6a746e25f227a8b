// Package editor is the Payload screen: a JSON editor with line numbers,
// validation and APNs lint on every keystroke, the APNs headers, the template
// gallery and the payload library. Its text survives screen switches and
// restarts (the draft is saved, debounced, in a Cmd).
package editor

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// DraftDelay is how long typing must pause before the draft is written.
const DraftDelay = 400 * time.Millisecond

// maxBody bounds what the editor accepts (a paste of a huge file), well above
// any APNs limit so an oversized payload is still shown and explained.
const maxBody = 64 * 1024

type mode int

const (
	modeBrowse  mode = iota // keys act on the screen
	modeText                // typing in the editor
	modeHeaders             // the headers form
	modeGallery             // the template gallery
	modeLibrary             // the saved payloads
	modeSaveAs              // naming the payload to save
	modeConfirm             // asking before a load replaces edited work
)

// Msgs of this screen.
type (
	// draftLoadedMsg carries the draft read at start-up.
	draftLoadedMsg struct {
		p   profiles.SavedPayload
		ok  bool
		err error
	}
	// draftTickMsg fires DraftDelay after a change; only the latest saves.
	draftTickMsg struct{ seq int }
	// draftSavedMsg reports a failed draft write (success is silent).
	draftSavedMsg struct{ err error }
	// libraryMsg carries the payload library.
	libraryMsg struct {
		items []profiles.SavedPayload
		err   error
	}
	// savedMsg reports a library save.
	savedMsg struct {
		name string
		body string
		hdr  payload.Headers
		err  error
	}
)

// Model is the Payload screen.
type Model struct {
	c             common.Common
	keys          KeyMap
	width, height int
	now           func() time.Time

	// ta is the editing model (text, cursor, selection); the editor draws
	// its visible rows itself (render.go) and keeps its own scroll, top.
	ta      textarea.Model
	text    string
	lay     layout
	wraps   wrapCache
	top     int
	digits  int
	tstyles textStyles
	hdr     payload.Headers
	name    string
	report  payload.Report
	// findings are the report's errors then warnings; sel is the selected one.
	findings []payload.Finding
	sel      int
	// marks maps a logical line (0-based) to its worst finding, for the
	// gutter.
	marks   map[int]payload.Severity
	errLine int
	errCol  int

	mode    mode
	form    headersForm
	gallery picker
	library picker
	saveAs  textinput.Model
	note    string // a one-line notice under the editor (format failed, …)

	hist     history                // undo and redo
	clsCache map[string][]jsonClass // syntax classes by line text (render.go)
	typed    bool                   // the change on its way is a typed letter (see record)
	base     snapshot               // what was last loaded: the text is not the user's work while equal
	confirm  *pendingLoad           // the load waiting for y

	draftSeq    int
	outSeq      uint64 // numbers PayloadChangedMsg, see announce
	draftDelay  time.Duration
	draftLoaded bool
	needLoad    bool
}

// New builds the Payload screen. It starts from the built-in alert template
// until the saved draft arrives (Init loads it).
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), now: time.Now, sel: -1, draftDelay: DraftDelay, digits: gutterDigits(1)}
	m.ta = textarea.New()
	// The gutter is ours (render.go), so the textarea's width is the text's.
	m.ta.ShowLineNumbers = false
	m.ta.Prompt = ""
	// maxBody is enforced in bytes by insert: the textarea's CharLimit
	// would measure the whole document on every inserted rune.
	m.ta.CharLimit = 0
	m.ta.MaxHeight = 0
	m.ta.MaxWidth = 0
	m.ta.Placeholder = `{"aps": {"alert": {"title": "Hello", "body": "from pushdeck"}}}`
	m.applyStyles()
	m.form = newHeadersForm(c.Styles)
	m.saveAs = common.NewInput(c.Styles, "save as: ", "a name for the library")
	m.hdr = m.profileHeaders()
	m.ta.SetValue(defaultBody())
	m.ta.MoveToBegin()
	m.needLoad = c.Store != nil
	m.revalidate()
	m.base = snapshot{text: m.text, hdr: m.hdr}
	m.hist.cur = m.base
	m.SetSize(c.Width, c.Height)
	return m
}

// SetClock replaces the clock (tests use a fixed one).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Init loads the saved draft.
func (m *Model) Init() tea.Cmd {
	if !m.needLoad {
		return nil
	}
	m.needLoad = false
	return loadDraft(m.c.Store)
}

func defaultBody() string {
	return "{\n  \"aps\": {\n    \"alert\": {\n      \"title\": \"Hello\",\n      \"body\": \"from pushdeck\"\n    },\n    \"sound\": \"default\"\n  }\n}"
}

func (m *Model) applyStyles() {
	st := m.c.Styles
	s := textarea.DefaultStyles(st.IsDark)
	for _, ss := range []*textarea.StyleState{&s.Focused, &s.Blurred} {
		ss.Base = lipgloss.NewStyle()
		ss.Text = lipgloss.NewStyle()
		ss.CursorLine = lipgloss.NewStyle()
		ss.LineNumber = st.Subtle
		ss.CursorLineNumber = st.Selected
		ss.EndOfBuffer = st.Subtle
		ss.Placeholder = st.Subtle
		ss.Prompt = lipgloss.NewStyle()
	}
	s.Blurred.CursorLineNumber = st.Subtle
	s.Cursor.Blink = false
	if st.Accent == nil {
		s.Cursor.Color = nil
		s.Focused.Selection = lipgloss.NewStyle().Reverse(true)
	}
	m.ta.SetStyles(s)
	m.tstyles = newTextStyles(s, st)
}

// profileHeaders are the headers a new payload starts with: the profile's
// push type and priority.
func (m *Model) profileHeaders() payload.Headers {
	h := payload.Headers{PushType: payload.Alert}
	if p := m.c.Active; p != nil {
		if p.PushType != "" {
			h.PushType = payload.PushType(p.PushType)
		}
		h.Priority = p.Priority
	}
	return h
}

// appTopic is the bundle ID the topic defaults from.
func (m *Model) appTopic() string {
	if m.c.Active != nil && m.c.Active.Topic != "" {
		return m.c.Active.Topic
	}
	if m.c.Cred != nil && m.c.Cred.Report.Certificate != nil {
		return m.c.Cred.Report.Certificate.Topic
	}
	return ""
}

// defaultTopic is the profile's topic plus the push type's suffix.
func (m *Model) defaultTopic() string {
	t := m.appTopic()
	if t == "" {
		return ""
	}
	return t + payload.TopicSuffix(pushTypeOr(m.hdr.PushType))
}

// Title is the tab label.
func (m *Model) Title() string { return "Payload" }

// Capturing is true whenever keys go to a field, the gallery or the library.
func (m *Model) Capturing() bool { return m.mode != modeBrowse }

// SetCommon takes the shell's latest shared state; a new profile changes the
// default topic and so the lint.
func (m *Model) SetCommon(c common.Common) {
	storeChanged := c.Store != m.c.Store
	restyle := c.Styles.IsDark != m.c.Styles.IsDark || (c.Styles.Accent == nil) != (m.c.Styles.Accent == nil)
	m.c = c
	if restyle {
		m.applyStyles() // a light terminal gets the light palette, editor included
	}
	if storeChanged && c.Store != nil && !m.draftLoaded {
		m.needLoad = true
	}
	m.SetSize(c.Width, c.Height)
	m.revalidate()
}

// SetSize lays the screen out: a headers line (or the form), the editor, a
// status line and a fixed findings area so typing never moves the layout.
func (m *Model) SetSize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	m.width, m.height = w, h
	m.ta.SetWidth(w - gutterWidth(m.digits))
	m.ta.SetHeight(max(3, h-m.topHeight()-1-m.findingsHeight()))
	m.form.setWidth(w)
	m.saveAs.SetWidth(max(10, w-12))
	m.layoutText()
}

// layoutText maps the text to display rows at the current width and keeps
// the cursor on screen.
func (m *Model) layoutText() {
	m.lay.build(m.text, m.ta.Width(), &m.wraps)
	m.follow()
}

func (m *Model) topHeight() int {
	if m.mode == modeHeaders {
		return numFields + 1
	}
	return 1
}

func (m *Model) findingsHeight() int {
	return max(1, min(4, m.height/6))
}

// Text is the editor's current text.
func (m *Model) Text() string { return m.text }

// Headers are the current APNs headers.
func (m *Model) Headers() payload.Headers { return m.hdr }

// Report is the lint of the current text.
func (m *Model) Report() payload.Report { return m.report }

// Outgoing is what the Send screen sends.
func (m *Model) Outgoing() common.Outgoing {
	h := m.hdr
	h.PushType = pushTypeOr(h.PushType)
	return common.Outgoing{Name: m.name, Body: m.text, Headers: h, Report: m.report, ErrLine: m.errLine, ErrColumn: m.errCol}
}

// revalidate lints the text under the headers and marks the lines.
func (m *Model) revalidate() {
	m.text = m.ta.Value()
	if d := gutterDigits(strings.Count(m.text, "\n") + 1); d != m.digits {
		m.digits = d
		if m.width > 0 {
			m.ta.SetWidth(m.width - gutterWidth(d))
		}
	}
	h := m.hdr
	h.PushType = pushTypeOr(h.PushType)
	m.report = payload.Validate([]byte(m.text), payload.Options{Headers: h, AppTopic: m.appTopic()})
	m.findings = append(append(m.findings[:0:0], m.report.Errors...), m.report.Warnings...)
	if m.sel >= len(m.findings) {
		m.sel = len(m.findings) - 1
	}
	m.marks = make(map[int]payload.Severity, len(m.findings))
	m.errLine, m.errCol = 0, 0
	for i, f := range m.findings {
		line, col, ok := m.where(f)
		if !ok {
			continue
		}
		if i == 0 && f.Severity != payload.Warning && len(m.report.Errors) > 0 {
			m.errLine, m.errCol = line+1, col+1
		}
		if m.marks[line] != payload.Error {
			sev := f.Severity
			if sev == "" {
				sev = payload.Error
				if i >= len(m.report.Errors) {
					sev = payload.Warning
				}
			}
			m.marks[line] = sev
		}
	}
	m.layoutText()
}

// where is a finding's 0-based line and rune column in the text.
func (m *Model) where(f payload.Finding) (line, col int, ok bool) {
	switch {
	case f.Offset >= 0:
		line, col = position(m.text, f.Offset)
		return line, col, true
	case f.Line > 0:
		line, col = position(m.text, offsetOf(m.text, f.Line, max(1, f.Column)))
		return line, col, true
	}
	return 0, 0, false
}

// changed re-lints after an edit and schedules the draft save and the
// notice to the Send screen.
func (m *Model) changed() tea.Cmd {
	m.revalidate()
	m.record(m.typed)
	m.typed = false
	m.draftSeq++
	seq := m.draftSeq
	return tea.Batch(
		tea.Tick(m.draftDelay, func(time.Time) tea.Msg { return draftTickMsg{seq: seq} }),
		m.announce(),
	)
}

// announce tells the other screens (Send) what would go out now. Each
// notice carries a growing number so a late, older one is dropped.
func (m *Model) announce() tea.Cmd {
	m.outSeq++
	msg := common.PayloadChangedMsg{Out: m.Outgoing(), Seq: m.outSeq}
	return func() tea.Msg { return msg }
}

// load replaces text and headers (a template, a saved payload, a past send).
func (m *Model) load(name, body string, h payload.Headers) tea.Cmd {
	m.name = name
	m.hdr = h
	m.ta.SetValue(body)
	m.ta.MoveToBegin()
	m.form.fill(m.hdr, m.defaultTopic())
	m.sel = -1
	m.note = ""
	cmd := m.changed()
	m.base = snapshot{text: m.text, hdr: m.hdr}
	return cmd
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	var cmds []tea.Cmd
	if m.needLoad {
		cmds = append(cmds, m.Init())
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		// The shell sizes screens through SetSize; nothing to do here.
	case draftLoadedMsg:
		m.draftLoaded = true
		switch {
		case msg.err != nil:
			cmds = append(cmds, common.ErrorCmd(fmt.Errorf("could not read the saved draft: %w", msg.err)))
		case msg.ok && m.draftSeq == 0: // never over what was typed while it loaded
			h, err := headersOf(msg.p)
			if err != nil {
				m.note = err.Error()
			}
			m.name = msg.p.Name
			m.hdr = h
			m.ta.SetValue(msg.p.Body)
			m.ta.MoveToBegin()
			m.revalidate()
			m.hist = history{cur: m.state()} // the draft is where undo starts
			cmds = append(cmds, m.announce())
		default:
			cmds = append(cmds, m.announce())
		}
	case draftTickMsg:
		if msg.seq == m.draftSeq && m.c.Store != nil {
			cmds = append(cmds, saveDraft(m.c.Store, savedOf(m.name, m.text, m.hdr, m.now())))
		}
	case draftSavedMsg:
		if msg.err != nil {
			cmds = append(cmds, common.ErrorCmd(fmt.Errorf("could not save the draft (your text is still here): %w", msg.err)))
		}
	case libraryMsg:
		if msg.err != nil {
			m.mode = modeBrowse
			cmds = append(cmds, common.ErrorCmd(fmt.Errorf("could not read the payload library: %w", msg.err)))
			break
		}
		m.library.items = libraryChoices(msg.items)
		m.library.cursor = 0
	case savedMsg:
		if msg.err != nil {
			cmds = append(cmds, common.ErrorCmd(fmt.Errorf("could not save %q: %w", msg.name, msg.err)))
		} else {
			m.name = msg.name
			m.base = snapshot{text: msg.body, hdr: msg.hdr} // kept in the library: no longer at risk
			cmds = append(cmds, common.StatusCmd(fmt.Sprintf("saved %q to the payload library", msg.name)))
		}
	case common.LoadPayloadMsg:
		h, err := headersOf(msg.Payload)
		m.mode = modeBrowse
		m.ta.Blur()
		what := "a past send"
		if msg.Payload.Name != "" {
			what = fmt.Sprintf("%q", msg.Payload.Name)
		}
		cmds = append(cmds, m.ask(what, msg.Payload.Name, msg.Payload.Body, h))
		if err != nil {
			m.note = err.Error()
		}
	case tea.PasteMsg:
		cmds = append(cmds, m.paste(msg))
	case tea.KeyPressMsg:
		cmds = append(cmds, m.key(msg))
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	switch m.mode {
	case modeHeaders:
		h, changed, cmd := m.form.update(msg, m.keys, m.hdr, m.now())
		if changed {
			m.hdr = h
			return tea.Batch(cmd, m.changed())
		}
		return cmd
	case modeSaveAs:
		var cmd tea.Cmd
		m.saveAs, cmd = m.saveAs.Update(msg)
		return cmd
	case modeGallery, modeLibrary:
		return nil
	}
	focus := m.enterText()
	return tea.Batch(focus, m.insert(msg.Content))
}

func (m *Model) enterText() tea.Cmd {
	m.mode = modeText
	m.relayout()
	return m.ta.Focus()
}

func (m *Model) relayout() { m.SetSize(m.width, m.height) }

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch m.mode {
	case modeText:
		return m.keyText(msg)
	case modeHeaders:
		if key.Matches(msg, m.keys.Close) || key.Matches(msg, m.keys.Choose) {
			m.mode = modeBrowse
			m.relayout()
			return nil
		}
		h, changed, cmd := m.form.update(msg, m.keys, m.hdr, m.now())
		if changed {
			m.hdr = h
			m.form.topic.Placeholder = m.defaultTopic() + " (default)"
			return tea.Batch(cmd, m.changed())
		}
		return cmd
	case modeGallery, modeLibrary:
		return m.keyPicker(msg)
	case modeConfirm:
		p := m.confirm
		switch {
		case key.Matches(msg, m.keys.Yes):
			m.mode, m.confirm = modeBrowse, nil
			return m.loadSaying(p.what, p.name, p.body, p.hdr)
		case key.Matches(msg, m.keys.No):
			m.mode, m.confirm = modeBrowse, nil
			m.note = "kept your payload"
		}
		return nil
	case modeSaveAs:
		switch {
		case key.Matches(msg, m.keys.Close):
			m.mode = modeBrowse
			return nil
		case key.Matches(msg, m.keys.Choose):
			name := strings.TrimSpace(m.saveAs.Value())
			if name == "" {
				m.note = "type a name to save the payload under (esc cancels)"
				return nil
			}
			m.mode = modeBrowse
			m.note = ""
			return savePayload(m.c.Store, savedOf(name, m.text, m.hdr, m.now()), m.text, m.hdr)
		}
		var cmd tea.Cmd
		m.saveAs, cmd = m.saveAs.Update(msg)
		return cmd
	}
	return m.keyBrowse(msg)
}

func (m *Model) keyBrowse(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Edit) {
		return m.enterText()
	}
	if key.Matches(msg, m.keys.Headers) {
		m.mode = modeHeaders
		m.form.fill(m.hdr, m.defaultTopic())
		m.relayout()
		return nil
	}
	if key.Matches(msg, m.keys.PushType) {
		m.hdr.PushType = cycle(payload.PushTypes, pushTypeOr(m.hdr.PushType), 1)
		return m.changed()
	}
	cmd, _ := m.command(msg)
	return cmd
}

// command runs the screen commands shared by both modes.
func (m *Model) command(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.keys.Undo):
		return m.undoStep(-1), true
	case key.Matches(msg, m.keys.Redo):
		return m.undoStep(1), true
	case key.Matches(msg, m.keys.Templates):
		m.gallery = picker{title: "Templates", empty: "no templates", items: templateChoices(payload.TemplatesAt(m.now()))}
		m.mode = modeGallery
		m.ta.Blur()
		return nil, true
	case key.Matches(msg, m.keys.Open):
		m.library = picker{title: "Saved payloads", empty: "The library is empty: save this payload with s (ctrl+s)."}
		m.mode = modeLibrary
		m.ta.Blur()
		return loadLibrary(m.c.Store), true
	case key.Matches(msg, m.keys.Save):
		m.saveAs.SetValue(m.name)
		m.saveAs.CursorEnd()
		m.mode = modeSaveAs
		m.ta.Blur()
		return m.saveAs.Focus(), true
	case key.Matches(msg, m.keys.Format), key.Matches(msg, m.keys.Minify):
		f := formatJSON
		verb := "format"
		if key.Matches(msg, m.keys.Minify) {
			f, verb = minifyJSON, "minify"
		}
		out, err := f(m.text)
		if err != nil {
			m.note = fmt.Sprintf("cannot %s: the JSON has a syntax error at line %d:%d; fix it first", verb, m.errLine, m.errCol)
			return nil, true
		}
		m.note = ""
		line := m.ta.Line()
		m.ta.SetValue(out)
		cmd := m.changed()
		m.moveTo(min(line, m.ta.LineCount()-1), 0)
		return cmd, true
	case key.Matches(msg, m.keys.BumpTime):
		// iOS applies a Live Activity push only if its timestamp is newer
		// than the last one applied: resending needs a fresh one.
		if m.hdr.PushType != payload.LiveActivity {
			m.note = "the timestamp key is for Live Activity payloads: set the push type to liveactivity (p) first"
			return nil, true
		}
		out, off, err := payload.BumpTimestamp([]byte(m.text), m.now())
		if err != nil {
			m.note = "cannot set the timestamp: " + err.Error()
			return nil, true
		}
		m.note = "timestamp set to now"
		m.place(string(out), off)
		cmd := m.changed()
		m.follow()
		return cmd, true
	case key.Matches(msg, m.keys.ContentState):
		start, _, ok := payload.ContentState([]byte(m.text))
		if !ok {
			m.note = "no content-state: a Live Activity payload keeps its state in aps.content-state"
			return nil, true
		}
		focus := m.enterText()
		m.place(m.text, start+1) // inside the object, after its {
		m.follow()
		return focus, true
	case key.Matches(msg, m.keys.NextFinding), key.Matches(msg, m.keys.PrevFinding):
		if len(m.findings) == 0 {
			m.note = "no lint findings"
			return nil, true
		}
		d := 1
		if key.Matches(msg, m.keys.PrevFinding) {
			d = -1
		}
		m.sel = (m.sel + d + len(m.findings)) % len(m.findings)
		if m.sel < 0 {
			m.sel = 0
		}
		f := m.findings[m.sel]
		if field, ok := headerField(f.Path); ok {
			// A header finding is fixed in the headers form, not the text.
			m.ta.Blur()
			m.mode = modeHeaders
			m.form.fill(m.hdr, m.defaultTopic())
			m.form.field = field
			m.form.focusField()
			m.relayout()
			return nil, true
		}
		focus := m.enterText()
		if line, col, ok := m.where(f); ok {
			m.moveTo(line, col)
		}
		return focus, true
	}
	return nil, false
}

// headerField is the form field a header finding's path names.
func headerField(path string) (int, bool) {
	switch path {
	case "apns-push-type":
		return fieldPushType, true
	case "apns-priority":
		return fieldPriority, true
	case "apns-expiration":
		return fieldExpiration, true
	case "apns-collapse-id":
		return fieldCollapseID, true
	case "apns-id":
		return fieldApnsID, true
	case "apns-topic":
		return fieldTopic, true
	}
	return 0, false
}

func (m *Model) keyPicker(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.gallery
	if m.mode == modeLibrary {
		p = &m.library
	}
	switch {
	case key.Matches(msg, m.keys.Close):
		m.mode = modeBrowse
	case key.Matches(msg, m.keys.Up):
		p.move(-1)
	case key.Matches(msg, m.keys.Down):
		p.move(1)
	case key.Matches(msg, m.keys.PageUp):
		p.move(-10)
	case key.Matches(msg, m.keys.PageDown):
		p.move(10)
	case key.Matches(msg, m.keys.Choose):
		it, ok := p.selected()
		if !ok {
			return nil
		}
		name := it.Name
		if m.mode == modeGallery {
			name = ""
		}
		what := fmt.Sprintf("the template %q", it.Name)
		if m.mode == modeLibrary {
			what = fmt.Sprintf("%q", it.Name)
		}
		m.mode = modeBrowse
		return m.ask(what, name, it.Body, it.Headers)
	}
	return nil
}

// ShortHelp is the keys for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeText:
		// Typing, the letters type: only the ctrl and alt keys act.
		only := func(b key.Binding, keys string) key.Binding {
			b.SetHelp(keys, b.Help().Desc)
			return b
		}
		return []key.Binding{k.Done, k.Undo, k.Redo, k.Templates, only(k.Format, "ctrl+l"), only(k.NextFinding, "alt+n"), only(k.Save, "ctrl+s")}
	case modeHeaders:
		return []key.Binding{k.NextField, k.Left, k.Right, k.Close}
	case modeGallery, modeLibrary:
		return []key.Binding{k.Up, k.Down, k.Choose, k.Close}
	case modeSaveAs:
		return []key.Binding{k.Choose, k.Close}
	case modeConfirm:
		return []key.Binding{k.Yes, k.No}
	}
	b := []key.Binding{k.Edit, k.Templates, k.Headers, k.PushType}
	if len(m.findings) > 0 {
		b = append(b, k.NextFinding)
	}
	if len(m.hist.undo) > 0 {
		b = append(b, k.Undo)
	}
	if len(m.hist.redo) > 0 {
		b = append(b, k.Redo)
	}
	return append(b, k.Save, k.Open)
}

// FullHelp is every key that works now.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	switch m.mode {
	case modeText:
		return [][]key.Binding{{k.Done, k.Undo, k.Redo, k.NextFinding, k.PrevFinding}, {k.Templates, k.Format, k.Minify, k.Save, k.Open}}
	case modeHeaders, modeGallery, modeLibrary, modeSaveAs, modeConfirm:
		return [][]key.Binding{m.ShortHelp()}
	}
	nav := []key.Binding{k.Edit, k.Undo, k.Redo}
	if len(m.findings) > 0 {
		nav = append(nav, k.NextFinding, k.PrevFinding)
	}
	return [][]key.Binding{nav, {k.Templates, k.Format, k.Minify}, {k.Save, k.Open, k.Headers, k.PushType}, {k.BumpTime, k.ContentState}}
}
