//! The OpenAPI 3 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{api, observe, publication};

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

/// Errors are sent as `application/problem+json` (RFC 9457): the document says so, and gives
/// each error response the standard reason as its description.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                for (code, response) in op.responses.responses.iter_mut() {
                    let utoipa::openapi::RefOr::T(response) = response else {
                        continue;
                    };
                    if !(code.starts_with('4') || code.starts_with('5')) {
                        continue;
                    }
                    if let Some(content) = response.content.shift_remove("application/json") {
                        response
                            .content
                            .insert("application/problem+json".into(), content);
                    }
                    if response.description.is_empty() {
                        response.description = code
                            .parse::<u16>()
                            .ok()
                            .and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
                            .and_then(|c| c.canonical_reason())
                            .unwrap_or("Error")
                            .to_string();
                    }
                }
            }
        }
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
        api::search, api::similar, api::similar_post, api::sla_report, api::backlog,
        observe::livez, observe::readyz, observe::metrics,
        api::preferences, api::set_preferences,
        api::consistency_cases, api::consistency_case, api::decide_case,
        api::consistency_topics, api::consistency_topic, api::decide_topic,
        api::possible_divergences, api::possible_divergence, api::review_possible,
        publication::register, publication::country, publication::saved_searches,
        publication::save_search, publication::delete_saved_search, publication::new_feed_token,
    ),
    modifiers(&BearerAuth, &ProblemResponses)
)]
pub struct ApiDoc;

pub async fn document() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_the_release_and_the_operators_addresses() {
        let doc = ApiDoc::openapi();
        assert_eq!(doc.info.version, env!("CARGO_PKG_VERSION"));
        for path in ["/livez", "/readyz", "/metrics", "/healthz"] {
            assert!(doc.paths.paths.contains_key(path), "{path}");
        }
    }
}
