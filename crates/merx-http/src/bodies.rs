//! Request bodies that several route modules take.

use std::collections::BTreeMap;

use merx_core::customer::{AddressFields, AddressInput};
use merx_core::pricing::NewPrice;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub address_name: Option<String>,
    pub is_default_shipping: Option<bool>,
    pub is_default_billing: Option<bool>,
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl AddressBody {
    pub fn fields(&self) -> AddressFields {
        AddressFields {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company: self.company.clone(),
            address_1: self.address_1.clone(),
            address_2: self.address_2.clone(),
            city: self.city.clone(),
            country_code: self.country_code.clone(),
            province: self.province.clone(),
            postal_code: self.postal_code.clone(),
            phone: self.phone.clone(),
            metadata: self.metadata.clone(),
        }
    }
    pub fn input(self) -> AddressInput {
        AddressInput {
            fields: self.fields(),
            address_name: self.address_name,
            is_default_shipping: self.is_default_shipping,
            is_default_billing: self.is_default_billing,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBody {
    pub currency_code: String,
    #[schema(value_type = f64)]
    pub amount: Decimal,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
    /// Medusa's price rules; `region_id` is the one Merx supports.
    pub rules: Option<BTreeMap<String, String>>,
}

impl PriceBody {
    pub fn into_price(self) -> Result<NewPrice, ApiError> {
        let mut region_id = None;
        for (k, v) in self.rules.unwrap_or_default() {
            match k.as_str() {
                "region_id" => region_id = Some(v),
                other => {
                    return Err(ApiError::invalid(format!(
                        "Unsupported price rule: {other}"
                    )))
                }
            }
        }
        Ok(NewPrice {
            currency_code: self.currency_code,
            amount: self.amount,
            region_id,
            min_quantity: self.min_quantity,
            max_quantity: self.max_quantity,
        })
    }
}

/// Changes to a customer's profile (Medusa's fields), from the customer (`/store/customers/me`) or
/// the admin (`/admin/customers/{id}`): what is sent changes, `null` clears. `email` changes only for
/// a customer without an account (a registered customer's is their login).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

impl CustomerBody {
    pub fn input(self) -> merx_core::customer::CustomerInput {
        merx_core::customer::CustomerInput {
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            company_name: self.company_name,
            phone: self.phone,
            metadata: self.metadata,
        }
    }
}
