-- The distributed store: the embedded store's tables on PostgreSQL. Times stay RFC 3339
-- text with their offset (timestamptz would drop the offset the handler was given, and
-- replay must hand it back exactly); payloads stay whole envelopes as JSON text, so that
-- what is read back is byte for byte what was written.

CREATE TABLE inbox (
    message_id      TEXT   NOT NULL PRIMARY KEY,
    -- Gapless and in commit order: allocated as MAX + 1 while holding the broker_lease row.
    sequence        BIGINT NOT NULL UNIQUE,
    tenant          TEXT   NOT NULL,
    idempotency_key TEXT   NOT NULL,
    type            TEXT   NOT NULL,
    payload         TEXT   NOT NULL,
    now             TEXT   NOT NULL,
    received_at     TEXT   NOT NULL,
    UNIQUE (tenant, idempotency_key)
);

CREATE TABLE outbox (
    -- Identity values are handed out before commit; outbox rows are only written while
    -- holding the broker_lease row, so they also commit in sequence order.
    sequence     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   TEXT   NOT NULL UNIQUE,
    causation_id TEXT   NOT NULL REFERENCES inbox (message_id),
    type         TEXT   NOT NULL,
    subject      TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    created_at   TEXT   NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_causation ON outbox (causation_id);
CREATE INDEX outbox_undelivered ON outbox (sequence) WHERE delivered_at IS NULL;

CREATE TABLE deliveries (
    subscriber   TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES outbox (message_id),
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, message_id)
);
CREATE INDEX deliveries_message ON deliveries (message_id);

CREATE TABLE parked (
    -- SQLite lists parked rows by rowid; this is its stand-in.
    position   BIGINT GENERATED ALWAYS AS IDENTITY,
    subscriber TEXT    NOT NULL,
    message_id TEXT    NOT NULL REFERENCES outbox (message_id),
    attempts   INTEGER NOT NULL,
    error      TEXT    NOT NULL,
    parked_at  TEXT    NOT NULL,
    PRIMARY KEY (subscriber, message_id)
);
CREATE INDEX parked_message ON parked (message_id);

CREATE TABLE documents (
    id           TEXT  NOT NULL PRIMARY KEY,
    partner      TEXT  NOT NULL,
    kind         TEXT  NOT NULL,
    business_key TEXT  NOT NULL,
    bytes        BYTEA NOT NULL,
    content_hash TEXT  NOT NULL,
    created_at   TEXT  NOT NULL
);
CREATE INDEX documents_business_key ON documents (partner, business_key);

CREATE TABLE control_numbers (
    partner TEXT   NOT NULL,
    kind    TEXT   NOT NULL,
    last    BIGINT NOT NULL,
    PRIMARY KEY (partner, kind)
);

-- Who may handle messages. Every handling transaction locks this row (serialising
-- handling across processes, as SQLite's BEGIN IMMEDIATE does) and checks the epoch it
-- was given, if any: a worker that lost ownership cannot commit a decision made on a
-- stale in-memory state (a fencing token).
CREATE TABLE broker_lease (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    epoch BIGINT  NOT NULL
);
INSERT INTO broker_lease (id, epoch) VALUES (1, 0);
