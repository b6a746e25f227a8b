package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// payloadsDoc is payloads.json of the JSON store.
type payloadsDoc struct {
	schemaField
	Payloads []SavedPayload `json:"payloads"`
}

// draftDoc is draft.json of the JSON store.
type draftDoc struct {
	schemaField
	Draft *SavedPayload `json:"draft,omitempty"`
}

const payloadCols = `name, body, push_type, priority, collapse_id, expiration, topic, saved_at`

func scanPayload(sc interface{ Scan(...any) error }) (SavedPayload, error) {
	var p SavedPayload
	var at int64
	err := sc.Scan(&p.Name, &p.Body, &p.PushType, &p.Priority, &p.CollapseID, &p.Expiration, &p.Topic, &at)
	p.SavedAt = timeOf(sql.NullInt64{Int64: at, Valid: true})
	return p, err
}

// Payloads lists the payload library by name.
func (s *Store) Payloads() ([]SavedPayload, error) {
	db, err := s.db()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(`SELECT ` + payloadCols + ` FROM payloads ORDER BY name`)
	if err != nil {
		return nil, s.dbErr("reading the payload library", err)
	}
	defer rows.Close()
	var out []SavedPayload
	for rows.Next() {
		p, err := scanPayload(rows)
		if err != nil {
			return nil, s.dbErr("reading the payload library", err)
		}
		out = append(out, p)
	}
	return out, s.dbErr("reading the payload library", rows.Err())
}

// Payload returns the named saved payload.
func (s *Store) Payload(name string) (SavedPayload, error) {
	db, err := s.db()
	if err != nil {
		return SavedPayload{}, err
	}
	p, err := scanPayload(db.QueryRow(`SELECT `+payloadCols+` FROM payloads WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return SavedPayload{}, notFoundf("no saved payload named %q", name)
	}
	return p, s.dbErr("reading the payload library", err)
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
	return s.write(context.Background(), "saving the payload", func(tx *sql.Tx) error {
		return putPayload(tx, "payloads", "", p)
	})
}

// putPayload writes p to payloads (slot "") or drafts (slot given).
func putPayload(tx *sql.Tx, table, slot string, p SavedPayload) error {
	at := p.SavedAt.UTC().UnixNano()
	if table == "drafts" {
		_, err := tx.Exec(`INSERT OR REPLACE INTO drafts (slot, `+payloadCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			slot, p.Name, p.Body, p.PushType, p.Priority, p.CollapseID, p.Expiration, p.Topic, at)
		return err
	}
	_, err := tx.Exec(`INSERT OR REPLACE INTO payloads (`+payloadCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Name, p.Body, p.PushType, p.Priority, p.CollapseID, p.Expiration, p.Topic, at)
	return err
}

// RemovePayload deletes by name.
func (s *Store) RemovePayload(name string) error {
	return s.write(context.Background(), "removing the payload", func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM payloads WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundf("no saved payload named %q", name)
		}
		return nil
	})
}

// draftSlot is the editor's one draft.
const draftSlot = "default"

// Draft returns the last payload draft (ok false if none).
func (s *Store) Draft() (SavedPayload, bool, error) {
	db, err := s.db()
	if err != nil {
		return SavedPayload{}, false, err
	}
	p, err := scanPayload(db.QueryRow(`SELECT `+payloadCols+` FROM drafts WHERE slot = ?`, draftSlot))
	if errors.Is(err, sql.ErrNoRows) {
		return SavedPayload{}, false, nil
	}
	if err != nil {
		return SavedPayload{}, false, s.dbErr("reading the draft", err)
	}
	return p, true, nil
}

// SaveDraft keeps the editor's text across restarts. Unlike SavePayload it
// accepts invalid JSON: a draft is work in progress.
func (s *Store) SaveDraft(p SavedPayload) error {
	if p.SavedAt.IsZero() {
		p.SavedAt = time.Now().UTC()
	}
	return s.write(context.Background(), "saving the draft", func(tx *sql.Tx) error {
		return putPayload(tx, "drafts", draftSlot, p)
	})
}
