//! The screening routes: the lists in use, one name or address screened on demand, and a reload of the lists
//! that re-screens every tenant's known parties and raises an alert for each party newly found listed.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::Json;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use tonle_core::{CountryCode, Decision, ScreenHit};
use tonle_screen::screener::{account_hit, name_hit};
use tonle_screen::{ListReport, Matcher, Query};
use tonle_store::{NewAlert, RaisedAlert};

use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::pipeline::KnownParty;
use crate::work::Body;
use crate::{AppState, ScreeningSetup};

/// The screening setup, or a 404 saying how to get one.
fn setup(state: &AppState) -> Result<&ScreeningSetup, ApiError> {
    state.setup.screening.as_ref().ok_or_else(|| {
        ApiError::new(axum::http::StatusCode::NOT_FOUND, "this server screens no lists (start it with --list FILE)")
    })
}

fn reports_json(reports: &[ListReport]) -> serde_json::Value {
    reports
        .iter()
        .map(|r| {
            serde_json::json!({
                "path": r.path.display().to_string(),
                "entities": r.entities,
                "skipped": r.skipped.len(),
                "skipped_examples": r.skipped.iter().take(5).map(|s| s.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn lists_json(screening: &ScreeningSetup, matcher: &Matcher) -> serde_json::Value {
    let loaded = screening.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    serde_json::json!({
        "generation": tonle_core::Screener::generation(&*screening.lists),
        "loaded_at": loaded.1,
        "threshold": matcher.threshold(),
        "name_action": screening.policy.name.map_or("none", |d| d.as_str()),
        "wallet_action": screening.policy.wallet.map_or("none", |d| d.as_str()),
        "entities": matcher.index().entities().len(),
        "names": matcher.index().names().len(),
        "lists": reports_json(&loaded.0),
    })
}

/// `GET /v1/screening/lists`: the lists in use, what each file gave, the threshold and actions.
pub async fn lists(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::Read)?;
    let screening = setup(&state)?;
    Ok(Json(lists_json(screening, &screening.lists.matcher())))
}

/// `POST /v1/screening/match`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    name: Option<String>,
    schema: Option<String>,
    birth_date: Option<String>,
    country: Option<String>,
    address: Option<String>,
    threshold: Option<f64>,
}

/// `POST /v1/screening/match`: one name (with what else is known) or crypto address against the lists, every
/// match explained, best first.
pub async fn match_one(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Body(body): Body<MatchBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.require(Permission::Read)?;
    let matcher = setup(&state)?.lists.matcher();
    if body.name.is_none() && body.address.is_none() {
        return Err(ApiError::invalid("name", "give a name or an address"));
    }
    let threshold = body.threshold.unwrap_or(matcher.threshold());
    if !(0.0..=1.0).contains(&threshold) {
        return Err(ApiError::invalid("threshold", "must be within 0 and 1"));
    }
    let schema = body
        .schema
        .as_deref()
        .map(|text| tonle_screen::Schema::parse_known(text).map_err(|e| ApiError::invalid("schema", e)))
        .transpose()?;
    let birth_date = match body.birth_date.as_deref() {
        Some(text) => Some(
            tonle_screen::lists::dates::parse_iso(text)
                .ok_or_else(|| ApiError::invalid("birth_date", "expected YYYY, YYYY-MM or YYYY-MM-DD"))?,
        ),
        None => None,
    };
    let mut matches = Vec::new();
    if let Some(address) = &body.address {
        for entity in matcher.screen_address(address) {
            matches.push(serde_json::json!({
                "entity_id": entity.id,
                "score": 1.0,
                "explanation": { "address": address, "listed_name": entity.names.first().map(|n| n.text.as_str()) },
            }));
        }
    }
    if let Some(name) = body.name {
        let query = Query { name, schema, birth_date, country: body.country };
        let hits = tokio::task::spawn_blocking(move || matcher.screen_at(&query, threshold))
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        matches.extend(hits.iter().map(|hit| serde_json::to_value(hit).unwrap_or_default()));
    }
    Ok(Json(serde_json::json!({ "matches": matches })))
}

/// A known party newly found listed.
#[derive(Debug, Clone)]
struct NewHit {
    party: KnownParty,
    /// `name` or `wallet`.
    by: &'static str,
    hit: ScreenHit,
    /// The entity it matched before the reload, if another.
    before: Option<String>,
}

impl NewHit {
    fn json(&self, alert: Option<i64>) -> serde_json::Value {
        serde_json::json!({
            "account": self.party.account.as_str(),
            "name": self.party.name.as_deref(),
            "by": self.by,
            "entity": self.hit.entity.as_str(),
            "listed": self.hit.listed.as_str(),
            "score": self.hit.score,
            "match": self.hit.detail.as_str(),
            "before": self.before,
            "alert": alert,
        })
    }
}

/// A name's best hit against the old lists and against the new ones.
type BeforeAfter = (Option<ScreenHit>, Option<ScreenHit>);

/// The parties whose screening `new` changes from `old` to a hit (none before, or another entity), and how
/// many distinct names were screened. Each distinct name and country is screened once against each list set.
fn rescreen(old: &Matcher, new: &Matcher, parties: Vec<KnownParty>) -> (Vec<NewHit>, usize) {
    let mut answers: FxHashMap<(&str, Option<&str>), BeforeAfter> = FxHashMap::default();
    for party in &parties {
        if let Some(name) = party.name.as_deref() {
            answers.entry((name, party.country.as_deref())).or_insert_with(|| {
                let country = party.country.as_deref().and_then(|c| CountryCode::new(c).ok());
                (name_hit(old, name, country), name_hit(new, name, country))
            });
        }
    }
    let names = answers.len();
    let mut hits = Vec::new();
    for party in &parties {
        let by_name = party.name.as_deref().and_then(|name| answers.get(&(name, party.country.as_deref())));
        if let Some((before, Some(hit))) = by_name {
            if before.as_ref().is_none_or(|b| b.entity != hit.entity) {
                let before = before.as_ref().map(|b| b.entity.to_string());
                hits.push(NewHit { party: party.clone(), by: "name", hit: hit.clone(), before });
            }
        }
        if let Some(hit) = account_hit(new, &party.account) {
            let before = account_hit(old, &party.account);
            if before.as_ref().is_none_or(|b| b.entity != hit.entity) {
                let before = before.map(|b| b.entity.to_string());
                hits.push(NewHit { party: party.clone(), by: "wallet", hit, before });
            }
        }
    }
    hits.sort_by(|a, b| a.party.account.cmp(&b.party.account).then(a.by.cmp(b.by)));
    (hits, names)
}

/// `POST /v1/screening/lists/reload`: loads the lists again from their files; if they load, they replace the
/// ones in use (every engine screens with them from its next transaction), and every tenant's known parties
/// (each account's holder name and country as its latest transaction gave them, and the account itself as a
/// crypto address) are screened against the old and the new lists. A party that hits an entity it did not
/// hit before gets an alert on its latest transaction, with the policy's action (review when none), and the
/// reload and its hits go to each tenant's audit log. Answers with the lists and the caller tenant's new hits.
pub async fn reload(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    let principal = caller.require(Permission::Administer)?.clone();
    let screening = setup(&state)?;
    let _reloading = screening.reloading.lock().await;
    let started = Instant::now();
    let sources = screening.sources.clone();
    let (matcher, reports) = tokio::task::spawn_blocking(move || sources.load())
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?
        .map_err(|e| ApiError::invalid("lists", format!("the lists were not replaced: {e}")))?;
    let loading = started.elapsed();
    let old = screening.lists.replace(matcher);
    let new = screening.lists.matcher();
    *screening.loaded.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = (reports, crate::now_millis());
    let generation = tonle_core::Screener::generation(&*screening.lists);

    let rescreening = Instant::now();
    let (mut parties_total, mut names_total, mut alerts_total) = (0, 0, 0);
    let mut own = Vec::new();
    let action = screening.policy.name.unwrap_or(Decision::Review);
    let wallet_action = screening.policy.wallet.unwrap_or(Decision::Review);
    for (tenant, _) in state.store.tenants().await? {
        let pipeline = state.pipeline(&tenant).await?;
        let parties = pipeline.known_parties().await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        parties_total += parties.len();
        let (old, new) = (Arc::clone(&old), Arc::clone(&new));
        let (hits, names) = tokio::task::spawn_blocking(move || rescreen(&old, &new, parties))
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        names_total += names;
        let raised: Vec<RaisedAlert> = hits
            .iter()
            .filter(|hit| hit.party.last_seq > 0)
            .map(|hit| RaisedAlert {
                tx_seq: hit.party.last_seq,
                alert: NewAlert {
                    account: hit.party.account.to_string(),
                    decision: if hit.by == "wallet" { wallet_action } else { action }.as_str().to_owned(),
                    score: hit.hit.score,
                    rules: format!("rescreen:{}", hit.hit.entity),
                },
            })
            .collect();
        let details = serde_json::json!({
            "generation": generation,
            "parties": parties_total,
            "hits": hits.iter().map(|h| h.json(None)).collect::<Vec<_>>(),
        });
        let actor = if tenant == principal.tenant { principal.user.clone() } else { "tonle:lists".to_owned() };
        let ids = state
            .store
            .raise_alerts(
                &tenant,
                &actor,
                "screening.reload",
                &format!("lists generation {generation}"),
                &details,
                &raised,
            )
            .await?;
        alerts_total += ids.len();
        if tenant == principal.tenant {
            let mut ids = ids.into_iter();
            own = hits.iter().map(|h| h.json(if h.party.last_seq > 0 { ids.next() } else { None })).collect();
        }
    }
    let mut answer = lists_json(screening, &new);
    answer["load_seconds"] = serde_json::json!(loading.as_secs_f64());
    answer["rescreened"] = serde_json::json!({
        "parties": parties_total,
        "names": names_total,
        "alerts": alerts_total,
        "seconds": rescreening.elapsed().as_secs_f64(),
    });
    answer["new_hits"] = serde_json::Value::Array(own);
    Ok(Json(answer))
}
