package profiles

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// payloadsDoc is payloads.json.
type payloadsDoc struct {
	schemaField
	Payloads []SavedPayload `json:"payloads"`
}

// draftDoc is draft.json: one payload, rewritten as the user edits.
type draftDoc struct {
	schemaField
	Draft *SavedPayload `json:"draft,omitempty"`
}

// Payloads lists the payload library by name.
func (s *Store) Payloads() ([]SavedPayload, error) {
	doc, err := read[payloadsDoc](s, payloadsFile)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(doc.Payloads, func(a, b SavedPayload) int { return strings.Compare(a.Name, b.Name) })
	return doc.Payloads, nil
}

// Payload returns the named saved payload.
func (s *Store) Payload(name string) (SavedPayload, error) {
	ps, err := s.Payloads()
	if err != nil {
		return SavedPayload{}, err
	}
	if i := slices.IndexFunc(ps, func(p SavedPayload) bool { return p.Name == name }); i >= 0 {
		return ps[i], nil
	}
	return SavedPayload{}, notFoundf("no saved payload named %q", name)
}

// SavePayload adds or replaces by name. The body is stored as the user wrote
// it (their formatting is theirs), but it must at least be JSON, since a
// payload that is not cannot be sent.
func (s *Store) SavePayload(p SavedPayload) error {
	if err := ValidateName("payload", p.Name); err != nil {
		return err
	}
	if !json.Valid([]byte(p.Body)) {
		return fmt.Errorf("payload %q is not valid JSON: fix it before saving (`pushdeck lint` shows where)", p.Name)
	}
	if p.SavedAt.IsZero() {
		p.SavedAt = time.Now().UTC()
	}
	return update(s, payloadsFile, func(doc *payloadsDoc) error {
		if i := slices.IndexFunc(doc.Payloads, func(x SavedPayload) bool { return x.Name == p.Name }); i >= 0 {
			doc.Payloads[i] = p
		} else {
			doc.Payloads = append(doc.Payloads, p)
		}
		return nil
	})
}

// RemovePayload deletes by name.
func (s *Store) RemovePayload(name string) error {
	return update(s, payloadsFile, func(doc *payloadsDoc) error {
		i := slices.IndexFunc(doc.Payloads, func(x SavedPayload) bool { return x.Name == name })
		if i < 0 {
			return notFoundf("no saved payload named %q", name)
		}
		doc.Payloads = slices.Delete(doc.Payloads, i, i+1)
		return nil
	})
}

// Draft returns the last payload draft (ok false if none).
func (s *Store) Draft() (SavedPayload, bool, error) {
	doc, err := read[draftDoc](s, draftFile)
	if err != nil || doc.Draft == nil {
		return SavedPayload{}, false, err
	}
	return *doc.Draft, true, nil
}

// SaveDraft keeps the editor's text across restarts. Unlike SavePayload it
// accepts invalid JSON: a draft is work in progress.
func (s *Store) SaveDraft(p SavedPayload) error {
	if p.SavedAt.IsZero() {
		p.SavedAt = time.Now().UTC()
	}
	return update(s, draftFile, func(doc *draftDoc) error {
		doc.Draft = &p
		return nil
	})
}
