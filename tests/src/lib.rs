//! Test support: a [`TestApp`] is the real app (built by the same functions as production) on
//! its own database, a fresh SQLite file or a fresh PostgreSQL schema, driven through the real
//! router.
//!
//! PostgreSQL tests run when `NEWSDESK_TEST_POSTGRES_URL` names a database they may create
//! schemas in; without it they are skipped with a note (and fail under `CI=true`, so CI cannot
//! silently skip them).

pub mod fixtures;

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use newsdesk::app::router;
use newsdesk::cli::Cli;
use newsdesk::graphql::engine::Engine;
use newsdesk::state::AppState;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// Environment variable naming the PostgreSQL database for tests.
pub const POSTGRES_ENV: &str = "NEWSDESK_TEST_POSTGRES_URL";

/// The token signing secret of every test app, so tests can forge tokens to prove they fail.
pub const TEST_JWT_SECRET: &str = "a test secret that is at least thirty-two bytes long";

/// A user made for a test.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The user id.
    pub id: i64,
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
    /// A valid access token.
    pub token: String,
}

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh schema in the configured PostgreSQL database.
    Postgres,
}

/// A response as a test sees it.
#[derive(Debug)]
pub struct TestResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }

    /// The `extensions.code` of the first error.
    pub fn first_error_code(&self) -> Option<String> {
        self.json()["errors"][0]["extensions"]["code"]
            .as_str()
            .map(str::to_owned)
    }
}

/// The app under test.
pub struct TestApp {
    /// Which database it runs on.
    pub backend: Backend,
    /// The state, as production builds it.
    pub state: AppState,
    /// The GraphQL engine, as production builds it.
    pub engine: std::sync::Arc<Engine>,
    router: Router,
    cleanup: Cleanup,
    args: Vec<String>,
}

enum Cleanup {
    Folder(PathBuf),
    Schema {
        url: String,
        schema: String,
        folder: PathBuf,
    },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(path) => {
                let _ = std::fs::remove_dir_all(path);
            }
            Cleanup::Schema {
                url,
                schema,
                folder,
            } => {
                let _ = std::fs::remove_dir_all(folder);
                let (url, schema) = (url.clone(), schema.clone());
                // Drop runs inside the test's runtime; a thread with its own runtime may block.
                let _ = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async move {
                        if let Ok(db) = Database::connect(url.as_str()).await {
                            let _ = db
                                .execute_unprepared(&format!(
                                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                                ))
                                .await;
                            let _ = db.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn unique_name() -> String {
    format!("t{}", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    /// The app on `backend`, or `None` when PostgreSQL is not configured (outside CI).
    pub async fn on(backend: Backend, extra_args: &[&str]) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite_with(extra_args).await),
            Backend::Postgres => Self::postgres_with(extra_args).await,
        }
    }

    async fn sqlite_with(extra_args: &[&str]) -> Self {
        let folder = std::env::temp_dir()
            .join("newsdesk-tests")
            .join(unique_name());
        let data_dir = folder.to_string_lossy().into_owned();
        let mut args = vec!["--data-dir", &data_dir, "--jwt-secret", TEST_JWT_SECRET];
        args.extend_from_slice(extra_args);
        Self::start(Backend::Sqlite, &args, Cleanup::Folder(folder.clone())).await
    }

    async fn postgres_with(extra_args: &[&str]) -> Option<Self> {
        let Ok(url) = std::env::var(POSTGRES_ENV) else {
            if std::env::var_os("CI").is_some() {
                panic!("CI is set but {POSTGRES_ENV} is not: PostgreSQL tests would be skipped");
            }
            eprintln!("skipped on PostgreSQL: set {POSTGRES_ENV} to run it");
            return None;
        };
        let schema = unique_name();
        let admin = Database::connect(url.as_str())
            .await
            .unwrap_or_else(|error| panic!("cannot connect to {POSTGRES_ENV}: {error}"));
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|error| panic!("cannot create schema {schema}: {error}"));
        let _ = admin.close().await;
        // The data folder holds this app's search index.
        let folder = std::env::temp_dir()
            .join("newsdesk-tests")
            .join(unique_name());
        let data_dir = folder.to_string_lossy().into_owned();
        let mut args = vec![
            "--data-dir",
            &data_dir,
            "--database-url",
            &url,
            "--database-schema",
            &schema,
            "--db-max-connections",
            "4",
            "--jwt-secret",
            TEST_JWT_SECRET,
        ];
        args.extend_from_slice(extra_args);
        let cleanup = Cleanup::Schema {
            url: url.clone(),
            schema: schema.clone(),
            folder: folder.clone(),
        };
        Some(Self::start(Backend::Postgres, &args, cleanup).await)
    }

    async fn start(backend: Backend, args: &[&str], cleanup: Cleanup) -> Self {
        let argv = ["newsdesk", "--seed-demo", "never"]
            .iter()
            .chain(args)
            .copied();
        let cli = Cli::try_parse_from(argv)
            .unwrap_or_else(|error| panic!("bad test configuration: {error}"));
        let engine = std::sync::Arc::new(
            Engine::new(&cli.config).unwrap_or_else(|error| panic!("bad engine: {error}")),
        );
        let state = AppState::start(cli.config)
            .await
            .unwrap_or_else(|error| panic!("app did not start: {error}"));
        let router = router(state.clone(), engine.clone());
        Self {
            backend,
            state,
            engine,
            router,
            cleanup,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        }
    }

    /// A second api node on the same database, with its own search index and caches, as
    /// another process would be. Dropping it leaves the database alone.
    pub async fn another_node(&self) -> Self {
        let folder = std::env::temp_dir()
            .join("newsdesk-tests")
            .join(unique_name());
        let index = folder.to_string_lossy().into_owned();
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend(["--search-index-dir", &index]);
        Self::start(self.backend, &args, Cleanup::Folder(folder.clone())).await
    }

    /// The database pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db.conn
    }

    /// Loads the demo content with the production seeder.
    pub async fn seed_demo(&self) {
        newsdesk::tools::seed::demo(self.db())
            .await
            .unwrap_or_else(|error| panic!("seeding failed: {error}"));
    }

    /// SQL statements run so far.
    pub fn statements(&self) -> u64 {
        self.state.db.statement_count()
    }

    /// Sends a GET to `uri` with `headers`.
    pub async fn get(&self, uri: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut builder = Request::builder().method(Method::GET).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.send(
            builder
                .body(Body::empty())
                .unwrap_or_else(|error| panic!("{error}")),
        )
        .await
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        use tower::ServiceExt;
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|error| match error {});
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|collected| collected.to_bytes().to_vec())
            .unwrap_or_default();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// POSTs a GraphQL request as JSON and returns the raw response.
    pub async fn post_graphql(&self, query: &str, variables: Value) -> TestResponse {
        self.post_graphql_as(None, query, variables).await
    }

    /// POSTs a GraphQL request with a bearer token.
    pub async fn post_graphql_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> TestResponse {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, "application/graphql-response+json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Body::from(body))
            .unwrap_or_else(|error| panic!("bad request: {error}"));
        self.send(request).await
    }

    /// Runs an operation as `token` that must succeed; returns `data`.
    pub async fn query_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.post_graphql_as(Some(token), query, variables).await;
        let body = response.json();
        assert_eq!(response.status, StatusCode::OK, "unexpected status: {body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs an operation as `token` (or anonymously) that must fail; returns the first error's
    /// code and `extensions.field`.
    pub async fn error_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (String, Option<String>) {
        let body = self.post_graphql_as(token, query, variables).await.json();
        let error = &body["errors"][0];
        assert!(!error.is_null(), "expected an error: {body}");
        (
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("<no code>")
                .to_owned(),
            error["extensions"]["field"].as_str().map(str::to_owned),
        )
    }

    /// Creates a user with the production code and logs them in over GraphQL.
    pub async fn user(&self, role: entities::enums::UserRole) -> TestUser {
        let email = format!(
            "{}-{}@example.org",
            format!("{role:?}").to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        let password = "a long enough password".to_owned();
        let user = newsdesk::auth::users::create(
            self.db(),
            newsdesk::auth::users::Actor::Cli,
            &email,
            &email,
            role,
            password.clone(),
        )
        .await
        .unwrap_or_else(|error| panic!("cannot create user: {error}"));
        let data = self
            .query(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await;
        let token = data["login"]["accessToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        TestUser {
            id: user.id,
            email,
            password,
            token,
        }
    }

    /// Runs a query that must succeed without errors; returns `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let response = self.post_graphql(query, variables).await;
        let body = response.json();
        assert_eq!(response.status, StatusCode::OK, "unexpected status: {body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a query that must fail; returns the first error's `extensions.code` and message.
    pub async fn query_error(&self, query: &str, variables: Value) -> (String, String) {
        let body = self.post_graphql(query, variables).await.json();
        let error = &body["errors"][0];
        assert!(!error.is_null(), "expected an error: {body}");
        (
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("<no code>")
                .to_owned(),
            error["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

impl TestApp {
    /// Inserts a draft `slug` in `section` and schedules it through the API, as `token`'s
    /// holder, to be published 1.5 s from now; returns when it is due.
    pub async fn scheduled_draft(
        &self,
        token: &str,
        section: i64,
        slug: &str,
    ) -> chrono::DateTime<chrono::Utc> {
        let mut spec = fixtures::ArticleSpec::published(slug, section, 0);
        spec.status = entities::enums::ArticleStatus::Draft;
        spec.published_at = None;
        let draft = fixtures::article(self.db(), spec).await;
        let due = chrono::Utc::now() + chrono::Duration::milliseconds(1_500);
        self.query_as(
            token,
            "mutation($id: ID!, $at: DateTime) { publishArticle(id: $id, at: $at) { article { status } } }",
            json!({ "id": newsdesk::ids::encode(newsdesk::ids::Kind::Article, draft), "at": due.to_rfc3339() }),
        )
        .await;
        due
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
///
/// ```text
/// db_test!(async fn a_thing_works(app) { ... });
/// ```
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $crate::db_test!($(#[$meta])* async fn $name($app, &[]) $body);
    };
    ($(#[$meta:meta])* async fn $name:ident($app:ident, $args:expr) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::TestApp::on($crate::Backend::Sqlite, $args).await {
                    run(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::on($crate::Backend::Postgres, $args).await {
                    run(app).await;
                }
            }
        }
    };
}
