//! The change log under concurrent writers: two api processes on one PostgreSQL take thousands
//! of writes while a reader tails the log from a cursor. The reader must see every change, once,
//! and the state it rebuilds must equal the database's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{BIN, free_port, http, wait_until_healthy};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

const SECRET: &str = "a shared secret for both api processes, 32+ bytes";
const WRITERS: usize = 4;
const ARTICLES_PER_WRITER: usize = 140;

struct Servers(Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn command(url: &str, schema: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("DATABASE_URL", url)
        .env("NEWSDESK_DATABASE_SCHEMA", schema)
        .env("NEWSDESK_JWT_SECRET", SECRET)
        .env("NEWSDESK_SEED_DEMO", "never")
        .env("NEWSDESK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn graphql(port: u16, token: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, body) = http(
        port,
        "POST",
        "/graphql",
        &body,
        Some(token).filter(|token| !token.is_empty()),
    )
    .unwrap_or_else(|| panic!("no answer on {port}"));
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(
        status.contains("200") && body.get("errors").is_none(),
        "{status}: {body}"
    );
    body["data"].clone()
}

/// One writer: creates articles and takes each through the workflow, alternating api nodes.
fn write(ports: [u16; 2], token: String, section: String, writer: usize) -> usize {
    let mut writes = 0;
    for index in 0..ARTICLES_PER_WRITER {
        let port = ports[(writer + index) % 2];
        let other = ports[(writer + index + 1) % 2];
        let created = graphql(
            port,
            &token,
            "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } } }",
            json!({ "input": { "title": format!("Writer {writer} article {index}"), "body": "text", "section": section } }),
        );
        let id = created["createArticle"]["article"]["id"].clone();
        graphql(
            other,
            &token,
            "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }",
            json!({ "id": id }),
        );
        graphql(
            port,
            &token,
            "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { id } } }",
            json!({ "input": { "id": id, "version": 2, "title": format!("Edited {writer}/{index}") } }),
        );
        writes += 3;
        match index % 3 {
            0 => {
                graphql(
                    other,
                    &token,
                    "mutation($id: ID!) { unpublishArticle(id: $id) { article { id } } }",
                    json!({ "id": id }),
                );
                writes += 1;
            }
            1 => {
                graphql(
                    other,
                    &token,
                    "mutation($id: ID!) { deleteArticle(id: $id, version: 3) { deletedId } }",
                    json!({ "id": id }),
                );
                writes += 1;
            }
            _ => {}
        }
    }
    writes
}

const SYNC: &str = "query($t: String) { sync(token: $t, types: [ARTICLE], first: 200) { nextToken hasMore items { id operation node { ... on Article { title } } } } }";

/// A public mirror of the articles, kept through the sync feed, asking either api node.
fn mirror(ports: [u16; 2], done: Arc<AtomicBool>) -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    let mut token = Value::Null;
    let mut calls = 0usize;
    loop {
        // Read `done` before syncing: once the writers have finished, one full catch-up suffices.
        let finished = done.load(Ordering::SeqCst);
        loop {
            let page = graphql(ports[calls % 2], "", SYNC, json!({ "t": token }))["sync"].clone();
            calls += 1;
            for item in page["items"].as_array().into_iter().flatten() {
                let id = item["id"].as_str().unwrap_or_default().to_owned();
                if item["operation"] == "UPSERT" {
                    rows.insert(
                        id,
                        item["node"]["title"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                } else {
                    rows.remove(&id);
                }
            }
            token = page["nextToken"].clone();
            if page["hasMore"] == false {
                break;
            }
        }
        if finished {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn connect(url: &str, schema: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .set_schema_search_path(schema.to_owned())
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .unwrap_or_else(|error| panic!("cannot connect: {error}"))
}

async fn read_after(db: &DatabaseConnection, cursor: i64) -> Vec<(i64, i64, String)> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT seq, entity_id, op FROM change_log WHERE seq > $1 ORDER BY seq LIMIT 1000",
        [cursor.into()],
    );
    db.query_all_raw(statement)
        .await
        .unwrap_or_else(|error| panic!("reading the log failed: {error}"))
        .into_iter()
        .map(|row| {
            (
                row.try_get::<i64>("", "seq").unwrap_or_default(),
                row.try_get::<i64>("", "entity_id").unwrap_or_default(),
                row.try_get::<String>("", "op").unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_tailing_the_log_misses_nothing_while_two_api_processes_write() {
    let Ok(url) = std::env::var("NEWSDESK_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set NEWSDESK_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: set NEWSDESK_TEST_POSTGRES_URL to run it");
        return;
    };
    let schema = format!("cl{}", std::process::id());
    let admin = Database::connect(url.as_str())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin
        .execute_unprepared(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap_or_else(|error| panic!("{error}"));

    // An editor, made with the CLI (which also migrates), and the demo sections.
    let status = command(&url, &schema)
        .args([
            "user",
            "add",
            "--email",
            "writer@example.org",
            "--role",
            "editor",
        ])
        .env("NEWSDESK_USER_PASSWORD", "writer's long password")
        .status()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(status.success(), "user add failed");
    assert!(
        command(&url, &schema)
            .args(["seed", "--demo"])
            .status()
            .is_ok_and(|s| s.success())
    );

    let ports = [free_port(), free_port()];
    let mut servers = Servers(Vec::new());
    for port in ports {
        let child = command(&url, &schema)
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--db-max-connections",
                "6",
            ])
            // Each node keeps its own search index.
            .env(
                "NEWSDESK_DATA_DIR",
                std::env::temp_dir().join(format!("newsdesk-cl-{schema}-{port}")),
            )
            .spawn()
            .unwrap_or_else(|error| panic!("{error}"));
        servers.0.push(child);
    }
    for (child, port) in servers.0.iter_mut().zip(ports) {
        wait_until_healthy(child, port);
    }
    let login = graphql(
        ports[0],
        "",
        r#"mutation { login(email: "writer@example.org", password: "writer's long password") { accessToken } }"#,
        json!({}),
    );
    let token = login["login"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let section = graphql(
        ports[1],
        &token,
        r#"{ section(slug: "events") { id } }"#,
        json!({}),
    )["section"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let db = connect(&url, &schema).await;
    let start = read_after(&db, 0)
        .await
        .last()
        .map(|row| row.0)
        .unwrap_or(0);
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (token, section) = (token.clone(), section.clone());
            std::thread::spawn(move || write(ports, token, section, writer))
        })
        .collect();
    let mirror_done = done.clone();
    let mirror_thread = std::thread::spawn(move || mirror(ports, mirror_done));
    let finished = done.clone();
    let waiter = std::thread::spawn(move || {
        let total: usize = writers
            .into_iter()
            .map(|writer| writer.join().unwrap_or(0))
            .sum();
        finished.store(true, Ordering::SeqCst);
        total
    });

    // The reader: tails the log from its cursor until the writers are done and nothing is left.
    let mut seen: Vec<(i64, i64, String)> = Vec::new();
    let mut cursor = start;
    loop {
        let writers_done = done.load(Ordering::SeqCst);
        let batch = read_after(&db, cursor).await;
        if let Some(last) = batch.last() {
            cursor = last.0;
        }
        let empty = batch.is_empty();
        seen.extend(batch);
        if writers_done && empty {
            break;
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let writes = waiter.join().unwrap_or(0);
    let expected: usize = (0..ARTICLES_PER_WRITER)
        .map(|index| 3 + usize::from(index % 3 != 2))
        .sum::<usize>()
        * WRITERS;
    assert_eq!(writes, expected);
    assert!(writes >= 2000, "thousands of writes: {writes}");

    // Every row of the final log after the start, exactly once, in order.
    let all: Vec<i64> = read_after_all(&db, start).await;
    let seen_seqs: Vec<i64> = seen.iter().map(|row| row.0).collect();
    assert_eq!(seen_seqs.len(), all.len(), "the reader saw every change");
    assert_eq!(
        seen_seqs, all,
        "in sequence order, none skipped, none twice"
    );
    assert_eq!(seen.len(), writes, "one row per write");

    // Replaying the log gives the database's state: the set of articles that exist.
    let mut last_op: BTreeMap<i64, String> = BTreeMap::new();
    for (_, entity, op) in &seen {
        last_op.insert(*entity, op.clone());
    }
    let replayed: BTreeSet<i64> = last_op
        .iter()
        .filter(|(_, op)| *op == "upsert")
        .map(|(id, _)| *id)
        .collect();
    let existing: BTreeSet<i64> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM articles WHERE slug <> 'szpu-gxmpc-pairing-assistance-agreement-2024'",
        ))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| row.try_get::<i64>("", "id").ok())
        .collect();
    assert_eq!(replayed, existing, "the mirror equals the database");
    eprintln!(
        "{writes} writes through two api processes; the reader saw all {} changes",
        seen.len()
    );

    // The mirror built through the public sync feed equals the public view, row for row.
    let mirror = mirror_thread.join().unwrap_or_default();
    let public: BTreeMap<String, String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, title FROM articles WHERE status = 'published' AND published_at <= now()",
        ))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| {
            let id = row.try_get::<i64>("", "id").ok()?;
            let title = row.try_get::<String>("", "title").ok()?;
            Some((
                newsdesk::ids::encode(newsdesk::ids::Kind::Article, id),
                title,
            ))
        })
        .collect();
    assert!(
        public.len() > 100,
        "a real amount of public content: {}",
        public.len()
    );
    assert_eq!(
        mirror.len(),
        public.len(),
        "as many rows in the mirror as in the public view"
    );
    assert!(
        mirror == public,
        "the mirror equals the public view, row for row"
    );
    eprintln!("the sync mirror holds all {} public articles", mirror.len());

    drop(servers);
    let _ = admin
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
}

async fn read_after_all(db: &DatabaseConnection, start: i64) -> Vec<i64> {
    let mut all = Vec::new();
    let mut cursor = start;
    loop {
        let batch = read_after(db, cursor).await;
        let Some(last) = batch.last() else { break };
        cursor = last.0;
        all.extend(batch.into_iter().map(|row| row.0));
    }
    all
}
