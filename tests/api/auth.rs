//! Logging in, tokens, and every way a token can be wrong.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entities::enums::UserRole;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use newsdesk_tests::{TEST_JWT_SECRET, TestApp, db_test};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { email role } } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";
const ME: &str = "{ me { email role } }";

/// The claims of a token as the server issues it for `user`'s session, with `overrides`.
fn claims(user: &newsdesk_tests::TestUser, overrides: Value) -> Value {
    let now = Utc::now().timestamp();
    let issued: Value = user
        .token
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("not a JWT: {}", user.token));
    let mut claims = json!({
        "iss": "newsdesk", "aud": "newsdesk-api", "sub": user.id.to_string(),
        "exp": now + 600, "nbf": now - 10, "iat": now - 10, "jti": "x",
        "role": issued["role"], "email": "forged@example.org",
        "sid": issued["sid"], "epoch": issued["epoch"]
    });
    if let (Some(target), Some(source)) = (claims.as_object_mut(), overrides.as_object()) {
        for (key, value) in source {
            target.insert(key.clone(), value.clone());
        }
    }
    claims
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

async fn status_with(app: &TestApp, token: &str) -> (u16, Option<String>) {
    let response = app.post_graphql_as(Some(token), ME, json!({})).await;
    (response.status.as_u16(), response.first_error_code())
}

db_test!(async fn a_user_logs_in_and_a_valid_token_identifies_them(app) {
    let editor = app.user(UserRole::Editor).await;
    let data = app.query_as(&editor.token, ME, json!({})).await;
    assert_eq!(data["me"]["email"], editor.email.as_str());
    assert_eq!(data["me"]["role"], "EDITOR");
    // Emails are matched case-insensitively.
    let data = app.query(LOGIN, json!({ "e": editor.email.to_uppercase(), "p": editor.password })).await;
    assert_eq!(data["login"]["user"]["role"], "EDITOR");
    let anonymous = app.query(ME, json!({})).await;
    assert_eq!(anonymous["me"], Value::Null);
});

db_test!(async fn forged_expired_and_foreign_tokens_are_each_refused(app) {
    let editor = app.user(UserRole::Editor).await;
    let now = Utc::now().timestamp();
    let good = sign(&claims(&editor, json!({})), Algorithm::HS256, TEST_JWT_SECRET);
    assert_eq!(status_with(&app, &good).await.0, 200, "the forged-but-correct token is the control");

    let cases = [
        ("expired", sign(&claims(&editor, json!({ "exp": now - 60, "iat": now - 900, "nbf": now - 900 })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("not yet valid", sign(&claims(&editor, json!({ "nbf": now + 3600 })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("wrong audience", sign(&claims(&editor, json!({ "aud": "someone-else" })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("wrong issuer", sign(&claims(&editor, json!({ "iss": "evil" })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("other secret", sign(&claims(&editor, json!({})), Algorithm::HS256, "another secret of at least thirty-two bytes")),
        ("other algorithm", sign(&claims(&editor, json!({})), Algorithm::HS512, TEST_JWT_SECRET)),
        ("preview audience", sign(&claims(&editor, json!({ "aud": "newsdesk-preview" })), Algorithm::HS256, TEST_JWT_SECRET)),
        // Signed right, but not a session of this user as the database knows it.
        ("another role", sign(&claims(&editor, json!({ "role": "admin" })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("no such session", sign(&claims(&editor, json!({ "sid": "0123456789abcdef" })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("an old epoch", sign(&claims(&editor, json!({ "epoch": -1 })), Algorithm::HS256, TEST_JWT_SECRET)),
        ("no session claims", sign(&claims(&editor, json!({ "sid": null, "epoch": null })), Algorithm::HS256, TEST_JWT_SECRET)),
    ];
    for (name, token) in cases {
        assert_eq!(status_with(&app, &token).await, (401, Some("UNAUTHENTICATED".into())), "{name}");
    }

    // A tampered payload: the role raised from author to admin, signature kept.
    let author = app.user(UserRole::Author).await;
    let parts: Vec<&str> = author.token.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default()).unwrap_or_default();
    payload["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
    assert_eq!(status_with(&app, &tampered).await.0, 401, "tampered signature");

    // `alg: none`, unsigned.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims(&editor, json!({})).to_string());
    assert_eq!(status_with(&app, &format!("{header}.{body}.")).await.0, 401, "alg none");
    assert_eq!(status_with(&app, "garbage").await.0, 401);
    assert_eq!(status_with(&app, "nd_not-a-real-api-token").await.0, 401);
});

db_test!(async fn a_refresh_token_rotates_and_a_reused_one_revokes_its_family(app) {
    let editor = app.user(UserRole::Editor).await;
    let first = app.query(LOGIN, json!({ "e": editor.email, "p": editor.password })).await["login"].clone();
    let second = app.query(REFRESH, json!({ "t": first["refreshToken"] })).await["refreshToken"].clone();
    assert_eq!(status_with(&app, second["accessToken"].as_str().unwrap_or_default()).await.0, 200);

    // The first token again: refused, and the whole family with it.
    let (code, _) = app.error_as(None, REFRESH, json!({ "t": first["refreshToken"] })).await;
    assert_eq!(code, "UNAUTHENTICATED");
    let (code, _) = app.error_as(None, REFRESH, json!({ "t": second["refreshToken"] })).await;
    assert_eq!(code, "UNAUTHENTICATED", "the newer token of the family is revoked too");

    // Logout revokes; a password change and disabling end every session.
    let session = app.query(LOGIN, json!({ "e": editor.email, "p": editor.password })).await["login"].clone();
    app.query("mutation($t: String!) { logout(refreshToken: $t) }", json!({ "t": session["refreshToken"] })).await;
    assert_eq!(app.error_as(None, REFRESH, json!({ "t": session["refreshToken"] })).await.0, "UNAUTHENTICATED");

    let session = app.query(LOGIN, json!({ "e": editor.email, "p": editor.password })).await["login"].clone();
    newsdesk::auth::users::set_password(app.db(), newsdesk::auth::users::Actor::Cli, &editor.email, "a brand new password".into()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.error_as(None, REFRESH, json!({ "t": session["refreshToken"] })).await.0, "UNAUTHENTICATED");
    let session = app.query(LOGIN, json!({ "e": editor.email, "p": "a brand new password" })).await["login"].clone();
    newsdesk::auth::users::disable(app.db(), newsdesk::auth::users::Actor::Cli, &editor.email).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.error_as(None, REFRESH, json!({ "t": session["refreshToken"] })).await.0, "UNAUTHENTICATED");
    assert_eq!(app.error_as(None, LOGIN, json!({ "e": editor.email, "p": "a brand new password" })).await.0, "UNAUTHENTICATED");
});

db_test!(async fn unknown_email_and_wrong_password_get_the_same_error_and_failures_are_limited(app, &["--login-attempts", "3"]) {
    let editor = app.user(UserRole::Editor).await;
    let unknown = app.post_graphql(LOGIN, json!({ "e": "nobody@example.org", "p": "whatever password" })).await.json();
    let wrong = app.post_graphql(LOGIN, json!({ "e": editor.email, "p": "not the password" })).await.json();
    assert_eq!(unknown["errors"][0]["message"], wrong["errors"][0]["message"]);
    assert_eq!(unknown["errors"][0]["extensions"], wrong["errors"][0]["extensions"]);
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // Two more failures reach the limit of 3 for the account; then even the right password waits.
    for _ in 0..2 {
        assert_eq!(app.error_as(None, LOGIN, json!({ "e": editor.email, "p": "still wrong" })).await.0, "UNAUTHENTICATED");
    }
    assert_eq!(app.error_as(None, LOGIN, json!({ "e": editor.email, "p": editor.password })).await.0, "RATE_LIMITED");
});

db_test!(async fn one_request_cannot_try_two_passwords(app) {
    let editor = app.user(UserRole::Editor).await;
    let aliased = r#"mutation($e: String!) {
      a: login(email: $e, password: "first guess!!") { accessToken }
      b: login(email: $e, password: "a long enough password") { accessToken }
    }"#;
    let body = app.post_graphql(aliased, json!({ "e": editor.email })).await.json();
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2, "{body}");
    assert!(body["data"].is_null() || body["data"]["b"].is_null(), "the second login did not run: {body}");
});

db_test!(async fn api_tokens_are_shown_once_scoped_and_revocable(app) {
    let admin = app.user(UserRole::Admin).await;
    let created = app
        .query_as(&admin.token, r#"mutation { createApiToken(name: "mirror", scopes: ["content:read"]) { token apiToken { id name scopes } } }"#, json!({}))
        .await;
    let token = created["createApiToken"]["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.starts_with("nd_"));
    let listed = app.query_as(&admin.token, "{ apiTokens { name lastUsedAt } }", json!({})).await;
    assert_eq!(listed["apiTokens"][0]["name"], "mirror");
    assert!(!listed.to_string().contains(&token), "the token is never shown again");

    assert_eq!(app.query_as(&token, "{ me { email } sections { slug } }", json!({})).await["me"], Value::Null);
    let listed = app.query_as(&admin.token, "{ apiTokens { lastUsedAt } }", json!({})).await;
    assert!(!listed["apiTokens"][0]["lastUsedAt"].is_null(), "last use is recorded");
    let (code, _) = app.error_as(Some(&token), r#"mutation { createApiToken(name: "x", scopes: ["content:read"]) { token } }"#, json!({})).await;
    assert_eq!(code, "FORBIDDEN", "an integrator token is read-only");

    let id = created["createApiToken"]["apiToken"]["id"].clone();
    app.query_as(&admin.token, "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", json!({ "id": id })).await;
    assert_eq!(status_with(&app, &token).await.0, 401);
    let (code, field) = app.error_as(Some(&admin.token), r#"mutation { createApiToken(name: "x", scopes: ["everything"]) { token } }"#, json!({})).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("scopes")));
});

db_test!(async fn a_batch_cannot_try_two_passwords_either(app, &["--graphql-batch", "true"]) {
    let editor = app.user(UserRole::Editor).await;
    let batch = json!([
        { "query": LOGIN, "variables": { "e": editor.email, "p": "first guess!!" } },
        { "query": LOGIN, "variables": { "e": editor.email, "p": editor.password } }
    ]);
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(batch.to_string()))
        .unwrap_or_else(|error| panic!("{error}"));
    let body = app.send(request).await.json();
    assert_eq!(body[0]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    assert_eq!(body[1]["errors"][0]["extensions"]["field"], "password", "the second login did not run: {body}");
    assert!(body[1]["data"].is_null() || body[1]["data"]["login"].is_null());
});

db_test!(async fn admins_manage_users_and_nobody_else_can(app) {
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let author = app.user(UserRole::Author).await;
    let create = r#"mutation($e: String!) { createUser(input: { email: $e, displayName: "New Person", role: AUTHOR, password: "a long enough password" }) { id role disabled } }"#;
    for (token, expected) in [(None, "UNAUTHENTICATED"), (Some(author.token.as_str()), "FORBIDDEN"), (Some(editor.token.as_str()), "FORBIDDEN")] {
        let (code, _) = app.error_as(token, create, json!({ "e": "someone@example.org" })).await;
        assert_eq!(code, expected);
    }
    let created = app.query_as(&admin.token, create, json!({ "e": "new@example.org" })).await;
    assert_eq!(created["createUser"]["role"], "AUTHOR");
    let (code, field) = app.error_as(Some(&admin.token), create, json!({ "e": "NEW@example.org" })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("CONFLICT", Some("email")), "emails are unique, case-insensitively");
    let (code, field) = app.error_as(Some(&admin.token), create, json!({ "e": "not an email" })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("email")));

    let id = created["createUser"]["id"].clone();
    let promote = "mutation($id: ID!) { updateUser(input: { id: $id, role: EDITOR }) { role } }";
    assert_eq!(app.error_as(Some(&editor.token), promote, json!({ "id": id })).await.0, "FORBIDDEN");
    assert_eq!(app.query_as(&admin.token, promote, json!({ "id": id })).await["updateUser"]["role"], "EDITOR");
    let session = app.query(LOGIN, json!({ "e": "new@example.org", "p": "a long enough password" })).await;
    assert_eq!(session["login"]["user"]["role"], "EDITOR");

    app.query_as(&admin.token, "mutation($id: ID!) { updateUser(input: { id: $id, disabled: true }) { disabled } }", json!({ "id": id })).await;
    assert_eq!(app.error_as(None, LOGIN, json!({ "e": "new@example.org", "p": "a long enough password" })).await.0, "UNAUTHENTICATED");
    assert_eq!(app.error_as(None, REFRESH, json!({ "t": session["login"]["refreshToken"] })).await.0, "UNAUTHENTICATED");
    let audit = app.query_as(&admin.token, "{ auditLog(entityType: \"User\") { action } }", json!({})).await;
    let actions: Vec<&str> = audit["auditLog"].as_array().into_iter().flatten().filter_map(|entry| entry["action"].as_str()).collect();
    let changes: Vec<&&str> = actions.iter().filter(|action| !action.starts_with("login")).collect();
    assert_eq!(changes, [&"updateUser", &"updateUser", &"createUser", &"createUser", &"createUser", &"createUser"], "the test's users, the new one, updated twice: {audit}");
    assert!(actions.contains(&"loginFailed") && actions.contains(&"login"), "logins are audited, failed ones too: {audit}");
    let users = app.query_as(&admin.token, "{ users { email } }", json!({})).await;
    assert_eq!(users["users"].as_array().map(Vec::len), Some(4));
});

db_test!(async fn one_client_address_is_limited_across_accounts(app, &["--login-attempts", "1", "--trust-forwarded-for", "true"]) {
    let editor = app.user(UserRole::Editor).await;
    let attempt = |address: &'static str, email: String| {
        let app = &app;
        async move {
            let body = json!({ "query": LOGIN, "variables": { "e": email, "p": "wrong password!" } }).to_string();
            let request = axum::http::Request::builder()
                .method("POST")
                .uri("/graphql")
                .header("content-type", "application/json")
                .header("x-forwarded-for", address)
                .body(axum::body::Body::from(body))
                .unwrap_or_else(|error| panic!("{error}"));
            app.send(request).await.first_error_code().unwrap_or_default()
        }
    };
    // With one failure allowed per account, an address gets four; the fifth account is refused.
    for index in 0..4 {
        assert_eq!(attempt("203.0.113.7", format!("user{index}@example.org")).await, "UNAUTHENTICATED");
    }
    assert_eq!(attempt("203.0.113.7", "user9@example.org".into()).await, "RATE_LIMITED");
    assert_eq!(attempt("198.51.100.1", editor.email.clone()).await, "UNAUTHENTICATED", "another address is not affected");
});
