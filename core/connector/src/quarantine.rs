//! Where input goes when it cannot be processed: kept with its reason, editable, replayable,
//! and every touch recorded.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{ConnectorError, Domain};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for someone to look at it.
    Held,
    /// Replayed successfully; kept for the record.
    Replayed,
}

/// One quarantined input or output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// `connector/delivery id` for input, `connector/envelope id` for output.
    pub id: String,
    pub connector: String,
    pub direction: Direction,
    pub domain: Domain,
    /// Why it is here, in words an operator understands.
    pub reason: String,
    pub attempts: u32,
    pub status: Status,
    /// What to replay: the original bytes of a delivery, or the canonical envelope JSON of
    /// an outbound document. Edits replace it; the audit keeps every previous version.
    #[serde(with = "crate::bytes")]
    pub payload: Vec<u8>,
    pub audit: Vec<AuditRecord>,
}

/// Who did what to an entry, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: AuditAction,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// For an edit, the payload before it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::bytes::option")]
    pub previous_payload: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Quarantined,
    Edited,
    Replayed,
    ReplayFailed,
}

impl QuarantineEntry {
    /// A new held entry, its first audit record saying who put it here and why.
    pub fn new(
        id: impl Into<String>,
        connector: impl Into<String>,
        direction: Direction,
        error: &ConnectorError,
        attempts: u32,
        payload: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Self {
        let connector = connector.into();
        QuarantineEntry {
            id: id.into(),
            direction,
            domain: error.domain(),
            reason: error.to_string(),
            attempts,
            status: Status::Held,
            payload,
            audit: vec![AuditRecord {
                at,
                who: connector.clone(),
                action: AuditAction::Quarantined,
                note: error.to_string(),
                previous_payload: None,
            }],
            connector,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    #[error("no quarantined entry {0}")]
    NotFound(String),
    #[error("quarantine entry {0} was already replayed")]
    AlreadyReplayed(String),
    #[error("quarantine store: {0}")]
    Io(#[from] std::io::Error),
    #[error("quarantine entry {path}: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
}

/// A store of quarantined entries. Implementations only store; [`edit`] and [`replay`] hold
/// the logic, so every store behaves the same.
#[async_trait]
pub trait Quarantine: Send + Sync {
    /// Inserts or replaces the entry with this id.
    async fn put(&self, entry: QuarantineEntry) -> Result<(), QuarantineError>;
    async fn get(&self, id: &str) -> Result<Option<QuarantineEntry>, QuarantineError>;
    /// Every entry, held and replayed, ordered by id.
    async fn list(&self) -> Result<Vec<QuarantineEntry>, QuarantineError>;
}

/// Replaces an entry's payload, keeping the old one in the audit record.
pub async fn edit(
    store: &dyn Quarantine,
    id: &str,
    payload: Vec<u8>,
    who: &str,
    at: DateTime<Utc>,
    note: &str,
) -> Result<QuarantineEntry, QuarantineError> {
    let mut entry = held(store, id).await?;
    let previous = std::mem::replace(&mut entry.payload, payload);
    entry.audit.push(AuditRecord {
        at,
        who: who.into(),
        action: AuditAction::Edited,
        note: note.into(),
        previous_payload: Some(previous),
    });
    store.put(entry.clone()).await?;
    Ok(entry)
}

/// Hands the entry's payload to `process` (the connector's ingest or deliver) and records
/// the outcome; a success marks the entry replayed, a failure keeps it held.
pub async fn replay<F, Fut>(
    store: &dyn Quarantine,
    id: &str,
    who: &str,
    at: DateTime<Utc>,
    process: F,
) -> Result<Result<(), ConnectorError>, QuarantineError>
where
    F: FnOnce(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), ConnectorError>>,
{
    let mut entry = held(store, id).await?;
    let outcome = process(entry.payload.clone()).await;
    let (action, note) = match &outcome {
        Ok(()) => (AuditAction::Replayed, String::new()),
        Err(error) => (AuditAction::ReplayFailed, error.to_string()),
    };
    if outcome.is_ok() {
        entry.status = Status::Replayed;
    }
    entry.audit.push(AuditRecord { at, who: who.into(), action, note, previous_payload: None });
    store.put(entry).await?;
    Ok(outcome)
}

async fn held(store: &dyn Quarantine, id: &str) -> Result<QuarantineEntry, QuarantineError> {
    let entry = store.get(id).await?.ok_or_else(|| QuarantineError::NotFound(id.into()))?;
    match entry.status {
        Status::Held => Ok(entry),
        Status::Replayed => Err(QuarantineError::AlreadyReplayed(id.into())),
    }
}

/// For tests and the embedded demo.
#[derive(Default)]
pub struct MemoryQuarantine {
    entries: Mutex<BTreeMap<String, QuarantineEntry>>,
}

#[async_trait]
impl Quarantine for MemoryQuarantine {
    async fn put(&self, entry: QuarantineEntry) -> Result<(), QuarantineError> {
        self.entries.lock().await.insert(entry.id.clone(), entry);
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<QuarantineEntry>, QuarantineError> {
        Ok(self.entries.lock().await.get(id).cloned())
    }

    async fn list(&self) -> Result<Vec<QuarantineEntry>, QuarantineError> {
        Ok(self.entries.lock().await.values().cloned().collect())
    }
}

/// One pretty-printed JSON file per entry in a directory: an operator can read and fix
/// entries with any editor, and `git diff` shows what changed.
pub struct DirQuarantine {
    dir: PathBuf,
    // Serialises read-modify-write within this process.
    lock: Mutex<()>,
}

impl DirQuarantine {
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, QuarantineError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(DirQuarantine { dir, lock: Mutex::new(()) })
    }

    fn path(&self, id: &str) -> PathBuf {
        // Ids contain `/` and partner-chosen characters: keep them file-name safe.
        let safe: String =
            id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        self.dir.join(format!("{safe}-{}.json", crate::delivery::fingerprint(id.as_bytes())))
    }

    async fn read(path: &Path) -> Result<QuarantineEntry, QuarantineError> {
        let text = tokio::fs::read(path).await?;
        serde_json::from_slice(&text).map_err(|source| QuarantineError::Corrupt { path: path.into(), source })
    }
}

#[async_trait]
impl Quarantine for DirQuarantine {
    async fn put(&self, entry: QuarantineEntry) -> Result<(), QuarantineError> {
        let _guard = self.lock.lock().await;
        let path = self.path(&entry.id);
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(&entry).expect("entries serialize");
        tokio::fs::write(&tmp, json).await?;
        // Atomic replace: a crash leaves the old entry or the new one, never half of one.
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<QuarantineEntry>, QuarantineError> {
        let path = self.path(id);
        match tokio::fs::try_exists(&path).await? {
            true => Self::read(&path).await.map(Some),
            false => Ok(None),
        }
    }

    async fn list(&self) -> Result<Vec<QuarantineEntry>, QuarantineError> {
        let mut entries = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.dir).await?;
        while let Some(file) = dir.next_entry().await? {
            if file.path().extension().is_some_and(|e| e == "json") {
                entries.push(Self::read(&file.path()).await?);
            }
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(entries)
    }
}
