package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ProfileExport is the file `pushdeck profiles export` writes: profiles a
// team can share. It never carries a secret: no password (pushdeck never
// has one stored), no key, and no path of a password file (that file holds
// one); a profile that read its password from a file says "prompt" instead.
type ProfileExport struct {
	Schema   int       `json:"schema"`
	Kind     string    `json:"kind"` // "pushdeck-profiles"
	Exported time.Time `json:"exported"`
	Profiles []Profile `json:"profiles"`
}

const exportKind = "pushdeck-profiles"

// ExportProfiles returns the named profiles (all if none named) as an
// export, and notes about what was left out.
func (s *Store) ExportProfiles(names ...string) ([]byte, []string, error) {
	all, err := s.Profiles()
	if err != nil {
		return nil, nil, err
	}
	var pick []Profile
	if len(names) == 0 {
		pick = all
	} else {
		for _, n := range names {
			found := false
			for _, p := range all {
				if p.Name == n {
					pick, found = append(pick, p), true
				}
			}
			if !found {
				return nil, nil, notFoundProfile(all, n)
			}
		}
	}
	var notes []string
	out := ProfileExport{Schema: SchemaVersion, Kind: exportKind, Exported: time.Now().UTC(), Profiles: []Profile{}}
	for _, p := range pick {
		if p.Password.Kind == "file" {
			notes = append(notes, fmt.Sprintf("profile %s reads its password from a file; the export says \"prompt\" instead of naming the file", p.Name))
			p.Password = PasswordSource{Kind: "prompt"}
		}
		if err := refuseSecret(p); err != nil {
			return nil, nil, err
		}
		out.Profiles = append(out.Profiles, p)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return append(b, '\n'), notes, nil
}

// secretMarkers are what a key or certificate bundle looks like in text.
var secretMarkers = []string{"PRIVATE KEY", "BEGIN CERTIFICATE", "BEGIN PKCS12", "-----BEGIN"}

// refuseSecret refuses a profile with key material in a text field (a key
// pasted into the notes): an export is meant to be passed around.
func refuseSecret(p Profile) error {
	for _, v := range []string{p.Notes, p.Name, p.Topic, p.Host, p.Password.Name} {
		for _, m := range secretMarkers {
			if strings.Contains(strings.ToUpper(v), m) {
				return fmt.Errorf("profile %s has key or certificate text in it (%q): remove it before sharing the profile", p.Name, m)
			}
		}
	}
	return nil
}

// ImportProfilesReport says what an import did.
type ImportProfilesReport struct {
	Added, Replaced []string
	Skipped         []string // existing names, kept (replace was off)
	Notes           []string
}

// ImportProfiles reads an export (at most 16 MB) and saves its profiles.
// A profile whose name exists is kept unless replace is set. A password
// source naming a file is turned into "prompt": a shared file must not
// decide where pushdeck reads a password from.
func (s *Store) ImportProfiles(data []byte, replace bool) (ImportProfilesReport, error) {
	var rep ImportProfilesReport
	if len(data) > jsonFileLimit {
		return rep, fmt.Errorf("the export is %d bytes, more than the %d a profiles export can be", len(data), jsonFileLimit)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var ex ProfileExport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ex); err != nil {
		line, col := 0, 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = lineCol(data, se.Offset-1)
			return rep, fmt.Errorf("the file is not a profiles export: invalid JSON at line %d, column %d (%v)", line, col, err)
		}
		return rep, fmt.Errorf("the file is not a profiles export written by `pushdeck profiles export` (%v)", err)
	}
	if ex.Kind != exportKind {
		return rep, fmt.Errorf("the file is not a profiles export (its kind is %q, not %q): export one with `pushdeck profiles export`", ex.Kind, exportKind)
	}
	if ex.Schema > SchemaVersion {
		return rep, fmt.Errorf("the export has schema %d: it was %w (this one reads %d); upgrade pushdeck", ex.Schema, ErrNewerSchema, SchemaVersion)
	}
	var cleaned []Profile
	for _, p := range ex.Profiles {
		if p.Password.Kind == "file" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("profile %s named a password file; it asks for the password instead (set another source with `pushdeck profiles add`)", p.Name))
			p.Password = PasswordSource{Kind: "prompt"}
		}
		if err := refuseSecret(p); err != nil {
			return ImportProfilesReport{}, err
		}
		np, err := normalizeProfile(p)
		if err != nil {
			return ImportProfilesReport{}, fmt.Errorf("nothing imported: %w", err)
		}
		cleaned = append(cleaned, np)
	}
	err := update(s, profilesFile, func(doc *profilesDoc) error {
		rep.Added, rep.Replaced, rep.Skipped = nil, nil, nil
		now := time.Now().UTC()
		for _, p := range cleaned {
			i := findProfile(doc.Profiles, p.Name)
			switch {
			case i >= 0 && !replace:
				rep.Skipped = append(rep.Skipped, p.Name)
			case i >= 0:
				p.CreatedAt, p.UpdatedAt = doc.Profiles[i].CreatedAt, now
				doc.Profiles[i] = p
				rep.Replaced = append(rep.Replaced, p.Name)
			default:
				if p.CreatedAt.IsZero() {
					p.CreatedAt = now
				}
				p.UpdatedAt = now
				doc.Profiles = append(doc.Profiles, p)
				rep.Added = append(rep.Added, p.Name)
			}
		}
		return nil
	})
	if err != nil {
		return ImportProfilesReport{}, err
	}
	return rep, nil
}
