//! `/openapi.json` documents every body: each operation's success answer and each request body it
//! reads has a schema, named after a Rust type, that says more than "any value". The schemas come
//! from the handlers' own types (`merx_http::route_doc`), so these tests fail when a route answers
//! or reads an untyped `serde_json::Value`.

use serde_json::Value;

/// Operations whose answers are not typed yet, as `METHOD path`. The list only shrinks: the test
/// fails for an operation that is untyped and not listed, and for one that is listed but typed.
const NOT_TYPED_YET: &[&str] = &[
    "GET /admin/customer-groups",
    "POST /admin/customer-groups",
    "GET /admin/customer-groups/{id}",
    "POST /admin/customer-groups/{id}",
    "POST /admin/customer-groups/{id}/customers",
    "GET /admin/customers",
    "GET /admin/customers/{id}",
    "GET /admin/inventory-items",
    "POST /admin/inventory-items",
    "POST /admin/inventory-items/location-levels/batch",
    "GET /admin/inventory-items/{id}",
    "GET /admin/inventory-items/{id}/location-levels",
    "POST /admin/inventory-items/{id}/location-levels",
    "DELETE /admin/inventory-items/{id}/location-levels/{location_id}",
    "POST /admin/inventory-items/{id}/location-levels/{location_id}",
    "GET /admin/inventory-items/{id}/location-levels/{location_id}/adjustments",
    "POST /admin/invites",
    "GET /admin/orders",
    "GET /admin/orders/{id}",
    "POST /admin/orders/{id}/cancel",
    "POST /admin/orders/{id}/capture",
    "POST /admin/orders/{id}/fulfillments",
    "POST /admin/orders/{id}/fulfillments/{fid}/cancel",
    "POST /admin/orders/{id}/fulfillments/{fid}/mark-as-delivered",
    "POST /admin/orders/{id}/fulfillments/{fid}/shipments",
    "POST /admin/orders/{id}/refund",
    "GET /admin/price-lists",
    "POST /admin/price-lists",
    "GET /admin/price-lists/{id}",
    "POST /admin/price-lists/{id}",
    "GET /admin/prices/explain",
    "POST /admin/product-variants/{id}/reservations",
    "POST /admin/products/{id}/variants/{variant_id}/inventory-items",
    "GET /admin/reservations",
    "POST /admin/reservations",
    "GET /admin/reservations/{id}",
    "POST /admin/reservations/{id}",
    "GET /admin/return-reasons",
    "POST /admin/return-reasons",
    "POST /admin/returns",
    "GET /admin/returns/{id}",
    "POST /admin/returns/{id}/receive",
    "GET /admin/shipping-options",
    "POST /admin/shipping-options",
    "GET /admin/shipping-options/{id}",
    "GET /admin/stock-locations",
    "POST /admin/stock-locations",
    "GET /admin/stock-locations/{id}",
    "POST /admin/stock-locations/{id}",
    "POST /admin/stock-locations/{id}/sales-channels",
    "POST /admin/tax-rates",
    "GET /admin/tax-rates/{id}",
    "GET /admin/tax-regions",
    "POST /admin/tax-regions",
    "GET /admin/tax-regions/{id}",
    "GET /admin/users",
    "GET /admin/users/me",
    "GET /admin/users/{id}",
    "POST /admin/users/{id}",
    "POST /store/carts",
    "GET /store/carts/{id}",
    "POST /store/carts/{id}",
    "POST /store/carts/{id}/complete",
    "POST /store/carts/{id}/customer",
    "POST /store/carts/{id}/line-items",
    "DELETE /store/carts/{id}/line-items/{line_id}",
    "POST /store/carts/{id}/line-items/{line_id}",
    "POST /store/carts/{id}/shipping-methods",
    "POST /store/customers",
    "GET /store/customers/me",
    "POST /store/customers/me",
    "GET /store/customers/me/addresses",
    "POST /store/customers/me/addresses",
    "DELETE /store/customers/me/addresses/{id}",
    "GET /store/customers/me/addresses/{id}",
    "POST /store/customers/me/addresses/{id}",
    "GET /store/orders",
    "GET /store/orders/{id}",
    "POST /store/payment-collections",
    "POST /store/payment-collections/{id}/payment-sessions",
    "GET /store/payment-providers",
    "POST /store/return",
    "GET /store/return-reasons",
    "GET /store/return-reasons/{id}",
    "POST /store/returns",
    "GET /store/shipping-options",
    "POST /store/shipping-options/{id}/calculate",
];

fn spec() -> Value {
    serde_json::from_str(&merx_http::openapi::json()).unwrap()
}

/// `schema` with a `$ref` followed to its component.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether `schema` describes something: a type, properties or a composition, not "any value".
fn describes(spec: &Value, schema: &Value) -> bool {
    let s = resolve(spec, schema);
    s.is_object()
        && (s.get("type").is_some_and(|t| !t.is_null())
            || s.get("properties").is_some()
            || s.get("oneOf").is_some()
            || s.get("allOf").is_some()
            || s.get("anyOf").is_some())
}

/// What is wrong with one operation's documented bodies, if anything.
fn problems_of(spec: &Value, op: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let responses = op["responses"].as_object().cloned().unwrap_or_default();
    let success: Vec<_> = responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .collect();
    if success.is_empty() {
        problems.push("no success answer".to_string());
    }
    for (code, response) in success {
        let schema = &response["content"]["application/json"]["schema"];
        let other = response["content"]
            .as_object()
            .is_some_and(|c| !c.is_empty() && !c.contains_key("application/json"));
        if !other && !describes(spec, schema) {
            problems.push(format!("{code} answer has no schema"));
        }
    }
    if let Some(body) = op.get("requestBody") {
        let schema = &body["content"]["application/json"]["schema"];
        if !describes(spec, schema) {
            problems.push("request body has no schema".to_string());
        }
    }
    problems
}

#[test]
fn every_operation_documents_its_answer_and_its_request_body() {
    let spec = spec();
    let mut untyped = Vec::new();
    let mut stale = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let problems = problems_of(&spec, op);
            let listed = NOT_TYPED_YET.contains(&name.as_str());
            if !problems.is_empty() && !listed {
                untyped.push(format!("{name}: {}", problems.join(", ")));
            }
            if problems.is_empty() && listed {
                stale.push(name);
            }
        }
    }
    assert!(untyped.is_empty(), "untyped operations: {untyped:#?}");
    assert!(
        stale.is_empty(),
        "typed now, take them off NOT_TYPED_YET: {stale:#?}"
    );
}

/// Every `$ref` points at a schema the document holds, and no two Rust types publish a schema
/// under the same name (one of them would be documented with the other's shape).
#[test]
fn every_schema_reference_resolves_and_names_one_type() {
    let spec = spec();
    let text = spec.to_string();
    let mut missing = Vec::new();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        if spec["components"]["schemas"][name].is_null() {
            missing.push(name.to_string());
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "unresolved schemas: {missing:?}");
    assert_eq!(
        merx_http::openapi::schema_name_clashes(),
        Vec::<String>::new(),
        "schema names used by two types"
    );
}
