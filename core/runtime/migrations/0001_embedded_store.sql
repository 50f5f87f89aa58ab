-- The embedded store. Times are RFC 3339 text with their offset; payloads are whole
-- envelopes as JSON text.

-- Every message the runtime has handled, in handling order. It makes handling idempotent
-- (an id or an idempotency key is handled once) and it is what replay rebuilds state from.
CREATE TABLE inbox (
    message_id      TEXT    NOT NULL PRIMARY KEY,
    sequence        INTEGER NOT NULL UNIQUE,
    tenant          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    -- The clock reading the handler was given; replay hands it the same one.
    now             TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    UNIQUE (tenant, idempotency_key)
);

-- What handling produced, committed with the inbox row that caused it.
CREATE TABLE outbox (
    sequence     INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   TEXT    NOT NULL UNIQUE,
    causation_id TEXT    NOT NULL REFERENCES inbox (message_id),
    type         TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    -- Set once every subscriber has had the message: delivered, or parked.
    delivered_at TEXT
);
CREATE INDEX outbox_causation ON outbox (causation_id);
CREATE INDEX outbox_undelivered ON outbox (sequence) WHERE delivered_at IS NULL;

-- One row per subscriber and message it acknowledged: recorded once, however often delivered.
CREATE TABLE deliveries (
    subscriber   TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES outbox (message_id),
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (subscriber, message_id)
);
CREATE INDEX deliveries_message ON deliveries (message_id);

-- Deliveries given up on after bounded retries, with the last error, for an operator.
CREATE TABLE parked (
    subscriber TEXT    NOT NULL,
    message_id TEXT    NOT NULL REFERENCES outbox (message_id),
    attempts   INTEGER NOT NULL,
    error      TEXT    NOT NULL,
    parked_at  TEXT    NOT NULL,
    PRIMARY KEY (subscriber, message_id)
);
CREATE INDEX parked_message ON parked (message_id);

-- Outbound partner documents as sent, filed once per id (derived from the message id).
CREATE TABLE documents (
    id           TEXT NOT NULL PRIMARY KEY,
    partner      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    business_key TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    -- SHA-256 of bytes, lowercase hex.
    content_hash TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX documents_business_key ON documents (partner, business_key);

-- The last control number handed out per partner and kind (interchange, group, set).
CREATE TABLE control_numbers (
    partner TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (partner, kind)
);
