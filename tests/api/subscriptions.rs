//! Subscriptions over a real websocket: a client connects, an article is published, the client
//! receives it; visibility and credentials as for queries.

use std::time::Duration;

use entities::enums::UserRole;
use futures_util::{SinkExt, StreamExt};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(app: &TestApp) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or_default();
    let router = newsdesk::app::router(app.state.clone(), app.engine.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

async fn connect(port: u16, payload: Value) -> Result<Socket, String> {
    let mut request = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().map_err(|_| "header")?,
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|error| error.to_string())?;
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": payload }).to_string(),
        ))
        .await
        .map_err(|error| error.to_string())?;
    match next(&mut socket).await {
        Some(message) if message["type"] == "connection_ack" => Ok(socket),
        other => Err(format!("not acknowledged: {other:?}")),
    }
}

async fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).ok()?;
                if value["type"] == "ping" || value["type"] == "pong" {
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

db_test!(async fn a_websocket_client_receives_an_article_when_it_is_published(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let port = serve(&app).await;

    let mut public = connect(port, json!({})).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut public, "published", "subscription { articlePublished(locale: EN) { title section { slug } } }").await;
    let mut changes = connect(port, json!({})).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut changes, "changes", "subscription { contentChanged(types: [ARTICLE]) { operation node { ... on Article { title } } } }").await;
    let mut editors = connect(port, json!({ "Authorization": format!("Bearer {}", editor.token) }))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut editors, "drafts", "subscription { contentChanged(types: [ARTICLE]) { operation node { ... on Article { title status } } } }").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();
    let created = app
        .query_as(&editor.token, "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }", json!({ "i": { "title": "Live news", "body": "x", "section": section } }))
        .await;

    // The draft: the public hears nothing of it (its existence is private); the editor sees it
    // in full.
    let draft = next(&mut editors).await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(draft["payload"]["data"]["contentChanged"]["node"]["status"], "DRAFT", "{draft}");

    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": created["createArticle"]["article"]["id"] })).await;
    let published = next(&mut public).await.unwrap_or_else(|| panic!("no article arrived"));
    assert_eq!(published["type"], "next");
    assert_eq!(published["id"], "published");
    assert_eq!(published["payload"]["data"]["articlePublished"]["title"], "Live news");
    assert_eq!(published["payload"]["data"]["articlePublished"]["section"]["slug"], "events");
    let upsert = next(&mut changes).await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(upsert["payload"]["data"]["contentChanged"]["operation"], "UPSERT", "the public's first event is the publication: {upsert}");
    assert_eq!(upsert["payload"]["data"]["contentChanged"]["node"]["title"], "Live news");

    // A draft created and deleted without being published leaves no trace for the public: the
    // next thing either subscription hears of is the next publication.
    let create = "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id version } } }";
    let draft = app.query_as(&editor.token, create, json!({ "i": { "title": "Never public", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    app.query_as(&editor.token, "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }", json!({ "id": draft["id"], "v": draft["version"] })).await;
    let second = app.query_as(&editor.token, create, json!({ "i": { "title": "Second news", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": second["id"] })).await;
    let next_change = next(&mut changes).await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(next_change["payload"]["data"]["contentChanged"]["operation"], "UPSERT", "{next_change}");
    assert_eq!(next_change["payload"]["data"]["contentChanged"]["node"]["title"], "Second news", "{next_change}");
    let next_published = next(&mut public).await.unwrap_or_else(|| panic!("no event"));
    assert_eq!(next_published["payload"]["data"]["articlePublished"]["title"], "Second news", "{next_published}");
});

db_test!(async fn bad_credentials_at_connection_init_are_refused(app) {
    let port = serve(&app).await;
    let refused = connect(port, json!({ "Authorization": "Bearer not-a-token" })).await;
    assert!(refused.is_err(), "the connection must not be acknowledged");
    assert!(connect(port, json!({})).await.is_ok(), "anonymous connections are fine");
});

/// Waits for the server to close `socket`; returns the close code.
async fn closed(socket: &mut Socket, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match message {
            Ok(Message::Close(frame)) => return frame.map(|frame| u16::from(frame.code)),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// The first error of the subscription `id`.
async fn error_of(socket: &mut Socket, id: &str) -> Value {
    loop {
        let message = next(socket)
            .await
            .unwrap_or_else(|| panic!("no answer for {id}"));
        if message["id"] == id {
            let errors = if message["type"] == "error" {
                message["payload"].clone()
            } else {
                message["payload"]["errors"].clone()
            };
            return errors[0].clone();
        }
    }
}

const WATCH: &str = "subscription { contentChanged { operation } }";

db_test!(async fn an_open_subscription_ends_when_its_credentials_are_revoked_on_any_node(app) {
    app.seed_demo().await;
    let other = app.another_node().await;
    let port = serve(&other).await;
    let admin = app.user(UserRole::Admin).await;
    let bearer = |token: &str| json!({ "Authorization": format!("Bearer {token}") });

    // A disabled user, on the other node.
    let editor = app.user(UserRole::Editor).await;
    let mut socket = connect(port, bearer(&editor.token)).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut socket, "w", WATCH).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id = newsdesk::ids::encode(newsdesk::ids::Kind::User, editor.id);
    app.query_as(&admin.token, "mutation($i: UpdateUserInput!) { updateUser(input: $i) { disabled } }", json!({ "i": { "id": id, "disabled": true } })).await;
    assert_eq!(closed(&mut socket, Duration::from_secs(1)).await, Some(4403), "closed within a second");

    // A session logged out.
    let author = app.user(UserRole::Author).await;
    let session = app.query("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }", json!({ "e": author.email, "p": author.password })).await["login"].clone();
    let mut socket = connect(port, bearer(session["accessToken"].as_str().unwrap_or_default())).await.unwrap_or_else(|error| panic!("{error}"));
    let mut unaffected = connect(port, bearer(&author.token)).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut socket, "w", WATCH).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.query("mutation($t: String!) { logout(refreshToken: $t) }", json!({ "t": session["refreshToken"] })).await;
    assert_eq!(closed(&mut socket, Duration::from_secs(1)).await, Some(4403));
    assert_eq!(closed(&mut unaffected, Duration::from_millis(500)).await, None, "the user's other session stays open");

    // A revoked API token.
    let created = app.query_as(&admin.token, r#"mutation { createApiToken(name: "live", scopes: ["content:read"]) { token apiToken { id } } }"#, json!({})).await;
    let mut socket = connect(port, bearer(created["createApiToken"]["token"].as_str().unwrap_or_default())).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut socket, "w", WATCH).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.query_as(&admin.token, "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", json!({ "id": created["createApiToken"]["apiToken"]["id"] })).await;
    assert_eq!(closed(&mut socket, Duration::from_secs(1)).await, Some(4403));
});

db_test!(async fn an_open_subscription_ends_when_its_token_expires(app, &["--access-token-ttl", "10"]) {
    let editor = app.user(UserRole::Editor).await;
    let port = serve(&app).await;
    let mut socket = connect(port, json!({ "Authorization": format!("Bearer {}", editor.token) })).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut socket, "w", WATCH).await;
    assert_eq!(closed(&mut socket, Duration::from_secs(13)).await, Some(4403), "closed when the token expired");
});

db_test!(async fn the_socket_follows_the_rules_of_http(app) {
    let port = serve(&app).await;
    let mut socket = connect(port, json!({})).await.unwrap_or_else(|error| panic!("{error}"));
    // Queries and mutations go over HTTP.
    subscribe(&mut socket, "q", "{ sections { slug } }").await;
    assert_eq!(error_of(&mut socket, "q").await["extensions"]["code"], "METHOD_NOT_ALLOWED");
    subscribe(&mut socket, "m", "mutation { logout(refreshToken: \"x\") }").await;
    assert_eq!(error_of(&mut socket, "m").await["extensions"]["code"], "METHOD_NOT_ALLOWED");
    // The document limits.
    let deep = format!("subscription {{ contentChanged {{ node {{ ... on Article {{ section {{ {}slug{} }} }} }} }} }}", "parent { ".repeat(20), " }".repeat(20));
    subscribe(&mut socket, "deep", &deep).await;
    assert_eq!(error_of(&mut socket, "deep").await["extensions"]["code"], "QUERY_TOO_DEEP");
    subscribe(&mut socket, "nul", "subscription { articlePublished(locale: EN, section: \"a\\u0000b\") { title } }").await;
    assert_eq!(error_of(&mut socket, "nul").await["extensions"]["code"], "BAD_USER_INPUT");
    // At most 100 subscriptions at once.
    for n in 0..100 {
        subscribe(&mut socket, &format!("s{n}"), WATCH).await;
    }
    subscribe(&mut socket, "one-too-many", WATCH).await;
    assert_eq!(error_of(&mut socket, "one-too-many").await["extensions"]["code"], "RATE_LIMITED");
    // Ending one makes room.
    socket.send(Message::text(json!({ "id": "s0", "type": "complete" }).to_string())).await.unwrap_or_else(|error| panic!("{error}"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    subscribe(&mut socket, "room", WATCH).await;
    let answer = tokio::time::timeout(Duration::from_millis(500), next(&mut socket)).await;
    assert!(answer.is_err() || answer.is_ok_and(|message| message.is_none_or(|message| message["id"] != "room")), "the new one holds");
});

db_test!(async fn a_client_address_holds_a_bounded_number_of_connections(app, &["--ws-max-connections-per-client", "2"]) {
    let port = serve(&app).await;
    let first = connect(port, json!({})).await;
    let second = connect(port, json!({})).await;
    assert!(first.is_ok() && second.is_ok());
    let third = connect(port, json!({})).await;
    assert!(third.as_ref().is_err_and(|error| error.contains("429")), "{:?}", third.err());
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(connect(port, json!({})).await.is_ok(), "a closed connection gives its place back");
});

db_test!(async fn anonymous_sockets_run_only_registered_operations_in_allow_list_mode(app, &["--persisted-queries-only", "true"]) {
    let editor = app.user(UserRole::Editor).await;
    let port = serve(&app).await;
    let mut anonymous = connect(port, json!({})).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut anonymous, "w", WATCH).await;
    assert_eq!(error_of(&mut anonymous, "w").await["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED");
    let mut signed_in = connect(port, json!({ "Authorization": format!("Bearer {}", editor.token) })).await.unwrap_or_else(|error| panic!("{error}"));
    subscribe(&mut signed_in, "w", WATCH).await;
    let answer = tokio::time::timeout(Duration::from_millis(500), next(&mut signed_in)).await;
    assert!(answer.is_err(), "a signed-in client may run any subscription: {answer:?}");
});
