//! Article nodes rendered straight from the request's prefetched rows, without resolvers, and
//! written as JSON at once.
//!
//! A rendered news list is about a thousand fields, and async-graphql resolves each through a
//! boxed future, a context, a row clone and a map insert, then builds a value tree that is
//! serialised and dropped: that was most of the list's CPU time. After a list has prefetched
//! what its selection needs (see [`super::prefetch`]), [`ArticleNode`] walks the selection itself
//! and writes the node's JSON in one pass. The JSON travels through async-graphql as a
//! `Value::Binary` and is written out verbatim by [`write_response`], which the HTTP handler
//! uses for every response; only requests that the handler serialises that way, and whose
//! document asks for no object twice (so that no two values are ever merged, which a finished
//! node could not take part in), get nodes rendered this way ([`merge_free`]).
//!
//! It renders only what it knows to give the resolvers' answer: fields without arguments or
//! directives, fragments on the type itself, values that cannot fail, rows that were prefetched.
//! Anything else (`jsonLd`, `revisions`, `positions(asOf: ...)`, a fragment on an interface, a
//! row not prefetched, a person a mention points at but that is gone) hands the whole node to the
//! resolvers, so an error or an unusual selection is answered exactly as before. Tests ask the
//! same lists both ways and compare.

mod json;
mod nodes;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::parser::types::{
    Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use entities::article;

use super::RequestContext;
use super::types::{Article, ArticleEdge};

/// How article nodes were rendered, since the node started (see `/metrics`).
#[derive(Default)]
pub struct RenderStats {
    direct: AtomicU64,
    by_resolvers: AtomicU64,
}

impl RenderStats {
    /// Nodes rendered straight from the prefetched rows.
    pub fn direct(&self) -> u64 {
        self.direct.load(Ordering::Relaxed)
    }

    /// Nodes the resolvers rendered (a selection or a row the direct path leaves to them).
    pub fn by_resolvers(&self) -> u64 {
        self.by_resolvers.load(Ordering::Relaxed)
    }
}

/// An article as a list's node: rendered from the prefetched rows when it can be, else by the
/// `Article` resolvers. The schema sees `Article` itself.
pub struct ArticleNode<'a>(pub &'a Article);

impl OutputType for ArticleNode<'_> {
    fn type_name() -> Cow<'static, str> {
        <Article as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Article as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let request = ctx.data_opt::<RequestContext>();
        if let Some(request) = request
            && request.writes_nodes
            && let Some(json) = render(ctx, request, &self.0.0)
        {
            request.rendering.direct.fetch_add(1, Ordering::Relaxed);
            return Ok(Value::Binary(json.into()));
        }
        if let Some(request) = request {
            let stats = &request.rendering;
            stats.by_resolvers.fetch_add(1, Ordering::Relaxed);
        }
        <Article as OutputType>::resolve(self.0, ctx, field).await
    }
}

/// An edge of an article list: its cursor and node written as JSON at once when the node can
/// be, else resolved. The schema sees `ArticleEdge` itself.
pub struct ArticleEdgeView<'a>(pub &'a ArticleEdge);

impl OutputType for ArticleEdgeView<'_> {
    fn type_name() -> Cow<'static, str> {
        <ArticleEdge as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <ArticleEdge as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(request) = ctx.data_opt::<RequestContext>()
            && request.writes_nodes
            && let Some((json, nodes)) = render_edge(ctx, request, self.0)
        {
            let stats = &request.rendering;
            stats.direct.fetch_add(nodes, Ordering::Relaxed);
            return Ok(Value::Binary(json.into()));
        }
        <ArticleEdge as OutputType>::resolve(self.0, ctx, field).await
    }
}

/// The edge's JSON and how many nodes it holds, or `None` when the resolvers must give it.
fn render_edge(
    ctx: &ContextSelectionSet<'_>,
    request: &RequestContext,
    edge: &ArticleEdge,
) -> Option<(Vec<u8>, u64)> {
    let rows = request.reader.rows().ok()?;
    let render = Render::new(ctx, request, &rows);
    let mut out = Vec::with_capacity(2048);
    let mut nodes = 0;
    render.object(
        &ctx.item.node,
        "ArticleEdge",
        &mut out,
        &mut |name, set, out| {
            match name {
                "cursor" => text(out, &edge.cursor),
                "node" => {
                    render.article(set, &edge.node.0, out)?;
                    nodes += 1;
                }
                _ => return None,
            }
            Some(())
        },
    )?;
    Some((out, nodes))
}

/// Whether no selection set of `operation` asks for an object under one response key twice
/// (fragments included), so that async-graphql never merges two values: nodes may then be
/// written as JSON.
pub fn merge_free(
    operation: &OperationDefinition,
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
) -> bool {
    fn walk<'a>(
        set: &'a SelectionSet,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        keys: &mut HashSet<&'a str>,
        inside: &mut Vec<&'a str>,
    ) -> bool {
        for selection in &set.items {
            let ok = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    // A leaf asked for twice keeps its first value; no merge is needed.
                    let leaf = field.selection_set.node.items.is_empty();
                    (keys.insert(field.response_key().node.as_str()) || leaf)
                        && walk(
                            &field.selection_set.node,
                            fragments,
                            &mut HashSet::new(),
                            inside,
                        )
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // A fragment inside itself is refused by validation; no need to look further.
                    match fragments.get(name) {
                        Some(fragment) if !inside.contains(&name) => {
                            inside.push(name);
                            let ok =
                                walk(&fragment.node.selection_set.node, fragments, keys, inside);
                            inside.pop();
                            ok
                        }
                        _ => false,
                    }
                }
                Selection::InlineFragment(inline) => {
                    walk(&inline.node.selection_set.node, fragments, keys, inside)
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }
    walk(
        &operation.selection_set.node,
        fragments,
        &mut HashSet::new(),
        &mut Vec::new(),
    )
}

/// The node's JSON, or `None` when the resolvers must give it.
fn render(
    ctx: &ContextSelectionSet<'_>,
    request: &RequestContext,
    row: &article::Model,
) -> Option<Vec<u8>> {
    let rows = request.reader.rows().ok()?;
    let render = Render::new(ctx, request, &rows);
    let mut out = Vec::with_capacity(2048);
    render.article(&ctx.item.node, row, &mut out)?;
    Some(out)
}

use json::text;
pub use json::write_response;
use nodes::Render;
