//! `Accept-Language` chooses between English and Chinese, and a missing translation is said.

use axum::body::Body;
use axum::http::{Method, Request, header};
use entities::enums::Locale;
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

async fn article(app: &TestApp, slug: &str, language: Option<&str>) -> Value {
    let body = json!({ "query": "query($s: String!) { article(slug: $s) { slug locale localeFallbackFrom } }", "variables": { "s": slug } });
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(language) = language {
        request = request.header(header::ACCEPT_LANGUAGE, language);
    }
    let request = request
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|error| panic!("{error}"));
    let response = app.send(request).await;
    assert!(
        response
            .header("vary")
            .is_some_and(|vary| vary.contains("Accept-Language"))
    );
    response.json()["data"]["article"].clone()
}

db_test!(async fn accept_language_picks_the_translation_and_a_fallback_is_reported(app) {
    let section = fixtures::section(app.db(), "news", None).await;
    let english = fixtures::article(app.db(), ArticleSpec::published("a-story", section, 2)).await;
    let mut chinese = ArticleSpec::published("gu-shi", section, 1);
    chinese.locale = Locale::Zh;
    chinese.translation_of = Some(english);
    fixtures::article(app.db(), chinese).await;
    fixtures::article(app.db(), ArticleSpec::published("only-english", section, 3)).await;

    assert_eq!(article(&app, "a-story", None).await, json!({ "slug": "a-story", "locale": "EN", "localeFallbackFrom": null }));
    assert_eq!(
        article(&app, "a-story", Some("zh-CN,zh;q=0.9,en;q=0.8")).await,
        json!({ "slug": "gu-shi", "locale": "ZH", "localeFallbackFrom": null }),
        "the Chinese translation of the English slug"
    );
    assert_eq!(
        article(&app, "gu-shi", Some("en-GB, en;q=0.9")).await,
        json!({ "slug": "a-story", "locale": "EN", "localeFallbackFrom": null })
    );
    assert_eq!(
        article(&app, "only-english", Some("zh")).await,
        json!({ "slug": "only-english", "locale": "EN", "localeFallbackFrom": "ZH" }),
        "no Chinese version: English, and the response says so"
    );
    assert_eq!(article(&app, "only-english", Some("fr, de;q=0.5")).await["localeFallbackFrom"], Value::Null);
});
