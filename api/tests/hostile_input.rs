//! Hostile input against the real binary, over real HTTP, on SQLite and on PostgreSQL: every
//! cursor the API hands out, forged (its numbers set to 0, -1, 2^31, 2^53+1, 2^63-1, 2^64-1 and
//! 10^30, its times moved out of range, truncated, or used on another list), and values that size
//! work (page sizes, dates, search depth and syntax, NUL characters). Each gets a clear error or
//! a page, never a 5xx or an internal error, and the server is alive after every one.

mod common;

use std::process::{Child, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{BIN, free_port, http, wait_until_healthy};
use serde_json::{Value, json};

const SECRET: &str = "a secret for the hostile input tests, 32+ bytes";

/// A server on its own database; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    folder: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir()
        .join("newsdesk-hostile-tests")
        .join(format!("{name}-{}-{}", std::process::id(), free_port()));
    let _ = std::fs::remove_dir_all(&folder);
    folder
}

/// The demo on a fresh SQLite file.
fn sqlite() -> Server {
    let folder = folder("sqlite");
    start(Command::new(BIN).arg("--data-dir").arg(&folder), folder)
}

/// The demo in a fresh schema of the test PostgreSQL database, when one is configured.
fn postgres() -> Option<Server> {
    let Ok(url) = std::env::var("NEWSDESK_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but NEWSDESK_TEST_POSTGRES_URL is not"
        );
        eprintln!("skipped on PostgreSQL: set NEWSDESK_TEST_POSTGRES_URL to run it");
        return None;
    };
    let schema = format!("hostile_{}_{}", std::process::id(), free_port());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("{error}"));
    runtime.block_on(async {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(url.as_str())
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        db.execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    });
    let folder = folder("postgres");
    Some(start(
        Command::new(BIN)
            .arg("--data-dir")
            .arg(&folder)
            .env("DATABASE_URL", &url)
            .env("NEWSDESK_DATABASE_SCHEMA", &schema)
            .env("NEWSDESK_SEED_DEMO", "always"),
        folder,
    ))
}

fn start(command: &mut Command, folder: std::path::PathBuf) -> Server {
    let port = free_port();
    let mut child = command
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("NEWSDESK_JWT_SECRET", SECRET)
        .env("NEWSDESK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {BIN}: {error}"));
    wait_until_healthy(&mut child, port);
    Server {
        child,
        port,
        folder,
    }
}

impl Server {
    /// Posts a query; returns the status line and the body as JSON.
    fn graphql(&self, query: &str, variables: Value) -> (String, Value) {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, body) = http(self.port, "POST", "/graphql", &body, None)
            .unwrap_or_else(|| panic!("no answer to {query} {variables}: the server is down"));
        let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
        (status, json)
    }

    fn get(&self, path: &str) -> (String, Value) {
        let (status, body) = http(self.port, "GET", path, "", None)
            .unwrap_or_else(|| panic!("no answer to GET {path}: the server is down"));
        let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
        (status, json)
    }

    fn assert_alive(&mut self, after: &str) {
        if let Ok(Some(exit)) = self.child.try_wait() {
            panic!("the server died ({exit}) after {after}");
        }
        let answer = http(self.port, "GET", "/healthz", "", None);
        assert!(
            answer.is_some_and(|(status, _)| status.contains("200")),
            "the server does not answer after {after}"
        );
    }
}

/// A GraphQL answer a client can act on: data (a page), or errors that are the client's, each
/// with a code, and never an internal one.
fn assert_clear(status: &str, body: &Value, what: &str, fields: &[&str]) {
    assert!(
        status.contains("200") || status.contains("400"),
        "{what}: {status} {body}"
    );
    let Some(errors) = body.get("errors").and_then(Value::as_array) else {
        assert!(
            body["data"].is_object(),
            "{what}: neither data nor errors: {body}"
        );
        return;
    };
    for error in errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("<none>");
        assert_eq!(code, "BAD_USER_INPUT", "{what}: {body}");
        if let Some(field) = error["extensions"]["field"].as_str() {
            assert!(
                fields.contains(&field),
                "{what}: the error names `{field}`: {body}"
            );
        }
    }
}

/// The same for the REST envelope.
fn assert_clear_rest(status: &str, body: &Value, what: &str, fields: &[&str]) {
    if status.contains("200") {
        assert!(body["items"].is_array(), "{what}: {body}");
        return;
    }
    assert!(status.contains("400"), "{what}: {status} {body}");
    assert_eq!(body["error"]["code"], "BAD_USER_INPUT", "{what}: {body}");
    let field = body["error"]["field"].as_str().unwrap_or_default();
    assert!(fields.contains(&field), "{what}: {body}");
}

/// The numbers a forger tries.
const NUMBERS: [&str; 7] = [
    "0",
    "-1",
    "2147483648",
    "9007199254740993",
    "9223372036854775807",
    "18446744073709551615",
    "1000000000000000000000000000000",
];

/// Every forgery of `cursor`: each number in it replaced by each of [`NUMBERS`], each time moved
/// to years no database holds, the text of each string replaced, and the cursor cut short.
fn forgeries(cursor: &str) -> Vec<String> {
    let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
    let mut forged = vec![cursor[..cursor.len() / 2].to_owned(), String::new()];
    let Ok(text) = URL_SAFE_NO_PAD
        .decode(cursor)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    else {
        return forged;
    };
    forged.push(encode(&text[..text.len() / 2]));
    if let Some(position) = text.strip_prefix("search:") {
        assert!(position.parse::<u64>().is_ok(), "a search cursor: {text}");
        forged.extend(NUMBERS.iter().map(|n| encode(&format!("search:{n}"))));
        return forged;
    }
    // Numbers and strings outside JSON strings and inside them, by position.
    let mut numbers = Vec::new();
    let mut strings = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                let end = text[at + 1..]
                    .find('"')
                    .map_or(bytes.len(), |end| at + 1 + end);
                strings.push((at + 1, end));
                at = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = text[at + 1..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(bytes.len(), |end| at + 1 + end);
                numbers.push((at, end));
                at = end;
            }
            _ => at += 1,
        }
    }
    assert!(!numbers.is_empty(), "a cursor with numbers: {text}");
    for (start, end) in numbers {
        for n in NUMBERS {
            forged.push(encode(&format!("{}{n}{}", &text[..start], &text[end..])));
        }
    }
    for (start, end) in strings {
        for replacement in [
            "-200000-01-01T00:00:00Z",
            "+200000-01-01T00:00:00Z",
            "2024-04-11T16:00:00Z",
            "not a key",
            "x\\u0000y",
        ] {
            forged.push(encode(&format!(
                "{}{replacement}{}",
                &text[..start],
                &text[end..]
            )));
        }
    }
    forged
}

/// One connection: where its cursor comes from, and how a page after a cursor is asked for.
struct Connection {
    name: &'static str,
    /// A query whose `edges` (at the path) carry cursors.
    query: &'static str,
    path: &'static [&'static str],
    /// The same list after `$c` (forward, and backward where it pages backward).
    after: &'static str,
    before: Option<&'static str>,
}

const CONNECTIONS: &[Connection] = &[
    Connection {
        name: "articles",
        query: "{ x: articles(first: 2) { edges { cursor } } }",
        path: &["x"],
        after: "query($c: String) { x: articles(first: 2, after: $c) { edges { cursor } } }",
        before: Some("query($c: String) { x: articles(last: 2, before: $c) { edges { cursor } } }"),
    },
    Connection {
        name: "articles, oldest first",
        query: "{ x: articles(first: 2, orderBy: OLDEST_FIRST) { edges { cursor } } }",
        path: &["x"],
        after: "query($c: String) { x: articles(first: 2, after: $c, orderBy: OLDEST_FIRST) { edges { cursor } } }",
        before: None,
    },
    Connection {
        name: "institutions",
        query: "{ x: institutions(first: 2) { edges { cursor } } }",
        path: &["x"],
        after: "query($c: String) { x: institutions(first: 2, after: $c) { edges { cursor } } }",
        before: Some(
            "query($c: String) { x: institutions(last: 2, before: $c) { edges { cursor } } }",
        ),
    },
    Connection {
        name: "people",
        query: "{ x: people(first: 2) { edges { cursor } } }",
        path: &["x"],
        after: "query($c: String) { x: people(first: 2, after: $c) { edges { cursor } } }",
        before: Some("query($c: String) { x: people(last: 2, before: $c) { edges { cursor } } }"),
    },
    Connection {
        name: "agreements",
        query: "{ x: agreements(first: 1) { edges { cursor } } }",
        path: &["x"],
        after: "query($c: String) { x: agreements(first: 1, after: $c) { edges { cursor } } }",
        before: Some(
            "query($c: String) { x: agreements(last: 1, before: $c) { edges { cursor } } }",
        ),
    },
    Connection {
        name: "a section's articles",
        query: r#"{ s: section(slug: "events") { x: articles(first: 1) { edges { cursor } } } }"#,
        path: &["s", "x"],
        after: r#"query($c: String) { s: section(slug: "events") { x: articles(first: 1, after: $c) { edges { cursor } } } }"#,
        before: None,
    },
    Connection {
        name: "an institution's articles and agreements",
        query: r#"{ s: institution(slug: "szpu") { x: agreements(first: 1) { edges { cursor } } } }"#,
        path: &["s", "x"],
        after: r#"query($c: String) { s: institution(slug: "szpu") { x: agreements(first: 1, after: $c) { edges { cursor } } y: articles(first: 1, after: $c) { edges { cursor } } } }"#,
        before: None,
    },
    Connection {
        name: "a person's signed agreements and articles",
        query: r#"{ s: person(slug: "xu-jianling") { x: articles(first: 1) { edges { cursor } } } }"#,
        path: &["s", "x"],
        after: r#"query($c: String) { s: person(slug: "xu-jianling") { x: signedAgreements(first: 1, after: $c) { edges { cursor } } y: articles(first: 1, after: $c) { edges { cursor } } } }"#,
        before: None,
    },
    Connection {
        name: "search",
        query: r#"{ x: search(query: "agreement", first: 2) { edges { cursor } } }"#,
        path: &["x"],
        after: r#"query($c: String) { x: search(query: "agreement", first: 2, after: $c) { edges { cursor } } }"#,
        before: None,
    },
];

fn cursors_of(server: &Server, connection: &Connection) -> Vec<String> {
    let (status, body) = server.graphql(connection.query, json!({}));
    assert!(status.contains("200"), "{status} {body}");
    let mut list = &body["data"];
    for step in connection.path {
        list = &list[*step];
    }
    let cursors: Vec<String> = list["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no edges in {body}", connection.name))
        .iter()
        .filter_map(|edge| edge["cursor"].as_str().map(str::to_owned))
        .collect();
    assert!(
        !cursors.is_empty(),
        "{}: no cursors in {body}",
        connection.name
    );
    cursors
}

fn forged_cursors_get_clear_answers(mut server: Server) {
    let mut every_cursor = Vec::new();
    for connection in CONNECTIONS {
        every_cursor.extend(cursors_of(&server, connection));
    }
    let (_, sync) = server.graphql("{ sync(first: 2) { nextToken } }", json!({}));
    let sync_token = sync["data"]["sync"]["nextToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no sync token: {sync}"))
        .to_owned();
    let (_, synced) = server.graphql(
        "query($t: String) { sync(token: $t, first: 500) { nextToken } }",
        json!({ "t": sync_token }),
    );
    let caught_up = synced["data"]["sync"]["nextToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    for connection in CONNECTIONS {
        let own = cursors_of(&server, connection);
        // Its own cursors forged, and every other list's cursors as they are.
        let mut tried: Vec<String> = own.iter().flat_map(|cursor| forgeries(cursor)).collect();
        tried.extend(every_cursor.iter().cloned());
        tried.push(sync_token.clone());
        for cursor in &tried {
            for document in std::iter::once(connection.after).chain(connection.before) {
                let what = format!("{} with cursor {cursor}", connection.name);
                let (status, body) = server.graphql(document, json!({ "c": cursor }));
                assert_clear(&status, &body, &what, &["after", "before"]);
                server.assert_alive(&what);
            }
        }
    }

    // Sync tokens, as they are (initial pass and caught up) and forged.
    let mut tokens: Vec<String> = forgeries(&sync_token);
    tokens.extend(forgeries(&caught_up));
    tokens.extend(every_cursor.iter().cloned());
    for token in &tokens {
        let what = format!("sync with token {token}");
        let (status, body) = server.graphql(
            "query($t: String) { sync(token: $t, first: 5) { nextToken items { __typename } } }",
            json!({ "t": token }),
        );
        assert_clear(&status, &body, &what, &["token"]);
        server.assert_alive(&what);
        let (status, body) = server.get(&format!("/api/v1/sync?token={token}"));
        assert_clear_rest(&status, &body, &what, &["token"]);
    }

    // REST pages and search take the same cursors.
    for cursor in every_cursor.iter().flat_map(|cursor| forgeries(cursor)) {
        for path in [
            format!("/api/v1/articles?after={cursor}"),
            format!("/api/v1/articles?before={cursor}"),
            format!("/api/v1/people?after={cursor}"),
            format!("/api/v1/institutions?after={cursor}"),
            format!("/api/v1/agreements?after={cursor}"),
            format!("/api/v1/search?q=agreement&after={cursor}"),
        ] {
            let (status, body) = server.get(&path);
            assert_clear_rest(&status, &body, &path, &["after", "before"]);
            server.assert_alive(&path);
        }
    }
}

#[test]
fn forged_cursors_get_clear_answers_on_sqlite() {
    forged_cursors_get_clear_answers(sqlite());
}

#[test]
fn forged_cursors_get_clear_answers_on_postgres() {
    if let Some(server) = postgres() {
        forged_cursors_get_clear_answers(server);
    }
}

/// Values that size work, or that the databases cannot hold, each sent where a client can send
/// it.
fn values_that_size_work_are_bounded(mut server: Server) {
    let deep = "(".repeat(2000);
    let nul = "a\u{0}b";
    let cases: Vec<(&str, Value, &[&str])> = vec![
        // Page sizes, at the root and nested.
        (
            "{ articles(first: -1) { totalCount } }",
            json!({}),
            &["first"],
        ),
        (
            "{ articles(first: 2147483647) { totalCount } }",
            json!({}),
            &["first"],
        ),
        (
            "{ articles(last: 101) { totalCount } }",
            json!({}),
            &["last"],
        ),
        (
            r#"{ section(slug: "events") { articles(first: 1000000) { totalCount } } }"#,
            json!({}),
            &["first"],
        ),
        (
            r#"{ person(slug: "xu-jianling") { signedAgreements(first: -5) { totalCount } } }"#,
            json!({}),
            &["first"],
        ),
        ("{ sync(first: 0) { nextToken } }", json!({}), &["first"]),
        (
            "{ sync(first: 2147483647) { nextToken } }",
            json!({}),
            &["first"],
        ),
        (
            r#"{ search(query: "agreement", first: 1000000) { edges { cursor } } }"#,
            json!({}),
            &["first"],
        ),
        (
            r#"{ suggest(prefix: "a", first: 2147483647) { text } }"#,
            json!({}),
            &["first"],
        ),
        ("{ nodes(ids: []) { id } }", json!({}), &["ids"]),
        // Search: as deep as allowed, no deeper; syntax that nests; a long prefix.
        (
            "query($q: String!) { search(query: $q) { edges { cursor } } }",
            json!({ "q": deep }),
            &["query"],
        ),
        (
            "query($q: String!) { search(query: $q) { edges { cursor } } }",
            json!({ "q": deep[..400].to_owned() + "agreement" }),
            &["query"],
        ),
        (
            r#"{ search(query: "\"szpu agreement\"~4294967295") { edges { cursor } } }"#,
            json!({}),
            &["query"],
        ),
        (
            "query($p: String!) { suggest(prefix: $p) { text } }",
            json!({ "p": "x".repeat(5000) }),
            &["prefix"],
        ),
        // Dates and instants out of every database's range.
        (
            r#"{ articles(filter: { publishedFrom: "-200000-01-01T00:00:00Z" }) { totalCount } }"#,
            json!({}),
            &["filter.publishedFrom"],
        ),
        (
            r#"{ articles(filter: { publishedBefore: "+200000-01-01T00:00:00Z" }) { totalCount } }"#,
            json!({}),
            &["filter.publishedBefore"],
        ),
        (
            r#"{ agreements(filter: { activeAt: "-200000-01-01" }) { totalCount } }"#,
            json!({}),
            &["filter.activeAt"],
        ),
        (
            r#"{ person(slug: "xu-jianling") { positions(asOf: "+200000-01-01") { title } } }"#,
            json!({}),
            &["asOf"],
        ),
        // NUL characters, which PostgreSQL refuses in text, in arguments and variables.
        (
            "query($s: String!) { article(slug: $s) { id } }",
            json!({ "s": nul }),
            &["slug"],
        ),
        (
            r#"{ article(slug: "a\u0000b") { id } }"#,
            json!({}),
            &["slug"],
        ),
        (
            "query($s: String!) { search(query: $s) { edges { cursor } } }",
            json!({ "s": nul }),
            &["query"],
        ),
        (
            "mutation($e: String!) { login(email: $e, password: \"whatever password\") { accessToken } }",
            json!({ "e": nul }),
            &["email"],
        ),
        // Overlong credentials are refused before any work.
        (
            "mutation($e: String!) { login(email: $e, password: \"whatever password\") { accessToken } }",
            json!({ "e": "a".repeat(100_000) }),
            &["email"],
        ),
    ];
    for (document, variables, fields) in cases {
        let what = format!(
            "{document} {}",
            variables.to_string().chars().take(80).collect::<String>()
        );
        let (status, body) = server.graphql(document, variables);
        assert_clear(&status, &body, &what, fields);
        server.assert_alive(&what);
    }
    // The same values over REST.
    for (path, field) in [
        ("/api/v1/articles?limit=-1", "limit"),
        ("/api/v1/articles?limit=101", "limit"),
        ("/api/v1/agreements?activeAt=-200000-01-01", "activeAt"),
        ("/api/v1/articles/a%00b", "uri"),
        ("/api/v1/search?q=a%00b", "uri"),
        ("/api/v1/sync?limit=100000", "limit"),
    ] {
        let (status, body) = server.get(path);
        assert_clear_rest(&status, &body, path, &[field]);
        server.assert_alive(path);
    }
    // The deepest search page is served; the one after it is refused, naming the limit.
    let deepest = URL_SAFE_NO_PAD.encode("search:9999");
    let (status, body) = server.graphql(
        "query($c: String) { search(query: \"agreement\", first: 50, after: $c) { pageInfo { hasNextPage } } }",
        json!({ "c": deepest }),
    );
    assert_clear(&status, &body, "the deepest page", &[]);
    assert!(
        body["data"]["search"]["pageInfo"]["hasNextPage"] == false,
        "{body}"
    );
    let (_, body) = server.graphql(
        "query($c: String) { search(query: \"agreement\", after: $c) { edges { cursor } } }",
        json!({ "c": URL_SAFE_NO_PAD.encode("search:10000") }),
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("10000"),
        "the error names the limit: {body}"
    );
    server.assert_alive("search past the limit");
}

#[test]
fn values_that_size_work_are_bounded_on_sqlite() {
    values_that_size_work_are_bounded(sqlite());
}

#[test]
fn values_that_size_work_are_bounded_on_postgres() {
    if let Some(server) = postgres() {
        values_that_size_work_are_bounded(server);
    }
}
