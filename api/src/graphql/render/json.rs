//! Writing JSON straight into the response: a response whose nodes were rendered goes out
//! with those nodes verbatim, and the renderer's small writers.

use async_graphql::{Response, Value};

use crate::ids::{self, Kind};

/// A response as JSON, as serde would write it, except that a `Value::Binary` is JSON written
/// by [`ArticleNode`] and goes in verbatim. Every response of a request whose nodes may be
/// written so must be serialised here.
pub fn write_response(response: &Response) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"data\":");
    write_value(&mut out, &response.data);
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        let _ = serde_json::to_writer(&mut out, &response.extensions);
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        let _ = serde_json::to_writer(&mut out, &response.errors);
    }
    out.push(b'}');
    out
}

pub(super) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(fields) => {
            out.push(b'{');
            for (n, (key, item)) in fields.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
        leaf => {
            // Writing to memory cannot fail.
            let _ = serde_json::to_writer(&mut *out, leaf);
        }
    }
}

pub(super) fn write_str(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Writes each item, or gives up.
pub(super) fn list<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut item: impl FnMut(T, &mut Vec<u8>) -> Option<()>,
) -> Option<()> {
    out.push(b'[');
    for (n, value) in items.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        item(value, out)?;
    }
    out.push(b']');
    Some(())
}

pub(super) fn text(out: &mut Vec<u8>, value: &str) {
    write_str(out, value);
}

pub(super) fn optional_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => write_str(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

pub(super) fn scalar(out: &mut Vec<u8>, value: impl Into<Value>) {
    write_value(out, &value.into());
}

pub(super) fn id(out: &mut Vec<u8>, kind: Kind, id: i64) {
    write_str(out, &ids::encode(kind, id));
}

pub(super) fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}
