//! Against a real NATS server (`MERX_TEST_NATS_URL`, e.g. nats://127.0.0.1:4222; CI sets it):
//! events reach the JetStream stream once per event id, and cache invalidations reach other
//! processes' caches.

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;
use merx_bus_nats::{Nats, STREAM};
use merx_core::platform::bus::Invalidator;
use merx_core::platform::events::Event;

fn nats_url() -> Option<String> {
    let url = std::env::var("MERX_TEST_NATS_URL").ok();
    if url.is_none() {
        eprintln!("skipped: set MERX_TEST_NATS_URL to run the NATS tests");
    }
    url
}

fn event(id: &str) -> Event {
    Event {
        seq: 1,
        id: id.to_string(),
        name: "test.nats_published".to_string(),
        aggregate_type: "thing".to_string(),
        aggregate_id: "t1".to_string(),
        payload: serde_json::json!({"hello": "world"}),
        created_at: time::OffsetDateTime::now_utc(),
    }
}

#[tokio::test]
async fn events_are_published_to_jetstream_once_per_event_id() {
    let Some(url) = nats_url() else { return };
    let nats = Nats::connect(&url)
        .await
        .expect("NATS is configured but unreachable");
    let client = async_nats::connect(&url).await.unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream(STREAM).await.unwrap();
    let consumer = stream
        .create_consumer(consumer::pull::OrderedConfig {
            filter_subject: "merx.events.test.nats_published".into(),
            deliver_policy: consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .unwrap();
    let id = format!("evt_{}", ulid::Ulid::new());
    let bus = nats.event_bus();
    // At-least-once delivery may publish twice; JetStream keeps one.
    bus.publish(&event(&id)).await.unwrap();
    bus.publish(&event(&id)).await.unwrap();
    let other = format!("evt_{}", ulid::Ulid::new());
    bus.publish(&event(&other)).await.unwrap();

    let mut messages = consumer.messages().await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let msg = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .expect("message within 10 s")
            .unwrap()
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        assert_eq!(body["type"], "test.nats_published");
        assert_eq!(body["data"]["hello"], "world");
        seen.push(body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, vec![id, other], "the duplicate was dropped");
}

#[tokio::test]
async fn cache_invalidations_reach_other_processes() {
    let Some(url) = nats_url() else { return };
    let a = Nats::connect(&url).await.unwrap();
    let b = Nats::connect(&url).await.unwrap();
    let inv_a = a.connect_invalidator(Invalidator::new()).await.unwrap();
    let inv_b = b.connect_invalidator(Invalidator::new()).await.unwrap();
    let mut rx_a = inv_a.subscribe();
    let mut rx_b = inv_b.subscribe();
    // Let both subscriptions reach the server.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let key = format!("product:{}", ulid::Ulid::new());
    inv_a.invalidate(&key).await;
    let got_b = tokio::time::timeout(Duration::from_secs(5), rx_b.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got_b, key);
    let got_a = tokio::time::timeout(Duration::from_secs(1), rx_a.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got_a, key);
    // A does not hear its own broadcast a second time.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx_a.try_recv().is_err());
}
