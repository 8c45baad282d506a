//! Article nodes rendered straight from the request's prefetched rows, without resolvers.
//!
//! A rendered news list is about a thousand fields, and async-graphql resolves each through a
//! boxed future, a context, a row clone and a map insert: that was most of the list's CPU time.
//! After a list has prefetched what its selection needs (see [`super::prefetch`]),
//! [`ArticleNode`] walks the selection itself and builds the same value in one pass.
//!
//! It renders only what it knows to give the resolvers' answer: fields without arguments or
//! directives, fragments on the type itself, values that cannot fail, rows that were prefetched.
//! Anything else (`jsonLd`, `revisions`, `positions(asOf: ...)`, a fragment on an interface, a
//! row not prefetched, a person a mention points at but that is gone) hands the whole node to the
//! resolvers, so an error or an unusual selection is answered exactly as before. Tests ask the
//! same lists both ways and compare.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
};
use entities::{article, institution, media, person, position, section, tag};

use super::RequestContext;
use super::loaders::{
    AllSections, AuthorsOf, InstitutionById, InstitutionsMentionedIn, MediaOf, PeopleMentionedIn,
    PersonById, PositionsOfPerson, TagsOf,
};
use super::rows::RequestRows;
use super::types::{
    Article, ArticleStatus, Date, InstitutionKind, Locale, PersonMention, printed_byline,
};
use crate::content::markdown;
use crate::content::sections::SectionTree;
use crate::ids::{self, Kind};

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
            && let Some(value) = render(ctx, request, &self.0.0)
        {
            request.app.rendering.direct.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        if let Some(request) = request {
            let stats = &request.app.rendering;
            stats.by_resolvers.fetch_add(1, Ordering::Relaxed);
        }
        <Article as OutputType>::resolve(self.0, ctx, field).await
    }
}

/// The node's value, or `None` when the resolvers must give it.
fn render(
    ctx: &ContextSelectionSet<'_>,
    request: &RequestContext,
    row: &article::Model,
) -> Option<Value> {
    let rows = request.rows.lock().ok()?;
    let render = Render {
        fragments: &ctx.query_env.fragments,
        rows: &rows,
        preferred_locale: request.preferred_locale,
    };
    render.article(&ctx.item.node, row)
}

/// One request's rendering state.
struct Render<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    rows: &'a RequestRows,
    preferred_locale: Option<entities::enums::Locale>,
}

/// Renders each item, or none.
fn list<T>(
    items: impl IntoIterator<Item = T>,
    item: impl FnMut(T) -> Option<Value>,
) -> Option<Value> {
    items
        .into_iter()
        .map(item)
        .collect::<Option<Vec<_>>>()
        .map(Value::List)
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

fn id(kind: Kind, id: i64) -> Value {
    Value::String(ids::encode(kind, id))
}

impl<'a> Render<'a> {
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

    /// An object of `type_name`: `value` gives each field's value from its name and selection.
    /// As async-graphql does, a scalar asked for twice keeps its first place, and an object with
    /// no field selected is null; objects asked for twice (to be merged) are left to it.
    fn object(
        &self,
        set: &'a SelectionSet,
        type_name: &'static str,
        value: &mut dyn FnMut(&str, &'a SelectionSet) -> Option<Value>,
    ) -> Option<Value> {
        let mut object = IndexMap::with_capacity(set.items.len());
        self.fields(set, type_name, &mut |field| {
            if !field.arguments.is_empty() || !field.directives.is_empty() {
                return None;
            }
            let name = field.name.node.as_str();
            let field_value = if name == "__typename" {
                Value::String(type_name.to_owned())
            } else {
                value(name, &field.selection_set.node)?
            };
            match object.entry(field.response_key().node.clone()) {
                Entry::Vacant(entry) => {
                    entry.insert(field_value);
                }
                Entry::Occupied(entry)
                    if matches!(entry.get(), Value::Object(_) | Value::List(_)) =>
                {
                    return None;
                }
                Entry::Occupied(_) => {}
            }
            Some(())
        })?;
        Some(if object.is_empty() {
            Value::Null
        } else {
            Value::Object(object)
        })
    }

    fn section_tree(&self) -> Option<&'a SectionTree> {
        self.rows.get(&AllSections)?.map(|tree| tree.as_ref())
    }

    fn article(&self, set: &'a SelectionSet, row: &article::Model) -> Option<Value> {
        self.object(set, "Article", &mut |name, set| {
            Some(match name {
                "id" => id(Kind::Article, row.id),
                "slug" => text(&row.slug),
                "locale" => enum_value(Locale::from(row.locale)),
                "localeFallbackFrom" => self
                    .preferred_locale
                    .filter(|locale| *locale != row.locale)
                    .map_or(Value::Null, |locale| enum_value(Locale::from(locale))),
                "title" => text(&row.title),
                "summary" => row.summary.as_deref().into(),
                "bodyMarkdown" => text(&row.body),
                "bodyHtml" => Value::String(markdown::to_html(&row.body)),
                "bodyText" => Value::String(markdown::to_text(&row.body)),
                "version" => row.version.into(),
                "status" => enum_value(ArticleStatus::from(row.status)),
                "publishedAt" => row
                    .published_at
                    .as_ref()
                    .map_or(Value::Null, |at| at.to_value()),
                "createdAt" => row.created_at.to_value(),
                "updatedAt" => row.updated_at.to_value(),
                "section" => self.section(set, self.section_tree()?.get(row.section_id)?)?,
                "breadcrumb" => {
                    let path = self.section_tree()?.path_to(row.section_id);
                    list(path, |section| self.section(set, section))?
                }
                "byline" => self.byline(set, row)?,
                "media" => {
                    let media = self.rows.get(&MediaOf(row.id))?;
                    list(media.into_iter().flatten(), |media| self.media(set, media))?
                }
                "mentionedPeople" => {
                    let rows = self.rows.get(&PeopleMentionedIn(row.id))?;
                    let mentions = PersonMention::group(rows.map_or(&[], Vec::as_slice));
                    list(&mentions, |mention| self.mention(set, mention))?
                }
                "mentionedInstitutions" => {
                    let links = self.rows.get(&InstitutionsMentionedIn(row.id))?;
                    let mut institutions = Vec::new();
                    for link in links.into_iter().flatten() {
                        // A link to a row that is gone is left out, as the resolver does.
                        if let Some(institution) =
                            self.rows.get(&InstitutionById(link.institution_id))?
                        {
                            institutions.push(self.institution(set, institution)?);
                        }
                    }
                    Value::List(institutions)
                }
                "tags" => {
                    let tags = self.rows.get(&TagsOf(row.id))?;
                    list(tags.into_iter().flatten(), |tag| self.tag(set, tag))?
                }
                _ => return None,
            })
        })
    }

    fn section(&self, set: &'a SelectionSet, row: &section::Model) -> Option<Value> {
        self.object(set, "Section", &mut |name, set| {
            Some(match name {
                "id" => id(Kind::Section, row.id),
                "version" => row.version.into(),
                "slug" => text(&row.slug),
                "name" => text(&row.name_en),
                "nameZh" => row.name_zh.as_deref().into(),
                "position" => row.position.into(),
                "parent" => match row.parent_id {
                    Some(parent) => match self.section_tree()?.get(parent) {
                        Some(parent) => self.section(set, parent)?,
                        None => Value::Null,
                    },
                    None => Value::Null,
                },
                "children" => {
                    let children = self.section_tree()?.children(Some(row.id));
                    list(children, |child| self.section(set, child))?
                }
                "breadcrumb" => {
                    let path = self.section_tree()?.path_to(row.id);
                    list(path, |section| self.section(set, section))?
                }
                _ => return None,
            })
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

    fn byline(&self, set: &'a SelectionSet, row: &article::Model) -> Option<Value> {
        let unit = match row.source_institution_id {
            Some(id) => self.rows.get(&InstitutionById(id)),
            None => Some(None),
        };
        let authors = || {
            let links = self.rows.get(&AuthorsOf(row.id))?;
            self.people(links.into_iter().flatten().map(|link| link.person_id))
        };
        self.object(set, "Byline", &mut |name, set| {
            Some(match name {
                "institution" => match unit? {
                    Some(unit) => self.institution(set, unit)?,
                    None => Value::Null,
                },
                "authors" => list(authors()?, |person| self.person(set, person))?,
                "text" => {
                    let mut parts: Vec<&str> = unit?.iter().map(|unit| &*unit.name_en).collect();
                    parts.extend(authors()?.iter().map(|person| &*person.name_en));
                    printed_byline(&parts).into()
                }
                _ => return None,
            })
        })
    }

    fn mention(&self, set: &'a SelectionSet, mention: &PersonMention) -> Option<Value> {
        self.object(set, "PersonMention", &mut |name, set| {
            Some(match name {
                // The person must exist: when it does not, the resolver's error is the answer.
                "person" => self.person(set, self.rows.get(&PersonById(mention.person_id))??)?,
                "roles" => {
                    Value::List(mention.roles.iter().map(|role| enum_value(*role)).collect())
                }
                "titleAsPrinted" => mention.title_as_printed.as_deref().into(),
                _ => return None,
            })
        })
    }

    fn person(&self, set: &'a SelectionSet, row: &person::Model) -> Option<Value> {
        self.object(set, "Person", &mut |name, set| {
            Some(match name {
                "id" => id(Kind::Person, row.id),
                "version" => row.version.into(),
                "slug" => text(&row.slug),
                "name" => text(&row.name_en),
                "nameZh" => row.name_zh.as_deref().into(),
                "positions" => {
                    let positions = self.rows.get(&PositionsOfPerson(row.id))?;
                    list(positions.into_iter().flatten(), |position| {
                        self.position(set, position)
                    })?
                }
                _ => return None,
            })
        })
    }

    fn position(&self, set: &'a SelectionSet, row: &position::Model) -> Option<Value> {
        self.object(set, "Position", &mut |name, set| {
            Some(match name {
                "id" => id(Kind::Position, row.id),
                "version" => row.version.into(),
                "person" => self.person(set, self.rows.get(&PersonById(row.person_id))??)?,
                "institution" => {
                    let institution = self.rows.get(&InstitutionById(row.institution_id))??;
                    self.institution(set, institution)?
                }
                "title" => text(&row.title_en),
                "titleZh" => row.title_zh.as_deref().into(),
                "startedOn" => row
                    .started_on
                    .map_or(Value::Null, |day| Date(day).to_value()),
                "endedOn" => row.ended_on.map_or(Value::Null, |day| Date(day).to_value()),
                "isCurrent" => row.is_current.into(),
                _ => return None,
            })
        })
    }

    fn institution(&self, set: &'a SelectionSet, row: &institution::Model) -> Option<Value> {
        self.object(set, "Institution", &mut |name, set| {
            Some(match name {
                "id" => id(Kind::Institution, row.id),
                "version" => row.version.into(),
                "slug" => text(&row.slug),
                "name" => text(&row.name_en),
                "nameZh" => row.name_zh.as_deref().into(),
                "shortName" => row.short_name_en.as_deref().into(),
                "shortNameZh" => row.short_name_zh.as_deref().into(),
                "kind" => enum_value(InstitutionKind::from(row.kind)),
                "region" => row.region.as_deref().into(),
                "city" => row.city.as_deref().into(),
                "address" => row.address.as_deref().into(),
                "postcode" => row.postcode.as_deref().into(),
                "website" => row.website.as_deref().into(),
                "motto" => row.motto_en.as_deref().into(),
                "mottoZh" => row.motto_zh.as_deref().into(),
                "parent" => match row.parent_id {
                    Some(parent) => match self.rows.get(&InstitutionById(parent))? {
                        Some(parent) => self.institution(set, parent)?,
                        None => Value::Null,
                    },
                    None => Value::Null,
                },
                _ => return None,
            })
        })
    }

    fn media(&self, set: &'a SelectionSet, row: &media::Model) -> Option<Value> {
        self.object(set, "Media", &mut |name, _| {
            Some(match name {
                "id" => id(Kind::Media, row.id),
                "position" => row.position.into(),
                "url" => row.url.as_deref().into(),
                "caption" => row.caption.as_deref().into(),
                "altText" => row.alt_text.as_deref().into(),
                "credit" => row.credit.as_deref().into(),
                "width" => row.width.into(),
                "height" => row.height.into(),
                _ => return None,
            })
        })
    }

    fn tag(&self, set: &'a SelectionSet, row: &tag::Model) -> Option<Value> {
        self.object(set, "Tag", &mut |name, _| {
            Some(match name {
                "id" => id(Kind::Tag, row.id),
                "slug" => text(&row.slug),
                "name" => text(&row.name),
                _ => return None,
            })
        })
    }
}
