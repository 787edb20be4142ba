//! Store reads of collections, categories, tags and types.

use axum::extract::{Path, State};
use axum::Json;
use merx_core::catalog::{Category, LabelKind, TaxonomyFilter, TaxonomyService};
use merx_types::PageRequest;
use serde_json::Value;

use super::StoreScope;
use crate::error::ApiResult;
use crate::extract::StoreQuery;
use crate::fields::{select, Selection};
use crate::list::{ListParams, ListSpec};
use crate::qs::Qs;
use crate::queries::{CategoryListParams, CategoryParams, FieldsParams, TaxonomyListParams};
use crate::render::{category_json, collection_json, label_json, CATEGORY, COLLECTION, LABEL};
use crate::views::catalog::{
    ProductCategoryAnswer, ProductCategoryList, ProductCollectionAnswer, ProductCollectionList,
    ProductTagAnswer, ProductTagList, ProductTypeAnswer, ProductTypeList,
};
use crate::AppState;

/// The filter, page, order and time bounds of a taxonomy list sorted by `sorts`.
fn taxonomy_filter(
    qs: &Qs,
    names: &str,
    default_limit: i64,
    sorts: &'static [&'static str],
) -> ApiResult<(TaxonomyFilter, PageRequest)> {
    let list = ListParams::parse(
        qs,
        &ListSpec {
            default_limit,
            sorts,
            dated: true,
        },
    )?;
    let f = TaxonomyFilter {
        ids: qs.list("id")?,
        names: qs.list(names)?,
        q: qs.str("q")?.map(str::to_string),
        parent_category_id: None,
        public_only: true,
        sort: list.sort,
        times: list.times,
    };
    Ok((f, list.page))
}

pub async fn collections(
    State(s): State<AppState>,
    _: StoreScope,
    query: StoreQuery<TaxonomyListParams>,
) -> ApiResult<Json<ProductCollectionList>> {
    let qs = query.qs()?;
    let (mut f, page) = taxonomy_filter(&qs, "handle", 10, TaxonomyService::COLLECTION_SORTS)?;
    let sel = select(&COLLECTION, &Selection::all(&COLLECTION), qs.str("fields")?)?;
    if let Some(t) = qs.str("title")? {
        f.q = Some(t.to_string());
    }
    let page = s.core.taxonomy.collections(&f, page).await?;
    let items = page
        .items
        .iter()
        .map(|c| collection_json(c, &sel))
        .collect();
    Ok(Json(ProductCollectionList::new(items, &page)))
}

pub async fn collection(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: StoreQuery<FieldsParams>,
) -> ApiResult<Json<ProductCollectionAnswer>> {
    let qs = query.qs()?;
    let sel = select(&COLLECTION, &Selection::all(&COLLECTION), qs.str("fields")?)?;
    let c = s.core.taxonomy.collection(&id).await?;
    Ok(Json(ProductCollectionAnswer {
        collection: collection_json(&c, &sel),
    }))
}

async fn labels(
    s: &AppState,
    kind: LabelKind,
    raw: &str,
) -> ApiResult<(Vec<Value>, merx_types::Page<()>)> {
    let qs = Qs::parse(raw)?;
    let (f, page) = taxonomy_filter(&qs, "value", 50, TaxonomyService::LABEL_SORTS)?;
    let sel = select(&LABEL, &Selection::all(&LABEL), qs.str("fields")?)?;
    let page = s.core.taxonomy.labels(kind, &f, page).await?;
    let items = page.items.iter().map(|l| label_json(l, &sel)).collect();
    Ok((
        items,
        merx_types::Page {
            items: vec![],
            count: page.count,
            limit: page.limit,
            offset: page.offset,
        },
    ))
}

pub async fn tags(
    State(s): State<AppState>,
    _: StoreScope,
    query: StoreQuery<TaxonomyListParams>,
) -> ApiResult<Json<ProductTagList>> {
    let (items, page) = labels(&s, LabelKind::Tag, &query.raw).await?;
    Ok(Json(ProductTagList::new(items, &page)))
}

pub async fn types(
    State(s): State<AppState>,
    _: StoreScope,
    query: StoreQuery<TaxonomyListParams>,
) -> ApiResult<Json<ProductTypeList>> {
    let (items, page) = labels(&s, LabelKind::Type, &query.raw).await?;
    Ok(Json(ProductTypeList::new(items, &page)))
}

pub async fn tag(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: StoreQuery<FieldsParams>,
) -> ApiResult<Json<ProductTagAnswer>> {
    let sel = select(&LABEL, &Selection::all(&LABEL), query.qs()?.str("fields")?)?;
    let l = s.core.taxonomy.label(LabelKind::Tag, &id).await?;
    Ok(Json(ProductTagAnswer {
        product_tag: label_json(&l, &sel),
    }))
}

pub async fn product_type(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: StoreQuery<FieldsParams>,
) -> ApiResult<Json<ProductTypeAnswer>> {
    let sel = select(&LABEL, &Selection::all(&LABEL), query.qs()?.str("fields")?)?;
    let l = s.core.taxonomy.label(LabelKind::Type, &id).await?;
    Ok(Json(ProductTypeAnswer {
        product_type: label_json(&l, &sel),
    }))
}

/// Renders categories with their descendants when asked (`include_descendants_tree=true`).
async fn tree(
    s: &AppState,
    cats: &[Category],
    sel: &Selection,
    descend: bool,
    depth: usize,
) -> ApiResult<Vec<Value>> {
    let mut out = Vec::with_capacity(cats.len());
    let children = if descend && depth < 10 {
        s.core
            .taxonomy
            .children(&cats.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), true)
            .await?
    } else {
        Vec::new()
    };
    for c in cats {
        let mine: Vec<Category> = children
            .iter()
            .filter(|k| k.parent_category_id.as_deref() == Some(c.id.as_str()))
            .cloned()
            .collect();
        let rendered = Box::pin(tree(s, &mine, sel, descend, depth + 1)).await?;
        out.push(category_json(c, sel, None, &rendered));
    }
    Ok(out)
}

fn category_selection(qs: &Qs) -> ApiResult<(Selection, bool)> {
    let descend = qs.bool("include_descendants_tree")?.unwrap_or(false);
    let mut defaults = Selection::all(&CATEGORY);
    if descend {
        defaults = defaults.with("category_children", Selection::all(&CATEGORY));
    }
    let sel = select(&CATEGORY, &defaults, qs.str("fields")?)?;
    let descend = descend || sel.rel("category_children").is_some();
    Ok((sel, descend))
}

pub async fn categories(
    State(s): State<AppState>,
    _: StoreScope,
    query: StoreQuery<CategoryListParams>,
) -> ApiResult<Json<ProductCategoryList>> {
    let qs = query.qs()?;
    let (mut f, page) = taxonomy_filter(&qs, "handle", 50, TaxonomyService::CATEGORY_SORTS)?;
    let (sel, descend) = category_selection(&qs)?;
    f.parent_category_id = match qs.str("parent_category_id")? {
        None => None,
        Some("null") => Some(None),
        Some(p) => Some(Some(p.to_string())),
    };
    let page = s.core.taxonomy.categories(&f, page).await?;
    let items = tree(&s, &page.items, &sel, descend, 0).await?;
    Ok(Json(ProductCategoryList::new(items, &page)))
}

pub async fn category(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: StoreQuery<CategoryParams>,
) -> ApiResult<Json<ProductCategoryAnswer>> {
    let qs = query.qs()?;
    let (sel, descend) = category_selection(&qs)?;
    let c = s.core.taxonomy.category(&id, true).await?;
    let rendered = tree(&s, &[c], &sel, descend, 0).await?;
    // One category in, one rendered out.
    Ok(Json(ProductCategoryAnswer {
        product_category: rendered.into_iter().next().unwrap_or(Value::Null),
    }))
}
