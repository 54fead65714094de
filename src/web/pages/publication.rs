//! The pages where answers are published: the register of current guidance, country pages,
//! saved searches, the feed key on the settings page, and the embeddable views (`?embed=1`,
//! opened by a feed token in the address since a cross-site frame gets no Lax cookie).

use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

use super::{call, errors_by_field, page_context, run, Svc};
use crate::domain::answer::BindingStatus;
use crate::domain::catalogue::Confirmation;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::publication::{FeedTokenView, RegisterQuery, SavedFilters, SavedSearchInput};
use crate::service::{Actor, ServiceError};
use crate::web::error::PageError;
use crate::web::flash;
use crate::web::html::{self, url_encode};
use crate::web::session::{Posted, SessionKeys, Viewer};

/// Who reads a page that can be embedded: the signed-in person, or, in an embedded view, the
/// owner of the feed token in its address.
enum Reading {
    Page(Box<Viewer>),
    Embedded { actor: Actor, token: String },
}

impl Reading {
    fn actor(&self) -> &Actor {
        match self {
            Reading::Page(v) => &v.actor,
            Reading::Embedded { actor, .. } => actor,
        }
    }
}

async fn reading(
    req: &HttpRequest,
    svc: &Svc,
    embed: Option<&str>,
    token: Option<String>,
) -> Result<Reading, PageError> {
    if embed == Some("1") {
        if let Some(token) = token {
            let s = svc.clone().into_inner();
            let t = token.clone();
            let actor = call(move || s.feed_actor(&t)).await?;
            return Ok(Reading::Embedded { actor, token });
        }
    }
    let v = Viewer::extract(req).await?;
    Ok(Reading::Page(Box::new(v)))
}

/// The person's feed token (made on first use), for the feed links of the pages they read.
pub(super) async fn feed_token_of(
    svc: &Svc,
    keys: &web::Data<SessionKeys>,
    actor: &Actor,
) -> Result<FeedTokenView, PageError> {
    let s = svc.clone().into_inner();
    let keys = keys.clone();
    let actor = actor.clone();
    call(move || s.feed_token(&actor, &|user, nonce| keys.feed_token(user, nonce))).await
}

/// The context of a page or its embedded view, and the feed token its feed link carries.
async fn context(
    svc: &Svc,
    keys: &web::Data<SessionKeys>,
    r: &Reading,
    nav: &str,
    title: &str,
) -> Result<(Context, String), PageError> {
    match r {
        Reading::Page(v) => {
            let mut c = page_context(v, nav, title);
            c.insert("embed", &false);
            let token = feed_token_of(svc, keys, &v.actor).await?.token;
            Ok((c, token))
        }
        Reading::Embedded { token, .. } => {
            let mut c = Context::new();
            c.insert("embed", &true);
            c.insert("token", token);
            c.insert("title", title);
            c.insert("nav", nav);
            Ok((c, token.clone()))
        }
    }
}

/// An embedded view's response: its own frame ancestors, marked so that `X-Frame-Options`
/// goes; a page's is left to the usual headers.
fn finish(svc: &Svc, r: &Reading, mut res: HttpResponse) -> HttpResponse {
    if let Reading::Embedded { .. } = r {
        res.headers_mut().insert(
            header::HeaderName::from_static("content-security-policy"),
            header::HeaderValue::from_str(&html::embed_policy(&svc.config.embed_ancestors))
                .unwrap_or_else(|_| header::HeaderValue::from_static("frame-ancestors 'none'")),
        );
        res.extensions_mut().insert(html::Embedded);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct RegisterPageQuery {
    process: Option<String>,
    level: Option<String>,
    forum: Option<String>,
    binding_status: Option<String>,
    tag: Option<String>,
    page: Option<i64>,
    embed: Option<String>,
    token: Option<String>,
}

fn filter_href(process: &str, pairs: &[(&str, &str)]) -> String {
    let mut href = format!("/gallande-stod?process={}", url_encode(process));
    for (k, v) in pairs {
        if !v.is_empty() {
            href.push_str(&format!("&{k}={}", url_encode(v)));
        }
    }
    href
}

/// The processes for a picker: code and name.
fn processes(svc: &Svc) -> Vec<serde_json::Value> {
    svc.config
        .structure
        .processes
        .iter()
        .map(|p| json!({"code": p.code, "name": p.name}))
        .collect()
}

/// "Gällande stöd": a process's answers in force, by category.
pub async fn register(
    req: HttpRequest,
    svc: Svc,
    keys: web::Data<SessionKeys>,
    q: web::Query<RegisterPageQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let r = reading(&req, &svc, q.embed.as_deref(), q.token.clone()).await?;
    let (mut c, token) = context(&svc, &keys, &r, "register", "Gällande stöd").await?;
    c.insert("processes", &processes(&svc));
    let Some(process) = q.process.clone().filter(|p| !p.trim().is_empty()) else {
        // No process yet: the page offers them.
        c.insert("register", &serde_json::Value::Null);
        let res = html::render::<PageError>("register.html", &c, StatusCode::OK)?;
        return Ok(finish(&svc, &r, res));
    };
    let query = RegisterQuery {
        process: Some(process.clone()),
        level: q.level.clone().filter(|v| !v.is_empty()),
        forum: q.forum.clone().filter(|v| !v.is_empty()),
        binding_status: q.binding_status.clone().filter(|v| !v.is_empty()),
        tag: q.tag.clone().filter(|v| !v.is_empty()),
        page: q.page,
        per_page: Some(50),
    };
    let s = svc.clone().into_inner();
    let actor = r.actor().clone();
    let page = call(move || s.register(&actor, &query)).await?;
    // Entries arrive by category; the page shows a heading per category.
    let mut groups: Vec<(String, Vec<&crate::service::publication::RegisterEntry>)> = Vec::new();
    for e in &page.items {
        match groups.last_mut() {
            Some((name, list)) if *name == e.category_name => list.push(e),
            _ => groups.push((e.category_name.clone(), vec![e])),
        }
    }
    let groups: Vec<_> = groups
        .into_iter()
        .map(|(name, entries)| json!({"name": name, "entries": entries}))
        .collect();
    let chosen = [
        ("level", q.level.clone().unwrap_or_default()),
        ("forum", q.forum.clone().unwrap_or_default()),
        (
            "binding_status",
            q.binding_status.clone().unwrap_or_default(),
        ),
        ("tag", q.tag.clone().unwrap_or_default()),
    ];
    let pairs: Vec<(&str, &str)> = chosen.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let embed_suffix = match &r {
        Reading::Embedded { token, .. } => format!("&embed=1&token={}", url_encode(token)),
        Reading::Page(_) => String::new(),
    };
    let page_href = |n: i64| {
        let mut with = pairs.clone();
        let n = n.to_string();
        with.push(("page", &n));
        format!("{}{embed_suffix}", filter_href(&process, &with))
    };
    let levels: Vec<_> = Level::ALL
        .iter()
        .map(|l| json!({"code": l.as_str(), "name": l.title_sv()}))
        .collect();
    let statuses: Vec<_> = BindingStatus::ALL
        .iter()
        .map(|b| json!({"code": b.as_str(), "name": b.label_sv()}))
        .collect();
    let forums: Vec<_> = svc
        .config
        .structure
        .forums
        .values()
        .filter(|f| f.process.as_deref().is_none_or(|p| p == process))
        .map(|f| json!({"code": f.code, "name": f.name}))
        .collect();
    c.insert("register", &page);
    c.insert("groups", &groups);
    c.insert("levels", &levels);
    c.insert("statuses", &statuses);
    c.insert("forums", &forums);
    c.insert(
        "chosen",
        &chosen
            .iter()
            .cloned()
            .collect::<std::collections::BTreeMap<_, _>>(),
    );
    c.insert(
        "prev_href",
        &(page.page > 1).then(|| page_href(page.page - 1)),
    );
    c.insert(
        "next_href",
        &(page.page < page.pages).then(|| page_href(page.page + 1)),
    );
    c.insert(
        "superseded_href",
        &filter_href(&process, &[("binding_status", "superseded")]),
    );
    c.insert(
        "withdrawn_href",
        &filter_href(&process, &[("binding_status", "withdrawn")]),
    );
    c.insert(
        "feed_href",
        &format!(
            "/gallande-stod/feed.atom?process={}&token={}",
            url_encode(&process),
            url_encode(&token)
        ),
    );
    c.insert(
        "embed_href",
        &format!(
            "{}/gallande-stod?process={}&embed=1&token={}",
            svc.config.base_url.trim_end_matches('/'),
            url_encode(&process),
            url_encode(&token)
        ),
    );
    let res = html::render::<PageError>("register.html", &c, StatusCode::OK)?;
    Ok(finish(&svc, &r, res))
}

#[derive(Debug, Deserialize)]
pub struct CountryPick {
    land: Option<String>,
}

/// The country picker's form: to the country's page (its name or code as typed).
pub async fn pick_country(
    svc: Svc,
    _v: Viewer,
    q: web::Query<CountryPick>,
) -> Result<HttpResponse, PageError> {
    let typed = q.into_inner().land.unwrap_or_default();
    if typed.trim().is_empty() {
        return Ok(super::see_other("/gallande-stod"));
    }
    let code = svc.country_code(&typed).map_err(PageError::from)?;
    Ok(super::see_other(&format!("/lander/{code}")))
}

#[derive(Debug, Deserialize)]
pub struct EmbedQuery {
    embed: Option<String>,
    token: Option<String>,
}

/// A country page: what a decision-maker keeps open while deciding a case from it.
pub async fn country(
    req: HttpRequest,
    svc: Svc,
    keys: web::Data<SessionKeys>,
    code: web::Path<String>,
    q: web::Query<EmbedQuery>,
) -> Result<HttpResponse, PageError> {
    let typed = code.into_inner();
    let canonical = svc.country_code(&typed).map_err(PageError::from)?;
    let q = q.into_inner();
    if canonical != typed {
        // /lander/sudan and /lander/sd are /lander/SD.
        let mut to = format!("/lander/{canonical}");
        if let (Some("1"), Some(t)) = (q.embed.as_deref(), q.token.as_deref()) {
            to.push_str(&format!("?embed=1&token={}", url_encode(t)));
        }
        return Ok(super::see_other(&to));
    }
    let r = reading(&req, &svc, q.embed.as_deref(), q.token.clone()).await?;
    let name = crate::domain::countries::in_swedish(canonical);
    let (mut c, token) = context(&svc, &keys, &r, "register", &name).await?;
    let s = svc.clone().into_inner();
    let actor = r.actor().clone();
    let page = call(move || s.country(&actor, canonical)).await?;
    c.insert("country", &page);
    c.insert(
        "feed_href",
        &format!("/lander/{canonical}/feed.atom?token={}", url_encode(&token)),
    );
    c.insert(
        "embed_href",
        &format!(
            "{}/lander/{canonical}?embed=1&token={}",
            svc.config.base_url.trim_end_matches('/'),
            url_encode(&token)
        ),
    );
    let res = html::render::<PageError>("country.html", &c, StatusCode::OK)?;
    Ok(finish(&svc, &r, res))
}

/// Saved searches: the list with each one's feed, and the form to save another.
pub async fn saved_searches(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    v: Viewer,
) -> Result<HttpResponse, PageError> {
    saved_page(&svc, &keys, &v, None, StatusCode::OK).await
}

async fn saved_page(
    svc: &Svc,
    keys: &web::Data<SessionKeys>,
    v: &Viewer,
    failed: Option<(Vec<crate::service::FieldError>, serde_json::Value)>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let mut c = page_context(v, "saved", "Sparade sökningar");
    c.insert("embed", &false);
    let token = feed_token_of(svc, keys, &v.actor).await?.token;
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let list = call(move || s.saved_searches(&actor)).await?;
    let list: Vec<_> = list
        .into_iter()
        .map(|s| {
            let feed = format!("{}?token={}", s.feed, url_encode(&token));
            let process_name = s
                .filters
                .process
                .as_deref()
                .and_then(|p| svc.config.structure.process(p))
                .map(|p| p.name.clone());
            json!({"search": s, "feed_href": feed, "process_name": process_name})
        })
        .collect();
    // Each saved search's feed, announced for feed readers.
    let feeds: Vec<_> = list
        .iter()
        .map(|s| json!({"title": s["search"]["name"], "href": s["feed_href"]}))
        .collect();
    c.insert("feeds", &feeds);
    c.insert("searches", &list);
    let (errors, values) = match failed {
        Some((errs, values)) => (errors_by_field("", &errs), values),
        None => (Default::default(), json!({})),
    };
    c.insert("errors", &errors);
    c.insert(
        "values",
        &super::with_defaults(values, &["name", "q", "process", "country", "notify"]),
    );
    c.insert("processes", &processes(svc));
    html::render::<PageError>("saved_searches.html", &c, status)
}

/// Saves a search from the form (on this page, or the search page's "Spara sökningen").
pub async fn save_search(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    v: Viewer,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let opt = |k: &str| form.get(k);
    let input = SavedSearchInput {
        name: opt("name"),
        q: opt("q"),
        filters: Some(SavedFilters {
            process: opt("process"),
            category: opt("category"),
            country: opt("country"),
            tag: opt("tag"),
            level: opt("level"),
            forum: opt("forum"),
            binding_status: opt("binding_status"),
        }),
        notify: opt("notify"),
    };
    let values = json!({
        "name": opt("name").unwrap_or_default(),
        "q": opt("q").unwrap_or_default(),
        "process": opt("process").unwrap_or_default(),
        "country": opt("country").unwrap_or_default(),
        "notify": opt("notify").unwrap_or_default(),
    });
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.save_search(&actor, &input)).await? {
        Ok(_) => Ok(flash::redirect(
            "/sparade-sokningar",
            Confirmation::SearchSaved,
        )),
        Err(ServiceError::Invalid(errs)) => {
            saved_page(
                &svc,
                &keys,
                &v,
                Some((errs, values)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_saved_search(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    let actor = v.actor.clone();
    call(move || s.delete_saved_search(&actor, id)).await?;
    Ok(flash::redirect(
        "/sparade-sokningar",
        Confirmation::SearchDeleted,
    ))
}

/// The settings page's feed section: the key (in the feeds' addresses) and the feeds.
pub(super) async fn feed_settings(
    svc: &Svc,
    keys: &web::Data<SessionKeys>,
    actor: &Actor,
    c: &mut Context,
) -> Result<(), PageError> {
    let t = feed_token_of(svc, keys, actor).await?;
    let base = svc.config.base_url.trim_end_matches('/').to_string();
    let token = url_encode(&t.token);
    let mut feeds: Vec<_> = svc
        .config
        .structure
        .processes
        .iter()
        .map(|p| {
            json!({
                "name": format!("Gällande stöd: {}", p.name),
                "href": format!("{base}/gallande-stod/feed.atom?process={}&token={token}", url_encode(&p.code)),
            })
        })
        .collect();
    for forum in &actor.memberships {
        if let Some(f) = svc.config.structure.forum(forum) {
            feeds.push(json!({
                "name": format!("Nya svar från {}", f.name),
                "href": format!("{base}/forum/{}/feed.atom?token={token}", url_encode(&f.code)),
            }));
        }
    }
    c.insert("feed_token", &t);
    c.insert("feed_list", &feeds);
    Ok(())
}

/// A new feed key; the old one stops working.
pub async fn replace_feed_token(
    svc: Svc,
    keys: web::Data<SessionKeys>,
    v: Viewer,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let actor = v.actor.clone();
    call(move || s.replace_feed_token(&actor, &|user, nonce| keys.feed_token(user, nonce))).await?;
    Ok(flash::redirect(
        "/installningar#flodesnyckel",
        Confirmation::FeedTokenReplaced,
    ))
}

/// Revokes the feed key. The next page that shows a feed link makes a new one.
pub async fn revoke_feed_token(
    svc: Svc,
    v: Viewer,
    _form: Posted,
) -> Result<HttpResponse, PageError> {
    let s = svc.into_inner();
    let actor = v.actor.clone();
    call(move || s.revoke_feed_token(&actor)).await?;
    Ok(flash::redirect("/", Confirmation::FeedTokenRevoked))
}
