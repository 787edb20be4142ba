//! After the order: split fulfillment across locations, shipping, delivery, capture, refund,
//! returns that put stock back, and cancellation that releases reservations — each with its event.

use axum::http::{Method, StatusCode};
use merx_db::query;
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{ready_cart, reserved, setup, store};
use crate::helpers::TestApp;

async fn stocked(app: &TestApp, item: &str, location: &str) -> (i64, i64) {
    let r = app
        .db
        .fetch_one(query("SELECT stocked_quantity, reserved_quantity FROM inventory_level WHERE inventory_item_id = ? AND location_id = ?").bind(item).bind(location))
        .await
        .unwrap();
    (
        r.int("stocked_quantity").unwrap(),
        r.int("reserved_quantity").unwrap(),
    )
}

async fn events(app: &TestApp, order: &str) -> Vec<String> {
    app.db
        .fetch_all(query("SELECT name FROM outbox_event WHERE aggregate_type = 'order' AND aggregate_id = ? ORDER BY seq").bind(order))
        .await
        .unwrap()
        .iter()
        .map(|r| r.text("name").unwrap())
        .collect()
}

async fn order_lifecycle(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 10).await;
    let second = app
        .post_as(
            "/admin/stock-locations",
            &s.admin,
            &json!({"name": "Store"}),
        )
        .await
        .ok()["stock_location"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_as(
        &format!("/admin/inventory-items/{}/location-levels", s.item),
        &s.admin,
        &json!({"location_id": second, "stocked_quantity": 5}),
    )
    .await
    .ok();
    let cart = ready_cart(&app, &s, 3, "pp_system_default").await;
    let placed = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    let order = placed["order"]["id"].as_str().unwrap().to_string();
    let line = placed["order"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(placed["order"]["fulfillment_status"], "not_fulfilled");
    assert_eq!(stocked(&app, &s.item, &s.location).await, (10, 3));

    // Split fulfillment: 2 from the warehouse, 1 from the store.
    let path = format!("/admin/orders/{order}/fulfillments");
    let a = app
        .post_as(
            &path,
            &s.admin,
            &json!({"location_id": s.location, "items": [{"id": line, "quantity": 2}]}),
        )
        .await
        .ok();
    assert_eq!(a["order"]["fulfillment_status"], "partially_fulfilled");
    app.post_as(
        &path,
        &s.admin,
        &json!({"location_id": s.location, "items": [{"id": line, "quantity": 2}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let b = app
        .post_as(
            &path,
            &s.admin,
            &json!({"location_id": second, "items": [{"id": line, "quantity": 1}]}),
        )
        .await
        .ok();
    assert_eq!(b["order"]["fulfillment_status"], "fulfilled");
    assert_eq!(
        stocked(&app, &s.item, &s.location).await,
        (8, 0),
        "2 left the warehouse; the order's reservation is consumed"
    );
    assert_eq!(stocked(&app, &s.item, &second).await, (4, 0));
    assert_eq!(reserved(&app, &s.item).await, 0);
    let fulfillments: Vec<String> = b["order"]["fulfillments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let shipped = app
        .post_as(&format!("/admin/orders/{order}/fulfillments/{}/shipments", fulfillments[0]), &s.admin, &json!({"labels": [{"tracking_number": "1Z999", "tracking_url": "https://track.example/1Z999"}]}))
        .await
        .ok();
    assert_eq!(shipped["order"]["fulfillment_status"], "partially_shipped");
    assert_eq!(
        shipped["order"]["fulfillments"][0]["labels"][0]["tracking_number"],
        "1Z999"
    );
    // A read of the order answers the shape the operations answer, fulfillments and returns in.
    let read = app
        .get_as(&format!("/admin/orders/{order}"), &s.admin)
        .await
        .ok();
    assert_eq!(
        read["order"]["fulfillments"],
        shipped["order"]["fulfillments"]
    );
    assert_eq!(read["order"]["returns"], shipped["order"]["returns"]);
    // The unshipped one can be cancelled: its unit goes back and is reserved again; then redone.
    let canceled = app
        .post_as(
            &format!(
                "/admin/orders/{order}/fulfillments/{}/cancel",
                fulfillments[1]
            ),
            &s.admin,
            &json!({}),
        )
        .await
        .ok();
    assert_eq!(canceled["order"]["fulfillment_status"], "partially_shipped");
    assert_eq!(stocked(&app, &s.item, &second).await, (5, 1));
    let redo = app
        .post_as(
            &path,
            &s.admin,
            &json!({"location_id": second, "items": [{"id": line, "quantity": 1}]}),
        )
        .await
        .ok();
    let last = redo["order"]["fulfillments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_as(
        &format!("/admin/orders/{order}/fulfillments/{last}/shipments"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    let delivered = app
        .post_as(
            &format!("/admin/orders/{order}/fulfillments/{last}/mark-as-delivered"),
            &s.admin,
            &json!({}),
        )
        .await
        .ok();
    assert_eq!(delivered["order"]["fulfillment_status"], "shipped");
    app.post_as(
        &format!("/admin/orders/{order}/fulfillments/{last}/cancel"),
        &s.admin,
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");

    // Money: capture all, refund part.
    let captured = app
        .call(
            Method::POST,
            &format!("/admin/orders/{order}/capture"),
            Some(&s.admin),
            None,
            &[],
        )
        .await
        .ok();
    let total = captured["order"]["total"].as_f64().unwrap();
    assert_eq!(captured["order"]["payment_status"], "captured");
    assert_eq!(
        captured["order"]["summary"]["paid_total"].as_f64().unwrap(),
        total
    );
    app.call(
        Method::POST,
        &format!("/admin/orders/{order}/capture"),
        Some(&s.admin),
        None,
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    // A return of one unit: back in the warehouse, refunded.
    let reason = app
        .post_as(
            "/admin/return-reasons",
            &s.admin,
            &json!({"value": "too_small", "label": "Too small"}),
        )
        .await
        .ok();
    let reason_id = reason["return_reason"]["id"].as_str().unwrap();
    let reasons = store(&app, &s, Method::GET, "/store/return-reasons", None)
        .await
        .ok();
    assert_eq!(reasons["return_reasons"][0]["value"], "too_small");
    // A guest order's return is taken by the shop: the Store API refuses it (see docs/auth.md).
    let one =
        json!({"order_id": order, "items": [{"id": line, "quantity": 1, "reason_id": reason_id}]});
    store(&app, &s, Method::POST, "/store/returns", Some(one.clone()))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    let ret = app.post_as("/admin/returns", &s.admin, &one).await.ok();
    let ret_id = ret["return"]["id"].as_str().unwrap();
    assert_eq!(ret["return"]["status"], "requested");
    app.post_as(
        "/admin/returns",
        &s.admin,
        &json!({"order_id": order, "items": [{"id": line, "quantity": 3}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let received = app
        .post_as(
            &format!("/admin/returns/{ret_id}/receive"),
            &s.admin,
            &json!({"location_id": s.location, "refund_amount": 10}),
        )
        .await
        .ok();
    assert_eq!(received["return"]["status"], "received");
    assert_eq!(
        stocked(&app, &s.item, &s.location).await,
        (9, 0),
        "the returned unit is back on the warehouse shelf"
    );
    let after = app
        .get_as(&format!("/admin/orders/{order}"), &s.admin)
        .await
        .ok();
    assert_eq!(after["order"]["summary"]["refunded_total"], json!(10));
    assert_eq!(
        after["order"]["items"][0]["detail"]["return_received_quantity"],
        1
    );
    app.post_as(
        &format!("/admin/returns/{ret_id}/receive"),
        &s.admin,
        &json!({"location_id": s.location}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    app.post_as(
        &format!("/admin/orders/{order}/cancel"),
        &s.admin,
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");

    let names = events(&app, &order).await;
    for e in [
        "order.placed",
        "order.fulfillment_created",
        "order.shipped",
        "order.delivered",
        "payment.captured",
        "return.received",
        "payment.refunded",
    ] {
        assert!(names.iter().any(|n| n == e), "{e} missing from {names:?}");
    }
}
app_test!(
    orders_are_fulfilled_across_locations_shipped_captured_returned_and_refunded,
    order_lifecycle
);

async fn cancel_releases(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 4).await;
    let cart = ready_cart(&app, &s, 4, "pp_system_default").await;
    let placed = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    let order = placed["order"]["id"].as_str().unwrap().to_string();
    assert_eq!(reserved(&app, &s.item).await, 4);
    let canceled = app
        .post_as(
            &format!("/admin/orders/{order}/cancel"),
            &s.admin,
            &json!({}),
        )
        .await
        .ok();
    assert_eq!(canceled["order"]["status"], "canceled");
    assert_eq!(canceled["order"]["payment_status"], "canceled");
    assert_eq!(
        reserved(&app, &s.item).await,
        0,
        "the reservation is released"
    );
    app.post_as(
        &format!("/admin/orders/{order}/cancel"),
        &s.admin,
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    app.post_as(
        &format!("/admin/orders/{order}/fulfillments"),
        &s.admin,
        &json!({"location_id": s.location, "items": [{"id": "ordli_x", "quantity": 1}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    // The stock is sellable again.
    let again = ready_cart(&app, &s, 4, "pp_system_default").await;
    let second = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{again}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(second["type"], "order");
    assert!(events(&app, &order)
        .await
        .contains(&"order.canceled".to_string()));
    let _: Value = second;
}
app_test!(
    canceling_an_order_releases_its_reservations_and_payment,
    cancel_releases
);

/// The Admin lists return reasons as the Store does: paged, ordered, counted.
async fn admin_return_reasons_are_paged(app: TestApp) {
    let admin = app.admin_key(merx_core::auth::Role::Admin).await;
    for (value, label) in [
        ("damaged", "Damaged"),
        ("late", "Arrived late"),
        ("size", "Wrong size"),
    ] {
        app.post_as(
            "/admin/return-reasons",
            &admin,
            &json!({"value": value, "label": label}),
        )
        .await
        .ok();
    }
    let page = app
        .get_as(
            "/admin/return-reasons?limit=2&offset=1&order=-value",
            &admin,
        )
        .await
        .ok();
    assert_eq!(page["count"], 3, "{page}");
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let values: Vec<&str> = page["return_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["late", "damaged"]);
}
app_test!(
    admin_return_reasons_are_paged_and_ordered,
    admin_return_reasons_are_paged
);
