package send

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Pasted tokens: the Send screen sends to tokens that are not in the
// device book (as Knuff and Apple's console do), and offers to save them
// afterwards.

// maxPasted bounds a paste: more than this is a list for the device book's
// import, not a paste.
const maxPasted = 1000

// iosForm is a token as iOS prints a Data: "<ab12cd34 ef56…>".
var iosForm = regexp.MustCompile(`<[0-9A-Fa-f\s]+>`)

// parseTokens reads pasted text: tokens separated by new lines, commas,
// semicolons or spaces, each as hex or in iOS's "<…>" form (spaces
// inside). Duplicates count once. A bad token is named by its place
// ("token 3: …") so it can be found in the paste.
func parseTokens(text string) ([]string, error) {
	// iOS's form keeps its spaces inside <…>: close them up, so every token
	// is one field and keeps its place in the paste.
	text = iosForm.ReplaceAllStringFunc(text, func(s string) string {
		return strings.Join(strings.Fields(s), "")
	})
	raw := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(raw) == 0 {
		return nil, errors.New("nothing to send to: paste one or more device tokens (64 hex digits, or <…> as iOS prints them)")
	}
	if len(raw) > maxPasted {
		return nil, fmt.Errorf("%d tokens is more than a paste (at most %d): import them on the Devices screen (4) instead", len(raw), maxPasted)
	}
	seen := map[string]bool{}
	var out []string
	for i, s := range raw {
		t, err := certs.NormalizeToken(s)
		if err != nil {
			return nil, fmt.Errorf("token %d (%s): %w", i+1, common.ShortToken(s), err)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// pastedDevices are the pasted tokens as devices of the environment the
// profile sends to, labelled so the results table tells them apart.
func pastedDevices(tokens []string, env certs.Environment) []profiles.Device {
	out := make([]profiles.Device, len(tokens))
	for i, t := range tokens {
		out[i] = profiles.Device{Token: t, Label: pastedLabel(t), Environment: env}
	}
	return out
}

func pastedLabel(token string) string { return "pasted " + token[:8] }

// pasteKey handles the paste field: enter takes the tokens, esc closes it.
func (m *Model) pasteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.PasteOK):
		toks, err := parseTokens(m.pasteIn.Value())
		if err != nil {
			m.pasteErr = err.Error()
			return nil
		}
		m.pasting, m.pasteErr = false, ""
		m.pasted = toks
		m.pastedSaved = false
		m.setNote(fmt.Sprintf("%s pasted: enter sends to them (x forgets them)", count(len(toks), "token")), false)
		return nil
	case key.Matches(msg, m.keys.Cancel):
		m.pasting, m.pasteErr = false, ""
		return nil
	}
	var cmd tea.Cmd
	m.pasteIn, cmd = m.pasteIn.Update(msg)
	m.pasteErr = ""
	return cmd
}

// pasteText takes a paste into the field: new lines become spaces, as the
// field is one line.
func (m *Model) pasteText(s string) {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	m.pasteIn, _ = m.pasteIn.Update(tea.PasteMsg{Content: s})
	m.pasteErr = ""
}

// unsavedPasted is how many pasted tokens the b key would offer to save.
func (m *Model) unsavedPasted() int {
	if m.pastedSaved {
		return 0
	}
	return len(m.pasted)
}

// savedPastedMsg says how saving the pasted tokens to the book went.
type savedPastedMsg struct {
	added int
	err   error
}

// savePasted adds the pasted tokens to the device book.
func savePasted(s *profiles.Store, devs []profiles.Device) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return savedPastedMsg{err: errors.New("there is no device book here")}
		}
		book, err := s.Devices()
		if err != nil {
			return savedPastedMsg{err: err}
		}
		have := map[string]bool{}
		for _, d := range book {
			have[string(d.Environment)+" "+d.Token] = true
		}
		n := 0
		for _, d := range devs {
			if have[string(d.Environment)+" "+d.Token] {
				continue // in the book already: keep its name
			}
			_, isNew, err := s.AddDevice(d)
			if err != nil {
				return savedPastedMsg{added: n, err: err}
			}
			if isNew {
				n++
			}
		}
		return savedPastedMsg{added: n}
	}
}

// count is common.Count.
func count(n int, noun string) string { return common.Count(n, noun) }

// pastedNotSelected are the pasted tokens as devices, less those selected
// on the Devices screen already (one send per token).
func (m *Model) pastedNotSelected() []profiles.Device {
	if len(m.pasted) == 0 || m.c.Active == nil {
		return nil
	}
	have := make(map[string]bool, len(m.sel))
	for _, d := range m.sel {
		have[d.Token] = true
	}
	var out []profiles.Device
	for _, d := range pastedDevices(m.pasted, m.c.Active.Environment) {
		if !have[d.Token] {
			out = append(out, d)
		}
	}
	return out
}
