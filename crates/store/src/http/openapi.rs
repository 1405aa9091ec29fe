//! The API's OpenAPI document, generated from the handlers' annotations and the model's types.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Xops Integrations store", description = "Accounts, sessions, per-organization records, members with roles (owner, admin, viewer: a viewer's changes get 403), invitations and the activity log. Every error is `{ \"error\": { \"code\", \"message\", \"field\"? } }`. Changes need an allowed Origin and JSON."),
    paths(
        super::healthz,
        super::platform,
        document,
        super::auth::signup,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::auth::session,
        super::records::list,
        super::records::get_one,
        super::records::put,
        super::records::delete,
        super::verify::verify,
        super::keys::add,
        super::keys::remove,
        super::team::members,
        super::team::invite,
        super::team::revoke,
        super::team::change_role,
        super::team::remove,
        super::team::activity,
        super::team::invitation,
        super::team::join,
        super::security::list,
        super::security::end_one,
        super::security::end_others,
        super::security::create_reset_link,
        super::security::preview,
        super::security::reset,
        super::passkeys::list,
        super::passkeys::start_adding,
        super::passkeys::add,
        super::passkeys::remove,
        super::passkeys::set_policy,
        super::passkeys::start_sign_in,
        super::passkeys::sign_in,
        super::tickets::coverage,
        super::tickets::upload,
        super::tickets::claim,
    ),
    components(schemas(xops_model::Integration)),
    modifiers(&SessionCookie)
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Set by sign-up and sign-in; HttpOnly, SameSite=Strict",
            ))),
        );
        components.add_security_scheme(
            "service",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                    .description(Some("A service token: xops-store service add --name NAME"))
                    .build(),
            ),
        );
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, description = "This document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
