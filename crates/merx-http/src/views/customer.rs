//! A customer and their addresses as Medusa renders them (Store and Admin alike).

use merx_core::customer::{Address, Customer};
use serde_json::{json, Value};

use crate::dto::ts;

pub fn address_json(a: &Address) -> Value {
    let f = &a.fields;
    json!({
        "id": a.id, "address_name": a.address_name, "is_default_shipping": a.is_default_shipping,
        "is_default_billing": a.is_default_billing, "customer_id": a.customer_id, "company": f.company,
        "first_name": f.first_name, "last_name": f.last_name, "address_1": f.address_1, "address_2": f.address_2,
        "city": f.city, "country_code": f.country_code, "province": f.province, "postal_code": f.postal_code,
        "phone": f.phone, "metadata": f.metadata, "created_at": ts(a.created_at), "updated_at": ts(a.updated_at),
        "deleted_at": null,
    })
}

pub fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id, "email": c.email, "company_name": c.company_name, "first_name": c.first_name,
        "last_name": c.last_name, "phone": c.phone, "metadata": c.metadata, "has_account": c.has_account,
        "default_billing_address_id": c.addresses.iter().find(|a| a.is_default_billing).map(|a| a.id.clone()),
        "default_shipping_address_id": c.addresses.iter().find(|a| a.is_default_shipping).map(|a| a.id.clone()),
        "addresses": c.addresses.iter().map(address_json).collect::<Vec<_>>(),
        "groups": c.group_ids.iter().map(|g| json!({"id": g})).collect::<Vec<_>>(),
        "deleted_at": null, "created_at": ts(c.created_at), "updated_at": ts(c.updated_at),
    })
}
