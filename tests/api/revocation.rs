//! Credentials that stop working stop at once, on the node that made the change and on every
//! other (a second node on the same database): a disabled or demoted user, a changed password, a
//! logout, a revoked API token. And the login limit holds under a burst of concurrent attempts,
//! across nodes.

use entities::enums::UserRole;
use newsdesk_tests::{TestApp, TestUser, db_test};
use serde_json::{Value, json};

const ME: &str = "{ me { email } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }";

async fn status(app: &TestApp, token: &str) -> (u16, Option<String>) {
    let response = app.post_graphql_as(Some(token), ME, json!({})).await;
    (response.status.as_u16(), response.first_error_code())
}

async fn works(apps: [&TestApp; 2], token: &str) -> [bool; 2] {
    let mut result = [false; 2];
    for (index, app) in apps.into_iter().enumerate() {
        result[index] = status(app, token).await.0 == 200;
    }
    result
}

async fn login(app: &TestApp, user: &TestUser, password: &str) -> Value {
    app.query(LOGIN, json!({ "e": user.email, "p": password }))
        .await["login"]
        .clone()
}

db_test!(async fn a_revoked_credential_stops_working_at_once_on_every_node(app) {
    let other = app.another_node().await;
    let nodes = [&app, &other];
    let admin = app.user(UserRole::Admin).await;
    let update = "mutation($i: UpdateUserInput!) { updateUser(input: $i) { role disabled } }";

    // Demoted: the token of the old role stops; a new login works with the new role.
    let editor = app.user(UserRole::Editor).await;
    assert_eq!(works(nodes, &editor.token).await, [true, true]);
    let id = newsdesk::ids::encode(newsdesk::ids::Kind::User, editor.id);
    app.query_as(&admin.token, update, json!({ "i": { "id": id, "role": "AUTHOR" } })).await;
    assert_eq!(works(nodes, &editor.token).await, [false, false], "a demoted user's token");
    assert_eq!(status(&other, &editor.token).await, (401, Some("UNAUTHENTICATED".into())));
    let session = login(&app, &editor, &editor.password).await;
    let token = session["accessToken"].as_str().unwrap_or_default().to_owned();
    assert_eq!(works(nodes, &token).await, [true, true], "a new login works");

    // Disabled.
    other.query_as(&admin.token, update, json!({ "i": { "id": id, "disabled": true } })).await;
    assert_eq!(works(nodes, &token).await, [false, false], "a disabled user's token");

    // A changed password, by the command line.
    let author = app.user(UserRole::Author).await;
    assert_eq!(works(nodes, &author.token).await, [true, true]);
    newsdesk::auth::users::set_password(app.db(), newsdesk::auth::users::Actor::Cli, &author.email, "a new password for the author".into())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(works(nodes, &author.token).await, [false, false], "a token from before a new password");

    // A logout ends its own session only.
    let first = login(&app, &author, "a new password for the author").await;
    let second = login(&app, &author, "a new password for the author").await;
    let second = app.query("mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }", json!({ "t": second["refreshToken"] })).await["refreshToken"].clone();
    let (first_token, second_token) = (first["accessToken"].as_str().unwrap_or_default(), second["accessToken"].as_str().unwrap_or_default());
    other.query("mutation($t: String!) { logout(refreshToken: $t) }", json!({ "t": first["refreshToken"] })).await;
    assert_eq!(works(nodes, first_token).await, [false, false], "the logged-out session");
    assert_eq!(works(nodes, second_token).await, [true, true], "another session of the same user");

    // A revoked API token.
    let created = app.query_as(&admin.token, r#"mutation { createApiToken(name: "mirror", scopes: ["content:read"]) { token apiToken { id } } }"#, json!({})).await;
    let api_token = created["createApiToken"]["token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(works(nodes, &api_token).await, [true, true]);
    app.query_as(&admin.token, "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", json!({ "id": created["createApiToken"]["apiToken"]["id"] })).await;
    assert_eq!(works(nodes, &api_token).await, [false, false], "a revoked API token");

    // Each of these is in the audit log, the command line's too.
    let audit = app.query_as(&admin.token, "{ auditLog(first: 100, entityType: \"User\") { action actor } }", json!({})).await;
    let actions: Vec<&str> = audit["auditLog"].as_array().into_iter().flatten().filter_map(|entry| entry["action"].as_str()).collect();
    for action in ["updateUser", "setPassword", "logout", "login", "refreshToken", "createUser"] {
        assert!(actions.contains(&action), "{action} is audited: {audit}");
    }
    assert!(audit["auditLog"].as_array().into_iter().flatten().any(|entry| entry["action"] == "setPassword" && entry["actor"] == "cli"), "{audit}");
});

db_test!(async fn a_burst_of_wrong_passwords_is_checked_only_up_to_the_limit(app, &["--login-attempts", "5"]) {
    let other = app.another_node().await;
    let editor = app.user(UserRole::Editor).await;
    async fn attempt(node: &TestApp, email: String) -> String {
        node.post_graphql(LOGIN, json!({ "e": email, "p": "not the password at all" })).await.first_error_code().unwrap_or_default()
    }
    // 50 at once, half through each node.
    let attempts = (0..50).map(|index| attempt(if index % 2 == 0 { &app } else { &other }, editor.email.clone()));
    let codes = futures_util::future::join_all(attempts).await;
    let checked = codes.iter().filter(|code| *code == "UNAUTHENTICATED").count();
    let limited = codes.iter().filter(|code| *code == "RATE_LIMITED").count();
    assert_eq!(checked + limited, 50, "{codes:?}");
    assert_eq!(checked, 5, "exactly the limit was checked against the hash: {codes:?}");
    // The right password waits too, on either node.
    for node in [&app, &other] {
        let code = node.post_graphql(LOGIN, json!({ "e": editor.email, "p": editor.password })).await.first_error_code();
        assert_eq!(code.as_deref(), Some("RATE_LIMITED"));
    }
});
