//! `newsdesk seed --synthetic N`: deterministic generated content that the API serves.

use entities::{article, institution};
use newsdesk::tools::synthetic::{self, DEFAULT_SEED};
use newsdesk_tests::{Backend, TestApp, db_test};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::json;

type Fingerprint = Vec<(
    i64,
    String,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
    i64,
)>;

async fn fingerprint(db: &DatabaseConnection) -> Fingerprint {
    article::Entity::find()
        .order_by_asc(article::Column::Id)
        .all(db)
        .await
        .unwrap_or_else(|error| panic!("reading articles: {error}"))
        .into_iter()
        .map(|row| {
            (
                row.id,
                row.slug,
                row.title,
                row.published_at,
                row.section_id,
            )
        })
        .collect()
}

db_test!(async fn synthetic_content_is_deterministic_complete_and_served(app) {
    let counts = synthetic::load(app.db(), 300, DEFAULT_SEED)
        .await
        .unwrap_or_else(|error| panic!("loading: {error}"));
    assert_eq!(counts.articles, 300);
    assert_eq!(counts.sections, 21);
    assert_eq!(counts.institutions, 15);
    assert_eq!(counts.people, 60);
    assert_eq!(counts.agreements, 10);
    assert!(counts.positions >= 60, "{counts}");
    assert!(counts.media > 200 && counts.links > 1_000, "{counts}");

    // The same seed gives the same rows, on either database.
    let other = TestApp::on(Backend::Sqlite, &[]).await.unwrap_or_else(|| panic!("sqlite"));
    let again = synthetic::load(other.db(), 300, DEFAULT_SEED)
        .await
        .unwrap_or_else(|error| panic!("loading again: {error}"));
    assert_eq!(again, counts);
    assert_eq!(fingerprint(other.db()).await, fingerprint(app.db()).await);
    // A different seed gives different text.
    let third = TestApp::on(Backend::Sqlite, &[]).await.unwrap_or_else(|| panic!("sqlite"));
    synthetic::load(third.db(), 300, DEFAULT_SEED + 1)
        .await
        .unwrap_or_else(|error| panic!("loading a third time: {error}"));
    assert_ne!(fingerprint(third.db()).await, fingerprint(app.db()).await);

    // A second load into the same database is refused and writes nothing.
    let error = synthetic::load(app.db(), 10, DEFAULT_SEED)
        .await
        .err()
        .unwrap_or_else(|| panic!("a second load must fail"));
    assert!(error.to_string().contains("already holds content"), "{error}");
    assert_eq!(fingerprint(app.db()).await.len(), 300);

    // The API serves it: the news list, an institution page, and new writes get fresh ids.
    let news = app
        .query(include_str!("../../examples/queries/news_list.graphql"), json!({}))
        .await;
    let edges = news["articles"]["edges"].as_array().cloned().unwrap_or_default();
    assert_eq!(edges.len(), 20, "{news}");
    assert!(news["articles"]["totalCount"].as_i64().unwrap_or(0) > 250, "{news}");
    assert!(edges.iter().any(|edge| !edge["node"]["media"].as_array().is_none_or(Vec::is_empty)));
    let slug = institution::Entity::find_by_id(1)
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|row| (row.slug, row.name_en))
        .unwrap_or_default();
    let page = app
        .query(
            include_str!("../../examples/queries/institution_page.graphql"),
            json!({ "slug": slug.0 }),
        )
        .await;
    assert_eq!(page["institution"]["name"], json!(slug.1), "{page}");
    assert!(!page["institution"]["articles"]["edges"].as_array().is_none_or(Vec::is_empty), "{page}");
    let editor = app.user(entities::enums::UserRole::Editor).await;
    let created = app
        .query_as(
            &editor.token,
            "mutation { createSection(input: { slug: \"extra\", name: \"Extra\" }) { section { id slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(created["createSection"]["section"]["slug"], json!("extra"), "{created}");
});
