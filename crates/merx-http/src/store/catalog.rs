//! Store reads of collections, categories, tags and types.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use merx_core::catalog::{
    Category, Collection, LabelKind, ProductBundle, TaxonomyFilter, TaxonomyService,
};
use merx_types::PageRequest;
use serde::Serialize;
use serde_json::Value;

use super::StoreScope;
use crate::error::ApiResult;
use crate::extract::QueryText;
use crate::fields::{select, Selection};
use crate::list::{ListParams, ListSpec};
use crate::qs::Qs;
use crate::queries::{
    CategoryListParams, CategoryParams, CollectionListParams, FieldsParams, TaxonomyListParams,
};
use crate::render::{
    children_selection, label_json, seq, CategoryGraph, CategoryNodeView, CollectionNodeView,
    OneView, PageView, VariantExtras, CATEGORY_TREE, COLLECTION_WITH_PRODUCTS, LABEL, TREE_DEPTH,
};
use crate::route_doc::Rendered;
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
    scope: StoreScope,
    query: QueryText<CollectionListParams>,
) -> ApiResult<Rendered<ProductCollectionList>> {
    let qs = query.qs()?;
    let (mut f, page) = taxonomy_filter(&qs, "handle", 10, TaxonomyService::COLLECTION_SORTS)?;
    let sel = collection_selection(&qs)?;
    if let Some(t) = qs.str("title")? {
        f.q = Some(t.to_string());
    }
    let page = s.core.taxonomy.collections(&f, page).await?;
    let products = collection_products(&s, &scope, &page.items, &sel).await?;
    let extras = VariantExtras::default();
    let items = seq(&page.items, |c| CollectionNodeView {
        collection: c,
        sel: &sel,
        products: &products,
        extras: &extras,
    });
    Ok(rendered(&PageView::new("collections", items, &page)))
}

pub async fn collection(
    State(s): State<AppState>,
    scope: StoreScope,
    Path(id): Path<String>,
    query: QueryText<FieldsParams>,
) -> ApiResult<Rendered<ProductCollectionAnswer>> {
    let qs = query.qs()?;
    let sel = collection_selection(&qs)?;
    let c = s.core.taxonomy.collection(&id).await?;
    let products = collection_products(&s, &scope, std::slice::from_ref(&c), &sel).await?;
    let view = CollectionNodeView {
        collection: &c,
        sel: &sel,
        products: &products,
        extras: &VariantExtras::default(),
    };
    Ok(rendered(&OneView("collection", view)))
}

/// A collection's fields: its columns by default, `*products` (and `products.…`) on request.
fn collection_selection(qs: &Qs) -> ApiResult<Selection> {
    let defaults = Selection::all(&COLLECTION_WITH_PRODUCTS);
    select(&COLLECTION_WITH_PRODUCTS, &defaults, qs.str("fields")?)
}

/// The products each collection shows, when `sel` shows products: one batch for the page.
async fn collection_products(
    s: &AppState,
    scope: &StoreScope,
    collections: &[Collection],
    sel: &Selection,
) -> ApiResult<HashMap<String, Vec<Arc<ProductBundle>>>> {
    if sel.rel("products").is_none() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = collections.iter().map(|c| c.id.clone()).collect();
    Ok(s.core
        .catalog
        .store_products_by_collection(&ids, &scope.0.sales_channel_ids)
        .await?)
}

/// A JSON answer, serialized from a selection-honouring view, documented as `T`.
fn rendered<T>(body: &impl Serialize) -> Rendered<T> {
    Rendered::new(Json(body).into_response())
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
    query: QueryText<TaxonomyListParams>,
) -> ApiResult<Json<ProductTagList>> {
    let (items, page) = labels(&s, LabelKind::Tag, &query.raw).await?;
    Ok(Json(ProductTagList::new(items, &page)))
}

pub async fn types(
    State(s): State<AppState>,
    _: StoreScope,
    query: QueryText<TaxonomyListParams>,
) -> ApiResult<Json<ProductTypeList>> {
    let (items, page) = labels(&s, LabelKind::Type, &query.raw).await?;
    Ok(Json(ProductTypeList::new(items, &page)))
}

pub async fn tag(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: QueryText<FieldsParams>,
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
    query: QueryText<FieldsParams>,
) -> ApiResult<Json<ProductTypeAnswer>> {
    let sel = select(&LABEL, &Selection::all(&LABEL), query.qs()?.str("fields")?)?;
    let l = s.core.taxonomy.label(LabelKind::Type, &id).await?;
    Ok(Json(ProductTypeAnswer {
        product_type: label_json(&l, &sel),
    }))
}

/// Loads, level by level, what `sel` shows of `roots` beyond their rows: each category's
/// children (as far as the selection, or `include_descendants_tree`, reaches), the parents it
/// names, and the products of every category shown with `products`. Each level costs one query
/// for children and one for parents, whatever the page's size; the products, one load.
async fn category_graph(
    s: &AppState,
    scope: &StoreScope,
    roots: &[Category],
    sel: &Selection,
    descend: bool,
) -> ApiResult<CategoryGraph> {
    let mut g = CategoryGraph::default();
    // A category to show, with its selection, whether its subtree comes along, and its depth.
    let mut level: Vec<(Category, &Selection, bool, usize)> =
        roots.iter().map(|c| (c.clone(), sel, descend, 0)).collect();
    let mut with_products: Vec<String> = Vec::new();
    while !level.is_empty() {
        let mut want_children: Vec<String> = Vec::new();
        for (c, sel, descend, depth) in &level {
            if sel.rel("products").is_some() && !with_products.contains(&c.id) {
                with_products.push(c.id.clone());
            }
            let shows_children = children_selection(sel, *descend).is_some();
            if shows_children
                && *depth < TREE_DEPTH
                && !g.children.contains_key(&c.id)
                && !want_children.contains(&c.id)
            {
                want_children.push(c.id.clone());
            }
            g.categories.insert(c.id.clone(), c.clone());
        }
        if !want_children.is_empty() {
            for id in &want_children {
                g.children.insert(id.clone(), Vec::new());
            }
            for k in s.core.taxonomy.children(&want_children, true).await? {
                if let Some(p) = k.parent_category_id.clone() {
                    g.children.entry(p).or_default().push(k);
                }
            }
        }
        let mut want_parents: Vec<String> = Vec::new();
        for (c, sel, _, _) in &level {
            if let (Some(_), Some(p)) = (sel.rel("parent_category"), &c.parent_category_id) {
                if !g.categories.contains_key(p) && !want_parents.contains(p) {
                    want_parents.push(p.clone());
                }
            }
        }
        for p in s
            .core
            .taxonomy
            .categories_by_ids(&want_parents, true)
            .await?
        {
            g.categories.insert(p.id.clone(), p);
        }
        let mut next = Vec::new();
        for (c, sel, descend, depth) in &level {
            if let Some(cs) = children_selection(sel, *descend).filter(|_| *depth < TREE_DEPTH) {
                for k in g.children.get(&c.id).into_iter().flatten() {
                    next.push((k.clone(), cs, *descend, depth + 1));
                }
            }
            if let Some(ps) = sel.rel("parent_category") {
                let parent = c
                    .parent_category_id
                    .as_ref()
                    .and_then(|p| g.categories.get(p));
                if let Some(p) = parent {
                    next.push((p.clone(), ps, false, depth + 1));
                }
            }
        }
        level = next;
    }
    if !with_products.is_empty() {
        g.products = s
            .core
            .catalog
            .store_products_by_category(&with_products, &scope.0.sales_channel_ids)
            .await?;
    }
    Ok(g)
}

/// A category's fields: by default its columns, its parent's and its children's (as Medusa's
/// defaults, `*parent_category` and `*category_children`); the whole subtree with
/// `include_descendants_tree=true`.
fn category_selection(qs: &Qs) -> ApiResult<(Selection, bool)> {
    let descend = qs.bool("include_descendants_tree")?.unwrap_or(false);
    let defaults = Selection::all(&CATEGORY_TREE)
        .with("parent_category", Selection::all(&CATEGORY_TREE))
        .with("category_children", Selection::all(&CATEGORY_TREE));
    let sel = select(&CATEGORY_TREE, &defaults, qs.str("fields")?)?;
    Ok((sel, descend))
}

pub async fn categories(
    State(s): State<AppState>,
    scope: StoreScope,
    query: QueryText<CategoryListParams>,
) -> ApiResult<Rendered<ProductCategoryList>> {
    let qs = query.qs()?;
    let (mut f, page) = taxonomy_filter(&qs, "handle", 50, TaxonomyService::CATEGORY_SORTS)?;
    let (sel, descend) = category_selection(&qs)?;
    f.parent_category_id = match qs.str("parent_category_id")? {
        None => None,
        Some("null") => Some(None),
        Some(p) => Some(Some(p.to_string())),
    };
    let page = s.core.taxonomy.categories(&f, page).await?;
    let graph = category_graph(&s, &scope, &page.items, &sel, descend).await?;
    let items = seq(&page.items, |c| CategoryNodeView {
        category: c,
        sel: &sel,
        graph: &graph,
        descend,
        depth: 0,
    });
    Ok(rendered(&PageView::new("product_categories", items, &page)))
}

pub async fn category(
    State(s): State<AppState>,
    scope: StoreScope,
    Path(id): Path<String>,
    query: QueryText<CategoryParams>,
) -> ApiResult<Rendered<ProductCategoryAnswer>> {
    let qs = query.qs()?;
    let (sel, descend) = category_selection(&qs)?;
    let c = s.core.taxonomy.category(&id, true).await?;
    let graph = category_graph(&s, &scope, std::slice::from_ref(&c), &sel, descend).await?;
    let view = CategoryNodeView {
        category: &c,
        sel: &sel,
        graph: &graph,
        descend,
        depth: 0,
    };
    Ok(rendered(&OneView("product_category", view)))
}
