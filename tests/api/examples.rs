//! Every operation in `examples/queries/` runs against the demo content without errors.

use newsdesk_tests::db_test;
use serde_json::json;

db_test!(async fn every_example_query_runs_against_the_demo_content(app) {
    app.seed_demo().await;
    let folder = format!("{}/../examples/queries", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot list {folder}: {error}"))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected the example operations, found {files:?}");
    let editor = app.user(entities::enums::UserRole::Editor).await;
    for path in files {
        let query = std::fs::read_to_string(&path).unwrap_or_default();
        let response = if query.contains("mutation ") {
            // Mutations run as an editor on the demo article.
            let article = app
                .query_as(
                    &editor.token,
                    "{ article(slug: \"szpu-gxmpc-pairing-assistance-agreement-2024\") { id version } }",
                    json!({}),
                )
                .await;
            let variables = json!({
                "id": article["article"]["id"],
                "version": article["article"]["version"],
                "title": "An edited headline",
            });
            app.post_graphql_as(Some(&editor.token), &query, variables).await
        } else {
            app.post_graphql(&query, json!({})).await
        };
        let body = response.json();
        assert!(body.get("errors").is_none(), "{}: {body}", path.display());
        let data = body["data"].as_object().unwrap_or_else(|| panic!("{}: no data", path.display()));
        assert!(
            data.values().all(|value| !value.is_null()),
            "{}: a root field came back null: {body}",
            path.display()
        );
    }
});
