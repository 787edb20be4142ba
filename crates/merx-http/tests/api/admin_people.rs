//! People in the Admin API, as Medusa has them: customers created, changed and deleted by an
//! admin, with their addresses; and users joining by invite, in Medusa's flow (register an auth
//! identity, then accept the invite with its token) and in Merx's (`{token, password}`).

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{TestApp, TestResponse};

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/medusa-responses/admin-setup"
);

/// The `response.body` of a reference file, when the reference is on this machine.
fn reference(file: &str) -> Option<Value> {
    let text = std::fs::read_to_string(format!("{REFERENCE}/{file}")).ok()?;
    let v: Value = serde_json::from_str(&text).expect("reference file is JSON");
    Some(v["response"]["body"].clone())
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// Medusa's keys of the reference answer's object at `pointer`, or (without the file) the ones
/// it had when this test was written.
fn medusa_keys(file: &str, pointer: &str, fallback: &[&str]) -> BTreeSet<String> {
    match reference(file) {
        Some(body) => keys(body.pointer(pointer).expect("pointer into the reference")),
        None => fallback.iter().map(|k| k.to_string()).collect(),
    }
}

fn assert_has_keys(ours: &Value, medusa: &BTreeSet<String>, what: &str) {
    let have = keys(ours);
    let missing: Vec<&String> = medusa.difference(&have).collect();
    assert!(
        missing.is_empty(),
        "{what} lacks Medusa's keys {missing:?}: {ours}"
    );
}

fn token(res: &TestResponse) -> String {
    res.ok()["token"].as_str().unwrap().to_string()
}

/// An owner user and their token (created users name them in `created_by`).
async fn owner(app: &TestApp) -> (String, String) {
    let user = app
        .core
        .users
        .create(
            &app.core.auth,
            "owner@example.com",
            "owner-password",
            Role::Owner,
            (None, None),
        )
        .await
        .unwrap();
    let t = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "owner@example.com", "password": "owner-password"}),
        )
        .await,
    );
    (user.id, t)
}

async fn delete_as(app: &TestApp, path: &str, token: &str) -> TestResponse {
    app.delete_as(path, token).await
}

async fn customers_by_admin(app: TestApp) {
    let (owner_id, admin) = owner(&app).await;
    // Medusa's request of 42-customer-create.json.
    let created = app
        .post_as(
            "/admin/customers",
            &admin,
            &json!({"email": "Vera@Example.com", "first_name": "Vera", "last_name": "Important"}),
        )
        .await
        .ok();
    let c = &created["customer"];
    assert_has_keys(
        c,
        &medusa_keys(
            "42-customer-create.json",
            "/customer",
            &[
                "id",
                "company_name",
                "first_name",
                "last_name",
                "email",
                "phone",
                "metadata",
                "has_account",
                "created_by",
                "created_at",
                "updated_at",
                "deleted_at",
            ],
        ),
        "POST /admin/customers",
    );
    assert_eq!(c["email"], "vera@example.com");
    assert_eq!(c["has_account"], false);
    assert_eq!(c["created_by"], owner_id.as_str());
    assert_eq!(c["first_name"], "Vera");
    assert_eq!(c["company_name"], Value::Null);
    assert_eq!(c["metadata"], Value::Null);
    assert_eq!(c["deleted_at"], Value::Null);
    assert!(c["id"].as_str().unwrap().starts_with("cus_"));
    let id = c["id"].as_str().unwrap().to_string();

    // One customer without an account per email (Medusa's 422), whatever the case.
    app.post_as(
        "/admin/customers",
        &admin,
        &json!({"email": "VERA@example.com"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    for bad in [
        json!({"first_name": "No email"}),
        json!({"email": "not-an-email"}),
        json!({"email": "m@example.com", "metadata": 5}),
        json!({"email": "m@example.com", "password": "not a field"}),
    ] {
        app.post_as("/admin/customers", &admin, &bad)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }

    // Update: what is sent changes, `null` clears, the rest stays.
    let path = format!("/admin/customers/{id}");
    let updated = app
        .post_as(
            &path,
            &admin,
            &json!({"company_name": "ACME", "phone": "+49 30 123", "metadata": {"tier": "gold"}}),
        )
        .await
        .ok();
    let u = &updated["customer"];
    assert_eq!(u["company_name"], "ACME");
    assert_eq!(u["phone"], "+49 30 123");
    assert_eq!(u["metadata"], json!({"tier": "gold"}));
    assert_eq!(u["last_name"], "Important");
    let cleared = app
        .post_as(&path, &admin, &json!({"phone": null, "first_name": "V."}))
        .await
        .ok();
    assert_eq!(cleared["customer"]["phone"], Value::Null);
    assert_eq!(cleared["customer"]["first_name"], "V.");
    assert_eq!(cleared["customer"]["company_name"], "ACME");
    // A customer without an account may change email, but not to another one's.
    let other = app
        .post_as(
            "/admin/customers",
            &admin,
            &json!({"email": "other@example.com"}),
        )
        .await
        .ok()["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_as(&path, &admin, &json!({"email": "other@example.com"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    let moved = app
        .post_as(&path, &admin, &json!({"email": "vera.i@example.com"}))
        .await
        .ok();
    assert_eq!(moved["customer"]["email"], "vera.i@example.com");
    app.post_as(
        "/admin/customers/cus_missing",
        &admin,
        &json!({"first_name": "x"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");

    // In a group, the customer answers as 45-customer-retrieve-groups.json's keys.
    let group = app
        .post_as("/admin/customer-groups", &admin, &json!({"name": "VIP"}))
        .await
        .ok()["customer_group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_as(
        &format!("/admin/customer-groups/{group}/customers"),
        &admin,
        &json!({"add": [id]}),
    )
    .await
    .ok();
    let retrieved = app
        .get_as(&format!("{path}?fields=id,email,*groups"), &admin)
        .await
        .ok();
    assert_has_keys(
        &retrieved["customer"],
        &medusa_keys(
            "45-customer-retrieve-groups.json",
            "/customer",
            &["id", "email", "groups"],
        ),
        "GET /admin/customers/{id}",
    );
    assert_eq!(retrieved["customer"]["groups"][0]["id"], group.as_str());

    // Addresses: created, listed, read, changed, deleted; the writes answer the customer.
    let addresses = format!("{path}/addresses");
    let first = app
        .post_as(
            &addresses,
            &admin,
            &json!({"address_name": "Office", "first_name": "Vera", "address_1": "Unter den Linden 1",
                    "city": "Berlin", "country_code": "DE", "postal_code": "10117",
                    "is_default_shipping": true}),
        )
        .await
        .ok();
    let fc = &first["customer"];
    assert_eq!(fc["id"], id.as_str());
    assert_eq!(fc["addresses"].as_array().unwrap().len(), 1);
    let a1 = fc["addresses"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(fc["addresses"][0]["country_code"], "de");
    assert_eq!(fc["addresses"][0]["customer_id"], id.as_str());
    assert_eq!(fc["default_shipping_address_id"], a1.as_str());
    let second = app
        .post_as(
            &addresses,
            &admin,
            &json!({"address_1": "Rue de Rivoli 1", "city": "Paris", "country_code": "fr",
                    "is_default_shipping": true, "is_default_billing": true}),
        )
        .await
        .ok();
    let a2 = second["customer"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] != a1.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        second["customer"]["default_shipping_address_id"],
        a2.as_str()
    );
    assert_eq!(
        second["customer"]["default_billing_address_id"],
        a2.as_str()
    );
    app.post_as(&addresses, &admin, &json!({"country_code": "zz"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let listed = app.get_as(&addresses, &admin).await.ok();
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["addresses"].as_array().unwrap().len(), 2);
    let paged = app
        .get_as(&format!("{addresses}?limit=1&offset=1"), &admin)
        .await
        .ok();
    assert_eq!(paged["count"], 2);
    assert_eq!(
        (paged["limit"].clone(), paged["offset"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(paged["addresses"][0]["id"], a2.as_str());
    let one = app.get_as(&format!("{addresses}/{a1}"), &admin).await.ok();
    assert_eq!(one["address"]["city"], "Berlin");
    assert_eq!(one["address"]["address_name"], "Office");
    // Another customer's address is not found under this one.
    app.get_as(&format!("/admin/customers/{other}/addresses/{a1}"), &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    delete_as(
        &app,
        &format!("/admin/customers/{other}/addresses/{a1}"),
        &admin,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    let changed = app
        .post_as(
            &format!("{addresses}/{a1}"),
            &admin,
            &json!({"city": "Potsdam", "postal_code": "14467"}),
        )
        .await
        .ok();
    let changed_a1 = changed["customer"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == a1.as_str())
        .unwrap()
        .clone();
    assert_eq!(changed_a1["city"], "Potsdam");
    assert_eq!(changed_a1["address_1"], "Unter den Linden 1");
    let deleted = delete_as(&app, &format!("{addresses}/{a1}"), &admin)
        .await
        .ok();
    assert_eq!(
        (
            deleted["id"].clone(),
            deleted["object"].clone(),
            deleted["deleted"].clone()
        ),
        (json!(a1), json!("customer_address"), json!(true))
    );
    assert_eq!(deleted["parent"]["id"], id.as_str());
    assert_eq!(deleted["parent"]["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(deleted["parent"]["addresses"][0]["id"], a2.as_str());
    app.get_as(&format!("{addresses}/{a1}"), &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Delete: Medusa's answer; then the customer is gone, and its email is free again.
    let gone = delete_as(&app, &path, &admin).await.ok();
    assert_eq!(
        gone,
        json!({"id": id, "object": "customer", "deleted": true})
    );
    app.get_as(&path, &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get_as(&addresses, &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    delete_as(&app, &path, &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let listed = app.get_as("/admin/customers", &admin).await.ok();
    assert!(listed["customers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != id.as_str()));
    let group_after = app
        .get_as(&format!("/admin/customer-groups/{group}"), &admin)
        .await;
    assert_eq!(group_after.status, StatusCode::OK, "{}", group_after.text());
    app.post_as(
        "/admin/customers",
        &admin,
        &json!({"email": "vera.i@example.com"}),
    )
    .await
    .ok();
}
app_test!(
    an_admin_creates_updates_and_deletes_customers_and_their_addresses,
    customers_by_admin
);

async fn publishable(app: &TestApp, admin: &str) -> String {
    app.post_as(
        "/admin/api-keys",
        admin,
        &json!({"title": "web", "type": "publishable"}),
    )
    .await
    .ok()["api_key"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Registers a customer through the Store API; their token (the registration token, which works
/// as the customer's once the customer exists) and the answer to `POST /store/customers`.
async fn register_customer(app: &TestApp, pk: &str, email: &str) -> (String, TestResponse) {
    let registration = token(
        &app.post_json(
            "/auth/customer/emailpass/register",
            &json!({"email": email, "password": "correct-horse-battery"}),
        )
        .await,
    );
    let created = app
        .call(
            Method::POST,
            "/store/customers",
            Some(&registration),
            Some(&json!({"email": email, "first_name": "Shopper"})),
            &[("x-publishable-api-key", pk)],
        )
        .await;
    (registration, created)
}

async fn login_customer(app: &TestApp, email: &str) -> TestResponse {
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": email, "password": "correct-horse-battery"}),
    )
    .await
}

async fn shopper_and_admin_customers(app: TestApp) {
    let (_, admin) = owner(&app).await;
    let pk = publishable(&app, &admin).await;
    let by_admin = app
        .post_as(
            "/admin/customers",
            &admin,
            &json!({"email": "vera@example.com", "first_name": "Vera"}),
        )
        .await
        .ok()["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The shopper registers with that email: a registered customer of its own, as Medusa
    // makes it (the admin's record need not be the same person); the admin's stays as it was.
    let (_, created) = register_customer(&app, &pk, "vera@example.com").await;
    let registered = created.ok()["customer"].clone();
    assert_eq!(registered["has_account"], true);
    assert_eq!(registered["created_by"], Value::Null);
    assert_ne!(registered["id"], by_admin.as_str());
    let same_email = app
        .get_as("/admin/customers?q=vera@example.com", &admin)
        .await
        .ok();
    assert_eq!(same_email["count"], 2, "{same_email}");
    let admin_made = app
        .get_as(&format!("/admin/customers/{by_admin}"), &admin)
        .await
        .ok();
    assert_eq!(admin_made["customer"]["has_account"], false);
    assert_eq!(admin_made["customer"]["first_name"], "Vera");
    // Logging in is the registered customer.
    let login = token(&login_customer(&app, "vera@example.com").await);
    let me = app
        .call(
            Method::GET,
            "/store/customers/me",
            Some(&login),
            None,
            &[("x-publishable-api-key", &pk)],
        )
        .await
        .ok();
    assert_eq!(me["customer"]["id"], registered["id"]);

    // The other way round: an admin may add a customer without an account beside a registered
    // one (Medusa's unique index is per email and has_account), but the registered customer's
    // email is their login and does not change here.
    let (_, bob) = register_customer(&app, &pk, "bob@example.com").await;
    let bob_id = bob.ok()["customer"]["id"].as_str().unwrap().to_string();
    let guest_bob = app
        .post_as(
            "/admin/customers",
            &admin,
            &json!({"email": "bob@example.com"}),
        )
        .await
        .ok();
    assert_eq!(guest_bob["customer"]["has_account"], false);
    app.post_as(
        &format!("/admin/customers/{bob_id}"),
        &admin,
        &json!({"email": "robert@example.com"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    let renamed = app
        .post_as(
            &format!("/admin/customers/{bob_id}"),
            &admin,
            &json!({"email": "bob@example.com", "first_name": "Bob"}),
        )
        .await
        .ok();
    assert_eq!(renamed["customer"]["first_name"], "Bob");

    // Deleting a registered customer ends their login: the token stops working, the password
    // no longer logs in, and the email can register anew.
    let bob_login = token(&login_customer(&app, "bob@example.com").await);
    app.delete_as(&format!("/admin/customers/{bob_id}"), &admin)
        .await
        .ok();
    app.call(
        Method::GET,
        "/store/customers/me",
        Some(&bob_login),
        None,
        &[("x-publishable-api-key", &pk)],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    login_customer(&app, "bob@example.com")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let (_, again) = register_customer(&app, &pk, "bob@example.com").await;
    let again = again.ok();
    assert_ne!(again["customer"]["id"], bob_id.as_str());
    assert_eq!(again["customer"]["has_account"], true);
}
app_test!(
    a_shopper_registers_with_the_email_of_an_admin_made_customer,
    shopper_and_admin_customers
);

async fn invite(app: &TestApp, admin: &str, email: &str, role: &str) -> String {
    app.post_as(
        "/admin/invites",
        admin,
        &json!({"email": email, "role": role}),
    )
    .await
    .ok()["invite"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn register_user(app: &TestApp, email: &str, password: &str) -> String {
    token(
        &app.post_json(
            "/auth/user/emailpass/register",
            &json!({"email": email, "password": password}),
        )
        .await,
    )
}

/// `POST /admin/invites/accept?token=<invite>` with `bearer`, as Medusa's dashboard sends it.
async fn accept_medusa(
    app: &TestApp,
    invite: &str,
    bearer: Option<&str>,
    body: &Value,
) -> TestResponse {
    app.call(
        Method::POST,
        &format!("/admin/invites/accept?token={invite}"),
        bearer,
        Some(body),
        &[],
    )
    .await
}

async fn medusa_invite_flow(app: TestApp) {
    let (_, admin) = owner(&app).await;
    let invite_token = invite(&app, &admin, "sam@example.com", "support").await;
    // 1. The invitee registers an auth identity: a registration token that is no user yet.
    let registration = register_user(&app, "Sam@Example.com", "support-password").await;
    app.get_as("/admin/users/me", &registration)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Without the registration token, or with a customer's, the invite is not accepted.
    let body = json!({"email": "sam@example.com", "first_name": "Sam", "last_name": "Support"});
    accept_medusa(&app, &invite_token, None, &body)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let customer_registration = token(
        &app.post_json(
            "/auth/customer/emailpass/register",
            &json!({"email": "sam@example.com", "password": "support-password"}),
        )
        .await,
    );
    accept_medusa(&app, &invite_token, Some(&customer_registration), &body)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The body's email, when sent, is the invited one.
    accept_medusa(
        &app,
        &invite_token,
        Some(&registration),
        &json!({"email": "someone@example.com"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // 2. Accepting with the registration token as Bearer makes the user.
    let accepted = accept_medusa(&app, &invite_token, Some(&registration), &body)
        .await
        .ok();
    let user = &accepted["user"];
    assert_eq!(user["email"], "sam@example.com");
    assert_eq!(user["role"], "support");
    assert_eq!(user["first_name"], "Sam");
    assert_eq!(user["last_name"], "Support");
    assert!(user["id"].as_str().unwrap().starts_with("user_"));
    // The invite is used up, and the identity is the user's now.
    accept_medusa(&app, &invite_token, Some(&registration), &body)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let refreshed = token(
        &app.call(
            Method::POST,
            "/auth/token/refresh",
            Some(&registration),
            None,
            &[],
        )
        .await,
    );
    assert_eq!(
        app.get_as("/admin/users/me", &refreshed).await.ok()["user"]["id"],
        user["id"]
    );
    let sam = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "sam@example.com", "password": "support-password"}),
        )
        .await,
    );
    let me = app.get_as("/admin/users/me", &sam).await.ok();
    assert_eq!(me["user"]["id"], user["id"]);
    app.get_as("/admin/customers", &sam).await.ok();
    app.get_as("/admin/webhooks", &sam)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // A user's token does not accept another invite (Medusa: already authenticated).
    let second = invite(&app, &admin, "sam.two@example.com", "support").await;
    accept_medusa(&app, &second, Some(&sam), &json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    // A registration token of another email than the invited one, and the token that
    // registering a taken email answered, are refused alike: accepting does not tell whether
    // an email has a login.
    let newbie = invite(&app, &admin, "newbie@example.com", "merchandiser").await;
    let elsewhere = register_user(&app, "elsewhere@example.com", "elsewhere-pw").await;
    let wrong = accept_medusa(&app, &newbie, Some(&elsewhere), &json!({})).await;
    wrong.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let taken = register_user(&app, "sam@example.com", "another-password").await;
    let taken_answer = accept_medusa(&app, &newbie, Some(&taken), &json!({})).await;
    assert_eq!(
        (taken_answer.status, taken_answer.json()),
        (wrong.status, wrong.json())
    );
    // None of that used the invite up.
    let registration = register_user(&app, "newbie@example.com", "newbie-password").await;
    let joined = accept_medusa(&app, &newbie, Some(&registration), &json!({}))
        .await
        .ok();
    assert_eq!(joined["user"]["email"], "newbie@example.com");
    assert_eq!(joined["user"]["role"], "merchandiser");
    assert_eq!(joined["user"]["first_name"], Value::Null);
}
app_test!(
    an_invitee_registers_an_identity_then_accepts_the_invite_as_in_medusa,
    medusa_invite_flow
);

async fn no_invite_no_user(app: TestApp) {
    let (_, admin) = owner(&app).await;
    // Registering a user identity answers alike for a new email and a taken one.
    let fresh = app
        .post_json(
            "/auth/user/emailpass/register",
            &json!({"email": "drifter@example.com", "password": "drifter-password"}),
        )
        .await;
    let taken = app
        .post_json(
            "/auth/user/emailpass/register",
            &json!({"email": "owner@example.com", "password": "drifter-password"}),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(taken.status, fresh.status);
    assert_eq!(keys(&taken.json()), keys(&fresh.json()));
    // The taken email's token is not the owner's.
    app.get_as("/admin/users/me", &token(&taken))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let drifter = token(&fresh);
    // Without an invite, a registration token is no user, however it asks.
    for path in [
        "/admin/invites/accept",
        "/admin/invites/accept?token=inv_made_up",
        "/admin/invites/accept?token=",
    ] {
        let res = app
            .call(
                Method::POST,
                path,
                Some(&drifter),
                Some(&json!({"email": "drifter@example.com"})),
                &[],
            )
            .await;
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::UNAUTHORIZED].contains(&res.status),
            "{path}: {} {}",
            res.status,
            res.text()
        );
    }
    app.post_json("/admin/invites/accept", &json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let login = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "drifter@example.com", "password": "drifter-password"}),
        )
        .await,
    );
    for t in [&drifter, &login] {
        app.get_as("/admin/users/me", t)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        app.get_as("/admin/customers", t)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let users = app.get_as("/admin/users", &admin).await.ok();
    assert_eq!(users["count"], 1, "{users}");
    // An invite for another email does not make it a user either.
    let other = invite(&app, &admin, "invited@example.com", "admin").await;
    accept_medusa(&app, &other, Some(&login), &json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(app.get_as("/admin/users", &admin).await.ok()["count"], 1);
}
app_test!(
    a_registration_token_without_an_invite_never_becomes_a_user,
    no_invite_no_user
);

async fn merx_invite_flow(app: TestApp) {
    let (_, admin) = owner(&app).await;
    // Someone registers the email before the invitee accepts.
    register_user(&app, "newhire@example.com", "squatters-password").await;
    let invite_token = invite(&app, &admin, "newhire@example.com", "admin").await;
    // A refused password does not use the invite up.
    app.post_json(
        "/admin/invites/accept",
        &json!({"token": invite_token, "password": "short"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // Merx's flow: the token and a password in the body, no credentials.
    let accepted = app
        .post_json(
            "/admin/invites/accept",
            &json!({"token": invite_token, "password": "newhire-password", "last_name": "Hire"}),
        )
        .await
        .ok();
    assert_eq!(accepted["user"]["role"], "admin");
    assert_eq!(accepted["user"]["last_name"], "Hire");
    // The invitee's password is the login; the earlier registration's is gone.
    app.post_json(
        "/auth/user/emailpass",
        &json!({"email": "newhire@example.com", "password": "squatters-password"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let hire = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "newhire@example.com", "password": "newhire-password"}),
        )
        .await,
    );
    assert_eq!(
        app.get_as("/admin/users/me", &hire).await.ok()["user"]["id"],
        accepted["user"]["id"]
    );
    // Mixing the flows is refused.
    let another = invite(&app, &admin, "mixed@example.com", "support").await;
    app.call(
        Method::POST,
        &format!("/admin/invites/accept?token={another}"),
        None,
        Some(&json!({"token": another, "password": "mixed-password"})),
        &[],
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
}
app_test!(
    merx_accept_with_a_password_still_works_and_replaces_a_stray_identity,
    merx_invite_flow
);

/// `POST /admin/invites/accept` is in the document, with both flows' inputs.
#[tokio::test]
async fn accepting_an_invite_is_documented() {
    let spec: Value = serde_json::from_str(&merx_http::openapi::json()).unwrap();
    let op = &spec["paths"]["/admin/invites/accept"]["post"];
    assert!(op.is_object(), "missing from /openapi.json");
    assert!(
        op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "token" && p["in"] == "query"),
        "{op}"
    );
    let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    let name = body.rsplit('/').next().unwrap();
    let props = keys(&spec["components"]["schemas"][name]["properties"]);
    for k in ["token", "password", "email", "first_name", "last_name"] {
        assert!(props.contains(k), "{name} lacks {k}: {props:?}");
    }
    assert!(op["responses"]["200"].is_object(), "{op}");
}
