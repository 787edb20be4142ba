//! `/openapi.json` documents every body: each operation's success answer and each request body it
//! reads has a schema, named after a Rust type, that says more than "any value". The schemas come
//! from the handlers' own types (`merx_http::route_doc`), so these tests fail when a route answers
//! or reads an untyped `serde_json::Value`.

use serde_json::Value;

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
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let problems = problems_of(&spec, op);
            if !problems.is_empty() {
                untyped.push(format!(
                    "{} {path}: {}",
                    method.to_uppercase(),
                    problems.join(", ")
                ));
            }
        }
    }
    assert!(untyped.is_empty(), "untyped operations: {untyped:#?}");
    assert!(
        spec["paths"].as_object().unwrap().len() > 100,
        "the document lists every route"
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

/// The document says how each route authenticates: an Admin route takes a secret key, a user's
/// token or a session cookie; a Store route that acts for a customer (its handler takes a
/// `CustomerActor`) a customer's token or cookie; other Store routes only the publishable key.
#[test]
fn every_route_says_how_it_authenticates() {
    let spec = spec();
    let schemes = |op: &Value| -> Vec<String> {
        op["security"]
            .as_array()
            .map(|alternatives| {
                alternatives
                    .iter()
                    .flat_map(|a| a.as_object().unwrap().keys().cloned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for name in ["secret_api_key", "bearer_token", "session_cookie"] {
        assert!(
            spec["components"]["securitySchemes"][name].is_object(),
            "{name} is declared"
        );
    }
    assert_eq!(
        schemes(&spec["paths"]["/admin/products"]["get"]),
        ["secret_api_key", "bearer_token", "session_cookie"]
    );
    assert_eq!(
        schemes(&spec["paths"]["/store/customers/me"]["get"]),
        ["bearer_token", "session_cookie"]
    );
    assert!(schemes(&spec["paths"]["/store/products"]["get"]).is_empty());
}
