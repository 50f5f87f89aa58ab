//! Failing handlers: a transient failure is retried later, a message that keeps failing
//! and a permanent failure are parked with their reason, and parking can be replayed.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossdock_amqp::{consume, headers, replay_parked, ConsumerConfig, Publisher};
use crossdock_runtime::testkit;
use lapin::options::{BasicGetOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;
use serde_json::json;
use tokio::sync::watch;

use crate::support::{amqp_url, declare, eventually, servers, tear_down, Flaky};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_then_parked_with_their_reason_and_can_be_replayed() {
    let Some((topology, store)) = servers().await else { return };
    let url = amqp_url();
    let config = ConsumerConfig { max_attempts: 3, ..ConsumerConfig::new("flaky", &["#"]) };
    declare(&topology, &[&config]).await;
    let flaky = Flaky::new("flaky");
    let (stop, mut stopping) = watch::channel(false);
    let consumer = {
        let (url, topology, config, flaky) = (url.clone(), topology.clone(), config.clone(), flaky.clone());
        tokio::spawn(async move {
            consume(&url, &topology, &config, flaky, async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            })
            .await
        })
    };

    let publisher = Publisher::new(url.clone(), topology.clone());
    for (id, subject) in [("m-ok", "fine"), ("m-t2", "transient-2"), ("m-tx", "transient-x"), ("m-p", "permanent")] {
        publisher.publish_event(&testkit::message(id, "test.event", subject, json!({}))).await.unwrap();
    }
    let garbage = BasicProperties::default().with_message_id("m-garbage".into());
    publisher.publish(&topology.events_exchange(), "test.event", b"not json", garbage, "m-garbage").await.unwrap();

    let connection = lapin::Connection::connect(&url, Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let parking = topology.parking_queue();
    eventually("three messages parked", Duration::from_secs(30), || async {
        channel.queue_declare(&parking, passive, FieldTable::default()).await.unwrap().message_count() == 3
    })
    .await;
    assert_eq!(flaky.taken(), ["m-ok", "m-t2"], "a transient failure is retried until it passes");
    assert_eq!(flaky.attempts("m-t2"), 3);
    assert_eq!(flaky.attempts("m-tx"), 3, "parked after max_attempts");
    assert_eq!(flaky.attempts("m-p"), 1, "a permanent failure is parked at once");

    // Read parking without acking: closing the channel puts the messages back.
    let reader = connection.create_channel().await.unwrap();
    let mut parked = BTreeMap::new();
    while let Some(message) = reader.basic_get(&parking, BasicGetOptions::default()).await.unwrap() {
        let table = message.delivery.properties.headers().clone().unwrap();
        let field = |name: &str| table.inner().get(name).cloned();
        let text = |value: Option<AMQPValue>| match value {
            Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            other => panic!("expected text, got {other:?}"),
        };
        let id = message.delivery.properties.message_id().clone().unwrap().to_string();
        let attempts = match field(headers::ATTEMPTS) {
            Some(AMQPValue::LongUInt(n)) => n,
            other => panic!("expected a count, got {other:?}"),
        };
        assert_eq!(text(field(headers::QUEUE)), topology.queue("flaky"));
        parked.insert(id, (attempts, text(field(headers::ERROR))));
    }
    reader.close(200, "peeked").await.unwrap();
    assert_eq!(parked["m-tx"], (3, "transient-x: attempt 3 failed".to_string()));
    assert_eq!(parked["m-p"], (1, "permanent is refused for good".to_string()));
    assert_eq!(parked["m-garbage"].0, 1);
    assert!(parked["m-garbage"].1.starts_with("not a canonical envelope"), "{}", parked["m-garbage"].1);

    // Once the cause is fixed, parking is replayed to the queue each message came from.
    flaky.healed.store(true, Ordering::SeqCst);
    assert_eq!(replay_parked(&url, &topology, 10).await.unwrap(), 3);
    eventually("the replayed messages taken", Duration::from_secs(30), || async {
        flaky.taken() == ["m-ok", "m-p", "m-t2", "m-tx"]
    })
    .await;
    eventually("the garbage parked again", Duration::from_secs(30), || async {
        channel.queue_declare(&parking, passive, FieldTable::default()).await.unwrap().message_count() == 1
    })
    .await;

    let _ = stop.send(true);
    tokio::time::timeout(Duration::from_secs(30), consumer).await.expect("stops in time").unwrap();
    let _ = connection.close(200, "done").await;
    tear_down(&topology, &["flaky"], store).await;
}
