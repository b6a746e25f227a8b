package creds

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// save checks what can be checked without reading files, then asks for a
// confirmation when the profile would not work.
func (m *Form) save() (tea.Cmd, action) {
	m.err = ""
	name := m.f[fName].value()
	if err := profiles.ValidateName("profile", m.f[fName].input.Value()); err != nil {
		m.err = err.Error()
		m.focusOn(fName)
		return nil, action{}
	}
	if (m.orig == nil || m.orig.Name != name) && slices.Contains(m.names, name) {
		m.err = fmt.Sprintf("a profile named %q exists already: choose another name (or press esc, then e to edit that one)", name)
		m.focusOn(fName)
		return nil, action{}
	}
	if m.f[fPath].value() == "" {
		m.err = "give the credential's path: type it (tab completes) or press ctrl+o to browse"
		m.focusOn(fPath)
		return nil, action{}
	}
	if h := m.f[fHost].value(); h != "" && !strings.HasPrefix(h, "https://") {
		m.err = "the host must be a URL such as https://127.0.0.1:2197 (or empty for Apple)"
		m.focusOn(fHost)
		return nil, action{}
	}
	if m.Checking() {
		m.pendingSave = true
		return nil, action{}
	}
	return nil, m.trySave()
}

// trySave runs the profile past profiles.ReviewProfile; issues become a
// confirmation that says why the profile would not work.
func (m *Form) trySave() action {
	p := m.profile()
	if m.isToken() {
		switch {
		case p.KeyID == "":
			m.err = "the key ID is unknown: type the 10 characters of AuthKey_<KEYID>.p8 in Key ID"
			m.focusOn(fKeyID)
			return action{}
		case p.TeamID == "":
			m.err = "a token key needs its team ID: type it in Team ID (10 characters, in the Apple developer account)"
			m.focusOn(fTeamID)
			return action{}
		case p.Topic == "":
			m.err = "type the app's bundle ID in Topic: a token key works for every app of the team, so it does not say which"
			m.focusOn(fTopic)
			return action{}
		}
	}
	rep := certs.Report{File: p.CertPath}
	switch {
	case m.report != nil:
		rep = *m.report
	case m.loadErr != nil:
		rep.Problems = []certs.Finding{{Message: m.loadErr.Error()}}
	}
	p, issues, err := profiles.ReviewProfile(p, rep)
	if err != nil {
		m.err = err.Error()
		return action{}
	}
	if len(issues) > 0 {
		m.reviewed = p
		m.confirm = issues
		return action{}
	}
	return m.saveAction(p)
}

func (m *Form) saveAction(p profiles.Profile) action {
	return action{kind: actSave, profile: p, password: m.f[fPassword].input.Value(), needsPw: m.needsPw}
}

// profile is the profile the form describes.
func (m *Form) profile() profiles.Profile {
	var p profiles.Profile
	if m.orig != nil {
		p = *m.orig
	}
	p.Name = m.f[fName].value()
	p.CertPath = expandHome(m.f[fPath].value())
	p.KeyPath = ""
	if m.visible(fKeyPath) {
		p.KeyPath = expandHome(m.f[fKeyPath].value())
	}
	p.KeyID, p.TeamID = "", ""
	p.Auth = certs.AuthCertificate
	if m.isToken() {
		p.Auth = certs.AuthToken
		p.KeyID, p.TeamID = m.f[fKeyID].value(), m.f[fTeamID].value()
	}
	p.Environment = certs.Environment(m.f[fEnv].value())
	p.Topic = m.f[fTopic].value()
	p.Host = m.f[fHost].value()
	p.Port = 0
	if port, _ := strconv.Atoi(m.f[fPort].value()); port == 2197 {
		p.Port = port
	}
	p.ServerCA = expandHome(m.f[fCA].value())
	switch {
	case !m.needsPw:
		p.Password = profiles.PasswordSource{Kind: "none"}
	case m.orig != nil && (m.orig.Password.Kind == "env" || m.orig.Password.Kind == "file"):
		// Keep a source set up on the command line.
	default:
		p.Password = profiles.PasswordSource{Kind: "prompt"}
	}
	return p
}
