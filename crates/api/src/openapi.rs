//! The frame of the bureau API's OpenAPI 3.1 document: its title, description, licence, security
//! scheme and the error body every operation shares. The operations and the schemas they name come
//! from the reference server's route declarations (`petition-bureau`'s `http::api`, utoipa-axum),
//! so the router and the document cannot drift; the served document is kept in
//! `docs/bureau-api.json` by a test there.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document without operations, to which the server adds its routes.
pub fn frame() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Petition bureau API (信访局接口)",
        description = include_str!("openapi.md"),
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
