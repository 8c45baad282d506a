//! Migrations run at start-up and again without effect.

use newsdesk_tests::db_test;

db_test!(async fn migrations_are_idempotent(app) {
    assert_eq!(app.state.db.pending_migrations().await.ok(), Some(0), "start-up applied them all");
    app.seed_demo().await;
    for _ in 0..2 {
        app.state.db.migrate().await.unwrap_or_else(|error| panic!("migrating again failed: {error}"));
    }
    assert_eq!(app.state.db.pending_migrations().await.ok(), Some(0));
    assert!(newsdesk::tools::seed::demo_present(app.db()).await.unwrap_or(false), "content survives");
});
