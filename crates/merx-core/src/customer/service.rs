use merx_db::{query, sql::placeholders, Backend, Db, DbResult, Row, Tx};
use merx_types::email::normalise as normalise_email;
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{Country, DomainError, Page, PageRequest};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::{CoreError, CoreResult};
use crate::platform::events::{append, NewEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub phone: Option<String>,
    pub has_account: bool,
    pub metadata: Option<Value>,
    /// The admin user who created it (`None` for registered customers and API keys' ones).
    pub created_by: Option<String>,
    pub addresses: Vec<Address>,
    pub group_ids: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A postal address as Medusa shapes it (customer addresses; carts and orders reuse the fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
}

impl AddressFields {
    /// Lower-cases the country and checks it is a known ISO code.
    pub fn normalised(mut self) -> Result<Self, DomainError> {
        if let Some(c) = &self.country_code {
            let country = Country::find(c)
                .ok_or_else(|| DomainError::invalid(format!("Unknown country code: {c}")))?;
            self.country_code = Some(country.iso_2.to_string());
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub id: String,
    pub customer_id: String,
    pub address_name: Option<String>,
    pub is_default_shipping: bool,
    pub is_default_billing: bool,
    pub fields: AddressFields,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Profile fields a customer sets.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub company_name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub metadata: Option<Option<Value>>,
}

const COLUMNS: &str = "id, email, first_name, last_name, company_name, phone, has_account, metadata, created_by, created_at, updated_at";
const ADDRESS_COLUMNS: &str = "id, customer_id, address_name, is_default_shipping, is_default_billing, company, first_name, \
    last_name, address_1, address_2, city, country_code, province, postal_code, phone, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<Customer> {
    Ok(Customer {
        id: r.text("id")?,
        email: r.text("email")?,
        first_name: r.opt_text("first_name")?,
        last_name: r.opt_text("last_name")?,
        company_name: r.opt_text("company_name")?,
        phone: r.opt_text("phone")?,
        has_account: r.bool("has_account")?,
        metadata: r.opt_json("metadata")?,
        created_by: r.opt_text("created_by")?,
        addresses: Vec::new(),
        group_ids: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn address_from_row(r: &Row) -> DbResult<Address> {
    Ok(Address {
        id: r.text("id")?,
        customer_id: r.text("customer_id")?,
        address_name: r.opt_text("address_name")?,
        is_default_shipping: r.bool("is_default_shipping")?,
        is_default_billing: r.bool("is_default_billing")?,
        fields: AddressFields {
            first_name: r.opt_text("first_name")?,
            last_name: r.opt_text("last_name")?,
            company: r.opt_text("company")?,
            address_1: r.opt_text("address_1")?,
            address_2: r.opt_text("address_2")?,
            city: r.opt_text("city")?,
            country_code: r.opt_text("country_code")?,
            province: r.opt_text("province")?,
            postal_code: r.opt_text("postal_code")?,
            phone: r.opt_text("phone")?,
            metadata: r.opt_json("metadata")?,
        },
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// An address to create or change.
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub address_name: Option<String>,
    pub is_default_shipping: Option<bool>,
    pub is_default_billing: Option<bool>,
    pub fields: AddressFields,
}

async fn clear_defaults(
    tx: &mut Tx,
    customer_id: &str,
    shipping: bool,
    billing: bool,
) -> DbResult<()> {
    if shipping {
        tx.execute(
            query("UPDATE customer_address SET is_default_shipping = ? WHERE customer_id = ?")
                .bind(false)
                .bind(customer_id),
        )
        .await?;
    }
    if billing {
        tx.execute(
            query("UPDATE customer_address SET is_default_billing = ? WHERE customer_id = ?")
                .bind(false)
                .bind(customer_id),
        )
        .await?;
    }
    Ok(())
}

/// 422 when another customer without an account (other than `except`) has `email`. On Postgres
/// the check holds a transaction lock on the email, so two concurrent creates cannot both pass
/// (SQLite's write transactions are serial already).
async fn guest_email_free(tx: &mut Tx, email: &str, except: Option<&str>) -> CoreResult<()> {
    if tx.backend() == Backend::Postgres {
        tx.execute(
            query("SELECT pg_advisory_xact_lock(hashtext(?))")
                .bind(format!("customer_email:{email}")),
        )
        .await?;
    }
    let taken = tx
        .fetch_optional(
            query("SELECT id FROM customer WHERE email = ? AND has_account = ? AND deleted_at IS NULL AND id <> ?")
                .bind(email)
                .bind(false)
                .bind(except.unwrap_or("")),
        )
        .await?;
    if taken.is_some() {
        return Err(DomainError::duplicate(format!(
            "Customer with email: {email}, has_account: false, already exists."
        ))
        .into());
    }
    Ok(())
}

/// Customers, their addresses and groups.
#[derive(Clone)]
pub struct CustomerService {
    db: Db,
}

impl CustomerService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates the registered customer of an auth identity.
    pub async fn create_registered(
        &self,
        email: &str,
        input: CustomerInput,
    ) -> CoreResult<Customer> {
        let at = now();
        let id = new_id(prefix::CUSTOMER);
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "INSERT INTO customer ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&id)
            .bind(email.to_lowercase())
            .bind(input.first_name.flatten())
            .bind(input.last_name.flatten())
            .bind(input.company_name.flatten())
            .bind(input.phone.flatten())
            .bind(true)
            .bind(input.metadata.flatten())
            .bind(None::<String>)
            .bind(at)
            .bind(at),
        )
        .await
        .map_err(|e| -> CoreError {
            if e.is_unique_violation() {
                DomainError::duplicate(format!("Customer with email: {email} already exists"))
                    .into()
            } else {
                e.into()
            }
        })?;
        append(
            &mut tx,
            NewEvent::new("customer.created", "customer", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.get(&id).await
    }

    /// Creates a customer without an account, as an admin does (`created_by` is the admin user):
    /// Medusa keeps one such customer per email (beside, at most, one registered customer with
    /// the same email), so a second is a 422 `duplicate_error`. The shopper may still register
    /// with the email later: that makes a registered customer of its own (Medusa's rule: the two
    /// need not be the same person).
    pub async fn create(
        &self,
        email: &str,
        input: CustomerInput,
        created_by: Option<&str>,
    ) -> CoreResult<Customer> {
        let email = normalise_email(email)?;
        let at = now();
        let id = new_id(prefix::CUSTOMER);
        let mut tx = self.db.begin().await?;
        guest_email_free(&mut tx, &email, None).await?;
        tx.execute(
            query(format!(
                "INSERT INTO customer ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&id)
            .bind(&email)
            .bind(input.first_name.flatten())
            .bind(input.last_name.flatten())
            .bind(input.company_name.flatten())
            .bind(input.phone.flatten())
            .bind(false)
            .bind(input.metadata.flatten())
            .bind(created_by.map(str::to_string))
            .bind(at)
            .bind(at),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new("customer.created", "customer", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.get(&id).await
    }

    /// Deletes a customer (soft: their carts and orders keep naming them), with their addresses
    /// and group memberships; a registered customer's login goes too (identity, tokens and
    /// cookie sessions), so the email can register again.
    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                query("UPDATE customer SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL")
                    .bind(at)
                    .bind(at)
                    .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(
                DomainError::not_found(format!("Customer with id: {id} was not found")).into(),
            );
        }
        tx.execute(
            query("UPDATE customer_address SET deleted_at = ? WHERE customer_id = ? AND deleted_at IS NULL")
                .bind(at)
                .bind(id),
        )
        .await?;
        tx.execute(query("DELETE FROM customer_group_customer WHERE customer_id = ?").bind(id))
            .await?;
        tx.execute(
            query("DELETE FROM auth_session WHERE auth_identity_id IN (SELECT id FROM auth_identity WHERE actor_type = 'customer' AND actor_id = ?)")
                .bind(id),
        )
        .await?;
        tx.execute(
            query("DELETE FROM auth_identity WHERE actor_type = 'customer' AND actor_id = ?")
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new("customer.deleted", "customer", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> CoreResult<Customer> {
        let mut c = self
            .db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM customer WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Customer with id: {id} was not found"))
            })?;
        c.addresses = self
            .db
            .fetch_all(query(format!("SELECT {ADDRESS_COLUMNS} FROM customer_address WHERE customer_id = ? AND deleted_at IS NULL ORDER BY created_at, id")).bind(id))
            .await?
            .iter()
            .map(address_from_row)
            .collect::<DbResult<_>>()?;
        c.group_ids = self
            .db
            .fetch_all(query("SELECT customer_group_id FROM customer_group_customer WHERE customer_id = ? ORDER BY customer_group_id").bind(id))
            .await?
            .iter()
            .map(|r| r.text("customer_group_id"))
            .collect::<DbResult<_>>()?;
        Ok(c)
    }

    /// Changes a customer's profile. The email changes only for a customer without an account
    /// (a registered customer's email is their login) and stays one per such customer.
    pub async fn update(&self, id: &str, input: CustomerInput) -> CoreResult<Customer> {
        let mut c = self.get(id).await?;
        let email = match input.email.as_deref().map(normalise_email).transpose()? {
            Some(e) if e != c.email && c.has_account => return Err(DomainError::not_allowed(
                "The email of a customer with an account is their login: it cannot be changed here",
            )
            .into()),
            Some(e) if e != c.email => Some(e),
            _ => None,
        };
        if let Some(v) = input.first_name {
            c.first_name = v;
        }
        if let Some(v) = input.last_name {
            c.last_name = v;
        }
        if let Some(v) = input.company_name {
            c.company_name = v;
        }
        if let Some(v) = input.phone {
            c.phone = v;
        }
        if let Some(v) = input.metadata {
            c.metadata = v;
        }
        let mut tx = self.db.begin().await?;
        if let Some(e) = &email {
            guest_email_free(&mut tx, e, Some(id)).await?;
            c.email = e.clone();
        }
        tx.execute(
            query("UPDATE customer SET email = ?, first_name = ?, last_name = ?, company_name = ?, phone = ?, metadata = ?, updated_at = ? WHERE id = ?")
                .bind(c.email.clone())
                .bind(c.first_name.clone())
                .bind(c.last_name.clone())
                .bind(c.company_name.clone())
                .bind(c.phone.clone())
                .bind(c.metadata.clone())
                .bind(now())
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new("customer.updated", "customer", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// Customers, newest first; `q` matches email and names.
    pub async fn list(
        &self,
        q: Option<&str>,
        ids: &[String],
        page: PageRequest,
    ) -> CoreResult<Page<Customer>> {
        let mut w = String::from("deleted_at IS NULL");
        let mut args: Vec<merx_db::Value> = Vec::new();
        if let Some(q) = q {
            w.push_str(" AND (LOWER(email) LIKE ? OR LOWER(COALESCE(first_name, '')) LIKE ? OR LOWER(COALESCE(last_name, '')) LIKE ?)");
            let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
            for _ in 0..3 {
                args.push(pattern.clone().into());
            }
        }
        if !ids.is_empty() {
            w.push_str(&format!(" AND id IN ({})", placeholders(ids.len())));
            args.extend(ids.iter().map(|i| i.clone().into()));
        }
        let count = self
            .db
            .fetch_one(merx_db::Query::from_parts(
                format!("SELECT COUNT(*) AS n FROM customer WHERE {w}"),
                args.clone(),
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(merx_db::Query::from_parts(format!("SELECT {COLUMNS} FROM customer WHERE {w} ORDER BY created_at DESC, id LIMIT ? OFFSET ?"), args).bind(page.limit).bind(page.offset))
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn add_address(
        &self,
        customer_id: &str,
        input: AddressInput,
    ) -> CoreResult<Customer> {
        self.get(customer_id).await?;
        let fields = input.fields.normalised()?;
        let (ship, bill) = (
            input.is_default_shipping.unwrap_or(false),
            input.is_default_billing.unwrap_or(false),
        );
        let at = now();
        let mut tx = self.db.begin().await?;
        clear_defaults(&mut tx, customer_id, ship, bill).await?;
        tx.execute(
            query(format!("INSERT INTO customer_address ({ADDRESS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(new_id("cuaddr"))
                .bind(customer_id)
                .bind(input.address_name)
                .bind(ship)
                .bind(bill)
                .bind(fields.company)
                .bind(fields.first_name)
                .bind(fields.last_name)
                .bind(fields.address_1)
                .bind(fields.address_2)
                .bind(fields.city)
                .bind(fields.country_code)
                .bind(fields.province)
                .bind(fields.postal_code)
                .bind(fields.phone)
                .bind(fields.metadata)
                .bind(at)
                .bind(at),
        )
        .await?;
        tx.commit().await?;
        self.get(customer_id).await
    }

    pub async fn update_address(
        &self,
        customer_id: &str,
        address_id: &str,
        input: AddressInput,
    ) -> CoreResult<Customer> {
        let c = self.get(customer_id).await?;
        let Some(existing) = c.addresses.iter().find(|a| a.id == address_id) else {
            return Err(DomainError::not_found(format!(
                "Address with id: {address_id} was not found"
            ))
            .into());
        };
        let f = input.fields.normalised()?;
        let old = existing.fields.clone();
        let merged = AddressFields {
            first_name: f.first_name.or(old.first_name),
            last_name: f.last_name.or(old.last_name),
            company: f.company.or(old.company),
            address_1: f.address_1.or(old.address_1),
            address_2: f.address_2.or(old.address_2),
            city: f.city.or(old.city),
            country_code: f.country_code.or(old.country_code),
            province: f.province.or(old.province),
            postal_code: f.postal_code.or(old.postal_code),
            phone: f.phone.or(old.phone),
            metadata: f.metadata.or(old.metadata),
        };
        let ship = input
            .is_default_shipping
            .unwrap_or(existing.is_default_shipping);
        let bill = input
            .is_default_billing
            .unwrap_or(existing.is_default_billing);
        let mut tx = self.db.begin().await?;
        clear_defaults(&mut tx, customer_id, ship, bill).await?;
        tx.execute(
            query(
                "UPDATE customer_address SET address_name = ?, is_default_shipping = ?, is_default_billing = ?, company = ?, \
                 first_name = ?, last_name = ?, address_1 = ?, address_2 = ?, city = ?, country_code = ?, province = ?, \
                 postal_code = ?, phone = ?, metadata = ?, updated_at = ? WHERE id = ?",
            )
            .bind(input.address_name.or(existing.address_name.clone()))
            .bind(ship)
            .bind(bill)
            .bind(merged.company)
            .bind(merged.first_name)
            .bind(merged.last_name)
            .bind(merged.address_1)
            .bind(merged.address_2)
            .bind(merged.city)
            .bind(merged.country_code)
            .bind(merged.province)
            .bind(merged.postal_code)
            .bind(merged.phone)
            .bind(merged.metadata)
            .bind(now())
            .bind(address_id),
        )
        .await?;
        tx.commit().await?;
        self.get(customer_id).await
    }

    pub async fn delete_address(
        &self,
        customer_id: &str,
        address_id: &str,
    ) -> CoreResult<Customer> {
        let n = self
            .db
            .execute(query("UPDATE customer_address SET deleted_at = ? WHERE id = ? AND customer_id = ? AND deleted_at IS NULL").bind(now()).bind(address_id).bind(customer_id))
            .await?;
        if n == 0 {
            return Err(DomainError::not_found(format!(
                "Address with id: {address_id} was not found"
            ))
            .into());
        }
        self.get(customer_id).await
    }
}
