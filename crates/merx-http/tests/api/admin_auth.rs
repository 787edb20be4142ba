//! The authorisation matrix: every Admin API route registered in the router rejects missing,
//! malformed, publishable and revoked credentials with 401, and roles lacking its permission with
//! 403. A route added without a permission cannot exist (the table builds the router).

use axum::http::{Method, StatusCode};
use merx_core::api_key::KeyType;
use merx_core::auth::Role;
use merx_http::admin::route_table;

use crate::app_test;
use crate::helpers::TestApp;

fn concrete(path: &str) -> String {
    path.replace("{id}", "x_0000")
}

async fn every_admin_route_is_guarded(app: TestApp) {
    let table = route_table();
    assert!(table.len() >= 13, "routes: {}", table.len());
    let revoked = app.admin_key(Role::Owner).await;
    let revoked_id = app
        .core
        .api_keys
        .list(
            Some(KeyType::Secret),
            merx_types::PageRequest {
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .items[0]
        .id
        .clone();
    app.core.api_keys.revoke(&revoked_id, None).await.unwrap();
    let (_, publishable) = app
        .core
        .api_keys
        .create("storefront", KeyType::Publishable, None, None)
        .await
        .unwrap();
    let customer = app
        .post_json(
            "/auth/customer/emailpass/register",
            &serde_json::json!({"email": "c@example.com", "password": "customer-pw"}),
        )
        .await
        .ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut keys_by_role = Vec::new();
    for role in Role::ALL {
        keys_by_role.push((role, app.admin_key(role).await));
    }

    for route in &table {
        let path = concrete(route.path);
        let body = (route.method != Method::GET).then(|| serde_json::json!({}));
        let what = format!("{} {}", route.method, route.path);
        for bearer in [
            None,
            Some("garbage"),
            Some(publishable.as_str()),
            Some(revoked.as_str()),
            Some("sk_0000"),
            Some(customer.as_str()),
        ] {
            let res = app
                .call(route.method.clone(), &path, bearer, body.as_ref(), &[])
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "{what} with {bearer:?}: {}",
                res.text()
            );
            assert_eq!(res.json()["type"], "unauthorized");
        }
        // Basic auth with a revoked key, as Medusa clients send secret keys.
        let basic = format!("Basic {}", base64(&format!("{revoked}:")));
        let res = app
            .call(
                route.method.clone(),
                &path,
                None,
                body.as_ref(),
                &[("authorization", &basic)],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{what} with a revoked Basic key"
        );
        for (role, key) in &keys_by_role {
            let res = app
                .call(route.method.clone(), &path, Some(key), body.as_ref(), &[])
                .await;
            if role.permits(route.permission) {
                assert!(
                    res.status != StatusCode::UNAUTHORIZED && res.status != StatusCode::FORBIDDEN,
                    "{what} as {role:?}: {} {}",
                    res.status,
                    res.text()
                );
            } else {
                assert_eq!(
                    res.status,
                    StatusCode::FORBIDDEN,
                    "{what} as {role:?}: {}",
                    res.text()
                );
                assert_eq!(res.json()["type"], "forbidden");
            }
        }
    }
}
app_test!(
    every_admin_route_rejects_bad_credentials_and_missing_permissions,
    every_admin_route_is_guarded
);

async fn basic_auth_with_a_secret_key_works(app: TestApp) {
    let key = app.admin_key(Role::Admin).await;
    let basic = format!("Basic {}", base64(&format!("{key}:")));
    let res = app
        .call(
            Method::GET,
            "/admin/webhooks",
            None,
            None,
            &[("authorization", &basic)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}
app_test!(
    a_secret_key_authenticates_as_basic_auth_like_medusa,
    basic_auth_with_a_secret_key_works
);

async fn api_keys_are_shown_once_and_revocable(app: TestApp) {
    let owner = app.admin_key(Role::Owner).await;
    let created = app
        .post_as(
            "/admin/api-keys",
            &owner,
            &serde_json::json!({"title": "ERP sync", "type": "secret", "role": "support"}),
        )
        .await
        .ok();
    let key = &created["api_key"];
    let token = key["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("sk_"));
    assert_eq!(key["type"], "secret");
    assert_eq!(key["role"], "support");
    let id = key["id"].as_str().unwrap();
    let fetched = app
        .get_as(&format!("/admin/api-keys/{id}"), &owner)
        .await
        .ok();
    assert_eq!(
        fetched["api_key"]["token"],
        serde_json::Value::Null,
        "secret tokens are not shown again"
    );
    assert!(!fetched.to_string().contains(&token[8..]));
    // The new key works for what support may do, and not beyond.
    assert_eq!(
        app.get_as("/admin/webhooks", &token).await.status,
        StatusCode::FORBIDDEN
    );
    let revoked = app
        .post_as(
            &format!("/admin/api-keys/{id}/revoke"),
            &owner,
            &serde_json::json!({}),
        )
        .await
        .ok();
    assert!(revoked["api_key"]["revoked_at"].is_string());
    assert_eq!(
        app.get_as("/admin/webhooks", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    // An admin cannot mint an owner key.
    let admin = app.admin_key(Role::Admin).await;
    app.post_as(
        "/admin/api-keys",
        &admin,
        &serde_json::json!({"title": "x", "type": "secret", "role": "owner"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let pk = app
        .post_as(
            "/admin/api-keys",
            &admin,
            &serde_json::json!({"title": "Storefront", "type": "publishable"}),
        )
        .await
        .ok();
    assert!(pk["api_key"]["token"].as_str().unwrap().starts_with("pk_"));
    app.post_as(
        "/admin/api-keys",
        &admin,
        &serde_json::json!({"title": "x", "type": "banana"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
}
app_test!(
    api_keys_are_shown_once_and_revocable,
    api_keys_are_shown_once_and_revocable
);

fn base64(input: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = input.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
