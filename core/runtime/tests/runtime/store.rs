//! The SQLite store itself: durability settings, migrations, documents, control numbers.

use crossdock_runtime::{Clock, Filed, OutboundDocument, Store};

use crate::support::{clock, count, open_store};

#[tokio::test]
async fn every_connection_is_durable_and_waits_for_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
    let mut connection = store.pool().acquire().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *connection).await.unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *connection).await.unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *connection).await.unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *connection).await.unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(synchronous, 2, "FULL");
    assert!(busy >= 1000, "busy timeout {busy} ms");
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn migrations_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_store(&dir).await);
    let store = open_store(&dir).await;
    assert_eq!(count(&store, "SELECT COUNT(*) FROM _sqlx_migrations WHERE success").await, 1);
    for table in ["inbox", "outbox", "deliveries", "parked", "documents", "control_numbers"] {
        let sql = format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'");
        assert_eq!(count(&store, &sql).await, 1, "{table}");
    }
}

#[tokio::test]
async fn a_document_is_filed_once_per_id_and_keeps_its_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir).await;
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
    assert_eq!(count(&store, "SELECT COUNT(*) FROM documents").await, 1);
    assert_eq!(store.document("nothing").await.unwrap(), None);
}

#[tokio::test]
async fn control_numbers_count_per_partner_and_kind_survive_reopening_and_wrap() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_store(&dir).await;
        assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 1);
        assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 2);
        assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 1);
        assert_eq!(store.next_control_number("GLOBEX", "interchange").await.unwrap(), 1);
    }
    let store = open_store(&dir).await;
    assert_eq!(store.next_control_number("ACME", "interchange").await.unwrap(), 3);

    sqlx::query("UPDATE control_numbers SET last = 999999998 WHERE partner = 'ACME' AND kind = 'group'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 999_999_999);
    assert_eq!(store.next_control_number("ACME", "group").await.unwrap(), 1);
    assert_eq!(store.reserve_control_numbers("ACME", "group", 10).await.unwrap(), 2..=11);
    // A block never passes the end: it starts again at 1.
    sqlx::query("UPDATE control_numbers SET last = 999999998 WHERE partner = 'ACME' AND kind = 'group'")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(store.reserve_control_numbers("ACME", "group", 2).await.unwrap(), 1..=2);
}
