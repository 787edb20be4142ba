//! Editing a product's options after it was created: adding one, renaming it or changing its
//! values, and deleting it. Variants stay distinguishable: a change that would leave two live
//! variants with the same option values, or take away a value a variant uses, is refused.

use std::collections::HashSet;

use merx_db::{query, Tx};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::DomainError;

use super::model::*;
use super::service::{product_updated, CatalogService};
use super::store;
use crate::error::{CoreError, CoreResult};

fn invalid(message: String) -> CoreError {
    DomainError::invalid(message).into()
}

/// Trimmed, non-empty and distinct values, in the order given.
fn clean_values(values: &[String]) -> CoreResult<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let v = v.trim();
        if v.is_empty() {
            return Err(invalid("an option value must not be empty".into()));
        }
        if !seen.insert(v.to_string()) {
            return Err(invalid(format!("the value {v:?} is given twice")));
        }
        out.push(v.to_string());
    }
    if out.is_empty() {
        return Err(invalid("an option needs at least one value".into()));
    }
    Ok(out)
}

fn clean_title(title: &str, bundle: &ProductBundle, except: Option<&str>) -> CoreResult<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(invalid("an option title must not be empty".into()));
    }
    let taken = bundle.options.iter().any(|o| {
        Some(o.option.id.as_str()) != except && o.option.title.eq_ignore_ascii_case(title)
    });
    if taken {
        return Err(invalid(format!(
            "the product already has an option {title:?}"
        )));
    }
    Ok(title.to_string())
}

fn option_of<'a>(bundle: &'a ProductBundle, option_id: &str) -> CoreResult<&'a OptionWithValues> {
    bundle
        .options
        .iter()
        .find(|o| o.option.id == option_id)
        .ok_or_else(|| {
            DomainError::not_found(format!("Product option with id: {option_id} was not found"))
                .into()
        })
}

async fn insert_values(
    tx: &mut Tx,
    option_id: &str,
    values: &[String],
    first_rank: usize,
) -> CoreResult<()> {
    let at = now();
    for (i, value) in values.iter().enumerate() {
        let v = OptionValue {
            id: new_id(prefix::OPTION_VALUE),
            option_id: option_id.to_string(),
            value: value.clone(),
            rank: (first_rank + i) as i64,
            metadata: None,
            created_at: at,
            updated_at: at,
        };
        store::insert_value(tx, &v).await?;
    }
    Ok(())
}

impl CatalogService {
    /// Adds an option with its values. Existing variants have no value for it until edited.
    pub async fn add_option(
        &self,
        product_id: &str,
        title: &str,
        values: &[String],
    ) -> CoreResult<ProductBundle> {
        let bundle = self.get(product_id).await?;
        let title = clean_title(title, &bundle, None)?;
        let values = clean_values(values)?;
        let at = now();
        let option = ProductOption {
            id: new_id(prefix::OPTION),
            product_id: product_id.to_string(),
            title,
            rank: bundle.options.len() as i64,
            metadata: None,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db().begin().await?;
        store::insert_option(&mut tx, &option).await?;
        insert_values(&mut tx, &option.id, &values, 0).await?;
        product_updated(&mut tx, product_id, Some(("option_id", &option.id))).await?;
        tx.commit().await?;
        self.get(product_id).await
    }

    /// Renames an option and/or sets its values: new ones are added, missing ones removed unless
    /// a variant uses them.
    pub async fn update_option(
        &self,
        product_id: &str,
        option_id: &str,
        title: Option<String>,
        values: Option<Vec<String>>,
    ) -> CoreResult<ProductBundle> {
        let bundle = self.get(product_id).await?;
        let current = option_of(&bundle, option_id)?;
        let title = title
            .map(|t| clean_title(&t, &bundle, Some(option_id)))
            .transpose()?;
        let values = values.map(|v| clean_values(&v)).transpose()?;
        let at = now();
        let mut tx = self.db().begin().await?;
        if let Some(t) = title {
            tx.execute(
                query("UPDATE product_option SET title = ?, updated_at = ? WHERE id = ?")
                    .bind(t)
                    .bind(at)
                    .bind(option_id),
            )
            .await?;
        }
        if let Some(wanted) = values {
            let removed: Vec<&OptionValue> = current
                .values
                .iter()
                .filter(|v| !wanted.contains(&v.value))
                .collect();
            for value in &removed {
                let used = bundle
                    .variants
                    .iter()
                    .find(|v| v.options.iter().any(|(ov, _)| ov.id == value.id));
                if let Some(v) = used {
                    return Err(invalid(format!(
                        "the value {:?} is used by variant {}; change or delete the variant first",
                        value.value, v.variant.id
                    )));
                }
                tx.execute(
                    query(
                        "UPDATE product_option_value SET deleted_at = ?, updated_at = ? WHERE id = ?",
                    )
                    .bind(at)
                    .bind(at)
                    .bind(&value.id),
                )
                .await?;
            }
            let known: HashSet<&str> = current.values.iter().map(|v| v.value.as_str()).collect();
            let added: Vec<String> = wanted
                .into_iter()
                .filter(|v| !known.contains(v.as_str()))
                .collect();
            insert_values(&mut tx, option_id, &added, current.values.len()).await?;
        }
        product_updated(&mut tx, product_id, Some(("option_id", option_id))).await?;
        tx.commit().await?;
        self.get(product_id).await
    }

    /// Deletes an option and takes its values off the variants, unless two variants would then
    /// have the same option values.
    pub async fn delete_option(&self, product_id: &str, option_id: &str) -> CoreResult<()> {
        let bundle = self.get(product_id).await?;
        let option = option_of(&bundle, option_id)?;
        let mut seen = HashSet::new();
        for v in &bundle.variants {
            let rest: Vec<&str> = v
                .options
                .iter()
                .filter(|(_, o)| o.id != option_id)
                .map(|(val, _)| val.id.as_str())
                .collect();
            if !seen.insert(rest) {
                return Err(invalid(format!(
                    "without option {:?} two variants would have the same options",
                    option.option.title
                )));
            }
        }
        let value_ids: Vec<String> = option.values.iter().map(|v| v.id.clone()).collect();
        let at = now();
        let mut tx = self.db().begin().await?;
        if !value_ids.is_empty() {
            tx.execute(
                query(format!(
                    "DELETE FROM product_variant_option WHERE option_value_id IN ({})",
                    merx_db::sql::placeholders(value_ids.len())
                ))
                .bind_all(value_ids.iter().cloned()),
            )
            .await?;
        }
        tx.execute(
            query("UPDATE product_option_value SET deleted_at = ?, updated_at = ? WHERE option_id = ? AND deleted_at IS NULL")
                .bind(at)
                .bind(at)
                .bind(option_id),
        )
        .await?;
        tx.execute(
            query("UPDATE product_option SET deleted_at = ?, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(at)
                .bind(option_id),
        )
        .await?;
        product_updated(&mut tx, product_id, Some(("option_id", option_id))).await?;
        tx.commit().await?;
        Ok(())
    }
}
