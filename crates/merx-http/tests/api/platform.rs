//! Webhooks, event deliveries and idempotency keys through the Admin API.

use axum::http::{Method, StatusCode};
use merx_core::auth::Role;
use merx_core::platform::webhooks::sign;
use serde_json::json;

use crate::app_test;
use crate::helpers::{dispatcher, TestApp};
use crate::receiver::Receiver;

async fn webhook_deliveries_are_signed_retried_and_logged(app: TestApp) {
    let key = app.admin_key(Role::Admin).await;
    let receiver = Receiver::start(&[500]).await;
    let created = app
        .post_as(
            "/admin/webhooks",
            &key,
            &json!({"url": receiver.url, "events": ["webhook.updated"], "description": "ERP"}),
        )
        .await
        .ok();
    let hook = &created["webhook"];
    let id = hook["id"].as_str().unwrap().to_string();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(hook["events"], json!(["webhook.updated"]));
    // The secret is shown once.
    let fetched = app
        .get_as(&format!("/admin/webhooks/{id}"), &key)
        .await
        .ok();
    assert!(fetched["webhook"].get("secret").is_none());

    app.post_as(
        &format!("/admin/webhooks/{id}"),
        &key,
        &json!({"description": "ERP (prod)"}),
    )
    .await
    .ok();
    dispatcher(&app, 5).run_once().await.unwrap();

    let got = receiver.received();
    assert_eq!(got.len(), 2, "a 500 then a retry");
    let last = &got[1];
    let header = last.headers["merx-signature"].to_str().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        sign::verify(&secret, header, &last.body, now, 300),
        "signature verifies"
    );
    assert!(!sign::verify("whsec_wrong", header, &last.body, now, 300));
    let body: serde_json::Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(body["type"], "webhook.updated");
    assert_eq!(body["data"]["id"], id.as_str());
    assert!(
        body["data"].get("secret").is_none(),
        "events never carry the secret"
    );
    assert_eq!(
        last.headers["merx-event-id"].to_str().unwrap(),
        body["id"].as_str().unwrap()
    );
    assert_eq!(
        got[0].headers["merx-event-id"], got[1].headers["merx-event-id"],
        "same event retried"
    );

    let log = app
        .get_as(&format!("/admin/webhooks/{id}/attempts"), &key)
        .await
        .ok();
    assert_eq!(log["count"], 2);
    let attempts = log["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["attempt"], 2);
    assert_eq!(attempts[0]["succeeded"], true);
    assert_eq!(attempts[0]["response_status"], 200);
    assert_eq!(attempts[1]["attempt"], 1);
    assert_eq!(attempts[1]["succeeded"], false);
    assert_eq!(attempts[1]["response_status"], 500);
    assert!(attempts[1]["error"].as_str().unwrap().contains("500"));

    let deliveries = app
        .get_as("/admin/events/deliveries?status=delivered", &key)
        .await
        .ok();
    assert!(deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["target"] == format!("webhook:{id}") && d["attempts"] == 2));
}
app_test!(
    webhook_deliveries_are_signed_retried_and_logged,
    webhook_deliveries_are_signed_retried_and_logged
);

async fn dead_letters_can_be_listed_and_replayed(app: TestApp) {
    let key = app.admin_key(Role::Owner).await;
    let receiver = Receiver::start(&[503, 503, 503, 503]).await;
    let hook = app
        .post_as(
            "/admin/webhooks",
            &key,
            &json!({"url": receiver.url, "events": ["webhook.*"]}),
        )
        .await
        .ok();
    let id = hook["webhook"]["id"].as_str().unwrap();
    app.post_as(
        &format!("/admin/webhooks/{id}"),
        &key,
        &json!({"description": "flaky"}),
    )
    .await
    .ok();
    let d = dispatcher(&app, 2);
    d.run_once().await.unwrap();
    let dead = app
        .get_as("/admin/events/deliveries?status=dead", &key)
        .await
        .ok();
    assert_eq!(
        dead["count"], 2,
        "created and updated events both died: {dead}"
    );
    let first = dead["deliveries"][0]["id"].as_str().unwrap().to_string();
    let replayed = app
        .post_as(
            &format!("/admin/events/deliveries/{first}/replay"),
            &key,
            &json!({}),
        )
        .await;
    assert_eq!(replayed.json()["delivery"]["status"], "pending");
    let all = app
        .post_as("/admin/events/deliveries/replay", &key, &json!({}))
        .await
        .ok();
    assert_eq!(all["replayed"], 1);
    d.run_once().await.unwrap();
    let dead = app
        .get_as("/admin/events/deliveries?status=dead", &key)
        .await
        .ok();
    assert_eq!(dead["count"], 0);
    assert_eq!(receiver.received().len(), 4 + 2);
    app.post_as(
        &format!("/admin/events/deliveries/{first}/replay"),
        &key,
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    app.get_as("/admin/events/deliveries?status=lost", &key)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
}
app_test!(
    dead_letters_can_be_listed_and_replayed,
    dead_letters_can_be_listed_and_replayed
);

async fn bad_webhook_input_is_rejected_and_changes_nothing(app: TestApp) {
    let key = app.admin_key(Role::Admin).await;
    for body in [
        json!({"url": "not a url", "events": ["*"]}),
        json!({"url": "ftp://x.example", "events": ["*"]}),
        json!({"url": "https://x.example", "events": []}),
        json!({"url": "https://x.example", "events": ["Order Placed"]}),
        json!({"url": "https://x.example", "events": ["*"], "colour": "red"}),
        json!({"events": ["*"]}),
    ] {
        app.post_as("/admin/webhooks", &key, &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    let list = app.get_as("/admin/webhooks", &key).await.ok();
    assert_eq!(list["count"], 0);
    app.get_as("/admin/webhooks/wh_missing", &key)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.delete_as("/admin/webhooks/wh_missing", &key)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get_as("/admin/webhooks?limit=-1", &key)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.get_as("/admin/webhooks?limit=abc", &key)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
}
app_test!(
    bad_webhook_input_is_rejected_and_changes_nothing,
    bad_webhook_input_is_rejected_and_changes_nothing
);

async fn webhook_crud(app: TestApp) {
    let key = app.admin_key(Role::Admin).await;
    let a = app
        .post_as(
            "/admin/webhooks",
            &key,
            &json!({"url": "https://a.example/h", "events": ["*"]}),
        )
        .await
        .ok();
    let id = a["webhook"]["id"].as_str().unwrap();
    assert_eq!(a["webhook"]["is_active"], true);
    let u = app
        .post_as(
            &format!("/admin/webhooks/{id}"),
            &key,
            &json!({"is_active": false, "description": null, "metadata": {"team": "erp"}}),
        )
        .await
        .ok();
    assert_eq!(u["webhook"]["is_active"], false);
    assert_eq!(u["webhook"]["metadata"], json!({"team": "erp"}));
    let list = app.get_as("/admin/webhooks?limit=10", &key).await.ok();
    assert_eq!(
        (list["count"].as_i64(), list["limit"].as_i64()),
        (Some(1), Some(10))
    );
    let del = app
        .delete_as(&format!("/admin/webhooks/{id}"), &key)
        .await
        .ok();
    assert_eq!(del, json!({"id": id, "object": "webhook", "deleted": true}));
    assert_eq!(app.get_as("/admin/webhooks", &key).await.ok()["count"], 0);
}
app_test!(
    webhooks_can_be_created_updated_listed_and_deleted,
    webhook_crud
);

async fn idempotency_keys(app: TestApp) {
    let key = app.admin_key(Role::Admin).await;
    let body = json!({"url": "https://erp.example/h", "events": ["order.*"]});
    let send = |idem: &'static str, body: serde_json::Value| {
        let app = &app;
        let key = key.clone();
        async move {
            app.call(
                Method::POST,
                "/admin/webhooks",
                Some(&key),
                Some(&body),
                &[("idempotency-key", idem)],
            )
            .await
        }
    };
    let first = send("create-1", body.clone()).await;
    let second = send("create-1", body.clone()).await;
    assert_eq!(first.ok(), second.ok(), "the stored response is replayed");
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(
        app.get_as("/admin/webhooks", &key).await.ok()["count"],
        1,
        "ran once"
    );

    let other = send(
        "create-1",
        json!({"url": "https://other.example", "events": ["*"]}),
    )
    .await;
    other.assert_error(StatusCode::CONFLICT, "conflict");

    // Concurrent duplicates run once.
    let results = futures_join((0..6).map(|_| send("create-2", body.clone())).collect()).await;
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .map(|r| r.ok()["webhook"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.get_as("/admin/webhooks", &key).await.ok()["count"], 2);

    // A client error is stored too: the same bad request gets the same answer.
    let bad = json!({"url": "nope", "events": ["*"]});
    send("bad-1", bad.clone())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let again = send("bad-1", bad).await;
    again.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(again.headers["idempotent-replayed"], "true");

    // Another caller's identical key does not see this caller's response.
    let other_key = app.admin_key(Role::Admin).await;
    let theirs = app
        .call(
            Method::POST,
            "/admin/webhooks",
            Some(&other_key),
            Some(&body),
            &[("idempotency-key", "create-1")],
        )
        .await;
    assert!(theirs.headers.get("idempotent-replayed").is_none());
}
app_test!(
    idempotency_keys_replay_conflict_and_run_concurrent_duplicates_once,
    idempotency_keys
);

async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    // Poll all together on this task.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (i, f) in pending.iter_mut().enumerate() {
            if let Some(fut) = f {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *f = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    for r in results {
        out.push(r.unwrap());
    }
    out
}
