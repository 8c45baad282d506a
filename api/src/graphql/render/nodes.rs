//! The renderer of each type an article node reaches: the article, its section, byline,
//! mentions, people and their positions, institutions, media and tags. Each writes what its
//! selection asks for, as the resolvers would, or gives the node up (`None`).

use std::collections::HashMap;

use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::resolver_utils::enum_value;
use async_graphql::{ContextSelectionSet, Name, Positioned, ScalarType};
use entities::{article, institution, media, person, position, section, tag};

use super::json::{id, list, null, optional_text, scalar, text, write_str};
use crate::content::markdown;
use crate::graphql::RequestContext;
use crate::graphql::types::{
    ArticleStatus, Date, InstitutionKind, Locale, PersonMention, printed_byline,
};
use crate::ids::Kind;
use crate::reads::loaders::{
    AllSections, AuthorsOf, InstitutionById, InstitutionsMentionedIn, MediaOf, PeopleMentionedIn,
    PersonById, PositionsOfPerson, TagsOf,
};
use crate::reads::rows::RequestRows;
use crate::reads::sections::SectionTree;

/// One request's rendering state.
pub(super) struct Render<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    rows: &'a RequestRows,
    preferred_locale: Option<entities::enums::Locale>,
}

/// Writes a field's value from its name and selection; `None` gives the node up.
type Fields<'f, 'a> = dyn FnMut(&str, &'a SelectionSet, &mut Vec<u8>) -> Option<()> + 'f;

impl<'a> Render<'a> {
    pub(super) fn new(
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
    pub(super) fn object(
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
    pub(super) fn article(
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
