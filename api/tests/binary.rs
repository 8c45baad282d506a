//! The real `newsdesk` binary, as a user runs it: start-up errors name the bad setting, the
//! first start serves the demo content over HTTP, and SIGTERM shuts it down gracefully.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{BIN, free_port, http, wait_until_healthy};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("newsdesk-binary-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_malformed_setting_stops_start_up_with_a_message_naming_it() {
    let output = Command::new(BIN)
        .arg("migrate")
        .env("NEWSDESK_LISTEN", "not-an-address")
        .env("NEWSDESK_DATA_DIR", temp_dir("bad-setting"))
        .output()
        .unwrap_or_else(|error| panic!("cannot run {BIN}: {error}"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--listen"), "{stderr}");
    assert!(stderr.contains("NEWSDESK_LISTEN"), "{stderr}");

    let output = Command::new(BIN)
        .args(["--database-url", "mysql://somewhere/db", "migrate"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run {BIN}: {error}"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--database-url"));
}

#[test]
fn tokens_signed_by_the_generated_key_survive_a_restart() {
    let data_dir = temp_dir("restart");
    let added = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "user",
            "add",
            "--email",
            "ed@example.org",
            "--role",
            "editor",
        ])
        .env_remove("DATABASE_URL")
        .env_remove("NEWSDESK_JWT_SECRET")
        .env("NEWSDESK_USER_PASSWORD", "ed's long password")
        .output()
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let start = |port: u16| {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(&data_dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_remove("DATABASE_URL")
            .env_remove("NEWSDESK_JWT_SECRET")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{error}"));
        wait_until_healthy(&mut child, port);
        child
    };
    let port = free_port();
    let mut first = start(port);
    let login = r#"{"query":"mutation { login(email: \"ed@example.org\", password: \"ed's long password\") { accessToken } }"}"#;
    let (_, body) =
        http(port, "POST", "/graphql", login, None).unwrap_or_else(|| panic!("no answer"));
    let token = body
        .split("\"accessToken\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no token in {body}"))
        .to_owned();
    let _ = first.kill();
    let _ = first.wait();

    let port = free_port();
    let mut second = start(port);
    let me = r#"{"query":"{ me { email } }"}"#;
    let (status, body) =
        http(port, "POST", "/graphql", me, Some(&token)).unwrap_or_else(|| panic!("no answer"));
    let _ = second.kill();
    let _ = second.wait();
    assert!(status.contains("200"), "{status} {body}");
    assert!(
        body.contains("ed@example.org"),
        "the token still works after a restart: {body}"
    );
    let secret = std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap_or_default();
    assert!(
        secret.trim().len() >= 32,
        "the key is kept in the data folder"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn the_schema_command_prints_the_checked_in_schema() {
    let output = Command::new(BIN)
        .arg("schema")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {BIN}: {error}"));
    assert!(output.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&output.stdout) == checked_in,
        "run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_first_start_serves_the_demo_content_and_sigterm_stops_it_gracefully() {
    let data_dir = temp_dir("serve");
    let port = free_port();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {BIN}: {error}"));
    wait_until_healthy(&mut child, port);

    let query = r#"{"query":"{ article(slug: \"szpu-gxmpc-pairing-assistance-agreement-2024\") { byline { text } } }"}"#;
    let (status, body) =
        http(port, "POST", "/graphql", query, None).unwrap_or_else(|| panic!("no answer"));
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("Pairing Support Office, Feng Min"), "{body}");
    let (status, _) = http(port, "GET", "/readyz", "", None).unwrap_or_else(|| panic!("no answer"));
    assert!(status.contains("200"), "{status}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|status| status.success()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Ok(Some(exit)) = child.try_wait() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    let mut logs = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut logs);
    }
    assert!(
        logs.contains("demo content"),
        "the empty database was seeded: {logs}"
    );
    assert!(
        logs.contains("request_id"),
        "requests are logged with their id: {logs}"
    );
    assert!(logs.contains("shut down"), "{logs}");
    let _ = std::fs::remove_dir_all(&data_dir);
}
