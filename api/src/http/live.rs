//! Subscriptions over websocket at `/graphql/ws` (`graphql-transport-ws`, and the older
//! `graphql-ws`), under the rules of HTTP: the credentials in `connection_init` are checked as a
//! bearer token is, and a connection whose token expires or is revoked is closed (code 4403) at
//! once on the node that revoked it and, through the change log, within a second on every other;
//! a client address holds at most `--ws-max-connections-per-client` connections per node, and a
//! connection at most [`MAX_SUBSCRIPTIONS`] subscriptions; the documents follow the depth,
//! complexity, alias and directive limits and the persisted-only policy. Queries and mutations
//! go over HTTP: over the socket they are refused (see [`crate::graphql::live_rules`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::watch;

use super::caller::{client_address, identify};
use crate::auth::credentials::{self, Credential};
use crate::graphql::RequestContext;
use crate::graphql::engine::Engine;
use crate::graphql::live_rules::LiveConnection;
use crate::reads::Reader;
use crate::state::AppState;

/// Most subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// The websocket close code for a connection whose credentials stopped working.
const CREDENTIALS_ENDED: u16 = 4403;

/// Open websocket connections per client address, on this node.
#[derive(Debug, Default)]
pub struct Connections {
    open: Mutex<HashMap<String, u32>>,
}

/// One client's hold on a connection; it lets go when dropped.
#[derive(Debug)]
pub struct Slot {
    connections: Arc<Connections>,
    client: String,
}

impl Connections {
    /// A slot for `client`, unless it already holds `max`.
    pub fn open(self: &Arc<Self>, client: &str, max: u32) -> Option<Slot> {
        let mut open = self.open.lock().ok()?;
        let count = open.entry(client.to_owned()).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            connections: self.clone(),
            client: client.to_owned(),
        })
    }

    /// Connections open now, in all.
    pub fn total(&self) -> u32 {
        self.open
            .lock()
            .map(|open| open.values().sum())
            .unwrap_or_default()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.connections.open.lock()
            && let Some(count) = open.get_mut(&self.client)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// `GET /graphql/ws`.
pub async fn websocket(
    State(state): State<AppState>,
    Extension(engine): Extension<Arc<Engine>>,
    Extension(sockets): Extension<Arc<Connections>>,
    peer: Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> Response {
    let peer = peer.map(|Extension(axum::extract::ConnectInfo(addr))| addr);
    let client = client_address(&state, &headers, peer);
    let max = state.config.ws_max_connections_per_client;
    let Some(slot) = sockets.open(&client, max) else {
        let body = serde_json::json!({ "errors": [{
            "message": format!("this client address holds {max} websocket connections already"),
            "extensions": { "code": "RATE_LIMITED" },
        }] });
        let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, engine, socket, protocol, slot))
}

/// Serves one connection until the client leaves or its credentials stop working.
async fn serve(
    state: AppState,
    engine: Arc<Engine>,
    socket: WebSocket,
    protocol: async_graphql_axum::GraphQLProtocol,
    slot: Slot,
) {
    let (mut to_client, from_client) = socket.split();
    // Why the server closes the connection, once it does.
    let (close, closed) = watch::channel(None::<&'static str>);
    let mut until_closed = closed.clone();
    let from_client = from_client.take_until(async move {
        // Without a watcher (an anonymous connection), nobody will ever close it from here.
        if until_closed.wait_for(Option::is_some).await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    // The GraphQL side writes into a channel; this task forwards it, and may close after it.
    let (outgoing, mut queued) = tokio::sync::mpsc::channel::<Message>(16);
    let outgoing = futures_util::sink::unfold(outgoing, |outgoing, message: Message| async move {
        outgoing.send(message).await.map_err(|_| ())?;
        Ok::<_, ()>(outgoing)
    });
    let schema = engine.live_schema.clone();
    let init_state = state.clone();
    let graphql = async_graphql_axum::GraphQLWebSocket::new_with_pair(
        Box::pin(outgoing),
        from_client,
        schema,
        protocol,
    )
    .on_connection_init(move |payload| connection_init(init_state, engine, slot, close, payload))
    .serve();
    let forward = async {
        while let Some(message) = queued.recv().await {
            if to_client.send(message).await.is_err() {
                return false;
            }
        }
        true
    };
    let ((), open) = tokio::join!(graphql, forward);
    let reason = *closed.borrow();
    if let (true, Some(reason)) = (open, reason) {
        let _ = to_client
            .send(Message::Close(Some(CloseFrame {
                code: CREDENTIALS_ENDED,
                reason: reason.into(),
            })))
            .await;
    }
}

/// Checks the credentials of `connection_init` (`{"Authorization": "Bearer <token>"}`) and sets
/// up the connection's context; a connection with credentials is watched until they stop working.
async fn connection_init(
    state: AppState,
    engine: Arc<Engine>,
    slot: Slot,
    close: watch::Sender<Option<&'static str>>,
    payload: serde_json::Value,
) -> async_graphql::Result<async_graphql::Data> {
    let token = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(|value| value.as_str()))
        .map(str::to_owned);
    let mut headers = HeaderMap::new();
    if let Some(token) = token.and_then(|token| HeaderValue::from_str(&token).ok()) {
        headers.insert(header::AUTHORIZATION, token);
    }
    let caller = identify(&state, &headers, slot.client.clone())
        .await
        .map_err(|_| {
            async_graphql::Error::new("the credentials in connection_init were refused")
        })?;
    if let Some(credential) = caller.credential.clone() {
        tokio::spawn(watch_credential(state.clone(), credential, close));
    }
    // A connection lives long: nested fields must not be served from a stale copy.
    let reader = Reader::new(
        state.db.conn.clone(),
        caller.viewer(state.config.site_utc_offset),
        None,
    )
    .uncached();
    let context = RequestContext::new(state.clone(), reader, caller.client.clone(), Arc::default());
    let mut data = async_graphql::Data::default();
    data.insert(context);
    let registered_only = (caller.identity.is_none() && state.config.persisted_queries_only)
        .then(|| engine.persisted.clone());
    data.insert(LiveConnection::new(
        slot,
        registered_only,
        MAX_SUBSCRIPTIONS,
    ));
    Ok(data)
}

/// Closes the connection when `credential` stops working: when it expires, or when the change log
/// says the user's or token's credentials changed and they no longer check out. Ends with the
/// connection.
async fn watch_credential(
    state: AppState,
    credential: Credential,
    close: watch::Sender<Option<&'static str>>,
) {
    let mut changes = state.changes.subscribe();
    let expiry = credential.expires_at().map(|at| {
        let left = (at - chrono::Utc::now()).to_std().unwrap_or_default();
        tokio::time::Instant::now() + left
    });
    let expired = async {
        match expiry {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expired);
    loop {
        let check = tokio::select! {
            () = close.closed() => return,
            () = &mut expired => {
                let _ = close.send(Some("the access token has expired"));
                return;
            }
            change = changes.recv() => match change {
                Ok(change) => credential.concerns(change.entity_type, change.entity_id),
                // Fell behind: whatever was missed may have been about us.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
        };
        if check {
            match credentials::is_live(&state.db.background, &credential).await {
                Ok(true) => {}
                Ok(false) => {
                    let _ = close.send(Some("the credentials were revoked"));
                    return;
                }
                Err(error) => error.log(),
            }
        }
    }
}
