//! The embedded store: one SQLite file, WAL, every commit fsynced.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use crossdock_model::Envelope;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{Sqlite, Transaction};

use super::{
    control_block, plan_batch, sole_subscriber, Filed, InboxRecord, Original, OutboundDocument, OutboxRecord,
    ParkedDelivery, Processed, Store, StoredDocument, LAST_CONTROL_NUMBER,
};
use crate::error::StoreError;
use crate::handler::HandlerError;

static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite database file. Cheap to clone (a connection pool).
///
/// One process owns a file at a time: the runtime serialises handling in memory, and
/// SQLite's single writer serialises the rest.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the database file at `path`, creating it if needed, and applies the
    /// migrations it has not seen yet.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before the call that made it returns, so an
            // acknowledged submit survives a power cut, not only a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// The connection pool, for inspection and operator queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that holds SQLite's write lock from its first statement, so
    /// what it reads cannot change before it writes.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl Store for SqliteStore {
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
        let mut tx = self.write().await?;
        let mut recorded = Vec::with_capacity(messages.len());
        for message in messages {
            let original: Option<(String, i64)> = sqlx::query_as(
                "SELECT message_id, sequence FROM inbox
                 WHERE message_id = ?1 OR (tenant = ?2 AND idempotency_key = ?3)
                 ORDER BY sequence LIMIT 1",
            )
            .bind(&message.id)
            .bind(&message.tenant)
            .bind(&message.idempotency_key)
            .fetch_optional(&mut *tx)
            .await?;
            recorded.push(original.map(|(message_id, sequence)| Original { message_id, sequence }));
        }
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) FROM inbox").fetch_one(&mut *tx).await?;

        let outcomes = plan_batch(messages, recorded, last, handle);
        for (message, outcome) in messages.iter().zip(&outcomes) {
            let Processed::Committed { sequence, produced } = outcome else { continue };
            sqlx::query(
                "INSERT INTO inbox (message_id, sequence, tenant, idempotency_key, type, payload, now, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .bind(&message.id)
            .bind(sequence)
            .bind(&message.tenant)
            .bind(&message.idempotency_key)
            .bind(&message.event_type)
            .bind(Json(message))
            .bind(now)
            .bind(received_at)
            .execute(&mut *tx)
            .await?;
            for out in produced {
                sqlx::query(
                    "INSERT INTO outbox (message_id, causation_id, type, subject, payload, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .bind(&out.id)
                .bind(&message.id)
                .bind(&out.event_type)
                .bind(&out.subject)
                .bind(Json(out))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn inbox_after(&self, after_sequence: i64, limit: u32) -> Result<Vec<InboxRecord>, StoreError> {
        // One read transaction: the records and their outputs come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let rows: Vec<InboxRow> = sqlx::query_as(
            "SELECT sequence, payload, now, received_at FROM inbox WHERE sequence > ?1 ORDER BY sequence LIMIT ?2",
        )
        .bind(after_sequence)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|row| row.sequence) else {
            return Ok(Vec::new());
        };
        let outputs: Vec<(String, Json<Envelope<Value>>)> = sqlx::query_as(
            "SELECT causation_id, payload FROM outbox
             WHERE causation_id IN (SELECT message_id FROM inbox WHERE sequence > ?1 AND sequence <= ?2)
             ORDER BY sequence",
        )
        .bind(after_sequence)
        .bind(last)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        let mut produced_by: HashMap<String, Vec<Envelope<Value>>> = HashMap::new();
        for (causation_id, Json(message)) in outputs {
            produced_by.entry(causation_id).or_default().push(message);
        }
        Ok(rows
            .into_iter()
            .map(|InboxRow { sequence, payload: Json(message), now, received_at }| InboxRecord {
                sequence,
                produced: produced_by.remove(&message.id).unwrap_or_default(),
                message,
                now,
                received_at,
            })
            .collect())
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
        let rows: Vec<(i64, Json<Envelope<Value>>)> = sqlx::query_as(
            "SELECT o.sequence, o.payload FROM outbox o
             WHERE o.sequence > ?2 AND o.delivered_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscriber = ?1 AND d.message_id = o.message_id)
               AND NOT EXISTS (SELECT 1 FROM parked p WHERE p.subscriber = ?1 AND p.message_id = o.message_id)
             ORDER BY o.sequence LIMIT ?3",
        )
        .bind(subscriber)
        .bind(after_sequence)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(sequence, Json(message))| OutboxRecord { sequence, message }).collect())
    }

    async fn record_deliveries(
        &self,
        subscriber: &str,
        message_ids: &[String],
        subscribers: &[String],
        at: DateTime<FixedOffset>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if sole_subscriber(subscriber, subscribers) {
            sqlx::query(
                "UPDATE outbox SET delivered_at = ?2
                 WHERE message_id IN (SELECT value FROM json_each(?1)) AND delivered_at IS NULL",
            )
            .bind(Json(message_ids))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        for message_id in message_ids {
            sqlx::query(
                "INSERT INTO deliveries (subscriber, message_id, delivered_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(subscriber)
            .bind(message_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            settle(&mut tx, message_id, subscribers, at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn park(&self, parked: &ParkedDelivery, subscribers: &[String]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO parked (subscriber, message_id, attempts, error, parked_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
        )
        .bind(&parked.subscriber)
        .bind(&parked.message_id)
        .bind(i64::from(parked.attempts))
        .bind(&parked.error)
        .bind(parked.parked_at)
        .execute(&mut *tx)
        .await?;
        settle(&mut tx, &parked.message_id, subscribers, parked.parked_at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn parked(&self) -> Result<Vec<ParkedDelivery>, StoreError> {
        let rows: Vec<(String, String, i64, String, DateTime<FixedOffset>)> =
            sqlx::query_as("SELECT subscriber, message_id, attempts, error, parked_at FROM parked ORDER BY rowid")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(subscriber, message_id, attempts, error, parked_at)| {
                let attempts = u32::try_from(attempts)
                    .map_err(|_| StoreError::Corrupt(format!("parked {message_id}: attempts {attempts}")))?;
                Ok(ParkedDelivery { subscriber, message_id, attempts, error, parked_at })
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
        let mut tx = self.write().await?;
        let mut filed = Vec::with_capacity(documents.len());
        for document in documents {
            let hash = sha256_hex(&document.bytes);
            let inserted = sqlx::query(
                "INSERT INTO documents (id, partner, kind, business_key, bytes, content_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&document.id)
            .bind(&document.partner)
            .bind(&document.kind)
            .bind(&document.business_key)
            .bind(&document.bytes)
            .bind(&hash)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                filed.push(Filed::New);
                continue;
            }
            let stored: String = sqlx::query_scalar("SELECT content_hash FROM documents WHERE id = ?1")
                .bind(&document.id)
                .fetch_one(&mut *tx)
                .await?;
            filed.push(Filed::AlreadyFiled { same_bytes: stored == hash });
        }
        tx.commit().await?;
        Ok(filed)
    }

    async fn documents(&self, ids: &[String]) -> Result<Vec<StoredDocument>, StoreError> {
        // SQLite has no arrays: the ids go in as one JSON array.
        let rows: Vec<DocumentRow> = sqlx::query_as(
            "SELECT id, partner, kind, business_key, bytes, content_hash, created_at FROM documents
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(Json(ids))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|DocumentRow { id, partner, kind, business_key, bytes, content_hash, created_at }| StoredDocument {
                document: OutboundDocument { id, partner, kind, business_key, bytes },
                content_hash,
                created_at,
            })
            .collect())
    }

    async fn reserve_control_numbers(
        &self,
        partner: &str,
        kind: &str,
        count: u32,
    ) -> Result<RangeInclusive<u64>, StoreError> {
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO control_numbers (partner, kind, last) VALUES (?1, ?2, ?3)
             ON CONFLICT (partner, kind) DO UPDATE SET last = CASE WHEN last + ?3 > ?4 THEN ?3 ELSE last + ?3 END
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
struct InboxRow {
    sequence: i64,
    payload: Json<Envelope<Value>>,
    now: DateTime<FixedOffset>,
    received_at: DateTime<FixedOffset>,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: String,
    partner: String,
    kind: String,
    business_key: String,
    bytes: Vec<u8>,
    content_hash: String,
    created_at: DateTime<FixedOffset>,
}

/// Marks `message_id` delivered once each of `subscribers` has acknowledged or parked it.
async fn settle(
    tx: &mut Transaction<'static, Sqlite>,
    message_id: &str,
    subscribers: &[String],
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    let names = serde_json::to_string(subscribers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let expected = i64::try_from(subscribers.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE outbox SET delivered_at = ?2
         WHERE message_id = ?1 AND delivered_at IS NULL
           AND (SELECT COUNT(*) FROM (
                    SELECT subscriber FROM deliveries WHERE message_id = ?1
                    UNION SELECT subscriber FROM parked WHERE message_id = ?1)
                WHERE subscriber IN (SELECT value FROM json_each(?3))) >= ?4",
    )
    .bind(message_id)
    .bind(at)
    .bind(names)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}
