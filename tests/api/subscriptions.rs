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
    let router = newsdesk::app::router(app.state.clone());
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
