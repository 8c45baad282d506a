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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::parser::types::{
    Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, Response, ScalarType, ServerResult, Value,
};
use entities::{article, institution, media, person, position, section, tag};

use super::RequestContext;
use super::types::{
    Article, ArticleEdge, ArticleStatus, Date, InstitutionKind, Locale, PersonMention,
    printed_byline,
};
use crate::content::markdown;
use crate::ids::{self, Kind};
use crate::reads::loaders::{
    AllSections, AuthorsOf, InstitutionById, InstitutionsMentionedIn, MediaOf, PeopleMentionedIn,
    PersonById, PositionsOfPerson, TagsOf,
};
use crate::reads::rows::RequestRows;
use crate::reads::sections::SectionTree;

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

fn write_value(out: &mut Vec<u8>, value: &Value) {
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

fn write_str(out: &mut Vec<u8>, text: &str) {
    let _ = serde_json::to_writer(&mut *out, text);
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

/// One request's rendering state.
struct Render<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    rows: &'a RequestRows,
    preferred_locale: Option<entities::enums::Locale>,
}

/// Writes each item, or gives up.
fn list<T>(
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

fn text(out: &mut Vec<u8>, value: &str) {
    write_str(out, value);
}

fn optional_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => write_str(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn scalar(out: &mut Vec<u8>, value: impl Into<Value>) {
    write_value(out, &value.into());
}

fn id(out: &mut Vec<u8>, kind: Kind, id: i64) {
    write_str(out, &ids::encode(kind, id));
}

fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}

/// Writes a field's value from its name and selection; `None` gives the node up.
type Fields<'f, 'a> = dyn FnMut(&str, &'a SelectionSet, &mut Vec<u8>) -> Option<()> + 'f;

impl<'a> Render<'a> {
    fn new(
        ctx: &'a ContextSelectionSet<'_>,
        request: &RequestContext,
        rows: &'a RequestRows,
    ) -> Self {
        Self {
            fragments: &ctx.query_env.fragments,
            rows,
            preferred_locale: request.preferred_locale,
        }
    }

    /// Visits the fields of `set` on `type_name`, fragments included; `None` when the set has
    /// something only the resolvers handle (a directive, a fragment on another type).
    fn fields(
        &self,
        set: &'a SelectionSet,
        type_name: &str,
        visit: &mut dyn FnMut(&'a Field) -> Option<()>,
    ) -> Option<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => visit(&field.node)?,
                Selection::FragmentSpread(spread) => {
                    let fragment = &self.fragments.get(&spread.node.fragment_name.node)?.node;
                    let applies = fragment.type_condition.node.on.node == type_name;
                    if !applies || !spread.node.directives.is_empty() {
                        return None;
                    }
                    self.fields(&fragment.selection_set.node, type_name, visit)?;
                }
                Selection::InlineFragment(inline) => {
                    let condition = inline.node.type_condition.as_ref();
                    let applies = condition.is_none_or(|on| on.node.on.node == type_name);
                    if !applies || !inline.node.directives.is_empty() {
                        return None;
                    }
                    self.fields(&inline.node.selection_set.node, type_name, visit)?;
                }
            }
        }
        Some(())
    }

    /// An object of `type_name`: `value` writes each field's value from its name and selection.
    /// As async-graphql does, a field asked for twice keeps its first place, and an object with
    /// no field selected is null; objects asked for twice (to be merged) are left to it.
    fn object(
        &self,
        set: &'a SelectionSet,
        type_name: &'static str,
        out: &mut Vec<u8>,
        value: &mut Fields<'_, 'a>,
    ) -> Option<()> {
        let start = out.len();
        let mut keys: Vec<&'a str> = Vec::with_capacity(set.items.len());
        out.push(b'{');
        self.fields(set, type_name, &mut |field| {
            if !field.arguments.is_empty() || !field.directives.is_empty() {
                return None;
            }
            let key = field.response_key().node.as_str();
            if keys.contains(&key) {
                // The same field again (validation sees to that): a leaf keeps its first
                // value; an object would be merged, which is the resolvers' to do.
                return field.selection_set.node.items.is_empty().then_some(());
            }
            if !keys.is_empty() {
                out.push(b',');
            }
            keys.push(key);
            write_str(out, key);
            out.push(b':');
            let name = field.name.node.as_str();
            if name == "__typename" {
                write_str(out, type_name);
                Some(())
            } else {
                value(name, &field.selection_set.node, out)
            }
        })?;
        if keys.is_empty() {
            out.truncate(start);
            null(out);
        } else {
            out.push(b'}');
        }
        Some(())
    }

    fn section_tree(&self) -> Option<&'a SectionTree> {
        self.rows.get(&AllSections)?.map(|tree| tree.as_ref())
    }
    fn article(
        &self,
        set: &'a SelectionSet,
        row: &article::Model,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.object(set, "Article", out, &mut |name, set, out| {
            match name {
                "id" => id(out, Kind::Article, row.id),
                "slug" => text(out, &row.slug),
                "locale" => scalar(out, enum_value(Locale::from(row.locale))),
                "localeFallbackFrom" => match self.preferred_locale.filter(|l| *l != row.locale) {
                    Some(locale) => scalar(out, enum_value(Locale::from(locale))),
                    None => null(out),
                },
                "title" => text(out, &row.title),
                "summary" => optional_text(out, row.summary.as_deref()),
                "bodyMarkdown" => text(out, &row.body),
                "bodyHtml" => text(out, &markdown::to_html(&row.body)),
                "bodyText" => text(out, &markdown::to_text(&row.body)),
                "version" => scalar(out, row.version),
                "status" => scalar(out, enum_value(ArticleStatus::from(row.status))),
                "publishedAt" => match &row.published_at {
                    Some(at) => scalar(out, at.to_value()),
                    None => null(out),
                },
                "createdAt" => scalar(out, row.created_at.to_value()),
                "updatedAt" => scalar(out, row.updated_at.to_value()),
                "section" => {
                    let section = self.section_tree()?.get(row.section_id)?;
                    self.section(set, section, out)?;
                }
                "breadcrumb" => {
                    let path = self.section_tree()?.path_to(row.section_id);
                    list(out, path, |section, out| self.section(set, section, out))?;
                }
                "byline" => self.byline(set, row, out)?,
                "media" => {
                    let media = self.rows.get(&MediaOf(row.id))?;
                    list(out, media.into_iter().flatten(), |media, out| {
                        self.media(set, media, out)
                    })?;
                }
                "mentionedPeople" => {
                    let rows = self.rows.get(&PeopleMentionedIn(row.id))?;
                    let mut mentions = Vec::new();
                    for mention in PersonMention::group(rows.map_or(&[], Vec::as_slice)) {
                        // A mention of someone gone is left out, as the resolver does.
                        if let Some(person) = self.rows.get(&PersonById(mention.person_id))? {
                            mentions.push((mention, person));
                        }
                    }
                    list(out, &mentions, |(mention, person), out| {
                        self.mention(set, mention, person, out)
                    })?;
                }
                "mentionedInstitutions" => {
                    let links = self.rows.get(&InstitutionsMentionedIn(row.id))?;
                    let mut institutions = Vec::new();
                    for link in links.into_iter().flatten() {
                        // A link to a row that is gone is left out, as the resolver does.
                        if let Some(institution) =
                            self.rows.get(&InstitutionById(link.institution_id))?
                        {
                            institutions.push(institution);
                        }
                    }
                    list(out, institutions, |institution, out| {
                        self.institution(set, institution, out)
                    })?;
                }
                "tags" => {
                    let tags = self.rows.get(&TagsOf(row.id))?;
                    list(out, tags.into_iter().flatten(), |tag, out| {
                        self.tag(set, tag, out)
                    })?;
                }
                _ => return None,
            }
            Some(())
        })
    }

    fn section(
        &self,
        set: &'a SelectionSet,
        row: &section::Model,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.object(set, "Section", out, &mut |name, set, out| {
            match name {
                "id" => id(out, Kind::Section, row.id),
                "version" => scalar(out, row.version),
                "slug" => text(out, &row.slug),
                "name" => text(out, &row.name_en),
                "nameZh" => optional_text(out, row.name_zh.as_deref()),
                "position" => scalar(out, row.position),
                "parent" => match row.parent_id {
                    Some(parent) => match self.section_tree()?.get(parent) {
                        Some(parent) => self.section(set, parent, out)?,
                        None => null(out),
                    },
                    None => null(out),
                },
                "children" => {
                    let children = self.section_tree()?.children(Some(row.id));
                    list(out, children, |child, out| self.section(set, child, out))?;
                }
                "breadcrumb" => {
                    let path = self.section_tree()?.path_to(row.id);
                    list(out, path, |section, out| self.section(set, section, out))?;
                }
                _ => return None,
            }
            Some(())
        })
    }

    /// The people with `ids`, in order; an id whose row is gone is left out.
    fn people(&self, ids: impl Iterator<Item = i64>) -> Option<Vec<&'a person::Model>> {
        let mut people = Vec::new();
        for id in ids {
            if let Some(person) = self.rows.get(&PersonById(id))? {
                people.push(person);
            }
        }
        Some(people)
    }

    fn byline(&self, set: &'a SelectionSet, row: &article::Model, out: &mut Vec<u8>) -> Option<()> {
        let unit = match row.source_institution_id {
            Some(id) => self.rows.get(&InstitutionById(id)),
            None => Some(None),
        };
        let authors = || {
            let links = self.rows.get(&AuthorsOf(row.id))?;
            self.people(links.into_iter().flatten().map(|link| link.person_id))
        };
        self.object(set, "Byline", out, &mut |name, set, out| {
            match name {
                "institution" => match unit? {
                    Some(unit) => self.institution(set, unit, out)?,
                    None => null(out),
                },
                "authors" => list(out, authors()?, |person, out| self.person(set, person, out))?,
                "text" => {
                    let mut parts: Vec<&str> = unit?.iter().map(|unit| &*unit.name_en).collect();
                    parts.extend(authors()?.iter().map(|person| &*person.name_en));
                    optional_text(out, printed_byline(&parts).as_deref());
                }
                _ => return None,
            }
            Some(())
        })
    }

    fn mention(
        &self,
        set: &'a SelectionSet,
        mention: &PersonMention,
        person: &person::Model,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.object(set, "PersonMention", out, &mut |name, set, out| {
            match name {
                "person" => self.person(set, person, out)?,
                "roles" => list(out, &mention.roles, |role, out| {
                    scalar(out, enum_value(*role));
                    Some(())
                })?,
                "titleAsPrinted" => optional_text(out, mention.title_as_printed.as_deref()),
                _ => return None,
            }
            Some(())
        })
    }

    fn person(&self, set: &'a SelectionSet, row: &person::Model, out: &mut Vec<u8>) -> Option<()> {
        self.object(set, "Person", out, &mut |name, set, out| {
            match name {
                "id" => id(out, Kind::Person, row.id),
                "version" => scalar(out, row.version),
                "slug" => text(out, &row.slug),
                "name" => text(out, &row.name_en),
                "nameZh" => optional_text(out, row.name_zh.as_deref()),
                "positions" => {
                    let positions = self.rows.get(&PositionsOfPerson(row.id))?;
                    list(out, positions.into_iter().flatten(), |position, out| {
                        self.position(set, position, out)
                    })?;
                }
                _ => return None,
            }
            Some(())
        })
    }

    fn position(
        &self,
        set: &'a SelectionSet,
        row: &position::Model,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.object(set, "Position", out, &mut |name, set, out| {
            match name {
                "id" => id(out, Kind::Position, row.id),
                "version" => scalar(out, row.version),
                "person" => {
                    let person = self.rows.get(&PersonById(row.person_id))??;
                    self.person(set, person, out)?;
                }
                "institution" => {
                    let institution = self.rows.get(&InstitutionById(row.institution_id))??;
                    self.institution(set, institution, out)?;
                }
                "title" => text(out, &row.title_en),
                "titleZh" => optional_text(out, row.title_zh.as_deref()),
                "startedOn" => match row.started_on {
                    Some(day) => scalar(out, Date(day).to_value()),
                    None => null(out),
                },
                "endedOn" => match row.ended_on {
                    Some(day) => scalar(out, Date(day).to_value()),
                    None => null(out),
                },
                "isCurrent" => scalar(out, row.is_current),
                _ => return None,
            }
            Some(())
        })
    }

    fn institution(
        &self,
        set: &'a SelectionSet,
        row: &institution::Model,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.object(set, "Institution", out, &mut |name, set, out| {
            match name {
                "id" => id(out, Kind::Institution, row.id),
                "version" => scalar(out, row.version),
                "slug" => text(out, &row.slug),
                "name" => text(out, &row.name_en),
                "nameZh" => optional_text(out, row.name_zh.as_deref()),
                "shortName" => optional_text(out, row.short_name_en.as_deref()),
                "shortNameZh" => optional_text(out, row.short_name_zh.as_deref()),
                "kind" => scalar(out, enum_value(InstitutionKind::from(row.kind))),
                "region" => optional_text(out, row.region.as_deref()),
                "city" => optional_text(out, row.city.as_deref()),
                "address" => optional_text(out, row.address.as_deref()),
                "postcode" => optional_text(out, row.postcode.as_deref()),
                "website" => optional_text(out, row.website.as_deref()),
                "motto" => optional_text(out, row.motto_en.as_deref()),
                "mottoZh" => optional_text(out, row.motto_zh.as_deref()),
                "parent" => match row.parent_id {
                    Some(parent) => match self.rows.get(&InstitutionById(parent))? {
                        Some(parent) => self.institution(set, parent, out)?,
                        None => null(out),
                    },
                    None => null(out),
                },
                _ => return None,
            }
            Some(())
        })
    }

    fn media(&self, set: &'a SelectionSet, row: &media::Model, out: &mut Vec<u8>) -> Option<()> {
        self.object(set, "Media", out, &mut |name, _, out| {
            match name {
                "id" => id(out, Kind::Media, row.id),
                "position" => scalar(out, row.position),
                "url" => optional_text(out, row.url.as_deref()),
                "caption" => optional_text(out, row.caption.as_deref()),
                "altText" => optional_text(out, row.alt_text.as_deref()),
                "credit" => optional_text(out, row.credit.as_deref()),
                "width" => scalar(out, row.width),
                "height" => scalar(out, row.height),
                _ => return None,
            }
            Some(())
        })
    }

    fn tag(&self, set: &'a SelectionSet, row: &tag::Model, out: &mut Vec<u8>) -> Option<()> {
        self.object(set, "Tag", out, &mut |name, _, out| {
            match name {
                "id" => id(out, Kind::Tag, row.id),
                "slug" => text(out, &row.slug),
                "name" => text(out, &row.name),
                _ => return None,
            }
            Some(())
        })
    }
}
