//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "eskalera", description = "Questions climbing Migrationsverket's prövningsstöd structure"),
    paths(
        api::healthz, api::forums, api::units, api::processes, api::categories,
        api::submit, api::list, api::get, api::claim, api::assign, api::escalate,
        api::request_info, api::provide_info, api::answer, api::binding_status,
        api::close, api::withdraw, api::reopen, api::duplicate, api::follow, api::unfollow,
        api::search, api::similar, api::sla_report, api::backlog, api::metrics,
        api::preferences, api::set_preferences,
        api::consistency_cases, api::consistency_case, api::decide_case,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

pub async fn document() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(ApiDoc::openapi())
}
