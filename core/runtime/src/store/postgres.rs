//! The distributed store: the same tables and guarantees as [`SqliteStore`](super::SqliteStore)
//! on PostgreSQL, shared by any number of worker processes.
//!
//! - **Handling is serialised by a row lock**, not a file lock: every
//!   [`process_batch`](Store::process_batch) transaction starts with `SELECT ... FROM broker_lease FOR
//!   UPDATE`, so inbox sequences are gapless and outbox rows commit in sequence order
//!   (which keeps the bus cursor of [`Store::delivered_through`] sound).
//! - **One broker owner at a time.** The handler's state lives in one process's memory;
//!   [`PgStore::acquire_ownership`] takes a session advisory lock and bumps the lease
//!   epoch. A store carrying an epoch ([`Ownership::store`]) refuses to commit once another
//!   process has taken over: a stale owner can never reserve a unit twice.
//! - **Times stay RFC 3339 text with their offset**, payloads stay JSON text: what replay
//!   reads is what was written.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use crossdock_model::Envelope;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection, Postgres, Transaction};

use super::{
    control_block, plan_batch, sole_subscriber, Filed, InboxRecord, Original, OutboundDocument, OutboxRecord,
    ParkedDelivery, Processed, Store, StoredDocument, LAST_CONTROL_NUMBER,
};
use crate::error::StoreError;
use crate::handler::HandlerError;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations-postgres");

/// Connections per process: handling is serialised anyway; the rest is the bus, consumers
/// and connectors.
const MAX_CONNECTIONS: u32 = 8;

/// A PostgreSQL database (or one schema of it). Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: String,
    /// The lease epoch this store handles under; `None`: not fenced (a single process).
    epoch: Option<i64>,
}

/// This process owns the broker while this value lives: it holds the session advisory lock
/// on a dedicated connection, outside the pool. Dropping it closes that connection, which
/// releases the lock; so does the death of the process.
#[derive(Debug)]
pub struct Ownership {
    lock: PgConnection,
    store: PgStore,
}

impl Ownership {
    /// Gives the ownership up now (dropping it does too, without waiting for the server).
    pub async fn release(mut self) -> Result<(), StoreError> {
        // Unlocked explicitly: the server ends a closed session asynchronously, so a
        // successor trying at once could still find the lock held.
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(lock_key(&self.store.schema, "broker"))
            .execute(&mut self.lock)
            .await?;
        Ok(self.lock.close().await?)
    }

    /// The store to host the broker on: its commits are fenced by this ownership's epoch.
    pub fn store(&self) -> PgStore {
        self.store.clone()
    }

    pub fn epoch(&self) -> i64 {
        self.store.epoch.unwrap_or_default()
    }
}

impl PgStore {
    /// Connects to `url` and applies the migrations it has not seen yet, in the `public`
    /// schema.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_in_schema(url, "public").await
    }

    /// Connects to `url` with every connection working in `schema` (created if needed):
    /// several hubs, or test runs, can share one database without seeing each other.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        if schema.is_empty() || !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Corrupt(format!("schema name {schema:?}: use letters, digits and _")));
        }
        // Custom plans: sqlx prepares each statement once per connection, and PostgreSQL
        // switches a prepared statement to a cached generic plan after five executions. The
        // plan cached while a new deployment's tables are nearly empty (nested loops over a
        // whole table) is kept as they grow: the relay's page read went from milliseconds to
        // seconds over a 10,000-order load. Every statement here is a batch, so planning it
        // each time, against the tables as they are, costs little.
        let options = PgConnectOptions::from_str(url)?
            .options([("search_path", schema), ("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection returned to the pool, and closes it if it broke; a
            // second ping before each use would add a round trip to every query.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        pool.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str()).await?;
        // Two workers starting together would race to create the migrations table.
        let mut migrating = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(lock_key(schema, "migrate")).execute(&mut *migrating).await?;
        let migrated = MIGRATOR.run(&mut *migrating).await;
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(lock_key(schema, "migrate")).execute(&mut *migrating).await?;
        migrated?;
        Ok(PgStore { pool, schema: schema.to_string(), epoch: None })
    }

    /// The connection pool, for inspection and operator queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Takes the broker ownership if nobody holds it (`None` otherwise): a session
    /// advisory lock, then a new lease epoch, which fences out the previous owner.
    pub async fn acquire_ownership(&self) -> Result<Option<Ownership>, StoreError> {
        // Detached from the pool: returned to it, the connection would keep the lock.
        let mut lock = self.pool.acquire().await?.detach();
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(lock_key(&self.schema, "broker"))
            .fetch_one(&mut lock)
            .await?;
        if !taken {
            return Ok(None);
        }
        let epoch: i64 = sqlx::query_scalar("UPDATE broker_lease SET epoch = epoch + 1 RETURNING epoch")
            .fetch_one(&mut lock)
            .await?;
        Ok(Some(Ownership { lock, store: PgStore { epoch: Some(epoch), ..self.clone() } }))
    }

    /// Waits until the ownership is free and takes it, trying every `poll`.
    pub async fn wait_for_ownership(&self, poll: Duration) -> Result<Ownership, StoreError> {
        loop {
            if let Some(ownership) = self.acquire_ownership().await? {
                return Ok(ownership);
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// The current lease epoch: an owner whose epoch is behind has been taken over.
    pub async fn lease_epoch(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT epoch FROM broker_lease WHERE id = 1").fetch_one(&self.pool).await?)
    }

    /// Drops the schema and everything in it (tests and tear-downs).
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        self.pool.execute(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema).as_str()).await?;
        self.pool.close().await;
        Ok(())
    }
}

impl Store for PgStore {
    async fn process_batch<F>(
        &self,
        messages: &[Envelope<Value>],
        now: DateTime<FixedOffset>,
        received_at: DateTime<FixedOffset>,
        handle: F,
    ) -> Result<Vec<Processed>, StoreError>
    where
        F: FnMut(&Envelope<Value>) -> Result<Vec<Envelope<Value>>, HandlerError> + Send,
    {
        // A handful of statements per batch, whatever its size: arrays in, arrays out.
        let mut tx = self.pool.begin().await?;
        let epoch: i64 =
            sqlx::query_scalar("SELECT epoch FROM broker_lease WHERE id = 1 FOR UPDATE").fetch_one(&mut *tx).await?;
        if let Some(mine) = self.epoch.filter(|mine| *mine != epoch) {
            tx.rollback().await?;
            return Err(StoreError::Corrupt(format!(
                "fenced: broker ownership moved to epoch {epoch}; this process (epoch {mine}) must stop handling"
            )));
        }
        let column = |field: fn(&Envelope<Value>) -> &String| messages.iter().map(field).collect::<Vec<_>>();
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT message_id, sequence, tenant, idempotency_key FROM inbox
             WHERE message_id = ANY($1)
                OR (tenant, idempotency_key) IN (SELECT * FROM UNNEST($2::text[], $3::text[]))",
        )
        .bind(column(|m| &m.id))
        .bind(column(|m| &m.tenant))
        .bind(column(|m| &m.idempotency_key))
        .fetch_all(&mut *tx)
        .await?;
        let mut by_id = HashMap::new();
        let mut by_key = HashMap::new();
        for (message_id, sequence, tenant, key) in rows {
            let original = Original { message_id: message_id.clone(), sequence };
            by_id.insert(message_id, original.clone());
            by_key.insert((tenant, key), original);
        }
        let recorded = messages
            .iter()
            .map(|m| {
                let by_key = by_key.get(&(m.tenant.clone(), m.idempotency_key.clone()));
                [by_id.get(&m.id), by_key].into_iter().flatten().min_by_key(|o| o.sequence).cloned()
            })
            .collect();
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) FROM inbox").fetch_one(&mut *tx).await?;

        let outcomes = plan_batch(messages, recorded, last, handle);
        let mut inbox = InboxColumns::default();
        let mut outbox = OutboxColumns::default();
        for (message, outcome) in messages.iter().zip(&outcomes) {
            let Processed::Committed { sequence, produced } = outcome else { continue };
            inbox.push(message, *sequence)?;
            for out in produced {
                outbox.push(out, &message.id)?;
            }
        }
        if !inbox.message_id.is_empty() {
            sqlx::query(
                "INSERT INTO inbox (message_id, sequence, tenant, idempotency_key, type, payload, now, received_at)
                 SELECT m, s, t, k, ty, p, $7, $8
                 FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                      AS u(m, s, t, k, ty, p)",
            )
            .bind(&inbox.message_id)
            .bind(&inbox.sequence)
            .bind(&inbox.tenant)
            .bind(&inbox.idempotency_key)
            .bind(&inbox.event_type)
            .bind(&inbox.payload)
            .bind(rfc3339(now))
            .bind(rfc3339(received_at))
            .execute(&mut *tx)
            .await?;
        }
        if !outbox.message_id.is_empty() {
            // In the order given: identity values, hence outbox sequences, follow it.
            sqlx::query(
                "INSERT INTO outbox (message_id, causation_id, type, subject, payload, created_at)
                 SELECT m, c, ty, su, p, $6
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                      WITH ORDINALITY AS u(m, c, ty, su, p, n)
                 ORDER BY n",
            )
            .bind(&outbox.message_id)
            .bind(&outbox.causation_id)
            .bind(&outbox.event_type)
            .bind(&outbox.subject)
            .bind(&outbox.payload)
            .bind(rfc3339(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn inbox_after(&self, after_sequence: i64, limit: u32) -> Result<Vec<InboxRecord>, StoreError> {
        // REPEATABLE READ: the records and their outputs come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT sequence, payload, now, received_at FROM inbox WHERE sequence > $1 ORDER BY sequence LIMIT $2",
        )
        .bind(after_sequence)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|row| row.0) else {
            return Ok(Vec::new());
        };
        let outputs: Vec<(String, String)> = sqlx::query_as(
            "SELECT causation_id, payload FROM outbox
             WHERE causation_id IN (SELECT message_id FROM inbox WHERE sequence > $1 AND sequence <= $2)
             ORDER BY sequence",
        )
        .bind(after_sequence)
        .bind(last)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        let mut produced_by: HashMap<String, Vec<Envelope<Value>>> = HashMap::new();
        for (causation_id, payload) in outputs {
            produced_by.entry(causation_id).or_default().push(from_json(&payload)?);
        }
        rows.into_iter()
            .map(|(sequence, payload, now, received_at)| {
                let message: Envelope<Value> = from_json(&payload)?;
                Ok(InboxRecord {
                    sequence,
                    produced: produced_by.remove(&message.id).unwrap_or_default(),
                    message,
                    now: parse_time(&now)?,
                    received_at: parse_time(&received_at)?,
                })
            })
            .collect()
    }

    async fn delivered_through(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(
                 (SELECT MIN(sequence) FROM outbox WHERE delivered_at IS NULL) - 1,
                 (SELECT MAX(sequence) FROM outbox),
                 0)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn pending_for(
        &self,
        subscriber: &str,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRecord>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT o.sequence, o.payload FROM outbox o
             WHERE o.sequence > $2 AND o.delivered_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscriber = $1 AND d.message_id = o.message_id)
               AND NOT EXISTS (SELECT 1 FROM parked p WHERE p.subscriber = $1 AND p.message_id = o.message_id)
             ORDER BY o.sequence LIMIT $3",
        )
        .bind(subscriber)
        .bind(after_sequence)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(sequence, payload)| Ok(OutboxRecord { sequence, message: from_json(&payload)? }))
            .collect()
    }

    async fn record_deliveries(
        &self,
        subscriber: &str,
        message_ids: &[String],
        subscribers: &[String],
        at: DateTime<FixedOffset>,
    ) -> Result<(), StoreError> {
        if sole_subscriber(subscriber, subscribers) {
            sqlx::query("UPDATE outbox SET delivered_at = $2 WHERE message_id = ANY($1) AND delivered_at IS NULL")
                .bind(message_ids)
                .bind(rfc3339(at))
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO deliveries (subscriber, message_id, delivered_at)
             SELECT $1, UNNEST($2::text[]), $3 ON CONFLICT DO NOTHING",
        )
        .bind(subscriber)
        .bind(message_ids)
        .bind(rfc3339(at))
        .execute(&mut *tx)
        .await?;
        settle(&mut tx, message_ids, subscribers, at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn park(&self, parked: &ParkedDelivery, subscribers: &[String]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO parked (subscriber, message_id, attempts, error, parked_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
        )
        .bind(&parked.subscriber)
        .bind(&parked.message_id)
        .bind(i32::try_from(parked.attempts).unwrap_or(i32::MAX))
        .bind(&parked.error)
        .bind(rfc3339(parked.parked_at))
        .execute(&mut *tx)
        .await?;
        settle(&mut tx, std::slice::from_ref(&parked.message_id), subscribers, parked.parked_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn parked(&self) -> Result<Vec<ParkedDelivery>, StoreError> {
        let rows: Vec<(String, String, i32, String, String)> =
            sqlx::query_as("SELECT subscriber, message_id, attempts, error, parked_at FROM parked ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(subscriber, message_id, attempts, error, parked_at)| {
                let attempts = u32::try_from(attempts)
                    .map_err(|_| StoreError::Corrupt(format!("parked {message_id}: attempts {attempts}")))?;
                Ok(ParkedDelivery { subscriber, message_id, attempts, error, parked_at: parse_time(&parked_at)? })
            })
            .collect()
    }

    async fn undelivered(&self) -> Result<u64, StoreError> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetch_one(&self.pool).await?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt(format!("negative count {count}")))
    }

    async fn file_documents(
        &self,
        documents: &[OutboundDocument],
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<Filed>, StoreError> {
        let hashes: Vec<String> = documents.iter().map(|d| sha256_hex(&d.bytes)).collect();
        let column = |field: fn(&OutboundDocument) -> &String| documents.iter().map(field).collect::<Vec<_>>();
        let mut tx = self.pool.begin().await?;
        let new: Vec<String> = sqlx::query_scalar(
            "INSERT INTO documents (id, partner, kind, business_key, bytes, content_hash, created_at)
             SELECT i, p, k, b, by, h, $7
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[])
                  AS u(i, p, k, b, by, h)
             ON CONFLICT (id) DO NOTHING
             RETURNING id",
        )
        .bind(column(|d| &d.id))
        .bind(column(|d| &d.partner))
        .bind(column(|d| &d.kind))
        .bind(column(|d| &d.business_key))
        .bind(documents.iter().map(|d| d.bytes.as_slice()).collect::<Vec<_>>())
        .bind(&hashes)
        .bind(rfc3339(at))
        .fetch_all(&mut *tx)
        .await?;
        let new: std::collections::HashSet<String> = new.into_iter().collect();
        let before: Vec<&String> = documents.iter().map(|d| &d.id).filter(|id| !new.contains(*id)).collect();
        // The hash first filed under each id: read for those filed before this batch,
        // noted below for those this batch filed (one id twice in a batch: the first wins).
        let mut first: HashMap<String, String> = if before.is_empty() {
            HashMap::new()
        } else {
            sqlx::query_as("SELECT id, content_hash FROM documents WHERE id = ANY($1)")
                .bind(before)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect()
        };
        tx.commit().await?;
        documents
            .iter()
            .zip(hashes)
            .map(|(document, hash)| match first.get(&document.id) {
                Some(first) => Ok(Filed::AlreadyFiled { same_bytes: *first == hash }),
                None if new.contains(&document.id) => {
                    first.insert(document.id.clone(), hash);
                    Ok(Filed::New)
                }
                None => Err(StoreError::Corrupt(format!("document {} is neither new nor filed", document.id))),
            })
            .collect()
    }

    async fn documents(&self, ids: &[String]) -> Result<Vec<StoredDocument>, StoreError> {
        let rows: Vec<DocumentRow> = sqlx::query_as(
            "SELECT id, partner, kind, business_key, bytes, content_hash, created_at FROM documents
             WHERE id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|DocumentRow { id, partner, kind, business_key, bytes, content_hash, created_at }| {
                Ok(StoredDocument {
                    document: OutboundDocument { id, partner, kind, business_key, bytes },
                    content_hash,
                    created_at: parse_time(&created_at)?,
                })
            })
            .collect()
    }

    async fn reserve_control_numbers(
        &self,
        partner: &str,
        kind: &str,
        count: u32,
    ) -> Result<RangeInclusive<u64>, StoreError> {
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO control_numbers (partner, kind, last) VALUES ($1, $2, $3)
             ON CONFLICT (partner, kind) DO UPDATE
             SET last = CASE WHEN control_numbers.last + $3 > $4 THEN $3 ELSE control_numbers.last + $3 END
             RETURNING last",
        )
        .bind(partner)
        .bind(kind)
        .bind(i64::from(count))
        .bind(LAST_CONTROL_NUMBER)
        .fetch_one(&self.pool)
        .await?;
        control_block(partner, kind, last, count)
    }
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    partner: String,
    kind: String,
    business_key: String,
    bytes: Vec<u8>,
    content_hash: String,
    created_at: String,
}

/// Marks each of `message_ids` delivered once each of `subscribers` has acknowledged or
/// parked it.
async fn settle(
    tx: &mut Transaction<'static, Postgres>,
    message_ids: &[String],
    subscribers: &[String],
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    let expected = i64::try_from(subscribers.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE outbox o SET delivered_at = $2
         WHERE o.message_id = ANY($1) AND o.delivered_at IS NULL
           AND (SELECT COUNT(*) FROM (
                    SELECT subscriber FROM deliveries d WHERE d.message_id = o.message_id
                    UNION SELECT subscriber FROM parked p WHERE p.message_id = o.message_id) settled
                WHERE subscriber = ANY($3)) >= $4",
    )
    .bind(message_ids)
    .bind(rfc3339(at))
    .bind(subscribers)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The inbox rows of a batch, column by column, for one `INSERT ... SELECT FROM UNNEST`.
#[derive(Default)]
struct InboxColumns {
    message_id: Vec<String>,
    sequence: Vec<i64>,
    tenant: Vec<String>,
    idempotency_key: Vec<String>,
    event_type: Vec<String>,
    payload: Vec<String>,
}

impl InboxColumns {
    fn push(&mut self, message: &Envelope<Value>, sequence: i64) -> Result<(), StoreError> {
        self.message_id.push(message.id.clone());
        self.sequence.push(sequence);
        self.tenant.push(message.tenant.clone());
        self.idempotency_key.push(message.idempotency_key.clone());
        self.event_type.push(message.event_type.clone());
        self.payload.push(to_json(message)?);
        Ok(())
    }
}

/// The outbox rows of a batch, column by column.
#[derive(Default)]
struct OutboxColumns {
    message_id: Vec<String>,
    causation_id: Vec<String>,
    event_type: Vec<String>,
    subject: Vec<String>,
    payload: Vec<String>,
}

impl OutboxColumns {
    fn push(&mut self, out: &Envelope<Value>, causation_id: &str) -> Result<(), StoreError> {
        self.message_id.push(out.id.clone());
        self.causation_id.push(causation_id.to_string());
        self.event_type.push(out.event_type.clone());
        self.subject.push(out.subject.clone());
        self.payload.push(to_json(out)?);
        Ok(())
    }
}

/// An advisory lock key per schema and purpose: advisory locks are database-wide.
fn lock_key(schema: &str, purpose: &str) -> i64 {
    let digest = Sha256::digest(format!("crossdock/{schema}/{purpose}"));
    i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// Nanoseconds and the offset are kept, as SQLite's text does.
fn rfc3339(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|e| StoreError::Corrupt(format!("time {text:?}: {e}")))
}

fn to_json(message: &Envelope<Value>) -> Result<String, StoreError> {
    serde_json::to_string(message).map_err(|e| StoreError::Corrupt(format!("message {}: {e}", message.id)))
}

fn from_json(payload: &str) -> Result<Envelope<Value>, StoreError> {
    serde_json::from_str(payload).map_err(|e| StoreError::Corrupt(format!("stored envelope: {e}")))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The store-level behaviour every backend keeps, written once over [`Store`] and run on
/// SQLite and on PostgreSQL, plus what only the shared PostgreSQL store has to prove
/// (serialised handling across processes, fencing of a stale owner).
#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};

    use chrono::{DateTime, FixedOffset};
    use serde_json::Value;

    use super::{PgStore, MIGRATOR};
    use crate::testkit::{self, StockLedger};
    use crate::{
        async_trait, Clock, DeliveryError, Error, Filed, ManualClock, OutboundDocument, Runtime, SqliteStore, Store,
        Submitted, Subscriber,
    };
    use crossdock_model::Envelope;

    /// A fresh schema per test on `CROSSDOCK_DATABASE_URL`; `None` (said loudly) when no
    /// server answers, except under `CI=true`, where that fails the test.
    async fn pg_store() -> Option<PgStore> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let url = std::env::var("CROSSDOCK_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let schema = format!("crossdock_t{}_{}_{}", std::process::id(), nanos, NEXT.fetch_add(1, Ordering::Relaxed));
        match PgStore::connect_in_schema(&url, &schema).await {
            Ok(store) => Some(store),
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("PostgreSQL is required under CI: {e}"),
            Err(e) => {
                eprintln!(
                    "\n*** SKIPPED: no PostgreSQL at CROSSDOCK_DATABASE_URL ({e}); this test proved nothing ***\n"
                );
                None
            }
        }
    }

    async fn sqlite_store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (SqliteStore::open(dir.path().join("crossdock.db")).await.unwrap(), dir)
    }

    fn clock() -> Arc<ManualClock> {
        let start: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-03-01T09:00:00.123456789+02:00").unwrap();
        Arc::new(ManualClock::new(start))
    }

    /// Runs `check` on SQLite, then on PostgreSQL (a fresh schema, dropped after).
    macro_rules! on_both_stores {
        ($check:ident) => {{
            let (sqlite, _dir) = sqlite_store().await;
            $check(sqlite).await;
            if let Some(pg) = pg_store().await {
                $check(pg.clone()).await;
                pg.drop_schema().await.unwrap();
            }
        }};
    }

    async fn submits_are_idempotent_atomic_and_replayed<S: Store>(store: S) {
        let runtime = Runtime::open_with_clock(store.clone(), StockLedger::default(), clock()).await.unwrap();
        runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
        let first = runtime.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 4)).await.unwrap();
        assert!(matches!(&first, Submitted::Processed { sequence: 2, produced } if produced.len() == 1));
        let again = runtime.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 4)).await.unwrap();
        assert_eq!(again, Submitted::Duplicate { original_id: "req-1".to_string(), sequence: 2 });
        let mut resent = testkit::reservation_requested("req-1-resent", "res-1", "SKU-1", 4);
        resent.idempotency_key = "req-1".to_string();
        assert!(matches!(runtime.submit(&resent).await.unwrap(), Submitted::Duplicate { sequence: 2, .. }));
        let malformed = testkit::reservation_requested("req-2", "res-2", "SKU-1", 0);
        assert!(matches!(runtime.submit(&malformed).await, Err(Error::Handler { .. })));
        runtime.submit(&testkit::reservation_requested("req-3", "res-3", "SKU-1", 5)).await.unwrap();
        let before = runtime.inspect(StockLedger::clone).await;
        assert_eq!(before.position("SKU-1").reserved, 9);

        let records = store.inbox_after(0, 10).await.unwrap();
        let sequences: Vec<i64> = records.iter().map(|r| r.sequence).collect();
        assert_eq!(sequences, [1, 2, 3], "gapless: a refusal and duplicates take no sequence");
        assert_eq!(records[1].now, clock().now(), "now kept with its offset and nanoseconds");
        assert_eq!(records[1].now.offset().local_minus_utc(), 7200);
        assert_eq!(records[1].produced.len(), 1);
        assert_eq!(records[1].produced[0].id, "req-1#0");
        drop(runtime);

        let reopened = Runtime::open_with_clock(store, StockLedger::default(), clock()).await.unwrap();
        assert_eq!(reopened.replayed().messages, 3);
        assert_eq!(reopened.replayed().diverged, 0);
        assert_eq!(reopened.inspect(StockLedger::clone).await, before);
    }

    #[tokio::test]
    async fn submits_are_idempotent_atomic_and_replayed_on_both_stores() {
        on_both_stores!(submits_are_idempotent_atomic_and_replayed);
    }

    /// A batch is one transaction with per-message outcomes: duplicates of the inbox and
    /// of earlier messages of the batch, a refusal in the middle that takes no sequence.
    async fn a_batch_decides_each_message_and_commits_once<S: Store>(store: S) {
        let runtime = Runtime::open_with_clock(store.clone(), StockLedger::default(), clock()).await.unwrap();
        runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 3)).await.unwrap();
        let mut by_key = testkit::reservation_requested("req-3-resent", "res-3", "SKU-1", 1);
        by_key.idempotency_key = "req-3".to_string();
        let batch = [
            testkit::stock_received("stock-1", "SKU-1", 3),
            testkit::reservation_requested("req-2", "res-2", "SKU-1", 2),
            testkit::reservation_requested("req-bad", "res-bad", "SKU-1", 0),
            testkit::reservation_requested("req-3", "res-3", "SKU-1", 1),
            testkit::reservation_requested("req-2", "res-2", "SKU-1", 2),
            by_key,
            testkit::reservation_requested("req-4", "res-4", "SKU-1", 1),
        ];
        let outcomes = runtime.submit_batch(&batch).await.unwrap();
        let summary: Vec<String> = outcomes
            .iter()
            .map(|outcome| match outcome {
                Ok(Submitted::Processed { sequence, produced }) => format!("{sequence}:{}", produced[0].event_type),
                Ok(Submitted::Duplicate { original_id, sequence }) => format!("dup {original_id}@{sequence}"),
                Err(Error::Handler { message_id, .. }) => format!("refused {message_id}"),
                Err(other) => panic!("{other}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "dup stock-1@1",
                "2:reservation.accepted",
                "refused req-bad",
                "3:reservation.accepted",
                "dup req-2@2",
                "dup req-3@3",
                "4:reservation.refused",
            ]
        );
        let records = store.inbox_after(0, 10).await.unwrap();
        assert!(records.iter().map(|r| r.sequence).eq(1..=4), "gapless");
        assert_eq!(store.pending_for("anyone", 0, 10).await.unwrap().len(), 3, "one output per handled message");
        let reopened = Runtime::open_with_clock(store, StockLedger::default(), clock()).await.unwrap();
        assert_eq!(reopened.replayed().diverged, 0);
        assert_eq!(reopened.inspect(|ledger| ledger.position("SKU-1").reserved).await, 3);
    }

    #[tokio::test]
    async fn a_batch_decides_each_message_and_commits_once_on_both_stores() {
        on_both_stores!(a_batch_decides_each_message_and_commits_once);
    }

    /// Takes every message; refuses, permanently, those whose subject is `res-bad`.
    struct Picky {
        received: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Subscriber for Picky {
        fn name(&self) -> &str {
            "picky"
        }

        async fn deliver(&self, message: &Envelope<Value>) -> Result<(), DeliveryError> {
            if message.subject == "res-bad" {
                return Err(DeliveryError::Permanent("res-bad is not wanted".to_string()));
            }
            self.received.lock().unwrap().push(message.id.clone());
            Ok(())
        }
    }

    async fn the_bus_delivers_once_and_parks_with_the_reason<S: Store>(store: S) {
        let runtime = Runtime::open_with_clock(store.clone(), StockLedger::default(), clock()).await.unwrap();
        let picky = Arc::new(Picky { received: Mutex::default() });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let bus = tokio::spawn(runtime.bus().subscribe(picky.clone()).run(async move {
            let _ = stopped.await;
        }));
        runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
        runtime.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 1)).await.unwrap();
        runtime.submit(&testkit::reservation_requested("req-2", "res-bad", "SKU-1", 1)).await.unwrap();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        while store.undelivered().await.unwrap() > 0 {
            assert!(tokio::time::Instant::now() < deadline, "the bus did not settle the outbox");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let _ = stop.send(());
        bus.await.unwrap().unwrap();

        assert_eq!(*picky.received.lock().unwrap(), ["req-1#0"]);
        let parked = store.parked().await.unwrap();
        assert_eq!(parked.len(), 1);
        assert_eq!((parked[0].message_id.as_str(), parked[0].error.as_str()), ("req-2#0", "res-bad is not wanted"));
        assert_eq!(parked[0].parked_at.offset().local_minus_utc(), 7200);
        assert_eq!(store.delivered_through().await.unwrap(), 2);
        assert!(store.pending_for("picky", 0, 10).await.unwrap().is_empty());
        // Settled is history: a subscriber added now starts after it.
        assert!(store.pending_for("newcomer", 0, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_bus_delivers_once_and_parks_with_the_reason_on_both_stores() {
        on_both_stores!(the_bus_delivers_once_and_parks_with_the_reason);
    }

    /// A message is settled when every subscriber had it; a sole subscriber settles it at once.
    async fn deliveries_settle_when_every_subscriber_had_them<S: Store>(store: S) {
        let runtime = Runtime::open_with_clock(store.clone(), StockLedger::default(), clock()).await.unwrap();
        runtime.submit(&testkit::stock_received("stock-1", "SKU-1", 10)).await.unwrap();
        for n in 1..=3 {
            runtime.submit(&testkit::reservation_requested(&format!("req-{n}"), "res", "SKU-1", 1)).await.unwrap();
        }
        let at = clock().now();
        let pending = |name: &'static str| {
            let store = store.clone();
            async move {
                let records = store.pending_for(name, 0, 10).await.unwrap();
                records.into_iter().map(|r| r.message.id).collect::<Vec<_>>()
            }
        };
        let (pair, all) = (["a", "b"].map(String::from), ["req-1#0", "req-2#0", "req-3#0"]);
        assert_eq!(store.undelivered().await.unwrap(), 3);

        store.record_deliveries("a", &["req-1#0".to_string()], &pair, at).await.unwrap();
        assert_eq!(pending("a").await, ["req-2#0", "req-3#0"]);
        assert_eq!(pending("b").await, all);
        assert_eq!(store.undelivered().await.unwrap(), 3, "b has not had req-1#0 yet");
        store.record_deliveries("b", &["req-1#0".to_string()], &pair, at).await.unwrap();
        assert_eq!(store.undelivered().await.unwrap(), 2);
        assert_eq!(store.delivered_through().await.unwrap(), 1);

        let relay = ["relay".to_string()];
        store.record_deliveries("relay", &["req-2#0".to_string(), "req-3#0".to_string()], &relay, at).await.unwrap();
        store.record_deliveries("relay", &["req-2#0".to_string()], &relay, at).await.unwrap();
        assert_eq!(store.undelivered().await.unwrap(), 0);
        assert!(pending("relay").await.is_empty());
        assert!(pending("b").await.is_empty(), "settled for every subscriber");
        assert_eq!(store.delivered_through().await.unwrap(), 3);
    }

    #[tokio::test]
    async fn deliveries_settle_when_every_subscriber_had_them_on_both_stores() {
        on_both_stores!(deliveries_settle_when_every_subscriber_had_them);
    }

    async fn documents_and_control_numbers<S: Store>(store: S) {
        let at = clock().now();
        let document = OutboundDocument {
            id: "req-1#0".to_string(),
            partner: "ACME".to_string(),
            kind: "x12/850".to_string(),
            business_key: "PO-1".to_string(),
            bytes: b"abc".to_vec(),
        };
        assert_eq!(store.file_document(&document, at).await.unwrap(), Filed::New);
        assert_eq!(store.file_document(&document, at).await.unwrap(), Filed::AlreadyFiled { same_bytes: true });
        let rerendered = OutboundDocument { bytes: b"abd".to_vec(), ..document.clone() };
        assert_eq!(store.file_document(&rerendered, at).await.unwrap(), Filed::AlreadyFiled { same_bytes: false });
        let stored = store.document("req-1#0").await.unwrap().expect("filed");
        assert_eq!(stored.document, document);
        assert_eq!(stored.content_hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(stored.created_at, at);
        assert_eq!(store.document("nothing").await.unwrap(), None);
        // One batch: a new id twice (the first is filed), and an id filed before.
        let fresh = OutboundDocument { id: "req-2#0".to_string(), ..document.clone() };
        let batch = [fresh.clone(), OutboundDocument { bytes: b"xyz".to_vec(), ..fresh }, rerendered];
        assert_eq!(
            store.file_documents(&batch, at).await.unwrap(),
            [Filed::New, Filed::AlreadyFiled { same_bytes: false }, Filed::AlreadyFiled { same_bytes: false }]
        );
        assert_eq!(store.document("req-2#0").await.unwrap().unwrap().document.bytes, b"abc");
        // Looked up together: the ids filed, in whatever order.
        let ids = ["nothing", "req-2#0", "req-1#0"].map(String::from);
        let mut found: Vec<String> =
            store.documents(&ids).await.unwrap().into_iter().map(|stored| stored.document.id).collect();
        found.sort();
        assert_eq!(found, ["req-1#0", "req-2#0"]);

        assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 1);
        assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 2);
        assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 1);
        assert_eq!(store.next_control_number("GLOBEX", "interchange").await.unwrap(), 1);
        assert_eq!(store.reserve_control_numbers("ACME", "interchange", 100).await.unwrap(), 3..=102);
        assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 103);
    }

    #[tokio::test]
    async fn documents_are_filed_once_and_control_numbers_count_on_both_stores() {
        on_both_stores!(documents_and_control_numbers);
    }

    #[tokio::test]
    async fn control_numbers_wrap_and_migrations_apply_once_on_postgres() {
        let Some(store) = pg_store().await else { return };
        let url = std::env::var("CROSSDOCK_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let again = PgStore::connect_in_schema(&url, store.schema()).await.unwrap();
        let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(again.pool())
            .await
            .unwrap();
        assert_eq!(migrations, MIGRATOR.iter().count() as i64, "each applied once");
        let collation: Option<String> = sqlx::query_scalar(
            "SELECT collation_name FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'outbox' AND column_name = 'message_id'",
        )
        .bind(store.schema())
        .fetch_one(again.pool())
        .await
        .unwrap();
        assert_eq!(collation.as_deref(), Some("C"), "ids compare byte for byte");
        sqlx::query("INSERT INTO control_numbers VALUES ('ACME', 'group', 999999998)")
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 999_999_999);
        assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 1);
        // A block never passes the end: it starts again at 1.
        sqlx::query("UPDATE control_numbers SET last = 999999998 WHERE partner = 'ACME' AND kind = 'group'")
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(store.reserve_control_numbers("ACME", "group", 2).await.unwrap(), 1..=2);
        store.drop_schema().await.unwrap();
    }

    /// Two processes (two pools) submitting at once on one schema: every reservation
    /// lands at its own gapless sequence, and stock is never promised twice.
    #[tokio::test]
    async fn concurrent_processes_are_serialised_and_never_oversell_on_postgres() {
        let Some(store) = pg_store().await else { return };
        let url = std::env::var("CROSSDOCK_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
        let other = PgStore::connect_in_schema(&url, store.schema()).await.unwrap();
        let seed = Runtime::open(store.clone(), StockLedger::default()).await.unwrap();
        seed.submit(&testkit::stock_received("stock-1", "SKU-1", 30)).await.unwrap();
        drop(seed);

        let mut tasks = tokio::task::JoinSet::new();
        for (worker, store) in [store.clone(), other].into_iter().enumerate() {
            tasks.spawn(async move {
                for i in 0..40 {
                    let message =
                        testkit::reservation_requested(&format!("w{worker}-{i}"), &format!("r-{i}"), "SKU-1", 1);
                    let outcome = store
                        .process_batch(&[message], clock().now(), clock().now(), |_| Ok(Vec::new()))
                        .await
                        .unwrap();
                    assert!(matches!(outcome[..], [crate::Processed::Committed { .. }]));
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
        let records = store.inbox_after(0, 1000).await.unwrap();
        assert!(records.iter().map(|r| r.sequence).eq(1..=81), "gapless, one sequence per message");

        // Replaying the committed interleaving: 40 distinct reservations asked twice each
        // for 30 units; each decided once, none beyond the stock.
        let replayed = Runtime::open(store.clone(), StockLedger::default()).await.unwrap();
        let ledger = replayed.inspect(StockLedger::clone).await;
        assert_eq!(ledger.position("SKU-1").reserved, 30);
        assert_eq!(ledger.accepted().len(), 30);
        store.drop_schema().await.unwrap();
    }

    /// A worker that lost the broker ownership (its lock connection died, another took
    /// over) cannot commit: its in-memory state may be stale.
    #[tokio::test]
    async fn a_stale_owner_is_fenced_out_on_postgres() {
        let Some(store) = pg_store().await else { return };
        let first = store.acquire_ownership().await.unwrap().expect("free at first");
        assert!(store.acquire_ownership().await.unwrap().is_none(), "held by the first owner");
        let stale = Runtime::open(first.store(), StockLedger::default()).await.unwrap();
        stale.submit(&testkit::stock_received("stock-1", "SKU-1", 1)).await.unwrap();

        let first_epoch = first.epoch();
        let lingering_store = first.store();
        first.release().await.unwrap();
        let second = store.acquire_ownership().await.unwrap().expect("released");
        assert_eq!(second.epoch(), first_epoch + 1);

        let refused = stale.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 1)).await;
        assert!(matches!(refused, Err(Error::Store(ref e)) if e.to_string().contains("fenced")), "{refused:?}");
        drop(lingering_store);
        let current = Runtime::open(second.store(), StockLedger::default()).await.unwrap();
        assert_eq!(current.replayed().messages, 1);
        let accepted = current.submit(&testkit::reservation_requested("req-1", "res-1", "SKU-1", 1)).await.unwrap();
        assert!(matches!(accepted, Submitted::Processed { sequence: 2, .. }));
        drop(second);
        store.drop_schema().await.unwrap();
    }
}
