package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/pushdeck/pushdeck/certs"
)

// SaveChannel adds a broadcast channel, or updates the one with the same
// environment and channel ID (label and policy). A label must be unique
// within the environment.
func (s *Store) SaveChannel(c Channel) (Channel, error) {
	c.ID = strings.TrimSpace(c.ID)
	c.Topic = strings.TrimSpace(c.Topic)
	c.Label = strings.TrimSpace(c.Label)
	if c.ID == "" || len(c.ID) > 200 || strings.IndexFunc(c.ID, unicode.IsSpace) >= 0 {
		return c, fmt.Errorf("channel ID %q is not one APNs gives: paste the apns-channel-id it returned", c.ID)
	}
	if c.Topic == "" {
		return c, errors.New("a channel belongs to an app: give its bundle ID (--topic)")
	}
	env, err := certs.ParseEnvironment(string(c.Environment))
	if err != nil {
		return c, err
	}
	c.Environment = env
	if strings.IndexFunc(c.Label, unicode.IsControl) >= 0 || len(c.Label) > 80 {
		return c, fmt.Errorf("the label %q is not plain text of up to 80 characters", c.Label)
	}
	if c.StoragePolicy != 0 && c.StoragePolicy != 1 {
		return c, fmt.Errorf("message storage policy %d is not 0 (no message stored) or 1 (the most recent stored)", c.StoragePolicy)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	err = s.write(context.Background(), "saving the channel", func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO channels (channel_id, topic, environment, label, label_key, storage_policy, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (environment, channel_id) DO UPDATE SET
				label = CASE WHEN excluded.label <> '' THEN excluded.label ELSE label END,
				label_key = CASE WHEN excluded.label <> '' THEN excluded.label_key ELSE label_key END,
				storage_policy = excluded.storage_policy, topic = excluded.topic`,
			c.ID, c.Topic, string(c.Environment), c.Label, labelKey(c.Label), c.StoragePolicy, c.CreatedAt.UTC().UnixNano())
		if sqliteCode(err) == 19 {
			return fmt.Errorf("the label %q is already used by another %s channel: choose another label", c.Label, c.Environment)
		}
		if err != nil {
			return err
		}
		row := tx.QueryRow(`SELECT `+channelCols+` FROM channels WHERE environment = ? AND channel_id = ?`, string(c.Environment), c.ID)
		c, err = scanChannel(row)
		return err
	})
	return c, err
}

const channelCols = `channel_id, topic, environment, label, storage_policy, created_at`

func scanChannel(sc interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var env string
	var at int64
	err := sc.Scan(&c.ID, &c.Topic, &env, &c.Label, &c.StoragePolicy, &at)
	c.Environment = certs.Environment(env)
	c.CreatedAt = timeOf(sql.NullInt64{Int64: at, Valid: true})
	return c, err
}

// Channels lists channels of env and topic ("" for any), by environment,
// topic, label.
func (s *Store) Channels(env certs.Environment, topic string) ([]Channel, error) {
	db, err := s.db()
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + channelCols + ` FROM channels WHERE 1 = 1`
	var args []any
	if env != "" {
		e, err := certs.ParseEnvironment(string(env))
		if err != nil {
			return nil, err
		}
		q, args = q+` AND environment = ?`, append(args, string(e))
	}
	if topic != "" {
		q, args = q+` AND topic = ?`, append(args, topic)
	}
	rows, err := db.Query(q+` ORDER BY environment, topic, label_key, channel_id`, args...)
	if err != nil {
		return nil, s.dbErr("reading the channels", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, s.dbErr("reading the channels", err)
		}
		out = append(out, c)
	}
	return out, s.dbErr("reading the channels", rows.Err())
}

// Channel finds a channel of env by label (any case) or channel ID.
func (s *Store) Channel(env certs.Environment, labelOrID string) (Channel, error) {
	db, err := s.db()
	if err != nil {
		return Channel{}, err
	}
	env, err = certs.ParseEnvironment(string(env))
	if err != nil {
		return Channel{}, err
	}
	key := strings.TrimSpace(labelOrID)
	c, err := scanChannel(db.QueryRow(`SELECT `+channelCols+` FROM channels WHERE environment = ? AND (channel_id = ? OR (label_key = ? AND label_key <> ''))`,
		string(env), key, labelKey(key)))
	if errors.Is(err, sql.ErrNoRows) {
		return Channel{}, notFoundf("no %s channel labelled %q or with that ID: see `pushdeck channels list`", env, labelOrID)
	}
	return c, s.dbErr("reading the channels", err)
}

// RemoveChannel forgets a channel of env (by label or ID). It does not
// delete it at APNs.
func (s *Store) RemoveChannel(env certs.Environment, labelOrID string) error {
	c, err := s.Channel(env, labelOrID)
	if err != nil {
		return err
	}
	return s.write(context.Background(), "removing the channel", func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM channels WHERE environment = ? AND channel_id = ?`, string(c.Environment), c.ID)
		return err
	})
}
