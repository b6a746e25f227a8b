package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the database's schema, one step per entry: step i brings
// user_version from i to i+1. A released step is never edited; a change
// is a new step. Every step runs in the same transaction as the version
// bump, so a database is always at exactly one version.
var migrations = []string{
	// 1: devices (with Live Activity token kinds), groups, history, sends,
	// payload bodies, saved payloads, drafts, channels.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
	id              INTEGER PRIMARY KEY,
	environment     TEXT NOT NULL,
	token           TEXT NOT NULL,
	kind            TEXT NOT NULL DEFAULT 'device'
	                CHECK (kind IN ('device', 'liveactivity-start', 'liveactivity-update')),
	activity_type   TEXT NOT NULL DEFAULT '',
	label           TEXT NOT NULL,
	label_key       TEXT NOT NULL,           -- lower-case label: unique per environment
	topic           TEXT NOT NULL DEFAULT '',
	added_at        INTEGER NOT NULL,        -- Unix nanoseconds, UTC
	last_status     INTEGER,
	last_reason     TEXT,
	last_apns_id    TEXT,
	last_at         INTEGER,
	unregistered_at INTEGER,                 -- Apple's 410 timestamp
	last_seen_valid INTEGER                  -- last 200
);
CREATE UNIQUE INDEX devices_env_token ON devices (environment, token);
CREATE UNIQUE INDEX devices_env_label ON devices (environment, label_key);
-- A look-up by token or label without an environment names both
-- environments (environment IN (...)), so the two unique indexes serve it.
CREATE INDEX devices_last ON devices (last_status, last_reason);
CREATE INDEX devices_unregistered ON devices (environment, unregistered_at) WHERE unregistered_at IS NOT NULL;
CREATE INDEX devices_kind ON devices (environment, kind, activity_type) WHERE kind <> 'device';

CREATE TABLE device_groups (
	device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	name_key  TEXT NOT NULL,                 -- lower-case name
	name      TEXT NOT NULL,
	pos       INTEGER NOT NULL,              -- order the groups were added
	PRIMARY KEY (device_id, name_key)
) WITHOUT ROWID;
CREATE INDEX device_groups_name ON device_groups (name_key, device_id);

CREATE TABLE bodies (
	sha256 TEXT PRIMARY KEY,
	body   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE history (
	id              INTEGER PRIMARY KEY,
	at              INTEGER NOT NULL,        -- Unix nanoseconds, UTC
	batch           TEXT NOT NULL DEFAULT '',
	profile         TEXT NOT NULL DEFAULT '',
	environment     TEXT NOT NULL DEFAULT '',
	topic           TEXT NOT NULL DEFAULT '',
	push_type       TEXT NOT NULL DEFAULT '',
	priority        INTEGER NOT NULL DEFAULT 0,
	collapse_id     TEXT NOT NULL DEFAULT '',
	expiration      TEXT NOT NULL DEFAULT '',
	payload_sha256  TEXT NOT NULL DEFAULT '', -- the body is in bodies
	payload_size    INTEGER NOT NULL DEFAULT 0,
	token           TEXT NOT NULL DEFAULT '',
	channel_id      TEXT NOT NULL DEFAULT '',
	label           TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL DEFAULT 0,
	reason          TEXT NOT NULL DEFAULT '',
	apns_id         TEXT NOT NULL DEFAULT '',
	apns_unique_id  TEXT NOT NULL DEFAULT '',
	latency_ms      REAL NOT NULL DEFAULT 0,
	attempts        INTEGER NOT NULL DEFAULT 0,
	error           TEXT NOT NULL DEFAULT '',
	unregistered_at INTEGER
);
CREATE INDEX history_at ON history (at);
CREATE INDEX history_batch ON history (batch, at) WHERE batch <> '';
CREATE INDEX history_apns_id ON history (apns_id COLLATE NOCASE) WHERE apns_id <> '';
CREATE INDEX history_apns_unique_id ON history (apns_unique_id COLLATE NOCASE) WHERE apns_unique_id <> '';
CREATE INDEX history_token ON history (token, at);
CREATE INDEX history_label ON history (label COLLATE NOCASE, at) WHERE label <> '';
CREATE INDEX history_reason ON history (reason COLLATE NOCASE, at) WHERE reason <> '';
CREATE INDEX history_status ON history (status, at);
CREATE INDEX history_env ON history (environment, at);
CREATE INDEX history_profile ON history (profile, at);
CREATE INDEX history_channel ON history (channel_id, at) WHERE channel_id <> '';

CREATE TABLE sends (
	batch       TEXT PRIMARY KEY,
	started_at  INTEGER NOT NULL,
	last_at     INTEGER NOT NULL,
	profile     TEXT NOT NULL DEFAULT '',
	environment TEXT NOT NULL DEFAULT '',
	topic       TEXT NOT NULL DEFAULT '',
	devices     INTEGER NOT NULL DEFAULT 0,
	accepted    INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX sends_started ON sends (started_at);

CREATE TABLE payloads (
	name        TEXT PRIMARY KEY,
	body        TEXT NOT NULL,
	push_type   TEXT NOT NULL DEFAULT '',
	priority    INTEGER NOT NULL DEFAULT 0,
	collapse_id TEXT NOT NULL DEFAULT '',
	expiration  TEXT NOT NULL DEFAULT '',
	topic       TEXT NOT NULL DEFAULT '',
	saved_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE drafts (
	slot        TEXT PRIMARY KEY,            -- 'default': the editor's draft
	name        TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL,
	push_type   TEXT NOT NULL DEFAULT '',
	priority    INTEGER NOT NULL DEFAULT 0,
	collapse_id TEXT NOT NULL DEFAULT '',
	expiration  TEXT NOT NULL DEFAULT '',
	topic       TEXT NOT NULL DEFAULT '',
	saved_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
	id             INTEGER PRIMARY KEY,
	channel_id     TEXT NOT NULL,
	topic          TEXT NOT NULL,
	environment    TEXT NOT NULL,
	label          TEXT NOT NULL DEFAULT '',
	label_key      TEXT NOT NULL DEFAULT '',
	storage_policy INTEGER NOT NULL DEFAULT 0 CHECK (storage_policy IN (0, 1)),
	created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX channels_env_id ON channels (environment, channel_id);
CREATE UNIQUE INDEX channels_env_label ON channels (environment, label_key) WHERE label_key <> '';
CREATE INDEX channels_topic ON channels (topic, environment);
`,
	// 2: recording a result costs one B-tree insert per index, and a send
	// records every result: history_status keeps only what users look
	// up by status, the failures (most results are 200s; "--status 200"
	// and "--succeeded" read history_at and skip the failures).
	`
DROP INDEX history_status;
CREATE INDEX history_failed ON history (status, at) WHERE status <> 200;
`,
	// 3: a send's results are committed first as one compact row per
	// group, with no index to update; they move into history (and the
	// device book, and the send's totals) before anything reads them
	// (Store.settle): indexing no longer slows the send.
	`
CREATE TABLE pending_results (
	id      INTEGER PRIMARY KEY,
	results INTEGER NOT NULL,
	body    BLOB NOT NULL
);
`,
}

// SchemaLatest is the database version this pushdeck writes.
var SchemaLatest = len(migrations)

// migrate brings the database to SchemaLatest. A database from a newer
// pushdeck is refused, not touched.
func (s *Store) migrate(createdFolder bool) error {
	db, err := s.db()
	if err != nil {
		return err
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return s.dbErr("reading the database's version", err)
	}
	if v > SchemaLatest {
		return fmt.Errorf("the database %s has schema %d: it was %w (this one knows schema %d); upgrade pushdeck. The file is unchanged", s.dbPath(), v, ErrNewerSchema, SchemaLatest)
	}
	if v == SchemaLatest {
		return nil
	}
	return s.write(context.Background(), "upgrading the database", func(tx *sql.Tx) error {
		// Read again under the write lock: another process may have
		// migrated it meanwhile.
		if err := tx.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			return err
		}
		if v > SchemaLatest {
			return fmt.Errorf("the database %s has schema %d: it was %w", s.dbPath(), v, ErrNewerSchema)
		}
		fresh := v == 0
		for ; v < SchemaLatest; v++ {
			if _, err := tx.Exec(migrations[v]); err != nil {
				return fmt.Errorf("migration %d: %w", v+1, err)
			}
		}
		if fresh && createdFolder {
			if _, err := tx.Exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('created_folder', '1')`); err != nil {
				return err
			}
		}
		_, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaLatest))
		return err
	})
}

// metaGet reads a meta value ("" if unset).
func (s *Store) metaGet(key string) (string, error) {
	db, err := s.db()
	if err != nil {
		return "", err
	}
	var v string
	err = db.QueryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, s.dbErr("reading the database", err)
}
