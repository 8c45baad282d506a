//! A node killed with SIGKILL in the middle of a burst of writes loses nothing: restarted, it
//! has every write it acknowledged, its search index agrees with the database, and every change
//! still reaches the webhook endpoint. On SQLite (one node) and on PostgreSQL (two nodes, one
//! of them killed).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{BIN, free_port, http, wait_until_healthy};
use serde_json::{Value, json};

const SECRET: &str = "a shared secret for the crash test, 32+ bytes long";
const PASSWORD: &str = "the admin's long password";

/// Where the nodes keep their data.
enum Store {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl Store {
    fn command(&self, index: usize) -> Command {
        let mut command = Command::new(BIN);
        command
            .env("NEWSDESK_JWT_SECRET", SECRET)
            .env("NEWSDESK_SEED_DEMO", "never")
            .env("NEWSDESK_LOG", "warn")
            .env("NEWSDESK_WEBHOOK_POLL_MS", "20")
            .env("NEWSDESK_WEBHOOK_RETRY_BASE_MS", "100")
            .env("NEWSDESK_WEBHOOK_TIMEOUT_MS", "1000")
            // The receiver runs on this machine.
            .env("NEWSDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match self {
            Store::Sqlite(folder) => {
                command.env("NEWSDESK_DATA_DIR", folder);
            }
            Store::Postgres { url, schema } => {
                command
                    .env("DATABASE_URL", url)
                    .env("NEWSDESK_DATABASE_SCHEMA", schema)
                    // Each node keeps its own search index.
                    .env(
                        "NEWSDESK_DATA_DIR",
                        std::env::temp_dir().join(format!("newsdesk-crash-{schema}-{index}")),
                    );
            }
        }
        command
    }

    fn start(&self, index: usize, port: u16) -> Child {
        let mut child = self
            .command(index)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {BIN}: {error}"));
        wait_until_healthy(&mut child, port);
        child
    }
}

/// The nodes; killed when dropped.
struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A GraphQL request; `None` when the node did not answer or the request failed.
fn graphql(port: u16, token: &str, query: &str, variables: Value) -> Option<Value> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, body) = http(
        port,
        "POST",
        "/graphql",
        &body,
        Some(token).filter(|token| !token.is_empty()),
    )?;
    let body: Value = serde_json::from_str(&body).ok()?;
    (status.contains("200") && body.get("errors").is_none()).then(|| body["data"].clone())
}

fn must(port: u16, token: &str, query: &str, variables: Value) -> Value {
    graphql(port, token, query, variables.clone())
        .unwrap_or_else(|| panic!("{query} {variables} failed on {port}"))
}

/// Changes the webhook endpoint received: entity id to how many times.
type Seen = Arc<Mutex<BTreeMap<String, usize>>>;

async fn receiver() -> (Seen, String) {
    let seen: Seen = Arc::default();
    let state = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let state = state.clone();
            async move {
                let event: Value = serde_json::from_str(&body).unwrap_or_default();
                if let (Some(id), Ok(mut seen)) = (event["data"]["id"].as_str(), state.lock()) {
                    *seen.entry(id.to_owned()).or_default() += 1;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or_default();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (seen, format!("http://127.0.0.1:{port}/hook"))
}

/// What a writer was told succeeded: article id, its keyword, and whether its publication was
/// acknowledged too.
type Acknowledged = Arc<Mutex<Vec<(String, String, bool)>>>;

/// Writes until `stop`: creates an article with a keyword of its own, then publishes it, on the
/// nodes in turn; records what each node acknowledged.
fn writer(
    ports: Vec<u16>,
    token: String,
    section: String,
    writer: usize,
    stop: Arc<AtomicBool>,
    acknowledged: Acknowledged,
) {
    let mut index = 0;
    while !stop.load(Ordering::SeqCst) {
        let port = ports[index % ports.len()];
        let keyword = format!("crashword{writer}x{index}");
        index += 1;
        let created = graphql(
            port,
            &token,
            "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }",
            json!({ "i": { "title": format!("Burst {keyword}"), "body": "Written in a burst.", "section": section } }),
        );
        let Some(id) = created.and_then(|data| {
            data["createArticle"]["article"]["id"]
                .as_str()
                .map(str::to_owned)
        }) else {
            continue;
        };
        let published = graphql(
            port,
            &token,
            "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }",
            json!({ "id": id }),
        )
        .is_some();
        if let Ok(mut acknowledged) = acknowledged.lock() {
            acknowledged.push((id, keyword, published));
        }
    }
}

async fn a_killed_node_loses_nothing(store: Store, node_count: usize) {
    let admin = store
        .command(0)
        .args([
            "user",
            "add",
            "--email",
            "admin@example.org",
            "--role",
            "admin",
        ])
        .env("NEWSDESK_USER_PASSWORD", PASSWORD)
        .status();
    assert!(admin.is_ok_and(|status| status.success()));
    assert!(
        store
            .command(0)
            .args(["seed", "--demo"])
            .status()
            .is_ok_and(|status| status.success())
    );
    let ports: Vec<u16> = (0..node_count).map(|_| free_port()).collect();
    let mut nodes = Nodes(
        ports
            .iter()
            .enumerate()
            .map(|(index, port)| store.start(index, *port))
            .collect(),
    );
    let login = must(
        ports[0],
        "",
        &format!(
            r#"mutation {{ login(email: "admin@example.org", password: "{PASSWORD}") {{ accessToken }} }}"#
        ),
        json!({}),
    );
    let token = login["login"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (seen, hook) = receiver().await;
    must(
        ports[0],
        &token,
        "mutation($url: String!) { createWebhookEndpoint(input: { url: $url, entityTypes: [ARTICLE], includeDrafts: true }) { secret } }",
        json!({ "url": hook }),
    );
    let section = must(
        ports[0],
        &token,
        r#"{ section(slug: "events") { id } }"#,
        json!({}),
    )["section"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // A burst of writes from four writers; the first node is killed in the middle of it.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Acknowledged = Arc::default();
    let writers: Vec<_> = (0..4)
        .map(|index| {
            let (ports, token, section, stop, acknowledged) = (
                ports.clone(),
                token.clone(),
                section.clone(),
                stop.clone(),
                acknowledged.clone(),
            );
            std::thread::spawn(move || writer(ports, token, section, index, stop, acknowledged))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged
        .lock()
        .map(|list| list.len())
        .unwrap_or_default()
        < 40
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = nodes.0[0].kill();
    let _ = nodes.0[0].wait();
    let at_kill = acknowledged
        .lock()
        .map(|list| list.len())
        .unwrap_or_default();
    // The other node (on PostgreSQL) goes on taking writes meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    nodes.0[0] = store.start(0, ports[0]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        let _ = writer.join();
    }
    let acknowledged = acknowledged
        .lock()
        .map(|list| list.clone())
        .unwrap_or_default();
    assert!(
        at_kill >= 40 && acknowledged.len() > at_kill / 2,
        "writes were under way when the node was killed ({at_kill} then {})",
        acknowledged.len()
    );

    // Every acknowledged write is there, on every node.
    for port in &ports {
        let ids: Vec<&String> = acknowledged.iter().map(|(id, _, _)| id).collect();
        for chunk in ids.chunks(100) {
            let nodes = must(
                *port,
                &token,
                "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { id status } } }",
                json!({ "ids": chunk }),
            );
            let found: BTreeMap<String, String> = nodes["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|node| {
                    Some((
                        node["id"].as_str()?.to_owned(),
                        node["status"].as_str()?.to_owned(),
                    ))
                })
                .collect();
            for id in chunk {
                let (_, _, published) = acknowledged
                    .iter()
                    .find(|(known, _, _)| known == *id)
                    .cloned()
                    .unwrap_or_default();
                let status = found
                    .get(*id)
                    .unwrap_or_else(|| panic!("acknowledged article {id} is missing on {port}"));
                if published {
                    assert_eq!(status, "PUBLISHED", "the acknowledged publication of {id}");
                }
            }
        }
    }

    // Every node's search index agrees with the database: each burst article is found by its
    // keyword, and nothing else is.
    let in_database: BTreeSet<String> = {
        let mut ids = BTreeSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = must(
                ports[0],
                &token,
                "query($a: String) { articles(first: 100, after: $a) { pageInfo { hasNextPage endCursor } nodes { id title } } }",
                json!({ "a": after }),
            );
            for node in page["articles"]["nodes"].as_array().into_iter().flatten() {
                if node["title"]
                    .as_str()
                    .is_some_and(|title| title.starts_with("Burst "))
                {
                    ids.insert(
                        node["title"]
                            .as_str()
                            .unwrap_or_default()
                            .trim_start_matches("Burst ")
                            .to_owned(),
                    );
                }
            }
            if page["articles"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["articles"]["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
        }
        ids
    };
    assert!(
        acknowledged
            .iter()
            .all(|(_, keyword, _)| in_database.contains(keyword))
    );
    for port in &ports {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut missing: Vec<&String> = in_database.iter().collect();
        while !missing.is_empty() && Instant::now() < deadline {
            let mut still = Vec::new();
            for keyword in missing {
                let hits = must(
                    *port,
                    &token,
                    "query($q: String!) { search(query: $q, types: [ARTICLE]) { edges { node { titleHtml } } } }",
                    json!({ "q": keyword }),
                );
                let count = hits["search"]["edges"].as_array().map_or(0, Vec::len);
                assert!(count <= 1, "{keyword} found {count} times on {port}");
                if count == 0 {
                    still.push(keyword);
                }
            }
            missing = still;
            if !missing.is_empty() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        assert!(
            missing.is_empty(),
            "the index of the node on {port} lacks {missing:?}"
        );
    }

    // Every change still reaches the endpoint: each acknowledged article was delivered.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let delivered = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
        let missing: Vec<&String> = acknowledged
            .iter()
            .map(|(id, _, _)| id)
            .filter(|id| !delivered.contains_key(*id))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never made for {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "{} writes acknowledged ({at_kill} before the kill) and kept, indexed and delivered",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_burst_loses_nothing_on_sqlite() {
    let folder = std::env::temp_dir().join(format!(
        "newsdesk-crash-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&folder);
    a_killed_node_loses_nothing(Store::Sqlite(folder.clone()), 1).await;
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_burst_loses_nothing_on_postgres_with_two_nodes() {
    use sea_orm::ConnectionTrait;
    let Ok(url) = std::env::var("NEWSDESK_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set NEWSDESK_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: set NEWSDESK_TEST_POSTGRES_URL to run it");
        return;
    };
    let schema = format!("crash{}", std::process::id());
    let admin = sea_orm::Database::connect(url.as_str())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin
        .execute_unprepared(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    a_killed_node_loses_nothing(
        Store::Postgres {
            url: url.clone(),
            schema: schema.clone(),
        },
        2,
    )
    .await;
    let _ = admin
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
    for index in 0..2 {
        let _ = std::fs::remove_dir_all(
            std::env::temp_dir().join(format!("newsdesk-crash-{schema}-{index}")),
        );
    }
}
