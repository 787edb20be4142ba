//! The demo's product pictures are Merx's own: the seeded products point at `/static/demo/…` on
//! the server's public URL, and the server answers those URLs with PNGs.

use axum::http::{header, Method, StatusCode};
use merx_core::seed;
use serde_json::Value;

use crate::app_test;
use crate::helpers::{store, TestApp};

/// Every image URL (thumbnail first) of every product the Store lists.
async fn image_urls(app: &TestApp, pk: &str) -> Vec<Vec<String>> {
    let body = store(app, pk, "/store/products?limit=100").await.ok();
    let products = body["products"].as_array().unwrap();
    assert_eq!(products.len(), 49, "every demo product");
    products
        .iter()
        .map(|p| {
            let mut urls = vec![p["thumbnail"].as_str().unwrap().to_string()];
            for image in p["images"].as_array().unwrap() {
                urls.push(image["url"].as_str().unwrap().to_string());
            }
            urls
        })
        .collect()
}

async fn demo_images_are_served_by_merx(app: TestApp) {
    let report = seed::demo_at(&app.core, "http://merx.test:9100/")
        .await
        .unwrap();
    let products = image_urls(&app, &report.publishable_key).await;
    let mut thumbnails = Vec::new();
    for urls in &products {
        assert_eq!(urls.len(), 3, "a thumbnail and two images: {urls:?}");
        assert_eq!(urls[0], urls[1], "the thumbnail is the first image");
        assert_eq!(urls[2], urls[1].replace(".png", "-2.png"));
        for url in urls {
            assert!(
                url.starts_with("http://merx.test:9100/static/demo/") && url.ends_with(".png"),
                "{url}"
            );
        }
        thumbnails.push(
            urls[0]
                .trim_start_matches("http://merx.test:9100")
                .to_string(),
        );
    }
    // Every thumbnail and one second image resolve on this server to a cacheable PNG.
    let second = products[0][2].trim_start_matches("http://merx.test:9100");
    let mut etags = std::collections::BTreeSet::new();
    for path in thumbnails.iter().map(String::as_str).chain([second]) {
        let res = app.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
        assert_eq!(res.headers[header::CONTENT_TYPE], "image/png", "{path}");
        assert_eq!(res.headers[header::CACHE_CONTROL], "public, max-age=86400");
        assert!(res.body.starts_with(b"\x89PNG\r\n\x1a\n"), "{path}");
        assert!(
            res.body.len() > 1000 && res.body.len() < 40_000,
            "{path}: {} bytes",
            res.body.len()
        );
        etags.insert(res.headers[header::ETAG].to_str().unwrap().to_string());
    }
    assert_eq!(
        etags.len(),
        thumbnails.len() + 1,
        "each product has its own picture"
    );

    // The same picture twice; a client holding it is told it has not changed.
    let first = app.get(&thumbnails[0]).await;
    assert_eq!(app.get(&thumbnails[0]).await.body, first.body);
    let etag = first.headers[header::ETAG].to_str().unwrap();
    let again = app
        .call(
            Method::GET,
            &thumbnails[0],
            None,
            None,
            &[("if-none-match", etag)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.headers[header::ETAG], etag);
    let stale = app
        .call(
            Method::GET,
            &thumbnails[0],
            None,
            None,
            &[("if-none-match", "\"0\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK);

    for unknown in [
        "/static/demo/no-such-product.png",
        "/static/demo/classic-t-shirt-3.png",
        "/static/demo/classic-t-shirt",
        "/static/demo/classic-t-shirt.jpg",
        "/static/demo/..%2Fseed.png",
    ] {
        app.get(unknown)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
}
app_test!(
    demo_product_images_are_pngs_served_by_merx,
    demo_images_are_served_by_merx
);

async fn reseeding_moves_demo_images(app: TestApp) {
    let report = seed::demo_at(&app.core, "http://localhost:9000")
        .await
        .unwrap();
    // A product holding an older version's third-party URLs, and one the merchant changed.
    let products = app
        .core
        .catalog
        .list_ids(
            &Default::default(),
            merx_types::PageRequest {
                limit: 2,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .items;
    let legacy = app.core.catalog.get(&products[0]).await.unwrap();
    let handle = legacy.product.handle.clone();
    let picsum = format!("https://picsum.photos/seed/{handle}/800/800");
    let changes = |thumbnail: &str, images: Vec<String>| merx_core::catalog::ProductChanges {
        thumbnail: Some(Some(thumbnail.to_string())),
        images: Some(images),
        ..Default::default()
    };
    app.core
        .catalog
        .update(
            &products[0],
            changes(
                &picsum,
                vec![
                    picsum.clone(),
                    format!("https://picsum.photos/seed/{handle}-2/800/800"),
                ],
            ),
        )
        .await
        .unwrap();
    let own = "https://cdn.shop.example/mine.jpg";
    app.core
        .catalog
        .update(&products[1], changes(own, vec![own.to_string()]))
        .await
        .unwrap();
    // Listed once, so the Store's read cache holds the old URLs when the seed moves them.
    image_urls(&app, &report.publishable_key).await;

    seed::demo_at(&app.core, "https://api.shop.example")
        .await
        .unwrap();
    let mut moved = 0;
    for urls in image_urls(&app, &report.publishable_key).await {
        if urls[0] == own {
            assert_eq!(urls, [own, own], "the merchant's own images are left alone");
            continue;
        }
        for url in &urls {
            assert!(
                url.starts_with("https://api.shop.example/static/demo/"),
                "{url}"
            );
        }
        moved += 1;
    }
    assert_eq!(moved, 48);
    let reread = app.core.catalog.get(&products[0]).await.unwrap();
    assert_eq!(
        reread.product.thumbnail.as_deref(),
        Some(format!("https://api.shop.example/static/demo/{handle}.png").as_str())
    );
}
app_test!(
    seeding_the_demo_again_moves_its_images_to_the_new_public_url,
    reseeding_moves_demo_images
);

#[test]
fn the_demo_image_route_is_documented_as_a_png() {
    let spec: Value = serde_json::from_str(&merx_http::openapi::json()).unwrap();
    let op = &spec["paths"]["/static/demo/{file}"]["get"];
    assert_eq!(op["tags"][0], "Demo");
    let png = &op["responses"]["200"]["content"]["image/png"]["schema"];
    assert_eq!(png["type"], "string", "{op}");
    assert_eq!(png["contentMediaType"], "image/png", "{op}");
    assert!(op["responses"]["200"]["content"]["application/json"].is_null());
    assert!(op["responses"]["404"]["content"]["application/json"].is_object());
}
