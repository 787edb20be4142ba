//! `/static/demo/{file}`: the demo store's product pictures (`merx_core::seed::images`), so that
//! a storefront on `merx serve --demo` shows images with nothing but Merx to reach.

use axum::extract::Path;
use axum::http::{header, HeaderMap, Method};
use merx_core::seed::images;

use crate::error::{ApiError, ApiResult};
use crate::route_doc::{PngImage, PublicRoutes};

/// A picture only changes with a new Merx version; a day is long enough to spare a storefront's
/// image optimizer and browsers the refetch, short enough to pick up a new drawing.
const CACHE_CONTROL: &str = "public, max-age=86400";

pub(crate) fn routes() -> PublicRoutes {
    PublicRoutes::new().add(Method::GET, "/static/demo/{file}", "Demo", image)
}

/// One demo product image, `{handle}.png` or `{handle}-2.png`.
async fn image(Path(file): Path<String>, headers: HeaderMap) -> ApiResult<PngImage> {
    let found = file.strip_suffix(".png").and_then(images::get);
    let Some(image) = found else {
        return Err(ApiError::not_found(format!(
            "Demo image {file} was not found"
        )));
    };
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == image.etag || t.trim() == "*")
        });
    Ok(if cached {
        PngImage::NotModified {
            etag: image.etag,
            cache_control: CACHE_CONTROL,
        }
    } else {
        PngImage::Image {
            body: axum::body::Bytes::from(image.png.to_vec()),
            etag: image.etag,
            cache_control: CACHE_CONTROL,
        }
    })
}
